"""What a run imports before its first judge call: only what scoring needs.

SciPy (aggregation), SQLAlchemy (the store), Jinja (the report) and the other checks' libraries are
imported while the judge calls are in flight, or after them (genjudge.runner), not on the way to
the first call: each would add its import time to every `genjudge run`. Some are not imported at
all: aggregation needs scipy.special, never scipy.stats or scipy.optimize, and a store is opened
(new or current) without Alembic.
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
from genjudge.stats import jeffreys_interval
jeffreys_interval(3, 10)
"""
    assert set(_imported(code)) >= {"scipy", "sqlalchemy", "genjudge.stats"}


def test_the_statistics_import_without_scipy_stats():
    # Aggregation needs normal and beta quantiles only (scipy.special, the same ufuncs scipy.stats
    # calls); the distributions, scipy.optimize and the rest load in the functions that use them.
    code = "import genjudge.stats, genjudge.aggregate, genjudge.aggregate_clusters"
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in ['scipy.stats', 'scipy.optimize'] if m in sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


NEVER_ON_A_JUDGE_RUN = ["alembic", "scipy.optimize", "scipy.stats", "sklearn", "statsmodels"]


def test_a_whole_judge_only_run_never_imports_scipy_stats_or_alembic(tmp_path):
    """A real `genjudge run` (a subprocess, a judge rubric through the openai SDK at a loopback
    server, a new SQLite store): scored, aggregated, stored and reported without SciPy's
    distributions, SciPy's optimisers or Alembic (a new SQLite store is made from the schema
    snapshot; a current one is opened with one query)."""
    import shutil

    import yaml

    from tests.llm.loopback import verdict
    from tests.robustness.conftest import ThreadedLoopback, judge_settings

    folder = tmp_path / "proj"
    folder.mkdir()
    for name in ("set.jsonl", "set.jsonl.manifest.json", "teacher.jsonl", "student.jsonl"):
        shutil.copy(REPO / "examples" / "summaries" / name, folder / name)
    server = ThreadedLoopback()
    server.respond(lambda seen: verdict(reason="supported", score=4))
    try:
        config = {
            "task": "generation",
            "set": "set.jsonl",
            "teacher": "teacher.jsonl",
            "student": "student.jsonl",
            "bootstrap": {"resamples": 100},
            "checks": {"judge_rubric": {"rubrics": ["faithfulness"], "sides": ["student"]}},
            "judge": judge_settings(server.base_url),
        }
        (folder / "run.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        seen = folder / "modules.json"
        probe = (
            "import atexit, json, runpy, sys\n"
            f"atexit.register(lambda: open({str(seen)!r}, 'w').write(json.dumps(sorted(sys.modules))))\n"
            "sys.argv = ['genjudge', 'run', 'run.yaml', '--quiet', '--store', 'new/store.db', '--out', 'report']\n"
            "runpy.run_module('genjudge', run_name='__main__', alter_sys=True)\n"
        )
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        for _ in range(2):  # a new store, then the same store at the newest revision
            done = subprocess.run(
                [sys.executable, "-c", probe], cwd=folder, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr[-2000:]
            modules = set(json.loads(seen.read_text()))
            assert {
                "genjudge.aggregate",
                "sqlalchemy",
                "scipy.special",
            } <= modules  # it did aggregate and store
            assert sorted(m for m in NEVER_ON_A_JUDGE_RUN if m in modules) == []
            shutil.rmtree(folder / "report")
        assert len(server.prompts()) > 0
    finally:
        server.close()
