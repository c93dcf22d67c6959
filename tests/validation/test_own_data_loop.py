"""The validation loop on the user's own data: a run on the shipped summaries example, a rating sheet
drawn from it, three raters, `genjudge validate` on the sheet, and the run again: its judge numbers
flip from unvalidated to validated and the report carries the PPI-corrected estimates.

The judge is the real openai SDK against the loopback server; three simulated raters press keys on
``genjudge labels rate`` through a pseudo-terminal, each in its own order, one of them erring once.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from genjudge.cli import app
from genjudge.config import load_config
from genjudge.labels import load_sample
from genjudge.runner import run_async
from tests.core.test_run_generation import example, judge_by_kind, metric, write_config  # noqa: F401
from tests.llm.loopback import Loopback

NOT_EQUIVALENT = {"omission", "contradiction", "hallucination", "injection"}


def rate_at_the_terminal(sheet: Path, kinds: dict[str, str], raters: dict[str, set[str]]) -> None:
    """Each rater presses the key of the true answer (kinds.json), except on the items in its set,
    where it errs; the screen shows items in the rater's own order and never the judge's verdict."""
    import pexpect

    from genjudge.labels.journal import order
    from tests.labels.sheets import spawn_rate

    keys = {"equivalent": "1", "not_equivalent": "2"}  # the scale's order
    flip = {"equivalent": "not_equivalent", "not_equivalent": "equivalent"}
    for rater, wrong in raters.items():
        child = spawn_rate(sheet, rater)
        try:
            for item in order(sheet, rater):
                child.expect(r"keys: 1-\d rate .* q quit")
                assert "You compare two texts" in child.before  # the rubric's own question
                if kinds[item] in NOT_EQUIVALENT:  # the loopback judge's rationale is the kind: never shown
                    assert kinds[item] not in child.before
                truth = "not_equivalent" if kinds[item] in NOT_EQUIVALENT else "equivalent"
                child.send(keys[flip[truth] if item in wrong else truth])
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
        assert child.exitstatus == 0


async def test_sample_rate_validate_flips_the_run_to_validated(example, monkeypatch):  # noqa: F811
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(example)
    respond, kinds = judge_by_kind(example)
    server = await Loopback(respond).start()
    try:
        path = write_config(example, server.base_url)
        first = await run_async(load_config(path), config_dir=example)
        rate = metric(first.report, "judge_equivalence_rate")
        assert rate["validated"] is False and rate["validation"] == "unvalidated"
        standing = first.report["sections"]["judge_validation"]["rubrics"]["equivalence"]
        assert standing["status"] == "unvalidated" and "no validation decision" in standing["reason"]

        cli = CliRunner()
        run_id = first.record.run_id
        out = cli.invoke(app, ["labels", "sample", run_id, "--rubric", "equivalence", "--n", "16",
                               "--store", "store.db", "--out", "sheet"])  # fmt: skip
        assert out.exit_code == 0, out.output
        sheet = example / "sheet"
        manifest = json.loads((sheet / "sample.json").read_text())
        assert manifest["origin"]["run_id"] == run_id
        assert manifest["origin"]["set_fingerprint"] == first.record.set_fingerprint
        assert manifest["rubric"]["content_hash"] and manifest["rubric"]["instructions"].startswith(
            "You compare"
        )
        items = [json.loads(line) for line in (sheet / "items.jsonl").read_text().splitlines()]
        assert len(items) == 16 and all(0 < i["_inclusion_probability"] <= 1 for i in items)
        assert not any("verdict" in k and not k.startswith("_") for i in items for k in i)  # blind

        rate_at_the_terminal(sheet, kinds, {"ana": set(), "ben": set(), "chloe": {items[0]["id"]}})
        assert len(load_sample(sheet).raters()) == 3
        policy = example / "policy.yaml"
        policy.write_text("min_items: 10\nmin_slice_items: 5\nresamples: 200\n")
        out = cli.invoke(app, ["validate", "sheet", "--store", "store.db", "--policy", str(policy)])
        assert out.exit_code == 0, out.output
        assert "ACCEPTED" in out.output and "population set " in out.output
        assert "judge_equivalence_rate overall (16 rated of 24" in out.output
        # 24 items bound any interval from below: half the width is out of reach, and it says so.
        assert "label budget: the PPI interval is" in out.output
        out_width = re.search(r"label budget: the PPI interval is ([0-9.]+) wide", out.output)
        assert "rating every item would not bring it to" in out.output

        # Growing the sheet keeps the rated items and the design; the new items are unrated.
        out = cli.invoke(app, ["labels", "sample", run_id, "--rubric", "equivalence", "--n", "4",
                               "--store", "store.db", "--out", "sheet", "--grow"])  # fmt: skip
        assert out.exit_code == 0, out.output
        grown = [json.loads(line) for line in (sheet / "items.jsonl").read_text().splitlines()]
        assert len(grown) == 20 and {i["id"] for i in items} < {i["id"] for i in grown}
        assert sorted({i["_round"] for i in grown}) == [1, 2]
        design = json.loads((sheet / "sample.json").read_text())["design"]
        for item in grown:
            size = design["stratum_sizes"][item["_stratum"]]
            in_sheet = sum(g["_stratum"] == item["_stratum"] for g in grown)
            assert item["_inclusion_probability"] == pytest.approx(in_sheet / size)
        assert len(load_sample(sheet).item_ids()) == 16  # the ratings are untouched
        # The budget sizes a growth: a target a little under the current width asks for more items.
        width = float(out_width.group(1))
        out = cli.invoke(app, ["labels", "sample", run_id, "--rubric", "equivalence", "--store", "store.db",
                               "--out", "sheet", "--grow", "--target-width", str(width * 0.99)])  # fmt: skip
        assert out.exit_code == 0, out.output
        assert f"the PPI interval is {width:.3f} wide on 16 rated items" in out.output
        drew = re.search(r"about (\d+) more ratings should bring it to", out.output)
        assert drew, out.output
        now = [json.loads(line) for line in (sheet / "items.jsonl").read_text().splitlines()]
        assert len(now) == min(24, 20 + int(drew.group(1)))

        again = await run_async(load_config(path), config_dir=example)
        rate = metric(again.report, "judge_equivalence_rate")
        assert rate["validated"] is True and rate["validation"] == "validated"
        assert "unvalidated_judge" not in {f["code"] for f in again.report["findings"]}
        ppi = again.report["sections"]["ppi"]["estimates"]
        overall = next(r for r in ppi if r["slice_column"] is None)
        methods = {e["method"]: e for e in overall["estimates"]}
        assert set(methods) == {"judge", "ppi", "human"}
        assert overall["n_labeled"] == 16 and overall["n_total"] == 24
        md = (again.report_dir / "report.md").read_text()
        assert "prediction-powered inference" in md and "judge validated" in md

        # Another judge temperature is another instrument: the decision does not cover it.
        other = write_config(example, server.base_url, require_validated_judge=True)
        cfg = load_config(other)
        cfg = cfg.model_copy(update={"judge": {**cfg.judge, "temperature": 0.7}})
        with pytest.raises(Exception, match=r"temperature 0.7 here, 0.0 there"):
            await run_async(cfg, config_dir=example)
    finally:
        await server.stop()
