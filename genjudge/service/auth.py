"""Bearer tokens: configured as sha256 hashes (never the tokens themselves), checked per request.

A request is authenticated by ``Authorization: Bearer <token>`` or by the ``genjudge_token``
cookie (set by the login page) holding the raw token. The tokens file has one ``name: sha256-hex``
line per token; ``#`` starts a comment. The name is the principal: a rater's id on the rating page.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genjudge.errors import ConfigError

COOKIE = "genjudge_token"
_LINE = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]{0,63})\s*:\s*([0-9a-fA-F]{64})\s*")


@dataclass(frozen=True)
class Principal:
    """Who made a request: the configured name of the token used."""

    name: str


def token_hash(token: str) -> str:
    """The sha256 hex digest a tokens file stores for ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load_tokens(path: Path) -> dict[str, str]:
    """hash -> name from a tokens file; a bad line is an error naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the tokens file: {exc.strerror or exc}") from None
    tokens: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0]
        if not line.strip():
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            raise ConfigError(f"{path}:{number}: expected `name: <sha256 hex of the token>`")
        tokens[match.group(2).lower()] = match.group(1)
    return tokens


def principal_for_token(request: Any, token: str | None) -> Principal | None:
    """The principal whose token is ``token`` on this app, or None."""
    if not token:
        return None
    digest = token_hash(token)
    tokens: dict[str, str] = request.app.state.service.tokens
    for known, name in tokens.items():
        if hmac.compare_digest(known, digest):
            return Principal(name)
    return None


def current_principal(request: Any) -> Principal:
    """FastAPI dependency: the request's principal (bearer header or cookie), else HTTP 401."""
    from fastapi import HTTPException

    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    token = value.strip() if scheme.lower() == "bearer" else request.cookies.get(COOKIE)
    principal = principal_for_token(request, token)
    if principal is None:
        raise HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    return principal
