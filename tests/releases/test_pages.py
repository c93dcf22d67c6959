"""The comparison, gate and monitor pages in headless Chromium: no console error, no horizontal
overflow at 1,280 px, a screenshot kept as a test artifact (tests/browser.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from genjudge.cli import app
from tests.browser import assert_page_ok, require_browser

REPO = Path(__file__).resolve().parents[2]


def test_comparison_and_gate_pages(releases, tmp_path):
    require_browser()
    runner = CliRunner()
    out = tmp_path / "cmp"
    ids = [releases.v1.run_id, releases.v2.run_id]
    result = runner.invoke(app, ["compare", *ids, "--store", releases.store, "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert '<mark class="d">' in html and "Worse under B" in html  # the flipped items, words marked
    assert_page_ok(out / "compare.html", "comparison-tickets-v1-v2")
    gate = tmp_path / "gate.html"
    result = runner.invoke(
        app,
        ["gate", str(releases.folder / "gate.yaml"), "--run", releases.v2.run_id, "--baseline", "previous",
         "--store", releases.store, "--html", str(gate)],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "not_ready" in gate.read_text(encoding="utf-8")
    assert_page_ok(gate, "gate-tickets-v2")


def test_monitor_page_of_the_shipped_example(tmp_path):
    require_browser()
    folder = tmp_path / "monitor"
    shutil.copytree(REPO / "examples" / "monitor", folder)
    result = CliRunner().invoke(
        app, ["monitor", str(folder / "monitor.yaml"), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert_page_ok(tmp_path / "out" / "monitor.html", "monitor-example")
