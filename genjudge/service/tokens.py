"""Bearer tokens: a name each, only a hash kept at rest.

A token is 256 random bits (``gj_`` + URL-safe base64), printed once when it is made. The tokens
file keeps its name and the sha256 of the token, never the token. A slow password hash (scrypt)
protects guessable secrets; a 256-bit random token cannot be guessed, and a fast hash lets every
request be checked without a cost that a load of requests would feel.

The file is JSON, written atomically with mode 0600::

    {"version": 1, "tokens": [{"name": "ci", "sha256": "…", "created_at": "…"}]}
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from genjudge.errors import ConfigError
from genjudge.labels.journal import check_rater

__all__ = ["TokenRegistry", "add_token", "hash_token", "read_tokens", "remove_token"]

PREFIX = "gj_"


def hash_token(token: str) -> str:
    """The sha256 (hex) of a token, as the tokens file keeps it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def read_tokens(path: Path) -> list[dict[str, Any]]:
    """The entries of a tokens file (none when the file does not exist); a damaged file is a ConfigError."""
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["tokens"]
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("sha256"), str)
            for e in entries
        ):
            raise ValueError("each token needs a name and a sha256")
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a genjudge tokens file ({exc})") from None
    return entries


def _write(path: Path, entries: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"version": 1, "tokens": entries}, out, indent=1)
    os.replace(tmp, path)


def add_token(path: Path, name: str) -> str:
    """Make a token named ``name``, store its hash in ``path``, and return the token (shown once)."""
    try:
        check_rater(name)  # a token's name is its holder's rater id on the rating page
    except ConfigError:
        raise ConfigError(
            f"token name {name!r}: use letters, digits, '-', '_' or '.' (starting with a letter or digit, at "
            "most 64 characters): a token's name is also its holder's rater id on the rating page"
        ) from None
    entries = read_tokens(path)
    if any(e["name"] == name for e in entries):
        raise ConfigError(f"{path}: a token named {name!r} exists (remove it first)")
    token = PREFIX + secrets.token_urlsafe(32)
    entries.append({"name": name, "sha256": hash_token(token), "created_at": datetime.now(UTC).isoformat()})
    _write(path, entries)
    return token


def remove_token(path: Path, name: str) -> None:
    """Revoke the token named ``name``."""
    entries = read_tokens(path)
    kept = [e for e in entries if e["name"] != name]
    if len(kept) == len(entries):
        raise ConfigError(f"{path}: no token named {name!r}")
    _write(path, kept)


class TokenRegistry:
    """The tokens of a file, re-read when the file changes (a token added or revoked takes effect
    without a restart)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._by_hash: dict[str, str] = {}

    def _refresh(self) -> None:
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = (0, 0)
        if stamp != self._stamp:
            self._by_hash = {e["sha256"]: e["name"] for e in read_tokens(self.path)}
            self._stamp = stamp

    def names(self) -> list[str]:
        self._refresh()
        return sorted(self._by_hash.values())

    def identify(self, token: str) -> str | None:
        """The name of ``token``, or None when it is not a configured token."""
        self._refresh()
        digest = hash_token(token)
        for known, name in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                return name
        return None
