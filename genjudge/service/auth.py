"""Who is calling: a bearer token (header or the ``genjudge_token`` cookie), and its rate limit.

Every route but ``/health`` depends on :func:`current_principal`. A missing or unknown token is a
401, a token over its rate a 429 with ``Retry-After``; both as the service's JSON error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from genjudge.service.limits import retry_after

__all__ = ["API_PREFIX", "ApiGate", "COOKIE", "Caller", "Principal", "current_principal"]

API_PREFIX = "/v1/"
"""Routes under this prefix are refused without a valid token before their body is even read."""
SPEC_PATHS = frozenset({"/openapi.json"})
"""The OpenAPI spec: behind a token like the API it describes."""

COOKIE = "genjudge_token"
"""The cookie a login page sets, holding the raw token (HttpOnly, SameSite=Strict)."""


@dataclass(frozen=True)
class Principal:
    """The caller: the configured name of its token (the rater id on the rating page)."""

    name: str


def identify(tokens: Any, authorization: str | None, cookie: str | None) -> str:
    """The name of the token in the Authorization header (else the cookie); a 401 without one."""
    token = None
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise HTTPException(401, "the Authorization header must be 'Bearer <token>'", _challenge())
        token = value.strip()
    else:
        token = cookie
    if not token:
        raise HTTPException(401, "a bearer token is required (Authorization: Bearer <token>)", _challenge())
    name = tokens.identify(token)
    if name is None:
        raise HTTPException(401, "unknown token", _challenge())
    return str(name)


def current_principal(request: Request) -> Principal:
    """The caller named by ``Authorization: Bearer <token>`` or the ``genjudge_token`` cookie."""
    service = request.app.state.service
    name = identify(service.tokens, request.headers.get("authorization"), request.cookies.get(COOKIE))
    wait = service.limiter.take(name)
    if wait > 0:
        raise HTTPException(
            429,
            f"rate limit of token {name!r} reached; retry in {wait:.2f} s",
            {"Retry-After": retry_after(wait)},
        )
    return Principal(name)


Caller = Annotated[Principal, Depends(current_principal)]
"""A route's parameter annotated ``Caller`` is the authenticated caller."""


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer realm="genjudge"'}


class ApiGate:
    """ASGI middleware: a request to the API (``/v1/...``) or its spec (``/openapi.json``)
    without a valid token is answered 401
    before anything else happens (FastAPI would parse a JSON body before running the route's
    dependencies, and answer a malformed one 400 or 422 to anyone). The route's
    :func:`current_principal` then names the caller and applies its rate limit."""

    def __init__(self, app: Any, tokens: Any) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] == "http" and (path.startswith(API_PREFIX) or path in SPEC_PATHS):
            from starlette.requests import Request as StarletteRequest

            request = StarletteRequest(scope)
            try:
                identify(self.tokens, request.headers.get("authorization"), request.cookies.get(COOKIE))
            except HTTPException as exc:
                from genjudge.service.errors import error_response

                await error_response(exc.status_code, str(exc.detail), headers=exc.headers)(
                    scope, receive, send
                )
                return
        await self.app(scope, receive, send)
