"""Headless Chromium for page tests: load an HTML page, check it, keep a screenshot.

``assert_page_ok(path, name)`` opens ``path`` (a file) in Debian's ``chromium`` through
``chromedriver`` (Selenium), in a window 1,280 px wide, and asserts that:

- the browser console holds no SEVERE entry (a broken resource, a script error);
- the page does not overflow horizontally: ``document.documentElement.scrollWidth`` is at most its
  ``clientWidth`` (the window less its vertical scroll bar; ``innerWidth`` would count the bar);
- the page has a title and a body with text.

A full-page screenshot is written to ``$GENJUDGE_ARTIFACTS/<name>.png`` (CI keeps that folder as
a test artifact), or under ``tests/artifacts/`` of the checkout when the variable is unset; the
path is printed. Tests call :func:`require_browser` first: it skips, naming what is missing, when
chromium or chromedriver is not installed (``.ci/run`` installs both).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WIDTH = 1280
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
CHROMEDRIVER = "chromedriver"


def _binary(names: tuple[str, ...]) -> str | None:
    return next((found for name in names if (found := shutil.which(name)) is not None), None)


def require_browser() -> tuple[str, str]:
    """The browser and driver binaries, or a pytest skip saying which is missing."""
    pytest.importorskip("selenium", reason="selenium (the test extra) is not installed")
    browser, driver = _binary(CHROMIUM), _binary((CHROMEDRIVER,))
    missing = [n for n, b in (("chromium", browser), ("chromedriver", driver)) if b is None]
    if missing:
        pytest.skip(f"needs {' and '.join(missing)} on PATH (apt-get install chromium chromium-driver)")
    assert browser is not None and driver is not None
    return browser, driver


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("GENJUDGE_ARTIFACTS") or REPO / "tests" / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_browser(width: int = WIDTH):  # -> selenium.webdriver.Chrome
    """A headless Chromium session, window ``width`` px wide, its console log kept."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


def check_page(session, path: Path, name: str) -> Path:
    """Load ``path`` in an open session, assert the page is sound, save its screenshot; its path."""
    session.get(Path(path).resolve().as_uri())
    severe = [e for e in session.get_log("browser") if e.get("level") == "SEVERE"]
    assert not severe, f"{path}: console errors: {severe}"
    scroll, inner = session.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= inner, f"{path}: the page overflows horizontally ({scroll} px > {inner} px visible)"
    assert session.title.strip(), f"{path}: the page has no title"
    assert session.execute_script("return document.body.innerText.trim().length") > 0
    height = session.execute_script("return document.documentElement.scrollHeight")
    session.set_window_size(WIDTH, min(int(height) + 100, 16000))
    shot = artifacts_dir() / f"{name}.png"
    session.save_screenshot(str(shot))
    print(f"screenshot: {shot}")
    return shot


def assert_page_ok(path: Path, name: str) -> Path:
    """Open ``path`` at 1,280 px in headless Chromium and check it (see the module); the screenshot's path."""
    session = open_browser()
    try:
        return check_page(session, path, name)
    finally:
        session.quit()


if __name__ == "__main__":  # python -m tests.browser PAGE.html ...: widths and console errors at 1,280 px
    import sys

    session = open_browser()
    try:
        for page in sys.argv[1:]:
            session.get(Path(page).resolve().as_uri())
            severe = sum(e.get("level") == "SEVERE" for e in session.get_log("browser"))
            scroll, inner = session.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            print(f"{page}: scrollWidth {scroll} px, visible width {inner} px, console errors {severe}")
    finally:
        session.quit()
