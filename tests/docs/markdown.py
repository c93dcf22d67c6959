"""The runnable blocks of a Markdown file: fenced ``bash`` / ``sh`` / ``python`` blocks, each with the
doctest marker on the line before its fence (if any) and the ``text`` block that follows it (the
output shown to the reader, if any).

Markers (the comment sits on the line just before the fence)::

    <!-- doctest: skip — reason -->       not run (needs a key, a long run, a network)
    <!-- doctest: reduced — what -->      run with the reductions of tests/docs/sandbox.py
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

RUNNABLE = {"bash": "shell", "sh": "shell", "shell": "shell", "console": "shell", "python": "python"}
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
_MARKER = re.compile(r"^\s*<!--\s*doctest:\s*(?P<kind>skip|reduced)\s*(?:[—–:-]+\s*(?P<why>.*?))?\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int
    """1-based line of the opening fence."""
    kind: str
    """``shell`` or ``python``."""
    code: str
    mode: str = "run"
    """``run``, ``skip`` or ``reduced``."""
    why: str = ""
    expected: str | None = None
    """The ``text`` block right after this one: output the reader is shown."""

    @property
    def name(self) -> str:
        return f"{self.path.name}:{self.line}"


@dataclass(frozen=True)
class _Fenced:
    line: int
    info: str
    body: str
    marker: tuple[str, str] | None
    end: int


def _fenced(lines: list[str]) -> list[_Fenced]:
    out: list[_Fenced] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, start = m.group("fence"), i
        j = i + 1
        while j < len(lines) and not (
            lines[j].strip().startswith(fence[0] * len(fence)) and not lines[j].strip().strip(fence[0])
        ):
            j += 1
        if j == len(lines):
            raise ValueError(f"line {start + 1}: fence {fence} is never closed")
        marker = None
        if start > 0 and (mk := _MARKER.match(lines[start - 1])):
            marker = (mk.group("kind"), mk.group("why") or "")
        indent = len(m.group("indent"))
        body = "\n".join(x[indent:] if x[:indent].isspace() else x for x in lines[start + 1 : j])
        out.append(_Fenced(start + 1, m.group("info").lower(), body + "\n", marker, j + 1))
        i = j + 1
    return out


def blocks(path: Path) -> list[Block]:
    """Every runnable block of ``path``, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    fenced = _fenced(lines)
    out = []
    for k, f in enumerate(fenced):
        kind = RUNNABLE.get(f.info)
        if kind is None:
            continue
        expected = None
        nxt = fenced[k + 1] if k + 1 < len(fenced) else None
        # Output shown right after the command: only blank lines between the two fences.
        if nxt is not None and nxt.info == "text" and all(not x.strip() for x in lines[f.end : nxt.line - 1]):
            expected = nxt.body
        mode, why = f.marker if f.marker else ("run", "")
        out.append(Block(path, f.line, kind, f.body, mode, why, expected))
    return out


def expected_pattern(expected: str) -> re.Pattern[str]:
    """The shown output as a pattern: its lines in order, ``...`` matching anything, runs of
    whitespace matching any whitespace."""
    parts = []
    for line in expected.strip().splitlines():
        pieces = [re.sub(r"\\\s+|\s+", r"\\s+", re.escape(p.strip())) for p in line.split("...")]
        parts.append(".*?".join(pieces))
    return re.compile(r"\s*.*?".join(parts), re.S)
