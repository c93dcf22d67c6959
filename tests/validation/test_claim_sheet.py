"""The own-data loop for a claim rubric: a run judges claims, `labels sample` draws them into a sheet,
people rate it, `validate SHEET` calibrates the p(yes) threshold, and the next run uses it.

The judge is the real openai SDK against a loopback server whose p(yes) for a claim is a fixed
function of its text; the people say "yes" exactly when that p(yes) is at least 0.4, so the
threshold the calibration must find is the lowest p(yes) among the rated "yes" claims.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from genjudge.cli import app
from genjudge.config import load_config
from genjudge.labels import load_sample
from genjudge.runner import run_async
from genjudge.validation import list_decisions
from tests.llm.loopback import blocks
from tests.robustness.conftest import ThreadedLoopback
from tests.validation.test_claim_calibration import word_reply

REPO = Path(__file__).resolve().parents[2]


def p_yes(claim: str) -> float:
    """The judge's p(yes) for a claim: spread over (0.05, 0.95) by the claim's text."""
    return 0.05 + 0.9 * (int(hashlib.sha256(claim.encode()).hexdigest()[:6], 16) % 1000) / 1000


def rate_at_the_terminal(sheet: Path, items: dict[str, dict]) -> None:
    """A rater at `genjudge labels rate`: the screen shows the context and the claim under the
    rubric's titles; the rater answers yes (key 1) exactly when the judge's p(yes) is at least 0.4."""
    import pexpect

    from genjudge.labels.journal import order
    from tests.labels.sheets import spawn_rate

    child = spawn_rate(sheet, "ana")
    try:
        for item in order(sheet, "ana"):
            child.expect(r"keys: 1-\d rate .* q quit")
            screen = " ".join(child.before.split())
            assert "CONTEXT" in screen and "CLAIM" in screen
            assert " ".join(items[item]["claim"].split())[:40] in screen
            child.send("1" if p_yes(items[item]["claim"]) >= 0.4 else "2")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    rows = list(csv.DictReader((sheet / "ratings.csv").read_text(encoding="utf-8").splitlines()))
    assert len(rows) == len(items) and {r["rating"] for r in rows} == {"yes", "no"}


@pytest.fixture
def server():
    lb = ThreadedLoopback()
    lb.respond(lambda seen: word_reply(p_yes(blocks(seen.user)["claim"])))
    yield lb
    lb.close()


def test_a_claim_sheet_from_a_run_calibrates_the_threshold_the_next_run_uses(tmp_path, server, monkeypatch):
    example = tmp_path / "summaries"
    shutil.copytree(
        REPO / "examples" / "summaries", example, ignore=shutil.ignore_patterns("reports", ".genjudge")
    )
    monkeypatch.chdir(example)
    judge = {"provider": "openai", "model": "claim-judge", "base_url": server.base_url,
             "api_key_env": "GJ_TEST_NO_KEY"}  # fmt: skip
    conf = {"task": "generation", "set": "set.jsonl", "teacher": "teacher.jsonl", "student": "student.jsonl",
            "min_support": 8, "bootstrap": {"resamples": 100}, "judge": judge, "store": "store.db",
            "checks": {"judge_claims": {"against": ["source", "teacher"], "coverage": True}}}  # fmt: skip
    (example / "run.yaml").write_text(yaml.safe_dump(conf), encoding="utf-8")

    def run() -> dict:
        return asyncio.run(run_async(load_config(example / "run.yaml"), config_dir=example)).report

    first = run()
    section = first["sections"]["judge_claims"]
    assert section["threshold_source"] == "default 0.5, uncalibrated"
    assert section["judge_cache"] == str(example / ".genjudge" / "judge_cache.sqlite")
    calls_after_run = len(server.server.seen)

    runner = CliRunner()
    sheet = example / "claims-sheet"
    drawn = runner.invoke(
        app,
        ["labels", "sample", first["run"]["run_id"], "--rubric", "claim_support", "--n", "40",
         "--out", str(sheet), "--store", "store.db"],
    )  # fmt: skip
    assert drawn.exit_code == 0, drawn.output
    assert "drew 40 items" in drawn.output
    sample = load_sample(sheet, allow_empty=True)
    items = list(sample.items.values())
    assert len(items) == 40 and sample.manifest.document == "document"
    assert {i["against"] for i in items} == {"source", "teacher", "coverage"}
    strata = {i["_stratum"] for i in items}
    assert any("verdict=supported" in h for h in strata) and any("verdict=contradicted" in h for h in strata)
    sources = {r["id"]: r["input"] for r in map(json.loads, (example / "set.jsonl").read_text().splitlines())}
    for item in items:  # the pair the run judged: the context is the item's text
        if item["against"] == "source":
            assert item["context"] == sources[item["document"]]
        assert item["id"].startswith(f"{item['document']}/{item['against']}/")

    rate_at_the_terminal(sheet, {i["id"]: i for i in items})
    done = runner.invoke(app, ["validate", str(sheet), "--store", "store.db"])
    assert done.exit_code == 0, done.output
    # the run's judge, answered from the run's cache: the 40 claims cost no new call
    assert len(server.server.seen) == calls_after_run
    decision = next(d for d in list_decisions("sqlite:///store.db") if d.claim_threshold is not None)
    rated_yes = [p_yes(i["claim"]) for i in items if p_yes(i["claim"]) >= 0.4]
    assert decision.accepted
    assert decision.claim_threshold.threshold == pytest.approx(min(rated_yes))
    assert decision.population.set_fingerprint == first["run"]["set_fingerprint"]

    second = run()
    section = second["sections"]["judge_claims"]
    assert section["threshold"] == pytest.approx(min(rated_yes))
    assert section["threshold_source"] == f"calibrated by validation {decision.decision_id}"


def test_a_claim_sheet_needs_a_run_that_judged_claims(tmp_path, monkeypatch):
    example = tmp_path / "tickets"
    shutil.copytree(
        REPO / "examples" / "tickets", example, ignore=shutil.ignore_patterns("reports", ".genjudge")
    )
    monkeypatch.chdir(example)
    config = yaml.safe_load((example / "genjudge.yaml").read_text(encoding="utf-8"))
    config.update(checks={"exact_match": {}}, store="store.db")
    (example / "run.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    report = asyncio.run(run_async(load_config(example / "run.yaml"), config_dir=example)).report
    done = CliRunner().invoke(
        app,
        [
            "labels",
            "sample",
            report["run"]["run_id"],
            "--rubric",
            "claim_support",
            "--n",
            "5",
            "--store",
            "store.db",
        ],
    )
    assert done.exit_code != 0
    assert "has no judge_claims check" in done.output and "Traceback" not in done.output
