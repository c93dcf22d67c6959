"""``genjudge labels rate``: a terminal rating screen for one person and one dimension of a sheet.

The screen only shows and reads keys; every rating goes through :mod:`genjudge.labels.journal`
(saved durably before the screen moves on), so a web page can write the same sheet. Blind: a rater
sees the ``show`` columns of an item, the rubric's question and the scale, never the design
columns, the sheet's ``origin`` or anything else the items carry.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.panel import Panel
from rich.rule import Rule
from rich.text import Text

from genjudge.errors import ConfigError
from genjudge.labels.journal import Action, Event, Sheet, check_rater, notes, open_sheet, record, state
from genjudge.labels.journal import order as rater_order
from genjudge.labels.journal import progress as rater_progress

MAX_KEYS = 9
QUIT_KEYS = ("q", "Q")


def shown_columns(sheet: Sheet) -> list[str]:
    """The item columns a rater sees: ``show``, or every text column that is not an id, a slice,
    the document / system column or a design column (``_...``)."""
    m = sheet.manifest
    if m.show:
        return list(m.show)
    hidden = {"id", *m.slices, m.document, m.system}
    seen: dict[str, None] = {}
    for row in sheet.items.values():
        for k, v in row.items():
            if isinstance(v, str) and k not in hidden and not k.startswith("_"):
                seen.setdefault(k, None)
    return list(seen)


@dataclass
class Screen:
    """One rater's session over one dimension of a sheet."""

    sheet: Sheet
    rater: str
    dimension: str
    console: Any
    getchar: Callable[[], str]
    readline: Callable[[str], str]
    order: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    reoffered: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        scale = self.sheet.scale(self.dimension)
        if not scale.values or len(scale.values) > MAX_KEYS:
            raise ConfigError(
                f"dimension {self.dimension!r}: the rating screen needs a scale of 1 to {MAX_KEYS} listed "
                f"values (one key each); it has {scale.values}"
            )
        self.values = list(scale.values)
        self.names = [scale.names.get(str(v), str(v)) for v in self.values]
        self.columns = shown_columns(self.sheet)
        self.order = rater_order(self.sheet, self.rater)

    # -- where to go -------------------------------------------------------------------------
    def next_item(self, after: str | None) -> str | None:
        """The first unseen item after ``after`` in the rater's order (wrapping), else a skipped one
        not yet offered again in this session, else None."""
        st = state(self.sheet, self.rater, self.dimension)
        start = 0 if after is None else self.order.index(after) + 1
        ring = self.order[start:] + self.order[:start]
        for item in ring:
            if item not in st:
                return item
        for item in ring:
            if st[item].action is Action.SKIP and item not in self.reoffered:
                self.reoffered.add(item)
                return item
        return None

    def progress_line(self) -> str:
        rated, skipped, total = rater_progress(self.sheet, self.rater, self.dimension)
        return f"{rated} of {total} rated ({skipped} skipped) — rater {self.rater}"

    # -- drawing -----------------------------------------------------------------------------
    def draw(self, item_id: str, mine: Event | None, note: str | None) -> None:
        c = self.console
        m = self.sheet.manifest
        row = self.sheet.items[item_id]
        c.print(Rule(Text(f"item {self.order.index(item_id) + 1} of {len(self.order)}")))
        for col in self.columns:
            value = row.get(col)
            body = Text(str(value)) if value not in (None, "") else Text(f"(no {col})", style="dim")
            c.print(Panel(body, title=Text(m.titles.get(col, col)), title_align="left"))
        c.print(Text(m.rubric.instructions or f"Rate {self.dimension}.", style="bold"))
        for key, (value, name) in enumerate(zip(self.values, self.names, strict=True), start=1):
            label = name if name == str(value) else f"{value} — {name}"
            c.print(Text(f"  [{key}] {label}"))
        if mine is not None and mine.action is Action.RATE:
            c.print(Text(f"your rating: {self._label(mine.rating)} (a key re-rates it)"))
        elif mine is not None:
            c.print(Text("you skipped this item"))
        if note:
            c.print(Text(f"your note: {note}"))
        c.print(Text(self.progress_line(), style="cyan"))
        c.print(
            Text(f"keys: 1-{len(self.values)} rate · s skip · b back · n note · c clear · q quit"),
            style="dim",
        )

    def _label(self, rating: Any) -> str:
        for value, name in zip(self.values, self.names, strict=True):
            if str(value) == str(rating):
                return name if name == str(value) else f"{value} — {name}"
        return str(rating)

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> int:
        """Rate until every item is rated or the rater quits; returns the exit status (130 on Ctrl-C)."""
        import click

        item = self.next_item(None)
        if item is None:
            return self._finish()
        try:
            return self._loop(item)
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM as the CLI edge turns it into one
            term = type(exc).__name__ == "Terminated"
            what = "terminated" if term else "interrupted"
            self.console.print(Text(f"{what}: {self.progress_line()}. Everything given is saved."))
            return 143 if term else 130
        except (EOFError, click.exceptions.Abort):
            self.console.print(Text(f"input closed: {self.progress_line()}. Everything given is saved."))
            return 0

    def _loop(self, item: str) -> int:
        c = self.console
        while True:
            st = state(self.sheet, self.rater, self.dimension)
            mine = st.get(item)
            self.draw(item, mine, notes(self.sheet, self.rater, self.dimension).get(item))
            key = self.getchar()
            if key in QUIT_KEYS:
                return self._stop(item)
            if key.isdigit() and 1 <= int(key) <= len(self.values):
                record(self.sheet, self.rater, item, self.dimension, Action.RATE, self.values[int(key) - 1])
                c.print(Text(f"saved: {self._label(self.values[int(key) - 1])}"))
            elif key in ("s", "S"):
                if mine is None or mine.action is Action.SKIP:
                    record(self.sheet, self.rater, item, self.dimension, Action.SKIP)
                    c.print(Text("skipped"))
            elif key in ("b", "B"):
                back = self._previous(item)
                if back is None:
                    c.print(Text("this is the first item"))
                else:
                    item = back
                continue
            elif key in ("n", "N"):
                text = self.readline("note (Enter to save, empty to cancel): ").strip()
                if text:
                    record(self.sheet, self.rater, item, self.dimension, Action.NOTE, note=text)
                    c.print(Text("note saved"))
                continue
            elif key in ("c", "C"):
                record(self.sheet, self.rater, item, self.dimension, Action.CLEAR)
                c.print(Text("cleared"))
                continue
            else:
                c.print(Text(f"unknown key {key!r}"))
                continue
            self.history.append(item)
            nxt = self.next_item(item)
            if nxt is None:
                return self._finish()
            item = nxt

    def _previous(self, item: str) -> str | None:
        if self.history:
            return self.history.pop()
        i = self.order.index(item)
        return self.order[i - 1] if i > 0 else None

    def _stop(self, item: str) -> int:
        where = self.order.index(item) + 1
        self.console.print(
            Text(
                f"stopped at item {where} of {len(self.order)}: {self.progress_line()}. Everything given is "
                "saved; run the same command to resume."
            )
        )
        return 0

    def _finish(self) -> int:
        rated, skipped, total = rater_progress(self.sheet, self.rater, self.dimension)
        if rated == total:
            self.console.print(Text(f"all {total} items rated — rater {self.rater}. Thank you."))
        else:
            self.console.print(
                Text(
                    f"every item seen: {self.progress_line()}. Run the same command to see the "
                    f"{skipped} skipped items again."
                )
            )
        return 0


def rate(sheet_path: Path | str, rater: str, dimension: str | None = None) -> int:
    """Run the rating screen on the terminal; returns the exit status."""
    import click
    from rich.console import Console

    check_rater(rater)
    sheet = open_sheet(sheet_path)
    dim = sheet.dimension(dimension)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ConfigError("labels rate needs a terminal (stdin and stdout are not both a TTY)")
    console = Console(highlight=False)
    screen = Screen(
        sheet,
        rater,
        dim,
        console,
        lambda: click.getchar(),
        lambda p: click.prompt(p, default="", show_default=False, prompt_suffix=""),
    )
    return screen.run()
