"""Validate an LLM judge against human ratings, decide under a stated policy, record the decision.

See docs/validation.md. The runner uses :func:`run_standing` to mark judge-based metrics
*validated*, *validated elsewhere* or *unvalidated*; :mod:`~genjudge.validation.judging` runs a judge
over a rated sample, :mod:`~genjudge.validation.run_status` answers for a run's configuration.
"""

from genjudge.validation.binding import JudgeBinding, Population, PopulationKind, bind_judge
from genjudge.validation.decision import decide, explain
from genjudge.validation.policy import Policy
from genjudge.validation.records import (
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

__all__ = [
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
