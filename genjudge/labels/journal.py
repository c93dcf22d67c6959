"""Durable storage of a rating sheet's ratings, shared by every rating front end (no UI here).

Each rater has an append-only journal ``SHEET/journal/<rater>.jsonl``: one JSON event a line,
``{"item_id", "dimension", "action", "rating", "note", "at"}``. An event is appended, flushed and
fsynced before :func:`record` returns, so a rating the screen has moved past is on disk whatever
happens next (``kill -9`` included). After every event, and when a sheet is opened (to recover from a
kill between the append and the rebuild), the sheet's ratings file (long layout:
``item_id,rater,dimension,rating,note``) is rebuilt from *all* raters' journals under an exclusive
lock on ``SHEET/.lock`` and replaced atomically: for each (item, rater, dimension) the latest
``rate`` / ``skip`` / ``clear`` event decides (skipped or cleared: no row), and the note is the latest
note given since the last ``clear``. Rows of raters who have no journal (ratings written by other
means) are kept as they are.

A journal's last line without its newline is a write that a kill interrupted: it is ignored with a
warning, and cut off before the next append. Any other unreadable line is an error naming the file
and the line.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import json
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from genjudge.errors import ConfigError, InputError
from genjudge.io.tables import read_rows
from genjudge.labels.model import MANIFEST_NAME, SampleManifest, Scale

log = logging.getLogger(__name__)

JOURNAL_DIR = "journal"
LOCK_NAME = ".lock"
CSV_COLUMNS = ("item_id", "rater", "dimension", "rating", "note")
_RATER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class Action(StrEnum):
    """What a rater did to an item."""

    RATE = "rate"
    SKIP = "skip"
    CLEAR = "clear"
    """Withdraw one's rating (and note) of the item: it is unseen again."""
    NOTE = "note"
    """A note alone: it goes with the item's rating, now or when it is given."""


@dataclass(frozen=True)
class Event:
    """One line of a rater's journal."""

    item_id: str
    dimension: str
    action: Action
    rating: Any = None
    note: str | None = None
    at: str = ""

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "action": str(self.action)}, ensure_ascii=False)


@dataclass(frozen=True)
class Sheet:
    """A rating sheet: its folder, manifest and items (what the raters are shown)."""

    root: Path
    manifest: SampleManifest
    items: dict[str, dict[str, Any]]

    @property
    def ratings_path(self) -> Path:
        return self.root / self.manifest.ratings.path

    def journal_path(self, rater: str) -> Path:
        return self.root / JOURNAL_DIR / f"{check_rater(rater)}.jsonl"

    def dimension(self, name: str | None = None) -> str:
        """``name`` checked, or the sheet's only dimension."""
        dims = list(self.manifest.dimensions)
        if name is None:
            if len(dims) != 1:
                raise ConfigError(f"the sheet has several dimensions {dims}: name one (--dimension)")
            return dims[0]
        if name not in dims:
            raise ConfigError(f"dimension {name!r} is not in the sheet (it has {dims})")
        return name

    def scale(self, dimension: str) -> Scale:
        return self.manifest.dimensions[self.dimension(dimension)]


def check_rater(name: str) -> str:
    """A rater name is a file name: letters, digits, ``-``, ``_``, ``.`` (not first), 64 at most."""
    if not isinstance(name, str) or not _RATER.fullmatch(name):
        raise ConfigError(
            f"rater name {name!r}: use letters, digits, '-', '_' or '.' (starting with a letter or digit, "
            "at most 64 characters)"
        )
    return name


def open_sheet(path: Path | str, *, rebuild_ratings: bool = True) -> Sheet:
    """Load a sheet (folder or manifest) and bring its ratings file up to date with the journals."""
    path = Path(path)
    manifest_path = path / MANIFEST_NAME if path.is_dir() else path
    if not manifest_path.is_file():
        raise ConfigError(f"{manifest_path}: no sheet manifest ({MANIFEST_NAME}) found")
    try:
        manifest = SampleManifest.model_validate_json(manifest_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{manifest_path}: invalid sample manifest: {exc}") from None
    if manifest.ratings.layout != "long" or Path(manifest.ratings.path).suffix.lower() != ".csv":
        raise ConfigError(
            f"{manifest_path}: a rating sheet keeps its ratings in a long CSV "
            f"(ratings: {manifest.ratings.path!r}, layout {manifest.ratings.layout!r})"
        )
    if not manifest.items:
        raise ConfigError(f"{manifest_path}: the sheet names no items file (`items`)")
    root = manifest_path.parent
    items: dict[str, dict[str, Any]] = {}
    for line, row in read_rows(root / manifest.items):
        if row.get("id") in (None, ""):
            raise InputError(root / manifest.items, line, "id", "missing")
        if str(row["id"]) in items:
            raise InputError(root / manifest.items, line, "id", f"duplicate id {row['id']!r}")
        items[str(row["id"])] = row
    if not items:
        raise InputError(root / manifest.items, None, None, "no items")
    sheet = Sheet(root, manifest, items)
    if rebuild_ratings:
        rebuild(sheet)
    return sheet


def _sheet(sheet: Sheet | Path | str) -> Sheet:
    return sheet if isinstance(sheet, Sheet) else open_sheet(sheet, rebuild_ratings=False)


@contextlib.contextmanager
def _locked(sheet: Sheet) -> Iterator[None]:
    with open(sheet.root / LOCK_NAME, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def record(
    sheet: Sheet | Path | str,
    rater: str,
    item_id: str,
    dimension: str | None,
    action: Action | str,
    rating: Any = None,
    note: str | None = None,
) -> Event:
    """Append one event to ``rater``'s journal (durably) and rebuild the ratings file.

    ``rate`` needs a ``rating`` on the dimension's scale; the other actions take none. ``note``
    needs a non-empty ``note``.
    """
    s = _sheet(sheet)
    path = s.journal_path(rater)
    dim = s.dimension(dimension)
    try:
        act = Action(action)
    except ValueError:
        raise ConfigError(f"action {action!r}: use one of {[a.value for a in Action]}") from None
    if item_id not in s.items:
        raise ConfigError(f"item {item_id!r} is not in the sheet")
    if act is Action.RATE:
        rating = _on_scale(s.scale(dim), rating)
    elif rating is not None:
        raise ConfigError(f"a {act.value} event carries no rating (got {rating!r})")
    note = note.strip() if note else None
    if act is Action.NOTE and not note:
        raise ConfigError("a note event needs a note")
    event = Event(item_id, dim, act, rating, note or None, datetime.now(UTC).isoformat(timespec="seconds"))
    with _locked(s):
        path.parent.mkdir(exist_ok=True)
        new = not path.exists()
        with open(path, "ab") as fh:
            _cut_partial_line(fh, path)
            fh.write((event.to_json() + "\n").encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        if new:
            _fsync_dir(path.parent)
        _rebuild_locked(s)
    return event


def _on_scale(scale: Scale, rating: Any) -> Any:
    """The scale's own value for ``rating`` (so ``"3"`` on a 1-5 scale is stored as 3)."""
    for value in scale.values or []:
        if value == rating or str(value) == str(rating):
            return value
    if scale.values is None:
        try:
            scale.code(rating)
        except ValueError as exc:
            raise ConfigError(f"rating {rating!r}: {exc}") from None
        return rating
    raise ConfigError(f"rating {rating!r} is not one of {scale.values}")


def _cut_partial_line(fh: Any, path: Path) -> None:
    """Cut off a last line that a kill left without its newline (it was never acknowledged)."""
    size = fh.seek(0, os.SEEK_END)
    if size == 0:
        return
    with open(path, "rb") as rd:
        rd.seek(size - 1)
        if rd.read(1) == b"\n":
            return
        rd.seek(0)
        data = rd.read()
    keep = data.rfind(b"\n") + 1
    log.warning("%s: cut off an incomplete last line (a write was interrupted): %r", path, data[keep:][:80])
    fh.truncate(keep)
    fh.seek(keep)


def read_journal(path: Path) -> list[Event]:
    """A journal's events in order (an incomplete last line is ignored with a warning)."""
    if not path.is_file():
        return []
    data = path.read_bytes()
    lines = data.split(b"\n")
    if lines[-1]:
        log.warning("%s: ignored an incomplete last line (a write was interrupted)", path)
    events = []
    for number, raw in enumerate(lines[:-1], start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
            events.append(
                Event(
                    item_id=str(obj["item_id"]),
                    dimension=str(obj["dimension"]),
                    action=Action(obj["action"]),
                    rating=obj.get("rating"),
                    note=obj.get("note"),
                    at=str(obj.get("at", "")),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(path, number, None, f"unreadable journal event: {exc}") from None
    return events


def _latest(events: list[Event]) -> dict[tuple[str, str], tuple[Event | None, str | None]]:
    """Per (item, dimension): the latest rate/skip/clear event and the latest note since a clear."""
    out: dict[tuple[str, str], tuple[Event | None, str | None]] = {}
    for e in events:
        decided, note = out.get((e.item_id, e.dimension), (None, None))
        if e.action is Action.CLEAR:
            decided, note = e, None
        elif e.action is Action.NOTE:
            note = e.note
        else:
            decided, note = e, (e.note or note)
        out[(e.item_id, e.dimension)] = (decided, note)
    return out


def rebuild(sheet: Sheet | Path | str) -> None:
    """Rewrite the sheet's ratings file from all journals (locked, atomic)."""
    s = _sheet(sheet)
    with _locked(s):
        _rebuild_locked(s)


def _rebuild_locked(s: Sheet) -> None:
    journals = sorted((s.root / JOURNAL_DIR).glob("*.jsonl"))
    raters = {p.stem for p in journals}
    rows: list[tuple[str, str, str, str, str]] = []
    if s.ratings_path.is_file():  # rows of raters without a journal are kept
        for _, row in read_rows(s.ratings_path):
            if str(row.get("rater")) not in raters:
                rows.append(tuple("" if row.get(c) is None else str(row[c]) for c in CSV_COLUMNS))  # type: ignore[arg-type]
    for path in journals:
        for (item_id, dim), (decided, note) in _latest(read_journal(path)).items():
            if decided is not None and decided.action is Action.RATE:
                rows.append((item_id, path.stem, dim, _csv_value(decided.rating), note or ""))
    rows.sort()
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    tmp = s.ratings_path.with_name(f".{s.ratings_path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(buf.getvalue())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, s.ratings_path)
    _fsync_dir(s.ratings_path.parent)


def _csv_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def state(sheet: Sheet | Path | str, rater: str, dimension: str | None = None) -> dict[str, Event]:
    """The rater's standing per item of the sheet: its latest ``rate`` or ``skip`` event (cleared or
    unseen: absent).

    A rate event's ``note`` is the item's current note (a later note event included).
    """
    s = _sheet(sheet)
    dim = s.dimension(dimension)
    out: dict[str, Event] = {}
    for (item_id, d), (decided, note) in _latest(read_journal(s.journal_path(rater))).items():
        if d == dim and item_id in s.items and decided is not None and decided.action is not Action.CLEAR:
            out[item_id] = Event(decided.item_id, d, decided.action, decided.rating, note, decided.at)
    return out


def notes(sheet: Sheet | Path | str, rater: str, dimension: str | None = None) -> dict[str, str]:
    """The rater's current note per item (given since the last clear, rated or not)."""
    s = _sheet(sheet)
    dim = s.dimension(dimension)
    latest = _latest(read_journal(s.journal_path(rater)))
    return {i: n for (i, d), (_, n) in latest.items() if d == dim and n}


def progress(sheet: Sheet | Path | str, rater: str, dimension: str | None = None) -> tuple[int, int, int]:
    """(items rated, items skipped, items in the sheet) for one rater and dimension."""
    s = _sheet(sheet)
    st = state(s, rater, dimension)
    rated = sum(e.action is Action.RATE for e in st.values())
    return rated, sum(e.action is Action.SKIP for e in st.values()), len(s.items)


def order(sheet: Sheet | Path | str, rater: str) -> list[str]:
    """The rater's own random order of the items, stable across restarts.

    Items are sorted by sha256(rater, sheet name, design seed, item id): a seeded permutation that
    differs between raters, and that keeps the relative order of the items already there when a
    sheet grows.
    """
    s = _sheet(sheet)
    seed = s.manifest.design.seed if s.manifest.design is not None else 0
    prefix = f"{check_rater(rater)}\0{s.manifest.name}\0{seed}\0"

    def key(item_id: str) -> str:
        return hashlib.sha256((prefix + item_id).encode("utf-8")).hexdigest()

    return sorted(s.items, key=key)
