"""genjudge: evaluate a distilled student against its teacher, and the judges that score them.

The workflows as functions with typed results::

    import genjudge

    run = genjudge.evaluate("examples/tickets/genjudge.yaml")   # a Run
    run.metrics                                                 # tidy DataFrame, one row per number
    change = genjudge.compare(latest_n=2)                       # the newest run against the one before
    verdict = genjudge.gate("gate.yaml", run.run_id, baseline="previous")
    decision = genjudge.validate_judge({"sample": "labels/s", "verdicts": "v.csv"})
    outputs = genjudge.generate("examples/generate/generate.yaml")  # both models, one harness

Names are imported on first use (module ``__getattr__``), so ``import genjudge`` and
``genjudge --help`` stay fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from genjudge._version import __version__

if TYPE_CHECKING:
    from genjudge import stats
    from genjudge.api import (
        Run,
        ValidationConfig,
        compare,
        evaluate,
        evaluate_async,
        freeze,
        gate,
        generate,
        loadtest,
        validate_judge,
    )
    from genjudge.comparison import Comparison
    from genjudge.config import RunConfig
    from genjudge.errors import ConfigError, InputError
    from genjudge.findings import Finding
    from genjudge.gating import GatePolicy, GateResult
    from genjudge.generation import GenerateResult, LoadtestResult
    from genjudge.judge import Judge, JudgeSettings, Verdict
    from genjudge.progress import EventKind, ProgressEvent, ProgressSnapshot
    from genjudge.records import MetricValue, RunRecord, SetManifest, Status, TaskKind
    from genjudge.report.model import Report
    from genjudge.validation import Decision, Policy

# public name -> module that defines it
_LAZY = {
    "Comparison": "genjudge.comparison",
    "ConfigError": "genjudge.errors",
    "Decision": "genjudge.validation",
    "EventKind": "genjudge.progress",
    "Finding": "genjudge.findings",
    "GatePolicy": "genjudge.gating",
    "GenerateResult": "genjudge.generation",
    "GateResult": "genjudge.gating",
    "InputError": "genjudge.errors",
    "Judge": "genjudge.judge",
    "JudgeSettings": "genjudge.judge",
    "LoadtestResult": "genjudge.generation",
    "MetricValue": "genjudge.records",
    "Policy": "genjudge.validation",
    "ProgressEvent": "genjudge.progress",
    "ProgressSnapshot": "genjudge.progress",
    "Report": "genjudge.report.model",
    "Run": "genjudge.api",
    "RunConfig": "genjudge.config",
    "RunRecord": "genjudge.records",
    "SetManifest": "genjudge.records",
    "Status": "genjudge.records",
    "TaskKind": "genjudge.records",
    "ValidationConfig": "genjudge.api",
    "Verdict": "genjudge.judge",
    "compare": "genjudge.api",
    "evaluate": "genjudge.api",
    "evaluate_async": "genjudge.api",
    "freeze": "genjudge.api",
    "gate": "genjudge.api",
    "generate": "genjudge.api",
    "loadtest": "genjudge.api",
    "validate_judge": "genjudge.api",
}
_SUBMODULES = ("stats",)

__all__ = [
    "Comparison",
    "ConfigError",
    "Decision",
    "EventKind",
    "Finding",
    "GatePolicy",
    "GateResult",
    "GenerateResult",
    "InputError",
    "Judge",
    "JudgeSettings",
    "LoadtestResult",
    "MetricValue",
    "Policy",
    "ProgressEvent",
    "ProgressSnapshot",
    "Report",
    "Run",
    "RunConfig",
    "RunRecord",
    "SetManifest",
    "Status",
    "TaskKind",
    "ValidationConfig",
    "Verdict",
    "__version__",
    "compare",
    "evaluate",
    "evaluate_async",
    "freeze",
    "gate",
    "generate",
    "loadtest",
    "stats",
    "validate_judge",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"genjudge.{name}")
    else:
        raise AttributeError(f"module 'genjudge' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
