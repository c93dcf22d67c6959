"""Who is calling: a bearer token (header or the ``genjudge_token`` cookie), and its rate limit.

Every route but ``/health`` depends on :func:`current_principal`. A missing or unknown token is a
401, a token over its rate a 429 with ``Retry-After``; both as the service's JSON error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from genjudge.service.limits import retry_after

__all__ = ["COOKIE", "Caller", "Principal", "current_principal"]

COOKIE = "genjudge_token"
"""The cookie a login page sets, holding the raw token (HttpOnly, SameSite=Strict)."""


@dataclass(frozen=True)
class Principal:
    """The caller: the configured name of its token (the rater id on the rating page)."""

    name: str


def current_principal(request: Request) -> Principal:
    """The caller named by ``Authorization: Bearer <token>`` or the ``genjudge_token`` cookie."""
    service = request.app.state.service
    token = None
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise HTTPException(401, "the Authorization header must be 'Bearer <token>'", _challenge())
        token = value.strip()
    else:
        token = request.cookies.get(COOKIE)
    if not token:
        raise HTTPException(401, "a bearer token is required (Authorization: Bearer <token>)", _challenge())
    name = service.tokens.identify(token)
    if name is None:
        raise HTTPException(401, "unknown token", _challenge())
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
