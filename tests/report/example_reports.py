"""Run the shipped examples into report folders, for the report tests (and a look by hand).

``python -m tests.report.example_reports OUT`` writes ``OUT/<example>/report.html`` for every
example whose data is present (sroie and sroie_llm need ``../shared/data``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from genjudge.api import evaluate_async

REPO = Path(__file__).resolve().parents[2]
SROIE_DATA = REPO.parent / "shared" / "data" / "sroie" / "sroie_key_fields.jsonl"
EXAMPLES = ("tickets", "summaries", "sroie", "sroie_llm", "generate")


def missing_data(name: str) -> str | None:
    """Why the example cannot run here, or None."""
    if name.startswith("sroie") and not SROIE_DATA.exists():
        return f"needs {SROIE_DATA}"
    return None


async def tickets(work: Path) -> Path:
    out = work / "tickets-report"
    await evaluate_async(
        REPO / "examples" / "tickets" / "genjudge.yaml",
        overrides={"report_dir": str(out), "bootstrap": {"resamples": 200}},
        store=str(work / "tickets.db"),
    )
    return out


async def summaries(work: Path) -> Path:
    """The generation example, its judge answered by the loopback server."""
    from tests.core.test_run_generation import judge_by_kind, write_config
    from tests.llm.loopback import Loopback

    folder = work / "summaries"
    shutil.copytree(
        REPO / "examples" / "summaries", folder, ignore=shutil.ignore_patterns("reports", ".genjudge")
    )
    respond, _ = judge_by_kind(folder)
    server = await Loopback(respond).start()
    out = work / "summaries-report"
    try:
        await evaluate_async(write_config(folder, server.base_url, report_dir=str(out)))
    finally:
        await server.stop()
    return out


async def _sroie(work: Path, name: str, extra: list[str]) -> Path:
    folder = work / name
    folder.mkdir(parents=True)
    if name == "sroie_llm":  # the shipped LLM answers: the script asks the model for none of them
        shutil.copy(REPO / "examples" / name / "teacher.jsonl", folder / "teacher.jsonl")
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_sroie_example.py"), "--out", str(folder), *extra],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    shutil.copy(REPO / "examples" / name / "config.yaml", folder / "config.yaml")
    checks = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))["checks"]
    out = work / f"{name}-report"
    await evaluate_async(
        folder / "config.yaml",
        overrides={
            "report_dir": str(out),
            "bootstrap": {"resamples": 100},
            # the embedding check is the slow one and adds nothing to the page under test
            "checks": {k: v for k, v in checks.items() if k != "embedding_similarity"},
        },
        store=str(work / f"{name}.db"),
    )
    return out


async def sroie(work: Path) -> Path:
    return await _sroie(work, "sroie", [])


async def sroie_llm(work: Path) -> Path:
    return await _sroie(work, "sroie_llm", ["--teacher", "llm", "--n", "60"])


async def generate(work: Path) -> Path:
    """The generate demo: two local models' shipped outputs and settings records."""
    out = work / "generate-report"
    await evaluate_async(
        REPO / "examples" / "generate" / "genjudge.yaml",
        overrides={"report_dir": str(out), "bootstrap": {"resamples": 200}},
        store=str(work / "generate.db"),
    )
    return out


BUILD = {
    "tickets": tickets,
    "summaries": summaries,
    "sroie": sroie,
    "sroie_llm": sroie_llm,
    "generate": generate,
}


if __name__ == "__main__":
    import asyncio

    target = Path(sys.argv[1])
    for example in sys.argv[2:] or EXAMPLES:
        if (why := missing_data(example)) is not None:
            print(f"{example}: skipped, {why}")
            continue
        print(asyncio.run(BUILD[example](target / example)) / "report.html")
