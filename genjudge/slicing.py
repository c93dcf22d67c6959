"""Slices: the whole set, then one group per value of each slice column.

The one definition of how a set is cut, shared by the aggregation, the per-check slice tables and
the judge validation. A row whose slice value is absent (None / NaN) belongs to no group of that
column; values are compared and reported as text, sorted.

A *crossed* slice is named by joining columns with ``*`` (``difficulty*business_critical``): its
value is the columns' values joined the same way (``hard*yes``), and an item missing any of them
belongs to no group. A *critical* slice is one the run config declares
(``critical: {business_critical: yes}``); a crossed cell is critical when any of its parts is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "CROSS",
    "Slicing",
    "critical_values",
    "cross_parts",
    "crossed_column",
    "is_critical",
    "slice_groups",
    "slicings",
]

CROSS = "*"
"""Joins the columns of a crossed slice, and its values."""


def cross_parts(column: str) -> list[str]:
    """The set columns a slice column is made of (one for a plain slice)."""
    return [part.strip() for part in column.split(CROSS)]


def crossed_column(columns: dict[str, list[str | None]], name: str) -> list[str | None]:
    """The values of the crossed slice ``name`` from its parts' values (None where any is None)."""
    parts = [columns[p] for p in cross_parts(name)]
    return [
        None if any(v is None for v in row) else CROSS.join(str(v) for v in row)
        for row in zip(*parts, strict=True)
    ]


_TRUE = {"yes", "true", "y", "1", "on"}
_FALSE = {"no", "false", "n", "0", "off"}


def critical_values(declared: object) -> set[str]:
    """The slice values a ``critical:`` entry names, as text, case-folded. YAML reads a bare
    ``yes`` as a boolean: ``True`` stands for the usual spellings of yes (and ``False`` for no)."""
    items = declared if isinstance(declared, list | tuple | set) else [declared]
    out: set[str] = set()
    for item in items:
        if isinstance(item, bool):
            out |= _TRUE if item else _FALSE
        else:
            out.add(str(item).strip().casefold())
    return out


def is_critical(column: str | None, value: str | None, critical: dict[str, object]) -> bool:
    """Whether the slice ``column = value`` is critical under the run's ``critical:`` declaration."""
    if column is None or value is None or not critical:
        return False
    names, values = cross_parts(column), value.split(CROSS)
    if len(names) != len(values):
        return False
    return any(
        name in critical and v.strip().casefold() in critical_values(critical[name])
        for name, v in zip(names, values, strict=True)
    )


@dataclass(frozen=True)
class Slicing:
    """One way of cutting the set: the whole set, or the values of one slice column."""

    column: str | None
    codes: np.ndarray
    """Group code per row; -1 for rows in no group of this slicing."""
    values: list[str | None]

    def groups(self) -> Iterator[tuple[str | None, str | None, np.ndarray]]:
        """(column, value, row mask) per group."""
        for code, value in enumerate(self.values):
            yield self.column, value, self.codes == code


def slicings(table: pd.DataFrame, slice_columns: list[str]) -> list[Slicing]:
    """The whole set plus one slicing per slice column (rows with a None value belong to no slice)."""
    out = [Slicing(None, np.zeros(len(table), dtype=np.int64), [None])]
    for column in slice_columns:
        codes, uniques = pd.factorize(table[column], sort=True, use_na_sentinel=True)
        out.append(Slicing(column, codes.astype(np.int64), [str(u) for u in uniques]))
    return out


def slice_groups(
    table: pd.DataFrame, slice_columns: list[str]
) -> list[tuple[str | None, str | None, np.ndarray]]:
    """(column, value, row mask) for the whole set (column and value None), then every slice."""
    return [group for cut in slicings(table, slice_columns) for group in cut.groups()]
