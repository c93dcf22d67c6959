"""Very large sets, a chunk at a time: the set and both output files streamed in step.

:func:`read_rows` already streams JSONL (a line at a time) and Parquet (a batch of a row group at a
time); :func:`aligned_chunks` cuts the set into chunks of ``rows`` items and joins each chunk with
the rows of both output files that belong to it, so memory holds one chunk whatever the set's size.

The join is a merge: the output files must list their ids in the set's order (as a generation
pipeline writes them); an item may lack a row (it is counted missing). A row left over when the set
ends (its id is not in the set, or not in the set's order) is an :class:`InputError` naming the file
and line, raised when the iteration ends (so no result of a streamed run is returned).

An id met again in a later chunk is a :class:`DuplicateIdError` with the local reader's message
(the line of both rows): :class:`SeenIds` keeps one 64-bit hash per id in a sorted numpy array
(8 bytes an id: 80 MB at 10 million ids, twice that while a chunk is merged in; a Python set of
ints would take some 60 bytes an id), and a hash met twice sends a second read of the set to find
the first row of that id (a collision of two different ids, a 2**-64 event per pair, is let pass).
What a streamed read does not re-check: the set's fingerprint (it needs every row sorted by id).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from genjudge.errors import DuplicateIdError, InputError
from genjudge.io.evalset import EvalSet, normalize_id, validated_set
from genjudge.io.outputs import ModelOutputs, outputs_from_rows
from genjudge.io.tables import read_rows

__all__ = ["Chunk", "SeenIds", "aligned_chunks", "batched"]

T = TypeVar("T")
Row = tuple[int, dict[str, Any]]


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last may be shorter)."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, got {size}")
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


@dataclass
class Chunk:
    """One chunk of a streamed set: its rows and both models' outputs for them."""

    evalset: EvalSet
    teacher: ModelOutputs
    student: ModelOutputs
    start: int
    """Position of the chunk's first item in the set (0-based)."""


def aligned_chunks(
    set_path: Path,
    teacher_path: Path,
    student_path: Path,
    *,
    rows: int = 50_000,
    parse_json: bool = False,
    labels: bool = False,
) -> Iterator[Chunk]:
    """The set in chunks of ``rows`` items, each with its teacher and student outputs (module docstring)."""
    set_path = Path(set_path)
    sides = {
        "teacher": _OrderedRows(Path(teacher_path)),
        "student": _OrderedRows(Path(student_path)),
    }
    start = 0
    seen = SeenIds(set_path)
    for chunk in batched(read_rows(set_path), rows):
        evalset = _set_chunk(set_path, chunk)
        ids = evalset.ids
        seen.add(ids, evalset.lines)
        outputs = {
            side: outputs_from_rows(reader.path, reader.take(ids), ids, parse_json=parse_json, labels=labels)
            for side, reader in sides.items()
        }
        yield Chunk(evalset, outputs["teacher"], outputs["student"], start)
        start += len(ids)
    if start == 0:
        raise InputError(set_path, None, None, "the evaluation set has no rows")
    for reader in sides.values():
        reader.finish()


def _set_chunk(path: Path, chunk: list[Row]) -> EvalSet:
    """The rows of one chunk, validated as :func:`genjudge.io.evalset.load_set` validates a set."""
    return validated_set(path, chunk)


class SeenIds:
    """The ids of the chunks read so far, as sorted 64-bit hashes; an id met again is refused."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.hashes = np.zeros(0, dtype=np.uint64)

    def add(self, ids: list[str], lines: dict[str, int]) -> None:
        """The ids of the next chunk (unique within it); DuplicateIdError for one already seen."""
        new = pd.util.hash_array(np.asarray(ids, dtype=object))
        where = np.searchsorted(self.hashes, new)
        hit = where < len(self.hashes)
        hit[hit] = self.hashes[where[hit]] == new[hit]
        for i in np.flatnonzero(hit):
            self._refuse(ids[i], lines[ids[i]])
        # Two sorted runs: the stable sort (timsort) merges them in linear time, in place (one new
        # array of the ids so far, not two: 8 bytes an id, 80 MB at 10M).
        merged = np.concatenate([self.hashes, np.sort(new)])
        merged.sort(kind="stable")
        self.hashes = merged

    def _refuse(self, item_id: str, line: int) -> None:
        """Find the id's first row (a second read, only on a hash met twice) and name both lines."""
        for first, row in read_rows(self.path):
            if first >= line:
                return  # two ids with one hash: not a duplicate
            if row.get("id") is not None and normalize_id(self.path, first, row.get("id")) == item_id:
                raise DuplicateIdError(
                    self.path, line, "id", f"duplicate id {item_id!a} (first on line {first})"
                )


class _OrderedRows:
    """An output file read in the set's order: the rows of each chunk's ids, one pending row ahead."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = iter(read_rows(path))
        self.pending: tuple[int, str, dict[str, Any]] | None = None
        self.last: tuple[int, str] | None = None
        self._advance()

    def _advance(self) -> None:
        row = next(self.rows, None)
        if row is None:
            self.pending = None
            return
        line, data = row
        item_id = normalize_id(self.path, line, data.get("id"))
        if self.last is not None and item_id == self.last[1]:
            raise DuplicateIdError(
                self.path, line, "id", f"duplicate id {item_id!r} (first on line {self.last[0]})"
            )
        self.pending = (line, item_id, data)

    def take(self, ids: list[str]) -> list[Row]:
        """This file's rows for ``ids`` (consecutive ids of the set), in order."""
        taken: list[Row] = []
        for item_id in ids:
            if self.pending is not None and self.pending[1] == item_id:
                line, _, data = self.pending
                taken.append((line, data))
                self.last = (line, item_id)
                self._advance()
                continue
        return taken

    def finish(self) -> None:
        """Every row was used: one left over is not in the set, or not in its order."""
        if self.pending is not None:
            self._out_of_order()

    def _out_of_order(self) -> None:
        assert self.pending is not None
        line, item_id, _ = self.pending
        raise InputError(
            self.path,
            line,
            "id",
            f"id {item_id!r} is not in the evaluation set, or not in its order (a streamed read takes "
            "the outputs in the set's order)",
        )
