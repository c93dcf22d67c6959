"""Critical slices declared in the run config, and two-way (crossed) slices on request."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import genjudge
from genjudge.cli import app
from genjudge.slicing import critical_values, is_critical

TICKETS = Path(__file__).resolve().parents[2] / "examples" / "tickets"


def test_crossed_slice_has_one_group_per_pair_of_values(tmp_path):
    run = genjudge.evaluate(
        TICKETS / "genjudge.yaml",
        overrides={"slices": ["difficulty*business_critical"], "bootstrap": {"resamples": 100}},
        store=str(tmp_path / "s.db"),
        write_report=False,
    )
    rows = [json.loads(line) for line in (TICKETS / "set.jsonl").read_text().splitlines()]
    expected = pd.Series([f"{r['difficulty']}*{r['business_critical']}" for r in rows]).value_counts()
    crossed = [
        m
        for m in run.report.metrics
        if m.slice_column == "difficulty*business_critical" and m.metric == "agreement_rate"
    ]
    assert {m.slice_value: m.n + m.n_unscored for m in crossed} == expected.to_dict()
    assert {m.slice_value for m in crossed if m.critical} == {"easy*yes", "hard*yes"}
    # The critical column is measured even though the slices leave it out.
    assert any(m.slice_column == "business_critical" and m.critical for m in run.report.metrics)


def test_yaml_yes_and_spellings_match():
    assert "yes" in critical_values(True) and "no" in critical_values(False)
    assert critical_values(["Phone", "chat"]) == {"phone", "chat"}
    assert is_critical("business_critical", "yes", {"business_critical": True})
    assert not is_critical("business_critical", "no", {"business_critical": True})
    assert is_critical("difficulty*business_critical", "hard*yes", {"business_critical": "yes"})
    assert not is_critical(None, None, {"business_critical": "yes"})


@pytest.mark.parametrize(
    ("critical", "message"),
    [
        ("{business_critical: maybe}", "matches no item"),
        ("{region: north}", "slice column 'region' is not in"),
    ],
)
def test_a_critical_declaration_that_matches_nothing_is_refused(tmp_path, critical, message):
    folder = tmp_path / "t"
    shutil.copytree(TICKETS, folder, ignore=shutil.ignore_patterns("reports", ".genjudge"))
    text = (
        (folder / "genjudge.yaml")
        .read_text()
        .replace("critical: {business_critical: yes}", f"critical: {critical}")
    )
    (folder / "genjudge.yaml").write_text(text)
    result = CliRunner().invoke(
        app, ["run", str(folder / "genjudge.yaml"), "--store", str(tmp_path / "s.db"), "-q"]
    )
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
