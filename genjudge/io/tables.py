"""Row readers for JSONL, CSV and Parquet that keep each row's line number for error messages.

Every reader yields ``(line, row)`` where ``line`` is the 1-based line of the row in a text file
(for CSV, the line the record starts on) or the 1-based row number in a Parquet file.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from genjudge.errors import InputError

FORMATS = ("jsonl", "csv", "parquet")


def detect_format(path: Path) -> str:
    """The table format from the file suffix (``.jsonl``/``.ndjson``, ``.csv``, ``.parquet``)."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise InputError(path, None, None, f"unknown table format {suffix!r}: use .jsonl, .csv or .parquet")


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line, row)`` for every row of a JSONL, CSV or Parquet file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, None, None, "file not found")
    fmt = detect_format(path)
    if fmt == "jsonl":
        yield from _read_jsonl(path)
    elif fmt == "csv":
        yield from _read_csv(path)
    else:
        yield from _read_parquet(path)


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line.rstrip("\r\n"))
            except json.JSONDecodeError as exc:
                raise InputError(
                    path, line_no, None, f"not valid JSON ({exc.msg} at column {exc.colno})"
                ) from None
            if not isinstance(row, dict):
                raise InputError(path, line_no, None, f"expected a JSON object, got {type(row).__name__}")
            yield line_no, row


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        start = reader.line_num + 1
        for row in reader:
            if None in row:
                raise InputError(
                    path,
                    start,
                    None,
                    f"{len(reader.fieldnames or [])} columns in the header, more in this row",
                )
            if any(v is None for v in row.values()):
                raise InputError(path, start, None, "fewer columns than the header")
            # An empty CSV cell means "absent", as a missing key does in JSONL.
            yield start, {k: (v if v != "" else None) for k, v in row.items()}
            start = reader.line_num + 1


def _read_parquet(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    for i, row in enumerate(table.to_pylist(), start=1):
        yield i, {k: _clean_nan(v) for k, v in row.items()}


def _clean_nan(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
