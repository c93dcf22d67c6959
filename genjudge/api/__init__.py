"""The workflows as Python functions with typed results (the CLI is a thin edge over these)."""

from genjudge.api.evaluation import evaluate, evaluate_async, freeze, resolve_config
from genjudge.api.generation import generate, loadtest
from genjudge.api.releases import compare, gate
from genjudge.api.result import REPORT_FILES, Run
from genjudge.api.validate import ValidationConfig, ValidationOutcome, run_validation, validate_judge

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
