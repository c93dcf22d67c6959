"""A table made from many JSON rows a batch at a time, equal to ``pandas.DataFrame(list(rows))``.

A run's per-example rows are stored as one JSON document each. Building the table from all the
decoded rows at once holds every row's dict (a hundred keys, each value a Python object) beside the
table: 2,107 MiB of peak for 100,000 extraction rows, against 618 MiB made in batches
(``python scripts/bench_store_read.py 100000``). Here the rows become a table ``BATCH`` at a time and the batches
are joined. A column whose type the batches infer alike is right as joined; any other column (its
batches disagree, or some batch lacks it) is inferred again from all its values, as pandas infers
it from the whole list, so the table is the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd

BATCH = 5_000
"""Rows turned into a table at a time."""


def rows_frame(rows: Iterable[dict[str, Any]], batch: int | None = None) -> pd.DataFrame:
    """The table of ``rows`` (dicts), columns in the order their keys first appear; ``batch`` rows
    at a time (default :data:`BATCH`)."""
    parts = [pd.DataFrame(chunk) for chunk in _batches(rows, batch or BATCH)]
    if len(parts) <= 1:
        return parts[0] if parts else pd.DataFrame()
    columns = list(dict.fromkeys(c for part in parts for c in part.columns))
    if not columns:  # rows without keys: the whole list makes a table of as many empty rows
        return pd.DataFrame([{}] * sum(len(part) for part in parts))
    table = pd.concat(parts, ignore_index=True, sort=False)
    if list(table.columns) != columns:
        table = table[columns]
    table.columns = pd.Index(columns)  # the same labels, typed as the whole list types them
    for column in columns:
        dtypes = {str(part[column].dtype) if column in part else None for part in parts}
        if len(dtypes) > 1 or None in dtypes:
            table[column] = _inferred(column, parts)
    return table


def _inferred(column: str, parts: list[pd.DataFrame]) -> pd.Series:
    """The column as pandas infers it from the whole list of rows: a row without the key is NaN."""
    values = np.concatenate(
        [
            part[column].to_numpy(dtype=object)
            if column in part
            else np.full(len(part), np.nan, dtype=object)
            for part in parts
        ]
    )
    return pd.DataFrame([{column: v} for v in values])[column]


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk
