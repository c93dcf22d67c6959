"""Every shipped example's report.html in headless Chromium at 1,280 px: no console error, no
horizontal overflow, a screenshot kept (see tests/browser.py). Skips without chromium/chromedriver."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import assert_page_ok, check_page, open_browser, require_browser
from tests.report.example_reports import EXAMPLES


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_report_page(example_report, name):
    require_browser()
    shot = assert_page_ok(example_report(name) / "report.html", f"report-{name}")
    assert shot.stat().st_size > 10_000


def test_the_check_catches_overflow_and_console_errors(tmp_path: Path):
    require_browser()
    wide = tmp_path / "wide.html"
    wide.write_text('<!doctype html><title>w</title><div style="width:1500px">wide</div>', encoding="utf-8")
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<!doctype html><title>b</title><p>x</p><script>undefinedThing()</script>", encoding="utf-8"
    )
    session = open_browser()
    try:
        with pytest.raises(AssertionError, match="overflows horizontally"):
            check_page(session, wide, "check-wide")
        with pytest.raises(AssertionError, match="console errors"):
            check_page(session, broken, "check-broken")
    finally:
        session.quit()


def test_a_streamed_runs_report_page(tmp_path: Path):
    """A streamed run's report.html (no per-example frame in memory: the worst examples kept as the
    chunks came) passes the same page check."""
    require_browser()
    from genjudge.config import load_config
    from genjudge.run_stream import run_streamed
    from tests.engines.extraction_set import write_extraction_set

    config_path = write_extraction_set(tmp_path / "ex", n=120, fields=True)
    config = load_config(config_path).model_copy(update={"report_dir": tmp_path / "streamed"})
    run_streamed(config, config_dir=config_path.parent, chunk_rows=25)
    page = tmp_path / "streamed" / "report.html"
    assert "Worst examples per slice" in page.read_text(encoding="utf-8")
    shot = assert_page_ok(page, "report-streamed")
    assert shot.stat().st_size > 10_000
