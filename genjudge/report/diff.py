"""Word-level differences between two texts, for highlighting side by side.

:func:`word_diff` splits both texts into words and the whitespace between them, aligns the words
with :class:`difflib.SequenceMatcher` and marks, on each side, the words the other side lacks.
Joining a side's pieces gives back its text unchanged.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

__all__ = ["Piece", "WordDiff", "word_diff"]

_TOKEN = re.compile(r"\s+|\S+")


@dataclass(frozen=True)
class Piece:
    """A run of text and whether it differs from the other side."""

    text: str
    changed: bool


@dataclass(frozen=True)
class WordDiff:
    """Both texts as pieces; ``ratio`` is difflib's similarity of the word sequences (1 = same words)."""

    a: list[Piece]
    b: list[Piece]
    ratio: float


def _pieces(tokens: list[str], changed: list[bool]) -> list[Piece]:
    """Merge neighbouring tokens of the same state; whitespace between two changed words is changed."""
    out: list[Piece] = []
    for i, token in enumerate(tokens):
        flag = changed[i]
        if token.isspace():
            flag = 0 < i < len(tokens) - 1 and changed[i - 1] and changed[i + 1]
        if out and out[-1].changed == flag:
            out[-1] = Piece(out[-1].text + token, flag)
        else:
            out.append(Piece(token, flag))
    return out


def word_diff(a: str, b: str) -> WordDiff:
    """Mark the words of ``a`` missing from ``b`` and those of ``b`` missing from ``a``.

    Words are runs of non-whitespace, compared exactly (case and punctuation count); whitespace
    differences alone mark nothing.
    """
    ta, tb = _TOKEN.findall(a or ""), _TOKEN.findall(b or "")
    wa = [i for i, t in enumerate(ta) if not t.isspace()]
    wb = [i for i, t in enumerate(tb) if not t.isspace()]
    matcher = difflib.SequenceMatcher(None, [ta[i] for i in wa], [tb[i] for i in wb], autojunk=False)
    ca, cb = [False] * len(ta), [False] * len(tb)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            for k in range(i1, i2):
                ca[wa[k]] = True
            for k in range(j1, j2):
                cb[wb[k]] = True
    return WordDiff(_pieces(ta, ca), _pieces(tb, cb), matcher.ratio() if (wa or wb) else 1.0)
