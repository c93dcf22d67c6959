"""A judge's verdicts on a rated sample, produced by genjudge or imported from a file.

Layout (CSV or JSONL), one row per (item, dimension)::

    item_id, dimension, value, status, reason[, rationale]

``status`` is ``ok``, ``unscored`` or ``error`` (default ``ok`` when a value is given, else
``unscored``); a row that is not ok carries no value and is never turned into a score.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd

from genjudge.errors import InputError
from genjudge.io.canonical import sha256_file
from genjudge.io.tables import read_rows
from genjudge.labels import RatedSample
from genjudge.records import Status

COLUMNS = ("item_id", "dimension", "value", "status", "reason", "rationale")


def read_verdicts(path: Path | str, sample: RatedSample) -> pd.DataFrame:
    """Read and check imported verdicts against the sample's dimensions and scales.

    Returns columns ``item_id, dimension, raw, value`` (coded, NaN when not ok), ``status``,
    ``reason``, ``rationale``.
    """
    path = Path(path)
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in read_rows(path):
        item_id, dim = row.get("item_id"), row.get("dimension")
        if item_id in (None, ""):
            raise InputError(path, line, "item_id", "missing")
        if dim not in sample.manifest.dimensions:
            raise InputError(
                path, line, "dimension", f"{dim!r} is not a dimension of the sample {sample.dimensions}"
            )
        key = (str(item_id), str(dim))
        if key in seen:
            raise InputError(path, line, "item_id", f"{key} has two verdicts (first on line {seen[key]})")
        seen[key] = line
        raw = row.get("value")
        status = row.get("status") or (Status.OK.value if raw not in (None, "") else Status.UNSCORED.value)
        if status not in {s.value for s in Status}:
            raise InputError(path, line, "status", f"must be ok, unscored or error, got {status!r}")
        value = float("nan")
        if status == Status.OK.value:
            try:
                value = sample.scale(str(dim)).code(raw)
            except ValueError as exc:
                raise InputError(
                    path, line, "value", f"{exc} (status ok needs a value on the scale)"
                ) from None
        rows.append(
            {
                "item_id": key[0],
                "dimension": key[1],
                "raw": raw,
                "value": value,
                "status": status,
                "reason": row.get("reason") or None,
                "rationale": row.get("rationale") or None,
            }
        )
    if not rows:
        raise InputError(path, None, None, "no verdicts")
    return pd.DataFrame(rows)


def write_verdicts(path: Path | str, frame: pd.DataFrame) -> None:
    """Write verdicts in the layout :func:`read_verdicts` reads (CSV)."""
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for row in frame.itertuples(index=False):
            ok = row.status == Status.OK.value
            w.writerow(
                [
                    row.item_id,
                    row.dimension,
                    row.raw if ok else "",
                    row.status,
                    row.reason or "",
                    row.rationale or "",
                ]
            )


def imported_source(path: Path | str) -> str:
    """How a decision names imported verdicts: the file and its content hash."""
    return f"imported: {Path(path).name} sha256:{sha256_file(Path(path))[:16]}"
