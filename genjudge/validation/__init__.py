"""Validate an LLM judge against human ratings, decide under a stated policy, record the decision.

See docs/validation.md. The runner uses :func:`decisions_for` (over :func:`lookup_decision`) to
mark judge-based metrics validated or unvalidated; :mod:`~genjudge.validation.judging` runs a judge
over a rated sample, :mod:`~genjudge.validation.run_status` answers for a run's configuration.
"""

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
from genjudge.validation.run_status import decisions_for, judge_validated, rubrics_in_use, validated_rubrics
from genjudge.validation.store import (
    default_store_url,
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
    "Outcome",
    "Policy",
    "SliceResult",
    "StatValue",
    "WorstItem",
    "decide",
    "decisions_for",
    "default_store_url",
    "explain",
    "get_decision",
    "imported_source",
    "judge_validated",
    "list_decisions",
    "lookup_decision",
    "read_verdicts",
    "rubrics_in_use",
    "save_decision",
    "validated_rubrics",
    "write_verdicts",
]
