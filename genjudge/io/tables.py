"""Row readers for JSONL, CSV and Parquet that keep each row's line number for error messages.

Every reader yields ``(line, row)`` where ``line`` is the 1-based line of the row in a text file
(for CSV, the line the record starts on) or the 1-based row number in a Parquet file.

Text files must be UTF-8 (a leading byte-order mark is accepted and dropped); bytes that are not
UTF-8, a CSV quote left open, or a file that is not Parquet are :class:`InputError` naming the
file and line, never a traceback.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from genjudge.errors import InputError

FORMATS = ("jsonl", "csv", "parquet")
PARQUET_BATCH_ROWS = 65_536
"""Rows a Parquet file is decoded at a time (JSONL is read a line at a time)."""


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


def read_text(path: Path) -> str:
    """A UTF-8 text file's content (BOM dropped); InputError naming the line of a bad byte."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(path, None, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            path, line, None, f"not UTF-8 text: byte 0x{data[exc.start]:02x} at column {column}"
        ) from None


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    # Streamed line by line: memory holds one line, not the file (sets of millions of rows).
    try:
        with Path(path).open("rb") as handle:
            yield from _jsonl_rows(path, handle)
    except OSError as exc:
        raise InputError(path, None, None, f"cannot read: {exc.strerror or exc}") from None


def _jsonl_rows(path: Path, handle: Iterator[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    for line_no, raw in enumerate(handle, start=1):
        line = _decode_line(path, line_no, raw)
        if not line.strip():
            continue
        try:
            # NaN / Infinity are not JSON: refused here rather than accepted as numbers.
            row = json.loads(line.rstrip("\r\n"), parse_constant=_no_constant)
        except ValueError as exc:
            why = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else str(exc)
            _refuse_later_bytes(path, line_no, handle)
            raise InputError(path, line_no, None, f"not valid JSON ({why})") from None
        if not isinstance(row, dict):
            _refuse_later_bytes(path, line_no, handle)
            raise InputError(path, line_no, None, f"expected a JSON object, got {type(row).__name__}")
        yield line_no, row


def _decode_line(path: Path, line_no: int, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            path, line_no, None, f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}"
        ) from None


def _refuse_later_bytes(path: Path, line_no: int, handle: Iterator[bytes]) -> None:
    """Before a malformed row is reported: a file that is not UTF-8 text is reported as such (as when
    the whole file was decoded first), whichever comes first; read a line at a time."""
    for later, raw in enumerate(handle, start=line_no + 1):
        _decode_line(path, later, raw)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    # Streamed a line at a time (a quoted field may span lines; the csv reader asks for more).
    try:
        with Path(path).open("rb") as handle:
            yield from _csv_rows(path, handle)
    except OSError as exc:
        raise InputError(path, None, None, f"cannot read: {exc.strerror or exc}") from None


class _CsvLines:
    """The file's lines as text, split as ``newline=""`` splits them (``\\r\\n``, ``\\n`` or a lone
    ``\\r``), each decoded as it is read (a bad byte names its line); counts the lines read."""

    def __init__(self, path: Path, handle: Iterator[bytes]) -> None:
        self.path = path
        self.handle = handle
        self.read = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self.handle:
            self.read += 1
            line = _decode_line(self.path, self.read, raw)
            if "\r" in line.rstrip("\r\n"):
                yield from _LINE_ENDS.findall(line)
            else:
                yield line

    def refuse_later_bytes(self) -> None:
        """Before a malformed row is reported: a bad byte later in the file is reported instead, as
        when the whole file was decoded first."""
        _refuse_later_bytes(self.path, self.read, self.handle)


_LINE_ENDS = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _csv_rows(path: Path, handle: Iterator[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    lines = _CsvLines(path, handle)
    reader = csv.DictReader(iter(lines), strict=True)
    try:
        _ = reader.fieldnames  # read the header now, so that the first row's line is right
    except csv.Error as exc:
        lines.refuse_later_bytes()
        raise InputError(path, 1, None, f"malformed CSV header: {exc}") from None
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            lines.refuse_later_bytes()
            hint = " (a quote opened and never closed?)" if "end of data" in str(exc) else ""
            raise InputError(path, start, None, f"malformed CSV: {exc}{hint}") from None
        header = list(reader.fieldnames or [])
        problem: tuple[int, str | None, str] | None = None
        if len(set(header)) != len(header):
            dup = next(f for f in header if header.count(f) > 1)
            problem = (1, dup, "the header names this column twice")
        elif None in row:
            problem = (start, None, f"{len(header)} columns in the header, more in this row")
        elif any(v is None for v in row.values()):
            problem = (start, None, "fewer columns than the header")
        if problem is not None:
            lines.refuse_later_bytes()
            raise InputError(path, *problem)
        # An empty CSV cell means "absent", as a missing key does in JSONL.
        yield start, {k: (v if v != "" else None) for k, v in row.items()}
        start = reader.line_num + 1


def _read_parquet(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    # Streamed batch by batch (within row groups): memory holds one batch, not the table.
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        batches = pq.ParquetFile(path).iter_batches(batch_size=PARQUET_BATCH_ROWS)
        i = 0
        for batch in batches:
            for row in batch.to_pylist():
                i += 1
                yield i, {k: _clean_nan(v) for k, v in row.items()}
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(path, None, None, f"not a readable Parquet file: {exc}") from None


def _clean_nan(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
