"""Field normalisation before matching: whitespace, case, number formats, dates.

Each field declares a kind:

- ``text`` (default): Unicode NFKC, case-folded, whitespace runs collapsed to one space, trimmed;
  with ``strip_punctuation`` every character that is not a letter, digit or space becomes a space.
- ``number``: currency letters / symbols and spaces dropped, thousands separators removed
  (``1,234.50`` or, with ``decimal_comma``, ``1.234,50``), compared as a decimal:
  ``RM 9.00`` == ``9`` == ``9.0``. Rendered canonically as ``format(Decimal.normalize(), 'f')``.
- ``date``: parsed with the field's ``date_formats`` (``strptime`` patterns, tried in order, so
  the order settles day-first against month-first) and rendered as ISO 8601 ``YYYY-MM-DD``.
- ``exact``: only surrounding whitespace is trimmed.

A value that does not parse as its kind falls back to the ``text`` normalisation, so it can still
match a value written the same way, and never raises.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from genjudge.io.canonical import is_absent

__all__ = ["DEFAULT_DATE_FORMATS", "FieldSpec", "is_absent", "normalize"]

DEFAULT_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d/%m/%y",
    "%d-%m-%y",
    "%d.%m.%y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%d %b %y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d%b%Y",
    "%Y/%m/%d",
)
"""Day-first: ``03/04/2018`` is 3 April. Declare ``date_formats`` for month-first data."""


class FieldSpec(BaseModel):
    """How one field is normalised and matched."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["text", "number", "date", "exact"] = "text"
    date_formats: tuple[str, ...] = DEFAULT_DATE_FORMATS
    decimal_comma: bool = False
    strip_punctuation: bool = False
    fuzzy_threshold: float | None = Field(None, ge=0.0, le=1.0)
    """Overrides the check's threshold for this field."""


def _text(value: str, strip_punctuation: bool) -> str:
    s = unicodedata.normalize("NFKC", value).casefold()
    if strip_punctuation:
        s = "".join(c if c.isalnum() or c.isspace() else " " for c in s)
    return " ".join(s.split())


def _number(value: str, decimal_comma: bool) -> str | None:
    s = re.sub(r"[^\d.,\-]", "", unicodedata.normalize("NFKC", value))
    if decimal_comma:
        s = s.replace(".", "").replace(",", ".")
    else:
        s = s.replace(",", "")
    try:
        d = Decimal(s)
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    return format(d.normalize(), "f") if d != 0 else "0"


def _date(value: str, formats: tuple[str, ...]) -> str | None:
    s = " ".join(unicodedata.normalize("NFKC", value).split())
    for fmt in formats:
        try:
            return datetime.strptime(s, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def normalize(value: Any, spec: FieldSpec) -> str | None:
    """The canonical string of a field value, or None when the field is absent."""
    if is_absent(value, blank=True):  # a blank field was not given
        return None
    raw = value if isinstance(value, str) else str(value)
    if spec.kind == "exact":
        return raw.strip()
    if spec.kind == "number":
        number = _number(raw, spec.decimal_comma)
        if number is not None:
            return number
    elif spec.kind == "date":
        date = _date(raw, spec.date_formats)
        if date is not None:
            return date
    return _text(raw, spec.strip_punctuation)
