"""Slices: the whole set, then one group per value of each slice column.

The one definition of how a set is cut, shared by the aggregation, the per-check slice tables and
the judge validation. A row whose slice value is absent (None / NaN) belongs to no group of that
column; values are compared and reported as text, sorted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Slicing", "slice_groups", "slicings"]


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
