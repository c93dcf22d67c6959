"""Values made JSON-safe for an answer: NaN and infinities as null, numpy scalars as numbers."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["finite"]


def finite(value: Any) -> Any:
    """``value`` with every NaN / infinity replaced by None, recursively; numpy scalars unwrapped;
    anything else that JSON cannot carry as its text."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    item = getattr(value, "item", None)
    if callable(item):
        try:
            return finite(item())
        except (ValueError, TypeError):
            pass
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return finite(tolist())
    return str(value)
