"""The rating page's model: which sheets there are, which item a rater sees next, what is shown.

No HTTP here (see :mod:`genjudge.service.pages_rating`) and no storage of its own: every answer goes
through :mod:`genjudge.labels.journal`, the store of the terminal's ``genjudge labels rate`` too, so
a rater may switch between the two, and several raters may rate one sheet at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genjudge.labels.journal import Action, Event, Sheet, notes, order, progress, state
from genjudge.labels.model import MANIFEST_NAME
from genjudge.labels.rate import shown_columns

MAX_KEYS = 9
"""Digit keys 1-9 pick a rating; a longer scale is rated with its buttons."""


def find_sheets(root: Path) -> dict[str, Path]:
    """Sheet name (its folder's name) -> folder, for every folder under ``root`` holding a manifest."""
    if not root.is_dir():
        return {}
    return {p.name: p for p in sorted(root.iterdir()) if (p / MANIFEST_NAME).is_file()}


def next_item(sheet: Sheet, rater: str, dimension: str, after: str | None) -> str | None:
    """The first item after ``after`` in the rater's order (wrapping) that the rater has neither
    rated nor skipped; else the first skipped one other than ``after``; else None (all rated)."""
    ring = order(sheet, rater)
    start = ring.index(after) + 1 if after in ring else 0
    ring = ring[start:] + ring[:start]
    st = state(sheet, rater, dimension)
    for item in ring:
        if item not in st:
            return item
    return next((i for i in ring if st[i].action is Action.SKIP and i != after), None)


def previous_item(sheet: Sheet, rater: str, item: str) -> str | None:
    """The item before ``item`` in the rater's order (None on the first)."""
    ring = order(sheet, rater)
    i = ring.index(item)
    return ring[i - 1] if i > 0 else None


@dataclass(frozen=True)
class Choice:
    """One value of the scale: its key (1-9, or None past nine), the value and its label."""

    key: int | None
    value: str
    label: str


@dataclass(frozen=True)
class ItemView:
    """What the page shows for one item: only what the rater may see (blind to the judge)."""

    item_id: str
    position: int
    total: int
    fields: list[tuple[str, str]]
    question: str
    choices: list[Choice]
    mine: Event | None
    note: str | None
    rated: int
    skipped: int
    previous: str | None


def choices(sheet: Sheet, dimension: str) -> list[Choice]:
    """The scale's values in order, with their names; an open scale has none (typed in)."""
    scale = sheet.scale(dimension)
    out = []
    for i, value in enumerate(scale.values or [], start=1):
        name = scale.names.get(str(value), str(value))
        label = name if name == str(value) else f"{value} — {name}"
        out.append(Choice(i if i <= MAX_KEYS else None, str(value), label))
    return out


def item_view(sheet: Sheet, rater: str, dimension: str, item_id: str) -> ItemView:
    """The item as the rater sees it: the ``show`` columns, the rubric's question, the scale, and the
    rater's own answer and note (never another rater's, never the judge's)."""
    m = sheet.manifest
    row = sheet.items[item_id]
    fields = []
    for col in shown_columns(sheet):
        value = row.get(col)
        fields.append((m.titles.get(col, col), "" if value is None else str(value)))
    ring = order(sheet, rater)
    rated, skipped, total = progress(sheet, rater, dimension)
    return ItemView(
        item_id=item_id,
        position=ring.index(item_id) + 1,
        total=total,
        fields=fields,
        question=m.rubric.instructions or f"Rate {dimension}.",
        choices=choices(sheet, dimension),
        mine=state(sheet, rater, dimension).get(item_id),
        note=notes(sheet, rater, dimension).get(item_id),
        rated=rated,
        skipped=skipped,
        previous=previous_item(sheet, rater, item_id),
    )


def sheet_summary(sheet: Sheet, rater: str) -> list[dict[str, Any]]:
    """Per dimension: the rater's progress on it."""
    out = []
    for dim in sheet.manifest.dimensions:
        rated, skipped, total = progress(sheet, rater, dim)
        out.append({"dimension": dim, "rated": rated, "skipped": skipped, "total": total})
    return out
