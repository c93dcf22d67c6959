"""Validate an LLM judge against human ratings, decide under a stated policy, record the decision.

See docs/validation.md. The runner uses :func:`run_standing` to mark judge-based metrics
*validated*, *validated elsewhere* or *unvalidated*; :mod:`~genjudge.validation.judging` runs a judge
over a rated sample, :mod:`~genjudge.validation.run_status` answers for a run's configuration.


Names are imported on first use (module ``__getattr__``): importing one submodule (the runner's
``evaluate`` path) does not load the others and their dependencies.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from genjudge.validation.binding import JudgeBinding, Population, PopulationKind, bind_judge
    from genjudge.validation.decision import decide, explain
    from genjudge.validation.policy import Policy
    from genjudge.validation.records import (
        ClaimThreshold,
        Decision,
        DimensionResult,
        Direction,
        Outcome,
        SliceResult,
        StatValue,
        WorstItem,
    )
    from genjudge.validation.run_status import (
        RubricStanding,
        Standing,
        rubrics_in_use,
        run_standing,
        standing_for,
    )
    from genjudge.validation.store import (
        default_store_url,
        find_decisions,
        get_decision,
        list_decisions,
        lookup_decision,
        save_decision,
    )
    from genjudge.validation.verdicts import imported_source, read_verdicts, write_verdicts

# public name -> module that defines it
_LAZY = {
    "ClaimThreshold": "genjudge.validation.records",
    "Decision": "genjudge.validation.records",
    "DimensionResult": "genjudge.validation.records",
    "Direction": "genjudge.validation.records",
    "JudgeBinding": "genjudge.validation.binding",
    "Outcome": "genjudge.validation.records",
    "Policy": "genjudge.validation.policy",
    "Population": "genjudge.validation.binding",
    "PopulationKind": "genjudge.validation.binding",
    "RubricStanding": "genjudge.validation.run_status",
    "SliceResult": "genjudge.validation.records",
    "Standing": "genjudge.validation.run_status",
    "StatValue": "genjudge.validation.records",
    "WorstItem": "genjudge.validation.records",
    "bind_judge": "genjudge.validation.binding",
    "decide": "genjudge.validation.decision",
    "default_store_url": "genjudge.validation.store",
    "explain": "genjudge.validation.decision",
    "find_decisions": "genjudge.validation.store",
    "get_decision": "genjudge.validation.store",
    "imported_source": "genjudge.validation.verdicts",
    "list_decisions": "genjudge.validation.store",
    "lookup_decision": "genjudge.validation.store",
    "read_verdicts": "genjudge.validation.verdicts",
    "rubrics_in_use": "genjudge.validation.run_status",
    "run_standing": "genjudge.validation.run_status",
    "save_decision": "genjudge.validation.store",
    "standing_for": "genjudge.validation.run_status",
    "write_verdicts": "genjudge.validation.verdicts",
}

__all__ = [
    "ClaimThreshold",
    "Decision",
    "DimensionResult",
    "Direction",
    "JudgeBinding",
    "Outcome",
    "Policy",
    "Population",
    "PopulationKind",
    "RubricStanding",
    "SliceResult",
    "Standing",
    "StatValue",
    "WorstItem",
    "bind_judge",
    "decide",
    "default_store_url",
    "explain",
    "find_decisions",
    "get_decision",
    "imported_source",
    "list_decisions",
    "lookup_decision",
    "read_verdicts",
    "rubrics_in_use",
    "run_standing",
    "save_decision",
    "standing_for",
    "write_verdicts",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'genjudge.validation' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
