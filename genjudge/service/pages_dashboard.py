"""The dashboard: stored runs, a run's report, two runs compared, and where each judge stands.

Every page renders what the CLI's own renderers make of the store (``runs list``, the run's
``report.html``, ``genjudge compare``'s HTML, ``genjudge validations``): no second renderer.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from genjudge.errors import ConfigError, StoreError
from genjudge.service.pages_common import NO_STORE, error_page, login_redirect, page_principal, render

MAX_RUNS = 200
NAV_AFTER = "<body>"


def _store_missing(url: str) -> bool:
    from genjudge.store.runs import sqlite_path

    path = sqlite_path(url)
    return path is not None and not path.is_file()


def list_runs(url: str, limit: int = MAX_RUNS) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(finished runs, unfinished attempts), newest first; both empty when there is no store yet."""
    from genjudge.store import RunStore

    if _store_missing(url):
        return [], []
    store = RunStore(url, create=False)
    return store.list(limit), store.unfinished(limit)


def _headline(run: dict[str, Any]) -> str:
    head = run.get("headline") or {}
    return ", ".join(f"{k} {v['value']:.3f}" for k, v in list(head.items())[:3] if v.get("value") is not None)


def report_page(url: str, run_id: str) -> str:
    """The run's report page, rendered by the report's own renderer from the stored report and rows."""
    from genjudge.report.page import render_html
    from genjudge.store import RunStore

    if _store_missing(url):
        raise StoreError(f"no run {run_id!r}: no run has been stored yet")
    store = RunStore(url, create=False)
    record, report = store.get(run_id)
    return render_html(report, store.examples(record.run_id))


def compare_page(url: str, run_a: str, run_b: str) -> str:
    """``genjudge compare A B --format html`` as a page."""
    from genjudge.api import compare
    from genjudge.comparison.render import to_html

    if _store_missing(url):
        raise StoreError(f"no run {run_a!r}: no run has been stored yet")
    return to_html(compare(run_a, run_b, store=url))


def judge_rows(url: str, runs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(one row per judge and rubric: its latest decision; one row per rubric of each config's newest
    run: the standing that run recorded)."""
    from genjudge.store import RunStore
    from genjudge.validation import list_decisions

    decided: dict[tuple[str, str], dict[str, Any]] = {}
    if not _store_missing(url):
        for d in list_decisions(url):  # newest first: the first per judge and rubric is its latest
            key = (f"{d.judge_provider}/{d.judge_model}", f"{d.rubric_id}@{d.rubric_version}")
            row = decided.setdefault(
                key,
                {
                    "judge": key[0],
                    "rubric": key[1],
                    "accepted": d.accepted,
                    "level": str(d.level),
                    "population": d.population.in_words() if d.population else "an unrecorded population",
                    "sample": d.sample_name,
                    "at": f"{d.created_at:%Y-%m-%d %H:%M}",
                    "decision_id": d.decision_id,
                    "alpha": ", ".join(
                        f"{r.dimension} {r.primary.value:.3f}" if r.primary.value is not None else r.dimension
                        for r in d.dimensions
                    ),
                    "decisions": 0,
                },
            )
            row["decisions"] += 1
    standings: list[dict[str, Any]] = []
    newest: set[str] = set()
    store = RunStore(url, create=False) if runs else None
    for run in runs:
        name = run["name"] or run["run_id"]
        if name in newest or store is None:
            continue
        newest.add(name)
        _, report = store.get(run["run_id"])
        rubrics = report.get("sections", {}).get("judge_validation", {}).get("rubrics", {})
        for rubric, s in rubrics.items():
            standings.append({"run": run, "rubric": rubric, **s})
    return list(decided.values()), standings


def register(router: APIRouter) -> None:
    """Add the dashboard's routes to ``router``."""

    @router.get("/", include_in_schema=False)
    async def home(request: Request) -> Any:
        return RedirectResponse("/runs", status_code=303)

    @router.get("/runs", include_in_schema=False)
    async def runs_page(request: Request) -> Any:
        who = await page_principal(request)
        if who is None:
            return login_redirect(request)
        url = request.app.state.service.store_url
        try:
            done, unfinished = await run_in_threadpool(list_runs, url)
        except StoreError as exc:
            return error_page(500, str(exc), who)
        for r in done:
            r["head"] = _headline(r)
        from genjudge.redact import redact

        shown = redact(url)
        return render("runs.html.j2", who=who, title="Runs", runs=done, unfinished=unfinished, store=shown)

    @router.get("/runs/{run_id}", include_in_schema=False)
    async def run_report(request: Request, run_id: str) -> Any:
        who = await page_principal(request)
        if who is None:
            return login_redirect(request)
        try:
            html = await run_in_threadpool(report_page, request.app.state.service.store_url, run_id)
        except StoreError as exc:
            return error_page(404 if str(exc).startswith("no run") else 400, str(exc), who)
        return HTMLResponse(_with_nav(html, who), headers=NO_STORE)

    @router.get("/compare", include_in_schema=False)
    async def compare_runs(request: Request, a: str = "", b: str = "") -> Any:
        who = await page_principal(request)
        if who is None:
            return login_redirect(request)
        if not a or not b:
            return error_page(400, "pick two runs to compare (a baseline `a` and a candidate `b`)", who)
        try:
            html = await run_in_threadpool(compare_page, request.app.state.service.store_url, a, b)
        except StoreError as exc:
            return error_page(404 if str(exc).startswith("no run") else 400, str(exc), who)
        except ConfigError as exc:
            return error_page(400, str(exc), who)
        return HTMLResponse(_with_nav(html, who), headers=NO_STORE)

    @router.get("/judges", include_in_schema=False)
    async def judges(request: Request) -> Any:
        who = await page_principal(request)
        if who is None:
            return login_redirect(request)
        url = request.app.state.service.store_url

        def work() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            return judge_rows(url, list_runs(url)[0])

        try:
            decisions, standings = await run_in_threadpool(work)
        except StoreError as exc:
            return error_page(500, str(exc), who)
        return render("judges.html.j2", who=who, title="Judges", decisions=decisions, standings=standings)


def _with_nav(html: str, who: Any) -> str:
    """A page of another renderer (report, comparison), with the dashboard's links on top."""
    from genjudge.report.html import render_template

    nav = render_template("nav.html.j2", package="genjudge.service", who=who)
    return html.replace(NAV_AFTER, NAV_AFTER + nav, 1)
