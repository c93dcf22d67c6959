"""The service's HTML pages: login, the dashboard and the rating page, as one router.

Pages are rendered on the server (Jinja, on the report's base layout), fetch nothing from the
network, and need a token like every other endpoint: a browser signs in once at ``/login``, which
keeps the token in an HttpOnly, SameSite=Strict cookie (``genjudge_token``); a page asked for
without it redirects there and back.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from genjudge.service.auth import COOKIE
from genjudge.service.pages_common import bad_form, form_fields, render, safe_next

__all__ = ["pages_router"]

COOKIE_MAX_AGE_S = 12 * 3600
FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<rect width="16" height="16" rx="3" fill="#0d47a1"/>'
    '<text x="8" y="12" font-size="10" text-anchor="middle" fill="#fff" font-family="sans-serif">g</text></svg>'
)
"""Served so that a browser's automatic request for an icon finds one (no 404 in its console)."""


def pages_router() -> APIRouter:
    """A FastAPI ``APIRouter`` with every page (login, dashboard, rating page)."""

    from genjudge.service import pages_dashboard, pages_rating

    router = APIRouter()

    @router.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    @router.get("/login", include_in_schema=False)
    async def login_form(request: Request, next: str = "/runs") -> Any:
        return render("login.html.j2", who=None, title="Sign in", next=safe_next(next), error=None)

    @router.post("/login", include_in_schema=False)
    async def login(request: Request) -> Any:
        form = await form_fields(request)
        if form is None:
            return bad_form()
        token, next = form.get("token", "").strip(), form.get("next", "/runs")
        # The service's own token registry: the same check as every request's bearer token.
        name = request.app.state.service.tokens.identify(token) if token else None
        if name is None:
            return render(
                "login.html.j2",
                status=401,
                who=None,
                title="Sign in",
                next=safe_next(next),
                error="That token is not valid here.",
            )
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            max_age=COOKIE_MAX_AGE_S,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @router.post("/logout", include_in_schema=False)
    async def logout() -> Any:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    pages_dashboard.register(router)
    pages_rating.register(router)
    return router
