"""Bearer tokens: configured as sha256 hashes (never the tokens themselves), checked per request.

A request is authenticated by ``Authorization: Bearer <token>`` or by the ``genjudge_token``
cookie (set by the login page) holding the raw token. The tokens file is JSON:
``{"version": 1, "tokens": [{"name": "ana", "sha256": "<hex>"}, ...]}``; the name is the principal,
a rater's id on the rating page.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genjudge.errors import ConfigError

COOKIE = "genjudge_token"


@dataclass(frozen=True)
class Principal:
    """Who made a request: the configured name of the token used."""

    name: str


def hash_token(token: str) -> str:
    """The sha256 hex digest the tokens file keeps for ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenRegistry:
    """The configured tokens (their hashes), by name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._by_hash: dict[str, str] = {}
        if path.exists():
            try:
                entries = json.loads(path.read_text(encoding="utf-8"))["tokens"]
                self._by_hash = {str(e["sha256"]).lower(): str(e["name"]) for e in entries}
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{path}: not a genjudge tokens file ({exc})") from None

    def identify(self, token: str) -> str | None:
        """The name of ``token``, or None when it is not a configured token."""
        digest = hash_token(token)
        for known, name in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                return name
        return None


def current_principal(request: Any) -> Principal:
    """FastAPI dependency: the request's principal (bearer header or cookie), else HTTP 401."""
    from fastapi import HTTPException

    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    token = value.strip() if scheme.lower() == "bearer" else request.cookies.get(COOKIE)
    name = request.app.state.service.tokens.identify(token) if token else None
    if name is None:
        raise HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    return Principal(name)
