"""Reading production traffic incrementally, and cutting it into time windows.

A traffic file is read from where the last run stopped: the store keeps, per file, the byte offset
and line count read so far and the sha256 of that prefix. A re-run hashes the prefix again; if it
changed (the file was rewritten, not appended to) the run stops with an error rather than guess.
A last line without its newline is still being written: it is left for the next run.

Timestamps are ISO 8601; one without a UTC offset is taken as UTC.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from genjudge.errors import DuplicateIdError, InputError
from genjudge.monitor.config import MonitorConfig

__all__ = ["Ingested", "ingest", "traffic_files", "window_of"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MONDAY = datetime(1970, 1, 5, tzinfo=UTC)


def window_of(ts: datetime, window: str) -> tuple[datetime, datetime]:
    """(start, end) of the window holding ``ts``; end is exclusive."""
    if window == "week":
        size = timedelta(days=7)
        anchor = _MONDAY
    else:
        size = timedelta(hours=int(window[:-1])) if window.endswith("h") else timedelta(days=int(window[:-1]))
        anchor = _EPOCH
    k = (ts - anchor) // size
    start = anchor + k * size
    return start, start + size


def parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 time as text, got {type(value).__name__}")
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 time") from None
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat()


def traffic_files(config: MonitorConfig) -> list[Path]:
    """The files the config names, folders expanded to their ``*.jsonl`` files (sorted)."""
    out: list[Path] = []
    for path in config.traffic:
        if path.is_dir():
            out.extend(sorted(path.rglob("*.jsonl")))
        elif path.is_file():
            out.append(path)
        else:
            raise InputError(path, None, None, "no such file or folder")
    return out


@dataclass
class Ingested:
    """What one pass over the traffic found."""

    file_states: list[dict[str, Any]]
    new_items: list[dict[str, Any]]
    new_lines: int
    duplicates: int
    """Lines whose id was already ingested with the same content (sent twice): skipped."""


def _record(path: Path, line: int, raw: bytes, config: MonitorConfig, window: str) -> dict[str, Any]:
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(path, line, None, f"not valid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise InputError(path, line, None, f"expected a JSON object, got {type(obj).__name__}")
    item_id = obj.get(config.id_field)
    if isinstance(item_id, bool) or not isinstance(item_id, (str, int)) or str(item_id) == "":
        raise InputError(path, line, config.id_field, "missing, or not a non-empty string or integer")
    if config.timestamp_field not in obj:
        raise InputError(path, line, config.timestamp_field, "missing")
    try:
        ts = parse_time(obj[config.timestamp_field])
    except ValueError as exc:
        raise InputError(path, line, config.timestamp_field, str(exc)) from None
    for field in (config.input_field, config.output_field):
        value = obj.get(field)
        if value is None:
            raise InputError(path, line, field, "missing")
        if not isinstance(value, str):
            raise InputError(path, line, field, f"expected text, got {type(value).__name__}")
    for column in config.slices:
        value = obj.get(column)
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise InputError(path, line, column, "a slice value must be text, a number or a boolean")
    start, _ = window_of(ts, window)
    return {
        "item_id": str(item_id),
        "timestamp": iso(ts),
        "window_start": iso(start),
        "source": f"{path}:{line}",
        "data": json.dumps(obj, sort_keys=True, ensure_ascii=False),
    }


def ingest(config: MonitorConfig, states: dict[str, dict[str, Any]], known: dict[str, str]) -> Ingested:
    """Read what is new in every traffic file. ``states``: the stored per-file state;
    ``known``: item id -> stored data JSON of the items already ingested."""
    file_states: list[dict[str, Any]] = []
    new_items: list[dict[str, Any]] = []
    seen = dict(known)
    duplicates = new_lines = 0
    for path in traffic_files(config):
        key = str(path.resolve())
        data = path.read_bytes()
        state = states.get(key)
        offset, lines = (state["offset"], state["lines"]) if state else (0, 0)
        if state and (
            len(data) < offset or hashlib.sha256(data[:offset]).hexdigest() != state["prefix_sha256"]
        ):
            raise InputError(
                path,
                None,
                None,
                f"its first {offset} bytes changed since they were ingested (the file was rewritten, "
                "not appended to); restore it, or move the new records to a new file",
            )
        end = data.rfind(b"\n") + 1
        if end <= offset:
            continue
        for raw in data[offset:end].split(b"\n")[:-1]:
            lines += 1
            if not raw.strip():
                continue
            row = _record(path, lines, raw, config, config.window)
            previous = seen.get(row["item_id"])
            if previous is not None:
                if previous == row["data"]:
                    duplicates += 1
                    continue
                raise DuplicateIdError(
                    path,
                    lines,
                    config.id_field,
                    f"id {row['item_id']!r} was already ingested with other content",
                )
            seen[row["item_id"]] = row["data"]
            new_items.append(row)
            new_lines += 1
        file_states.append(
            {
                "path": key,
                "offset": end,
                "lines": lines,
                "prefix_sha256": hashlib.sha256(data[:end]).hexdigest(),
            }
        )
    return Ingested(file_states, new_items, new_lines, duplicates)
