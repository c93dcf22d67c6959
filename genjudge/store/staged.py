"""A streamed run's per-example rows, staged in files a chunk at a time and stored at the end.

A stored run is committed once, in one transaction, at its end (:mod:`genjudge.store.runs`). A
streamed run cannot hold its rows until then, so each chunk's rows, in their stored form
(:func:`genjudge.store.runs.example_rows`), are appended to two files in a folder of the run's own:
one line of JSON per row (the row's document has no raw newline), and one ``[id, status]`` line per
row. :meth:`StagedRows.rows` reads them back in step for :meth:`RunStore.save_rows`, which inserts
them a batch at a time in the run's one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

import pandas as pd

from genjudge.store.runs import example_rows

__all__ = ["SLICE", "StagedRows"]

SLICE = 2_000
"""Rows turned into JSON at a time."""


class StagedRows:
    """Append chunks with :meth:`add`; read every row back with :meth:`rows`."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.data_path, self.keys_path = folder / "rows.jsonl", folder / "keys.jsonl"
        # newline="\n": a line ends at "\n" only (a row's JSON escapes "\n" and "\r").
        self._data: IO[str] | None = self.data_path.open("w", encoding="utf-8", newline="\n")
        self._keys: IO[str] | None = self.keys_path.open("w", encoding="utf-8", newline="\n")
        self.count = 0

    def add(self, table: pd.DataFrame) -> None:
        """One chunk's per-example table (with its ``status`` column), ``SLICE`` rows at a time (a
        chunk's JSON at once would be some hundreds of megabytes)."""
        assert self._data is not None and self._keys is not None, "closed"
        for start in range(0, len(table), SLICE):
            part = table.iloc[start : start + SLICE]
            for item, status, data in example_rows(part, part["status"].tolist()):
                self._keys.write(json.dumps([item, status], ensure_ascii=False) + "\n")
                self._data.write(data + "\n")
                self.count += 1

    def close(self) -> None:
        for handle in (self._data, self._keys):
            if handle is not None:
                handle.close()
        self._data = self._keys = None

    def rows(self) -> Iterator[tuple[str, str, str]]:
        """Every staged row, ``(item id, status, JSON)``, in the order added."""
        self.close()
        with (
            self.keys_path.open(encoding="utf-8", newline="\n") as keys,
            self.data_path.open(encoding="utf-8", newline="\n") as data,
        ):
            for key, line in zip(keys, data, strict=True):
                item, status = json.loads(key)
                yield item, status, line.rstrip("\n")

    def __enter__(self) -> StagedRows:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
