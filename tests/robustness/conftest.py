"""Fixtures for the robustness suite: projects on disk, a loopback judge in its own thread, the CLI.

The loopback server (tests/llm/loopback.py, the real openai SDK on the other side) runs on an
event loop in a background thread, so that a test can drive the real CLI in process (typer's
runner) or as a subprocess while the server counts every request it receives.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tests.llm.loopback import Loopback, Reply, blocks

REPO = Path(__file__).resolve().parents[2]
SUMMARIES = REPO / "examples" / "summaries"


class ThreadedLoopback:
    """A :class:`Loopback` on its own loop in a daemon thread."""

    def __init__(self, factory: type[Loopback] = Loopback) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: Any = asyncio.run_coroutine_threadsafe(factory().start(), self.loop).result(10)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def respond(self, responder: Any) -> None:
        self.server.responder = responder

    def prompts(self) -> list[str]:
        return [s.user for s in list(self.server.seen)]

    def counts(self) -> Counter:
        """Requests received per distinct prompt."""
        return Counter(self.prompts())

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def server():
    s = ThreadedLoopback()
    yield s
    s.close()


def consistent_judge(seen) -> Reply:
    """A deterministic judge: equivalent when the two texts share their first word, in either order."""
    texts = list(blocks(seen.user).values())
    same = len(texts) == 2 and texts[0].split()[:1] == texts[1].split()[:1]
    label = "equivalent" if same else "not_equivalent"
    return Reply(content=json.dumps({"reason": "compared", "verdict": label}))


def judge_settings(base_url: str) -> dict[str, Any]:
    """The loopback judge (real openai SDK), with short backoffs."""
    return {
        "provider": "openai",
        "model": "gpt-4o-mini",
        "base_url": base_url,
        "api_key_env": "GJ_ROBUST_NO_KEY",
        "concurrency": 4,
        "backoff_initial_s": 0.01,
        "backoff_max_s": 0.05,
    }


def generation_project(tmp_path: Path, base_url: str, *, items: int = 24, **judge: Any) -> Path:
    """The summaries example (frozen set, teacher, student) with exact match and judged equivalence."""
    folder = tmp_path / "proj"
    folder.mkdir()
    for name in ("set.jsonl", "set.jsonl.manifest.json", "teacher.jsonl", "student.jsonl"):
        shutil.copy(SUMMARIES / name, folder / name)
    config = {
        "name": "robustness",
        "task": "generation",
        "set": "set.jsonl",
        "teacher": "teacher.jsonl",
        "student": "student.jsonl",
        "min_support": 8,
        "bootstrap": {"resamples": 200},
        "checks": {"exact_match": {}, "judge_equivalence": {}},
        "judge": {**judge_settings(base_url), **judge},
        "store": "store.db",
    }
    (folder / "run.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder


def classification_project(tmp_path: Path, n: int = 12) -> Path:
    """A small frozen classification set with teacher and student outputs (no model needed)."""
    from genjudge.io.evalset import freeze

    folder = tmp_path / "proj"
    folder.mkdir(exist_ok=True)
    labels = ["billing", "login", "bug"]
    rows = [
        {"id": f"t{i}", "input": f"ticket {i}", "reference": labels[i % 3], "tier": "a"} for i in range(n)
    ]
    (folder / "set.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    freeze(folder / "set.jsonl", ["tier"])
    for side, shift in (("teacher", 0), ("student", 1)):
        out = [
            {"id": r["id"], "output": labels[(i + (shift if i % 4 == 0 else 0)) % 3], "latency_ms": 10 + i}
            for i, r in enumerate(rows)
        ]
        (folder / f"{side}.jsonl").write_text("".join(json.dumps(o) + "\n" for o in out), encoding="utf-8")
    config = {
        "task": "classification",
        "set": "set.jsonl",
        "teacher": "teacher.jsonl",
        "student": "student.jsonl",
        "bootstrap": {"resamples": 100},
        "store": "store.db",
    }
    (folder / "run.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder


def cli(args: list[str], cwd: Path) -> Any:
    """Run the real CLI in process (typer's runner) from ``cwd``; exceptions are caught, not raised."""
    from genjudge.cli import app

    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, args, catch_exceptions=True)
    finally:
        os.chdir(old)


def written(folder: Path, before: set[Path]) -> list[str]:
    """Files and folders under ``folder`` that were not there before (the test's own inputs aside)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p not in before)


def spawn_run(folder: Path, *extra: str) -> subprocess.Popen:
    """``genjudge run run.yaml`` as a real subprocess of this checkout."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env["PYTHONFAULTHANDLER"] = "1"  # a child stopped with SIGABRT prints every thread's stack
    return subprocess.Popen(
        [sys.executable, "-m", "genjudge", "run", "run.yaml", *extra],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_sigint_as_at_a_terminal,
    )


def _sigint_as_at_a_terminal() -> None:
    """Give the child SIGINT's default disposition, as a shell gives a foreground command.

    A command started in the background by a non-interactive shell (``.ci/run &``, as a CI runner
    may start it) inherits SIGINT *ignored*, and so does every process under it; Python then keeps
    it ignored (as it must: that is how ``nohup`` and ``cmd &`` work), and a SIGINT test would wait
    on a child that rightly never hears the signal. The test is about Ctrl-C at a terminal.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
async def loopback():
    """A loopback server on the test's own event loop (for tests that call the Judge directly)."""
    s = await Loopback().start()
    yield s
    await s.stop()
