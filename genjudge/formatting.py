"""Numbers as text for tables, summaries and messages: one format and one placeholder for missing.

Every rendered number goes through :func:`format_number` (and every interval through
:func:`format_interval`), so a missing value reads the same, :data:`MISSING`, in the terminal, the
Markdown and HTML reports and the validation report.
"""

from __future__ import annotations

__all__ = ["MISSING", "ci_label", "format_interval", "format_number"]

MISSING = "—"
"""What a table or message shows where a number is missing (None) or undefined (NaN)."""


def format_number(value: float | None, digits: int = 3, *, sign: bool = False) -> str:
    """``value`` with ``digits`` decimals (and a leading + with ``sign``), :data:`MISSING` for None or NaN.

    >>> format_number(0.12345), format_number(None), format_number(0.5, 2, sign=True)
    ('0.123', '—', '+0.50')
    """
    if value is None or value != value:
        return MISSING
    return f"{value:{'+' if sign else ''}.{digits}f}"


def format_interval(low: float | None, high: float | None, digits: int = 3) -> str:
    """``low–high`` (en dash), :data:`MISSING` when either end is missing.

    >>> format_interval(0.1, 0.25), format_interval(None, 0.2)
    ('0.100–0.250', '—')
    """
    if low is None or high is None or low != low or high != high:
        return MISSING
    return f"{format_number(low, digits)}–{format_number(high, digits)}"


def ci_label(confidence: float) -> str:
    """The header of an interval at ``confidence``.

    >>> ci_label(0.95), ci_label(0.995)
    ('95% CI', '99.5% CI')
    """
    return f"{confidence * 100:.4g}% CI"
