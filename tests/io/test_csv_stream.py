"""CSV is read a line at a time, with the rows and the errors (file, line, field) of a whole-file read."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from genjudge.errors import InputError
from genjudge.io import tables


def whole_file_rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """The reader this module replaced: the whole file decoded first, then parsed (the reference)."""
    reader = csv.DictReader(io.StringIO(tables.read_text(path), newline=""), strict=True)
    try:
        _ = reader.fieldnames
    except csv.Error as exc:
        raise InputError(path, 1, None, f"malformed CSV header: {exc}") from None
    out, start = [], reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return out
        except csv.Error as exc:
            hint = " (a quote opened and never closed?)" if "end of data" in str(exc) else ""
            raise InputError(path, start, None, f"malformed CSV: {exc}{hint}") from None
        header = list(reader.fieldnames or [])
        if len(set(header)) != len(header):
            dup = next(f for f in header if header.count(f) > 1)
            raise InputError(path, 1, dup, "the header names this column twice")
        if None in row:
            raise InputError(path, start, None, f"{len(header)} columns in the header, more in this row")
        if any(v is None for v in row.values()):
            raise InputError(path, start, None, "fewer columns than the header")
        out.append((start, {k: (v if v != "" else None) for k, v in row.items()}))
        start = reader.line_num + 1


CASES = {
    "plain": b"id,input,n\nr1,hello,1\nr2,,2\n",
    "crlf_and_bom": b"\xef\xbb\xbfid,input\r\nr1,a\r\nr2,b\r\n",
    "lone_cr": b"id,input\rr1,a\rr2,b\r",
    "quoted_newlines": b'id,input\nr1,"two\nlines"\nr2,"three\r\nline\nfield"\nr3,x\n',
    "no_final_newline": b"id,input\nr1,a\nr2,b",
    "open_quote": b'id,input\nr1,a\nr2,"never closed\nr3,c\n',
    "too_many": b"id,input\nr1,a\nr2,b,c\n",
    "too_few": b"id,input,x\nr1,a,1\nr2,b\n",
    "duplicate_header": b"id,input,id\nr1,a,b\n",
    "bad_byte_late": b"id,input\nr1,a\nr2,b\nr3,\xff\n",
    "bad_row_then_bad_byte": b"id,input\nr1,a,extra\nr2,b\nr3,\xfe\n",
    "bad_byte_in_header": b"id,in\xc3put\nr1,a\n",
    "blank_lines": b"id,input\n\nr1,a\n\n\nr2,b\n",
    "header_only": b"id,input\n",
    "empty": b"",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_streamed_csv_equals_the_whole_file_reader(tmp_path, name):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(CASES[name])
    try:
        expected: object = whole_file_rows(path)
    except InputError as exc:
        expected = ("error", str(exc))
    try:
        got: object = list(tables.read_rows(path))
    except InputError as exc:
        got = ("error", str(exc))
    assert got == expected


def test_csv_is_read_a_line_at_a_time(tmp_path):
    """Rows come before the end of the file is read: a bad byte on the last line is met only when
    the rows before it have been yielded (the whole-file reader refused before the first row)."""
    path = tmp_path / "big.csv"
    body = "id,input\n" + "".join(f"r{i},text {i}\n" for i in range(50_000))
    path.write_bytes(body.encode() + b"r-last,\xff\n")
    rows = tables.read_rows(path)
    first = [next(rows) for _ in range(1000)]
    assert first[-1] == (1001, {"id": "r999", "input": "text 999"})
    with pytest.raises(InputError, match=r"big.csv:50002: not UTF-8 text: byte 0xff at column 8"):
        list(rows)
    with pytest.raises(InputError, match=r"big.csv:50002: not UTF-8"):
        whole_file_rows(path)
