"""Strict and lenient JSON parsing of a model output.

- strict: the whole output (surrounding whitespace aside) is exactly one JSON value (RFC 8259),
  which is what a downstream ``json.loads`` sees. NaN / Infinity literals are refused: they are not
  JSON, even though Python's parser accepts them.
- lenient: a JSON value can be recovered from the output: the strict parse, else the first
  fenced code block that parses, else the first ``{`` or ``[`` from which a complete value decodes.

An output that is already a ``dict`` / ``list`` (an extraction file that held JSON) passes both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Parsed", "parse_lenient", "parse_strict"]

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\r?\n(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder(parse_constant=lambda name: _refuse(name))


class _NotJSON(ValueError):
    pass


def _refuse(name: str) -> Any:
    raise _NotJSON(f"{name} is not a JSON value")


@dataclass(frozen=True)
class Parsed:
    """Outcome of one parse: ``ok`` with ``value``, or not ok with ``error``."""

    ok: bool
    value: Any = None
    error: str | None = None
    how: str | None = None
    """``strict``, ``fence`` or ``embedded`` (where in the text the value was found)."""


def parse_strict(output: Any) -> Parsed:
    """The output is exactly one JSON value."""
    if isinstance(output, (dict, list)):
        return Parsed(True, output, how="strict")
    if not isinstance(output, str):
        return Parsed(False, error=f"output is {type(output).__name__}, not text")
    try:
        return Parsed(True, _DECODER.decode(output.strip()), how="strict")
    except (ValueError, RecursionError) as exc:
        return Parsed(False, error=f"not exactly one JSON value: {exc}")


def parse_lenient(output: Any) -> Parsed:
    """A JSON value can be extracted from the output (strict, a code fence, or embedded text)."""
    strict = parse_strict(output)
    if strict.ok or not isinstance(output, str):
        return strict
    for match in _FENCE.finditer(output):
        try:
            return Parsed(True, _DECODER.decode(match.group(2).strip()), how="fence")
        except (ValueError, RecursionError):
            continue
    for match in re.finditer(r"[\[{]", output):
        try:
            value, _ = _DECODER.raw_decode(output, match.start())
        except (ValueError, RecursionError):
            continue
        return Parsed(True, value, how="embedded")
    return Parsed(False, error="no JSON object or array found in the output")
