"""The rating page: the web twin of ``genjudge labels rate`` (one item at a time, keyboard-first,
blind to the judge), and ``validate`` run on the sheet from the page.

Routes (all behind a token; the principal's name is the rater id):

- ``GET /rate``: the sheets under the service's ``labels_root`` and the rater's progress on each;
- ``GET /rate/{sheet}?dimension=D&item=ID``: an item (without ``item``: the rater's next unrated);
- ``POST /rate/{sheet}``: one answer (``action`` rate / skip / clear / note / next), saved through
  :func:`genjudge.labels.journal.record` before the page moves on (303 to the next item);
- ``POST /rate/{sheet}/validate``: :func:`genjudge.api.run_validation` on the sheet, as ``genjudge
  validate SHEET`` does, and the decision shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from genjudge.errors import ConfigError, GenjudgeError
from genjudge.labels.journal import Action, Sheet, check_rater, open_sheet, record, state
from genjudge.service.pages_common import (
    bad_form,
    error_page,
    form_fields,
    login_redirect,
    page_principal,
    render,
)
from genjudge.service.rating import find_sheets, item_view, next_item, sheet_summary


def _open(root: Path, name: str) -> Sheet | None:
    path = find_sheets(root).get(name)
    return None if path is None else open_sheet(path, rebuild_ratings=False)


def _item_url(name: str, dimension: str, item: str | None) -> str:
    query = {"dimension": dimension, **({"item": item} if item is not None else {"done": "1"})}
    return f"/rate/{quote(name, safe='')}?{urlencode(query)}"


def _int_or_none(text: str, what: str) -> int | None:
    if not text.strip():
        return None
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{what} must be a whole number, not {text!r}") from None
    if value < 1:
        raise ConfigError(f"{what} must be at least 1, not {value}")
    return value


def validate_sheet(path: Path, store_url: str, min_items: int | None, resamples: int | None) -> Any:
    """``genjudge validate SHEET [--policy with min_items] [--resamples N]`` against the service's store."""
    from genjudge.api import ValidationConfig, run_validation

    options: dict[str, Any] = {"sample": path, "store": store_url}
    if min_items is not None:
        options["policy"] = {"min_items": min_items, "min_slice_items": min(min_items, 5)}
    if resamples is not None:
        options["resamples"] = resamples
    return run_validation(ValidationConfig.build(options, source="the rating page"))


def register(router: APIRouter) -> None:
    """Add the rating page's routes to ``router``."""

    @router.get("/rate", include_in_schema=False)
    async def sheets(request: Request) -> Any:
        who = await page_principal(request)
        if who is None:
            return login_redirect(request)
        root = request.app.state.service.settings.labels_root

        def work() -> list[dict[str, Any]]:
            out = []
            for name, path in find_sheets(root).items():
                try:
                    sheet = open_sheet(path, rebuild_ratings=False)
                    out.append(
                        {"name": name, "title": sheet.manifest.name, "dims": sheet_summary(sheet, who.name)}
                    )
                except GenjudgeError as exc:
                    out.append({"name": name, "title": name, "error": str(exc), "dims": []})
            return out

        try:
            check_rater(who.name)
            listed = await run_in_threadpool(work)
        except ConfigError as exc:
            return error_page(400, str(exc), who)
        return render("sheets.html.j2", who=who, title="Rating sheets", sheets=listed, root=root)

    @router.get("/rate/{name}", include_in_schema=False)
    async def rate_page(
        request: Request, name: str, dimension: str = "", item: str = "", done: str = ""
    ) -> Any:
        who = await page_principal(request)
        if who is None:
            return login_redirect(request)
        root = request.app.state.service.settings.labels_root

        def work() -> Any:
            sheet = _open(root, name)
            if sheet is None:
                return error_page(404, f"no rating sheet {name!r} under {root}", who)
            if not dimension and len(sheet.manifest.dimensions) > 1:  # pick one on the list of sheets
                return RedirectResponse("/rate", 303)
            dim = sheet.dimension(dimension or None)
            rater = check_rater(who.name)
            if item and item not in sheet.items:
                return error_page(404, f"item {item!r} is not in the sheet {name!r}", who)
            current = item or (None if done else next_item(sheet, rater, dim, None))
            common: dict[str, Any] = {"who": who, "name": name, "sheet": sheet, "dimension": dim}
            if current is None:
                rated, skipped, total = sheet_summary_for(sheet, rater, dim)
                return render(
                    "rate_done.html.j2",
                    title=f"{sheet.manifest.name}: {dim}",
                    rated=rated,
                    skipped=skipped,
                    total=total,
                    resume=next_item(sheet, rater, dim, None),
                    **common,
                )
            view = item_view(sheet, rater, dim, current)
            return render("rate.html.j2", title=f"{sheet.manifest.name}: {dim}", view=view, **common)

        try:
            return await run_in_threadpool(work)
        except GenjudgeError as exc:
            return error_page(400, str(exc), who)

    @router.post("/rate/{name}", include_in_schema=False)
    async def rate_post(request: Request, name: str) -> Any:
        who = await page_principal(request)
        if who is None:
            return login_redirect(request)
        form = await form_fields(request)
        if form is None:
            return bad_form(who)
        item, dimension, action = form.get("item", ""), form.get("dimension", ""), form.get("action", "")
        rating, note = form.get("rating", ""), form.get("note", "")
        root = request.app.state.service.settings.labels_root

        def work() -> Any:
            sheet = _open(root, name)
            if sheet is None:
                return error_page(404, f"no rating sheet {name!r} under {root}", who)
            dim = sheet.dimension(dimension or None)
            rater = check_rater(who.name)
            if item not in sheet.items:
                return error_page(
                    400 if not item else 404, f"item {item!r} is not in the sheet {name!r}", who
                )
            act = action or (Action.RATE.value if rating.strip() else "")  # a rating button names no action
            if act == "next":  # Enter on an answered item: on to the next unanswered one
                return RedirectResponse(_item_url(name, dim, next_item(sheet, rater, dim, item)), 303)
            if act == Action.RATE.value and not rating.strip():
                raise ConfigError("pick a rating (a key 1-9 or a button)")
            if act == Action.NOTE.value:
                record(sheet, rater, item, dim, Action.NOTE, note=note)
                return RedirectResponse(_item_url(name, dim, item), 303)
            if act == Action.CLEAR.value:
                record(sheet, rater, item, dim, Action.CLEAR)
                return RedirectResponse(_item_url(name, dim, item), 303)
            if act not in (Action.RATE.value, Action.SKIP.value):
                raise ConfigError(f"action {act!r}: use rate, skip, clear, note or next")
            mine = state(sheet, rater, dim).get(item)
            if act == Action.RATE.value:
                record(sheet, rater, item, dim, Action.RATE, rating.strip(), note=note or None)
            elif mine is None or mine.action is Action.SKIP:  # skipping a rated item keeps its rating
                record(sheet, rater, item, dim, Action.SKIP, note=note or None)
            return RedirectResponse(_item_url(name, dim, next_item(sheet, rater, dim, item)), 303)

        try:
            return await run_in_threadpool(work)
        except GenjudgeError as exc:
            return error_page(400, str(exc), who)

    @router.post("/rate/{name}/validate", include_in_schema=False)
    async def validate(request: Request, name: str) -> Any:
        who = await page_principal(request)
        if who is None:
            return login_redirect(request)
        form = await form_fields(request)
        if form is None:
            return bad_form(who)
        min_items, resamples = form.get("min_items", ""), form.get("resamples", "")
        service = request.app.state.service
        path = find_sheets(service.settings.labels_root).get(name)
        if path is None:
            return error_page(404, f"no rating sheet {name!r} under {service.settings.labels_root}", who)
        try:
            policy_min, n_resamples = (
                _int_or_none(min_items, "min_items"),
                _int_or_none(resamples, "resamples"),
            )
            outcome = await run_in_threadpool(
                validate_sheet, path, service.store_url, policy_min, n_resamples
            )
        except GenjudgeError as exc:
            return error_page(400, f"validate {name}: {exc}", who)
        return render(
            "decision.html.j2",
            who=who,
            title=f"Validation of {name}",
            name=name,
            d=outcome.decision,
            corrected=outcome.corrected,
            recorded=outcome.store_url,
            messages=outcome.messages,
        )


def sheet_summary_for(sheet: Sheet, rater: str, dimension: str) -> tuple[int, int, int]:
    """(rated, skipped, total) of ``rater`` on ``dimension``."""
    row = next(r for r in sheet_summary(sheet, rater) if r["dimension"] == dimension)
    return row["rated"], row["skipped"], row["total"]
