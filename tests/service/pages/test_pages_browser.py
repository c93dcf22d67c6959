"""The dashboard and the rating page in headless Chromium (Debian's chromium + chromedriver through
Selenium), against the service on a loopback port: sign in, rate three items with the keyboard only,
check the labels on disk, open a stored run's report and compare two runs; no console error on any
page, nothing wider than the window, a screenshot of each (see tests/browser.py)."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.browser import WIDTH, artifacts_dir, open_browser, require_browser
from tests.service.pages.served import TOKENS


def check_loaded(session, name: str) -> None:
    """The page now shown: no console error, no horizontal overflow, a title; a screenshot kept."""
    severe = [e for e in session.get_log("browser") if e.get("level") == "SEVERE"]
    assert not severe, f"{session.current_url}: console errors: {severe}"
    scroll, inner = session.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll <= inner, f"{session.current_url}: overflows horizontally ({scroll} px > {inner} px)"
    assert session.title.strip()
    shot = artifacts_dir() / f"{name}.png"
    height = session.execute_script("return document.documentElement.scrollHeight")
    session.set_window_size(WIDTH, min(int(height) + 100, 16000))
    session.save_screenshot(str(shot))
    session.set_window_size(WIDTH, 900)
    print(f"screenshot: {shot}")


def press(session, key: str) -> None:
    """A key pressed on the page (not in a field), as a person would."""
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(session).send_keys(key).perform()


def shown_item(session) -> str | None:
    """The item on the page (None while a page is being replaced: a key press submits a form)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

    try:
        if session.execute_script("return document.readyState") != "complete":
            return None  # the page's key handler is registered once the page is complete
        return session.find_element("css selector", 'input[name="item"]').get_attribute("value")
    except (NoSuchElementException, StaleElementReferenceException):
        return None


def wait_for(session, condition, what: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(session, 20).until(lambda s: condition(s), message=what)


def test_sign_in_rate_three_items_by_keyboard_then_report_and_compare(page_service, stored_runs):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from genjudge.labels.journal import order, read_journal

    require_browser()
    _, (v1, v2) = stored_runs
    sheet = Path(page_service.settings.labels_root) / "demo"
    mine = order(sheet, "ana")
    session = open_browser()
    try:
        # Not signed in: the rating page sends the browser to the login page and back.
        session.get(f"{page_service.base_url}/rate/demo")
        assert "/login?next=" in session.current_url
        check_loaded(session, "page_service-login")
        field = session.find_element(By.ID, "token")
        assert session.switch_to.active_element == field  # the cursor is in the field
        field.send_keys(TOKENS["ana"], Keys.ENTER)
        wait_for(
            session,
            lambda s: s.current_url.startswith(f"{page_service.base_url}/rate/demo"),
            "back on the sheet",
        )
        assert shown_item(session) == mine[0]
        assert "Do the two texts mean the same thing?" in session.page_source
        check_loaded(session, "page_service-rate-item")

        # 1 rates the first item and moves on; 2 the second; b goes back to it (its rating shown),
        # Enter goes on to the next unrated item, and 1 rates it.
        press(session, "1")
        wait_for(session, lambda s: shown_item(s) == mine[1], "the second item after key 1")
        press(session, "2")
        wait_for(session, lambda s: shown_item(s) == mine[2], "the third item after key 2")
        press(session, "b")
        wait_for(session, lambda s: shown_item(s) == mine[1], "back on the second item")
        assert "Your rating: not_equivalent" in session.find_element(By.ID, "mine").text
        press(session, Keys.ENTER)
        wait_for(session, lambda s: shown_item(s) == mine[2], "on to the third item")
        press(session, "n")  # n: type a note; Esc leaves the box; the rating key then saves both
        assert session.switch_to.active_element.get_attribute("id") == "note"
        session.switch_to.active_element.send_keys("reads the same", Keys.ESCAPE)
        press(session, "1")
        wait_for(session, lambda s: shown_item(s) == mine[3], "the fourth item")
        assert "3 of 6 rated (0 skipped) — rater ana" in session.find_element(By.ID, "progress").text
        check_loaded(session, "page_service-rate-progress")

        with open(sheet / "ratings.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert sorted((r["item_id"], r["rater"], r["rating"], r["note"]) for r in rows) == sorted(
            [
                (mine[0], "ana", "equivalent", ""),
                (mine[1], "ana", "not_equivalent", ""),
                (mine[2], "ana", "equivalent", "reads the same"),
            ]
        )
        journal = read_journal(sheet / "journal" / "ana.jsonl")
        assert [(e.item_id, e.action.value, e.rating) for e in journal] == [
            (mine[0], "rate", "equivalent"),
            (mine[1], "rate", "not_equivalent"),
            (mine[2], "rate", "equivalent"),
        ]

        session.find_element(By.LINK_TEXT, "all sheets").click()
        wait_for(session, lambda s: s.current_url.endswith("/rate"), "the list of sheets")
        assert "3 of 6 rated" in session.find_element(By.TAG_NAME, "main").text
        check_loaded(session, "page_service-sheets")

        # The dashboard: the runs, a run's report (stored by `genjudge run`), two runs compared.
        session.find_element(By.LINK_TEXT, "Runs").click()
        wait_for(session, lambda s: s.current_url.endswith("/runs"), "the runs page")
        check_loaded(session, "page_service-runs")
        session.find_element(By.LINK_TEXT, v1).click()
        wait_for(session, lambda s: s.current_url.endswith(f"/runs/{v1}"), "the report page")
        assert "tickets-student-v1" in session.title
        check_loaded(session, "page_service-report")
        session.back()
        session.find_element(By.CSS_SELECTOR, f'input[name="a"][value="{v1}"]').click()
        session.find_element(By.CSS_SELECTOR, f'input[name="b"][value="{v2}"]').click()
        session.find_element(By.ID, "compare").click()
        wait_for(session, lambda s: "/compare?" in s.current_url, "the comparison page")
        assert v1 in session.title and v2 in session.title
        check_loaded(session, "page_service-compare")
        session.find_element(By.LINK_TEXT, "Judges").click()
        wait_for(session, lambda s: s.current_url.endswith("/judges"), "the judges page")
        check_loaded(session, "page_service-judges")
    finally:
        session.quit()
