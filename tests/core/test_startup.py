"""What a run imports before its first judge call: only what scoring needs.

SciPy (aggregation), SQLAlchemy (the store), Jinja (the report) and the other checks' libraries are
imported while the judge calls are in flight, or after them (genjudge.runner), not on the way to
the first call: each would add its import time to every `genjudge run`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

LATER = ["scipy", "sqlalchemy", "jinja2", "sklearn", "statsmodels", "genjudge.aggregate", "genjudge.stats"]


def _imported(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {LATER!r} if m in sys.modules]))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_run_path_up_to_scoring_imports_none_of_the_later_libraries():
    code = """
import genjudge.api
from genjudge.api import evaluate
import genjudge.cli.core, genjudge.runner, genjudge.preflight
from genjudge import checks
checks.get("judge_rubric"); checks.get("exact_match")
from genjudge.store import resolve_url
from genjudge.validation.in_run import judge_standing
from genjudge.validation.run_status import run_standing
"""
    assert _imported(code) == []


def test_a_run_still_loads_them_when_it_needs_them():
    code = """
from genjudge import checks, store, validation
checks.names(); store.RunStore; validation.decide
import genjudge.runner
"""
    assert set(_imported(code)) >= {"scipy", "sqlalchemy", "genjudge.stats"}
