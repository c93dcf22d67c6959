"""Secrets never reach a file: redaction of keys, bearer tokens and URL credentials.

Two layers. Text that comes from outside (a provider's error message, a URL from the config) is
passed through :func:`redact`, which replaces what *looks* like a credential: API keys of the
usual shapes (``sk-…``, ``sk-ant-…``, long ``key=…`` / ``token: …`` values), ``Bearer`` tokens and
the ``user:password@`` part of a URL. And every key genjudge itself read from the environment is
registered (:func:`register_secret`) and replaced wherever it appears, in any text that is
stored, logged or shown (:func:`scrub`, cheap enough to run over a whole report).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["MASK", "redact", "redact_obj", "register_secret", "scrub"]

MASK = "[REDACTED]"

_PATTERNS = [
    # user:password@ (or a bare token@) in a URL's authority
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s:]*(?::[^/@\s]*)?@"), r"\1" + MASK + "@"),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{6,}"), "Bearer " + MASK),
    (re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{8,}"), MASK),
    (re.compile(r"\b(?:AKIA|ghp_|gho_|xox[abp]-|AIza)[A-Za-z0-9_-]{10,}"), MASK),
    # key=..., "api_key": "...", token: ..., password=...
    (
        re.compile(
            r"(?i)((?:api[_-]?key|x-api-key|access[_-]?token|auth[_-]?token|token|secret|password|passwd)"
            r"[\"']?\s*[:=]\s*[\"']?)([^\s\"',;&}]{4,})"
        ),
        r"\1" + MASK,
    ),
]

_SECRETS: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a credential genjudge read (an API key) so that :func:`scrub` removes it anywhere."""
    if value and len(value) >= 6 and value not in ("not-needed",):
        _SECRETS.add(value)


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced (exact occurrences only; fast)."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact(text: str | None) -> str | None:
    """``text`` with registered secrets and credential-shaped substrings replaced by ``[REDACTED]``."""
    if not text:
        return text
    text = scrub(text)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def redact_obj(value: Any) -> Any:
    """:func:`redact` applied to every string inside a JSON-like value (dicts, lists)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_obj(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_obj(v) for v in value]
    return value
