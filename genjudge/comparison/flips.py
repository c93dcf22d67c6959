"""The items behind a change, readable one by one: what each run answered and how it was scored.

For a 0/1 metric, the items that flipped (1 under A and 0 under B: *lost*; the reverse: *gained*);
for another metric, the items whose value moved by at least ``min_change``, largest moves first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from genjudge.comparison.runs import StoredRun
from genjudge.io.canonical import as_text, is_absent


@dataclass(frozen=True)
class Flip:
    """One item whose verdict changed between run A and run B."""

    item_id: str
    metric: str
    subject: str
    direction: str
    """``lost`` (worse under B), ``gained`` (better under B)."""
    a_value: float
    b_value: float
    input: str
    a_output: str
    b_output: str
    teacher: str
    b_teacher: str | None
    """B's teacher output where it differs from A's (None when the same)."""
    reference: str | None
    a_verdict: str
    b_verdict: str
    slices: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text(value: Any) -> str:
    return "" if is_absent(value) else (as_text(value) or "")


def _verdict(row: pd.Series, spec: dict[str, Any], value: float) -> str:
    """The item's score under a run, with the judge's label where the check records one."""
    check = spec["column"].split(".", 1)[0]
    label = row.get(f"{check}.label")
    shown = f"{value:g}"
    return f"{shown} ({label})" if isinstance(label, str) and label else shown


def flips(
    a: StoredRun,
    b: StoredRun,
    spec: dict[str, Any],
    *,
    slices: list[str],
    higher_is_better: bool = True,
    min_change: float = 0.0,
) -> list[Flip]:
    """The items of ``spec`` (an ``item_columns`` entry) whose value changed, worst losses first."""
    ta, tb = a.table.set_index(a.table["id"].astype(str)), b.table.set_index(b.table["id"].astype(str))
    if spec["column"] not in ta or spec["column"] not in tb:
        return []
    ids = [i for i in tb.index if i in ta.index]

    def values(t: pd.DataFrame) -> np.ndarray:
        v = pd.to_numeric(t.loc[ids, spec["column"]], errors="coerce").to_numpy(dtype=float)
        status = t.loc[ids, spec["status_column"]].to_numpy() if spec["status_column"] in t else None
        return np.where(status == "ok", v, np.nan) if status is not None else v

    va, vb = values(ta), values(tb)
    sign = 1.0 if higher_is_better else -1.0
    moved = sign * (vb - va)
    out: list[tuple[float, Flip]] = []
    for i, item in enumerate(ids):
        if not (np.isfinite(va[i]) and np.isfinite(vb[i])) or abs(moved[i]) <= min_change or moved[i] == 0:
            continue
        ra, rb = ta.loc[item], tb.loc[item]
        teacher_a, teacher_b = _text(ra.get("teacher")), _text(rb.get("teacher"))
        out.append(
            (
                moved[i],
                Flip(
                    item_id=item,
                    metric=spec["metric"],
                    subject=spec["subject"],
                    direction="gained" if moved[i] > 0 else "lost",
                    a_value=float(va[i]),
                    b_value=float(vb[i]),
                    input=_text(rb.get("input")),
                    a_output=_text(ra.get("student")),
                    b_output=_text(rb.get("student")),
                    teacher=teacher_a,
                    b_teacher=teacher_b if teacher_b != teacher_a else None,
                    reference=None if is_absent(rb.get("reference")) else _text(rb.get("reference")),
                    a_verdict=_verdict(ra, spec, float(va[i])),
                    b_verdict=_verdict(rb, spec, float(vb[i])),
                    slices={c: _text(rb.get(c)) for c in slices if c in tb and not is_absent(rb.get(c))},
                ),
            )
        )
    out.sort(key=lambda pair: (pair[0], pair[1].item_id))
    return [f for _, f in out]
