"""The pages through a real HTTP client against the running service: sign-in and redirects, the
dashboard over runs stored by `genjudge run`, the rating page's storage (journal and ratings.csv,
two raters at once, resuming, blind to the judge), and bad input answered 4xx, never 500."""

from __future__ import annotations

import csv
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from genjudge.labels import load_sample
from genjudge.labels.journal import order, read_journal
from tests.labels.sheets import SECRET
from tests.service.pages.served import TOKENS

PAGES = ["/runs", "/judges", "/rate", "/rate/demo", "/runs/anything", "/compare?a=x&b=y"]
ITEM = re.compile(r'name="item" value="([^"]+)"')


def sheet_of(page_service) -> Path:
    return Path(page_service.settings.labels_root) / "demo"


def ratings(sheet: Path) -> list[dict[str, str]]:
    with open(sheet / "ratings.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("path", PAGES)
def test_a_page_without_a_token_redirects_to_the_login_page(page_service, path):
    with page_service.client() as http:
        r = http.get(path)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login?next=")
        back = r.headers["location"].split("next=", 1)[1]
        assert back.replace("%2F", "/").replace("%3F", "?").replace("%3D", "=").replace("%26", "&") == path
    with page_service.client("not-a-token") as http:
        assert http.get(path).status_code == 303


def test_posting_a_rating_without_a_token_saves_nothing(page_service):
    with page_service.client() as http:
        r = http.post("/rate/demo", data={"item": "it00", "rating": "equivalent"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert not (sheet_of(page_service) / "journal").exists()
    assert ratings(sheet_of(page_service)) == []


def test_login_sets_an_httponly_strict_cookie_and_returns_to_the_page(page_service):
    with page_service.client() as http:
        assert http.get("/login").status_code == 200
        bad = http.post("/login", data={"token": "wrong", "next": "/rate"})
        assert bad.status_code == 401 and "not valid" in bad.text
        assert "set-cookie" not in bad.headers
        good = http.post("/login", data={"token": TOKENS["ana"], "next": "/rate"})
        assert good.status_code == 303 and good.headers["location"] == "/rate"
        cookie = good.headers["set-cookie"]
        assert cookie.startswith(f"genjudge_token={TOKENS['ana']};")
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        page = http.get("/rate")  # the cookie alone signs the browser in
        assert page.status_code == 200 and "signed in as <strong>ana</strong>" in page.text
        # Only a path on this site is a place to return to.
        for target in ("https://example.org/", "//example.org/x", "/\\example.org"):
            r = http.post("/login", data={"token": TOKENS["ana"], "next": target})
            assert r.headers["location"] == "/runs"
        out = http.post("/logout")
        assert out.status_code == 303 and 'genjudge_token=""' in out.headers["set-cookie"]


def test_the_runs_page_lists_the_stored_runs_and_opens_their_reports(page_service, stored_runs):
    store, (v1, v2) = stored_runs
    with page_service.client(TOKENS["ana"]) as http:
        assert http.get("/", follow_redirects=True).url.path == "/runs"
        page = http.get("/runs")
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        for run_id in (v1, v2):
            assert f'href="/runs/{run_id}"' in page.text
        assert "tickets-student-v1" in page.text and "tickets-student-v2" in page.text
        report = http.get(f"/runs/{v1}")
        assert report.status_code == 200
        # The report's own renderer, from the stored report: the same page `genjudge run` wrote.
        written = (store.parent / "report-v1" / "report.html").read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", written).group(1)
        assert f"<title>{title}</title>" in report.text
        for heading in re.findall(r"<h2[^>]*>(.*?)</h2>", written):
            assert heading in report.text
        assert http.get(f"/runs/{v1[:-2]}").status_code == 200  # a unique prefix, as the CLI takes


def test_two_runs_compared_as_genjudge_compare_renders_them(page_service, stored_runs):
    from genjudge.api import compare
    from genjudge.comparison.render import to_html

    store, (v1, v2) = stored_runs
    with page_service.client(TOKENS["ben"]) as http:
        page = http.get("/compare", params={"a": v1, "b": v2})
    assert page.status_code == 200
    expected = to_html(compare(v1, v2, store=f"sqlite:///{store}"))
    # The dashboard's links on top of `genjudge compare A B --format html`, nothing else changed.
    assert re.sub(r'<nav class="gj-nav".*?</nav>', "", page.text, count=1, flags=re.S) == expected


def test_unknown_ids_are_404_pages_and_bad_input_400_never_500(page_service, stored_runs):
    _, (v1, _) = stored_runs
    with page_service.client(TOKENS["ana"]) as http:
        for path in (
            "/runs/no-such-run",
            f"/compare?a=no-such-run&b={v1}",
            "/rate/nosheet",
            "/rate/demo?item=nope",
        ):
            r = http.get(path)
            assert r.status_code == 404, path
            assert "text/html" in r.headers["content-type"] and 'role="alert"' in r.text
        assert "no run &#39;no-such-run&#39;" in http.get("/runs/no-such-run").text
        r = http.get("/runs/2")  # a prefix of both runs' ids: ambiguous
        assert r.status_code == 400 and "give more of the id" in r.text
        assert http.get("/compare", params={"a": v1}).status_code == 400
        assert http.get("/rate/demo", params={"dimension": "nope"}).status_code == 400
        assert http.get("/rate/..%2F..%2Fetc").status_code == 404
        bad = {
            "rating off the scale": {"item": "it00", "rating": "maybe"},
            "unknown action": {"item": "it00", "action": "delete"},
            "rate without a rating": {"item": "it00", "action": "rate"},
            "empty note": {"item": "it00", "action": "note", "note": "  "},
            "no item": {"rating": "equivalent"},
        }
        for what, form in bad.items():
            r = http.post("/rate/demo", data=form)
            assert r.status_code == 400, what
        assert http.post("/rate/demo", data={"item": "nope", "rating": "equivalent"}).status_code == 404
        assert http.post("/rate/nosheet", data={"item": "it00", "rating": "equivalent"}).status_code == 404
        assert http.post("/rate/demo", json={"item": "it00", "rating": "equivalent"}).status_code == 400
        huge = http.post("/rate/demo", data={"item": "it00", "rating": "equivalent", "note": "x" * 300_000})
        assert huge.status_code == 400 and "expected a form" in huge.text
        assert (
            http.post(
                "/login", content=b"\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"}
            ).status_code
            == 400
        )
        v = http.post("/rate/demo/validate", data={"min_items": "many"})
        assert v.status_code == 400 and "min_items must be a whole number" in v.text
    assert not (sheet_of(page_service) / "journal").exists() or all(
        not read_journal(p) for p in (sheet_of(page_service) / "journal").glob("*.jsonl")
    )


def test_ratings_are_saved_as_given_and_the_page_resumes(page_service):
    sheet = sheet_of(page_service)
    mine = order(sheet, "ana")
    with page_service.client(TOKENS["ana"]) as http:
        first = http.get("/rate/demo")
        assert ITEM.search(first.text).group(1) == mine[0]  # the rater's own order
        r = http.post("/rate/demo", data={"item": mine[0], "rating": "equivalent", "note": "same facts"})
        assert r.headers["location"] == f"/rate/demo?dimension=equivalence&item={mine[1]}"
        # On disk before the next page is served: the journal and the rebuilt ratings.csv.
        assert [
            (e.item_id, e.action.value, e.rating, e.note)
            for e in read_journal(sheet / "journal" / "ana.jsonl")
        ] == [(mine[0], "rate", "equivalent", "same facts")]
        assert ratings(sheet) == [
            {
                "item_id": mine[0],
                "rater": "ana",
                "dimension": "equivalence",
                "rating": "equivalent",
                "note": "same facts",
            }
        ]
        http.post("/rate/demo", data={"item": mine[1], "action": "skip"})
        http.post("/rate/demo", data={"item": mine[2], "rating": "not_equivalent"})
    # A new session (another browser) resumes at the first item neither rated nor skipped.
    with page_service.client(TOKENS["ana"]) as again:
        page = again.get("/rate/demo")
        assert ITEM.search(page.text).group(1) == mine[3]
        assert "3 of 6 rated (1 skipped)" not in page.text and "2 of 6 rated (1 skipped)" in page.text
        back = again.get("/rate/demo", params={"item": mine[2]})  # a previous rating is shown
        assert "Your rating: <strong>not_equivalent</strong>" in back.text
        assert 'value="not_equivalent" data-key="2"\n aria-pressed="true"' in back.text
        assert f'item={mine[1]}" id="back"' in back.text
        first = again.get("/rate/demo", params={"item": mine[0]})
        assert "same facts" in first.text
        # Re-rating: the later answer wins; Enter on a rated item goes on to the next unseen one.
        again.post("/rate/demo", data={"item": mine[2], "rating": "equivalent"})
        nxt = again.post("/rate/demo", data={"item": mine[0], "action": "next"})
        assert nxt.headers["location"].endswith(f"item={mine[3]}")
        # Clearing withdraws the rating: the item is unseen again.
        again.post("/rate/demo", data={"item": mine[0], "action": "clear"})
    rows = {r["item_id"]: r["rating"] for r in ratings(sheet)}
    assert rows == {mine[2]: "equivalent"}


def test_rating_every_item_ends_on_the_validate_step(page_service):
    sheet = sheet_of(page_service)
    with page_service.client(TOKENS["ben"]) as http:
        location = "/rate/demo"
        for _ in range(6):
            item = ITEM.search(http.get(location).text).group(1)
            location = http.post("/rate/demo", data={"item": item, "rating": "equivalent"}).headers[
                "location"
            ]
        assert location == "/rate/demo?dimension=equivalence&done=1"
        done = http.get(location)
        assert "All 6 items rated — rater ben" in done.text
        assert 'action="/rate/demo/validate"' in done.text and f"genjudge validate {sheet}" in done.text
        assert "6 of 6 rated" in http.get("/rate").text


def test_the_rating_page_is_blind_to_the_judge(page_service):
    sheet = sheet_of(page_service)
    manifest = json.loads((sheet / "sample.json").read_text())
    hidden = [SECRET, manifest["origin"]["run_id"], manifest["origin"]["judge"]["model"], "STRATUM-VERDICT"]
    with page_service.client(TOKENS["ana"]) as http:
        for item in order(sheet, "ana"):
            page = http.get("/rate/demo", params={"item": item}).text
            n = int(item[2:])
            assert f"teacher says thing {n}" in page and f"student says thing {n}" in page
            assert "Do the two texts mean the same thing?" in page and "TEXT A (teacher)" in page
            for secret in hidden:
                assert secret not in page
        assert not any(s in http.get("/rate").text for s in hidden)


def test_two_raters_at_once_do_not_clobber_each_other(page_service):
    """Both raters answer every item concurrently (each its own client); every answer is kept."""
    sheet = sheet_of(page_service)
    answer = {"ana": "equivalent", "ben": "not_equivalent"}

    def rate_all(rater: str) -> int:
        with page_service.client(TOKENS[rater]) as http:
            for item in order(sheet, rater):
                r = http.post(
                    "/rate/demo", data={"item": item, "rating": answer[rater], "note": f"{rater} {item}"}
                )
                assert r.status_code == 303, r.text
        return len(order(sheet, rater))

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(rate_all, ["ana", "ben"])) == [6, 6]
    rows = ratings(sheet)
    assert len(rows) == 12
    for rater, value in answer.items():
        mine = [r for r in rows if r["rater"] == rater]
        assert sorted(r["item_id"] for r in mine) == sorted(order(sheet, rater))
        assert {r["rating"] for r in mine} == {value}
        assert all(r["note"] == f"{rater} {r['item_id']}" for r in mine)
        assert len(read_journal(sheet / "journal" / f"{rater}.jsonl")) == 6
    assert set(load_sample(sheet).raters()) == {"ana", "ben"}  # the human-labels format reads it


def test_a_bearer_header_works_like_the_cookie(page_service):
    with page_service.client(TOKENS["ben"]) as http:
        assert "signed in as <strong>ben</strong>" in http.get("/judges").text
    with page_service.client() as http:
        http.cookies.set("genjudge_token", TOKENS["ben"])
        assert http.get("/judges").status_code == 200


def test_an_empty_store_is_an_empty_dashboard(tmp_path):
    from tests.service.pages.served import Served, settings_for

    store = tmp_path / "none.db"
    with (
        Served(settings_for(tmp_path, f"sqlite:///{store}", tmp_path / "labels")) as served,
        served.client(TOKENS["ana"]) as http,
    ):
        assert "No runs stored yet" in http.get("/runs").text
        assert "No validation decisions recorded yet" in http.get("/judges").text
        assert "No rating sheets yet" in http.get("/rate").text
        assert http.get("/runs/x").status_code == 404


def test_an_ordinal_sheet_with_two_dimensions(page_service):
    """Each dimension is rated on its own page; a scale's values keep their type in the labels."""
    from tests.labels.sheets import make_sheet

    root = sheet_of(page_service).parent
    sheet = make_sheet(root / "faith", 3, ordinal=True)
    manifest = json.loads((sheet / "sample.json").read_text())
    manifest["dimensions"]["fluency"] = {"level": "ordinal", "values": [1, 2, 3]}
    (sheet / "sample.json").write_text(json.dumps(manifest), encoding="utf-8")
    with page_service.client(TOKENS["ben"]) as http:
        r = http.get("/rate/faith")
        assert r.status_code == 303 and r.headers["location"] == "/rate"
        listing = http.get("/rate").text
        assert 'href="/rate/faith?dimension=faithfulness"' in listing and "0 of 3 rated" in listing
        page = http.get("/rate/faith", params={"dimension": "faithfulness"}).text
        assert (
            "<kbd>5</kbd> 5 — fully supported" in page and "<kbd>1</kbd> 1 — contradicts the source" in page
        )
        assert "source text number" in page and "SOURCE" in page
        item = ITEM.search(page).group(1)
        assert (
            http.post("/rate/faith", data={"item": item, "dimension": "fluency", "rating": "5"}).status_code
            == 400
        )
        http.post("/rate/faith", data={"item": item, "dimension": "faithfulness", "rating": "4"})
        http.post("/rate/faith", data={"item": item, "dimension": "fluency", "rating": "2"})
    assert sorted((r["dimension"], r["rating"]) for r in ratings(sheet)) == [
        ("faithfulness", "4"),
        ("fluency", "2"),
    ]
    sample = load_sample(sheet)  # the human-labels reader takes what the page wrote
    assert sample.raters("fluency") == ["ben"] and sample.item_ids("faithfulness") == [item]


def test_texts_are_shown_as_text_and_any_sheet_name_works(page_service):
    """Markup in an item is shown, not run; a sheet folder named with spaces and symbols is reachable."""
    from tests.labels.sheets import make_sheet

    sheet = make_sheet(sheet_of(page_service).parent / "round 2 & more", 2)
    rows = [json.loads(line) for line in (sheet / "items.jsonl").read_text().splitlines()]
    rows[0]["text_a"] = '<script>document.title="owned"</script><b>bold?</b>'
    (sheet / "items.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with page_service.client(TOKENS["ana"]) as http:
        assert 'href="/rate/round%202%20%26%20more?dimension=equivalence"' in http.get("/rate").text
        page = http.get("/rate/round 2 & more", params={"item": "it00"}).text
        assert "&lt;script&gt;document.title=&#34;owned&#34;&lt;/script&gt;&lt;b&gt;bold?&lt;/b&gt;" in page
        assert "<b>bold?</b>" not in page
        r = http.post("/rate/round 2 & more", data={"item": "it00", "rating": "equivalent"})
        assert r.status_code == 303 and r.headers["location"].startswith("/rate/round%202%20%26%20more?")
        assert http.get(r.headers["location"]).status_code == 200
    assert ratings(sheet)[0]["item_id"] == "it00"
