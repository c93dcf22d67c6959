"""What every page shares: rendering, the signed-in principal (or a redirect to the login page),
error pages and safe redirect targets."""

from __future__ import annotations

import inspect
from typing import Any
from urllib.parse import parse_qs, quote

from genjudge.service.auth import Principal, current_principal

NO_STORE = {"Cache-Control": "no-store"}
"""Pages show live state (ratings, runs): a browser going back must ask again, not show a stale copy."""


def render(name: str, /, *, status: int = 200, **context: Any) -> Any:
    """An HTML response from a template of ``genjudge/service/templates`` (which extend the report's
    base layout: one look, inline CSS, nothing fetched)."""
    from fastapi.responses import HTMLResponse

    from genjudge.report.html import render_template

    html = render_template(name, package="genjudge.service", **context)
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


def error_page(status: int, message: str, who: Principal | None = None) -> Any:
    """A page that says what went wrong (404 for what does not exist, 400 for bad input)."""
    titles = {400: "Bad request", 401: "Sign in", 404: "Not found", 409: "Conflict"}
    return render("error.html.j2", status=status, who=who, title=titles.get(status, "Error"), message=message)


def safe_next(target: str | None) -> str:
    """A redirect target on this site only (a path), else the dashboard."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/runs"
    return target


def login_redirect(request: Any) -> Any:
    """303 to the login page, coming back to the page asked for."""
    from fastapi.responses import RedirectResponse

    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303)


async def page_principal(request: Any) -> Principal | None:
    """The request's principal, or None when it has no valid token (the page then redirects)."""
    from fastapi import HTTPException

    try:
        who = current_principal(request)
        if inspect.isawaitable(who):
            who = await who
    except HTTPException as exc:
        if exc.status_code in (401, 403):
            return None
        raise
    return who


MAX_FORM_BYTES = 256 * 1024
"""A page's form carries a rating and a note: anything bigger is not one of ours."""


async def form_fields(request: Any) -> dict[str, str] | None:
    """The fields of an HTML form post (``application/x-www-form-urlencoded``: the pages post no
    files), first value of each; None when the body is not such a form (a 400 for the caller)."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        return None
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None
    return {k: v[0] for k, v in fields.items()}


def bad_form(who: Principal | None = None) -> Any:
    """The answer to a post that is not a small URL-encoded form."""
    return error_page(400, "expected a form (application/x-www-form-urlencoded, at most 256 KiB)", who)
