"""The workflows as Python functions with typed results (the CLI is a thin edge over these).

Names are imported on first use (module ``__getattr__``): importing one submodule (the runner's
``evaluate`` path) does not load the others and their dependencies.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from genjudge.api.evaluation import evaluate, evaluate_async, freeze, resolve_config
    from genjudge.api.generation import generate, loadtest
    from genjudge.api.releases import compare, gate
    from genjudge.api.result import REPORT_FILES, Run
    from genjudge.api.validate import ValidationConfig, ValidationOutcome, run_validation, validate_judge

# public name -> module that defines it
_LAZY = {
    "REPORT_FILES": "genjudge.api.result",
    "Run": "genjudge.api.result",
    "ValidationConfig": "genjudge.api.validate",
    "ValidationOutcome": "genjudge.api.validate",
    "compare": "genjudge.api.releases",
    "evaluate": "genjudge.api.evaluation",
    "evaluate_async": "genjudge.api.evaluation",
    "freeze": "genjudge.api.evaluation",
    "gate": "genjudge.api.releases",
    "generate": "genjudge.api.generation",
    "loadtest": "genjudge.api.generation",
    "resolve_config": "genjudge.api.evaluation",
    "run_validation": "genjudge.api.validate",
    "validate_judge": "genjudge.api.validate",
}

__all__ = [
    "REPORT_FILES",
    "Run",
    "ValidationConfig",
    "ValidationOutcome",
    "compare",
    "evaluate",
    "evaluate_async",
    "freeze",
    "gate",
    "generate",
    "loadtest",
    "resolve_config",
    "run_validation",
    "validate_judge",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'genjudge.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
