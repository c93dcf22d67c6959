"""Two runs on one frozen set, compared item by item: what changed, per metric and slice, and on
which items (``genjudge compare``; :func:`compare_runs` in Python).

- :mod:`genjudge.comparison.runs`: the two runs from the store, refused unless on the same set;
- :mod:`genjudge.comparison.table`: the paired table (intervals, McNemar / Wilcoxon, Holm or BH);
- :mod:`genjudge.comparison.flips`: the items whose verdict changed, readable one by one;
- :mod:`genjudge.comparison.render`: Markdown, JSON and HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from genjudge.comparison.flips import Flip, flips
from genjudge.comparison.runs import StoredRun, check_comparable, latest, load_run
from genjudge.comparison.table import ADJUSTMENT_NAMES, Row, compare_table
from genjudge.store import RunStore

__all__ = ["Comparison", "Flip", "Row", "StoredRun", "compare_runs", "latest", "load_run"]

FLIPS_SHOWN = 20
"""Items shown per metric and direction in Markdown and HTML (JSON holds them all)."""


@dataclass
class Comparison:
    """Run A (the baseline) against run B (the candidate): every paired row, and the changed items."""

    a: StoredRun
    b: StoredRun
    rows: list[Row]
    adjustment: str
    alpha: float
    flips: dict[str, list[Flip]] = field(default_factory=dict)
    """``subject.metric`` -> its changed items, worst losses first (the task's headline metrics and
    every metric with a significant change on the whole set)."""

    @property
    def confidence(self) -> float:
        return self.b.confidence

    @property
    def tests(self) -> int:
        return sum(r.p_value is not None for r in self.rows)

    def method(self) -> str:
        """One sentence on how the numbers were made."""
        return (
            f"Paired over the items scored in both runs; B − A with {self.confidence:.0%} intervals "
            "(Newcombe's score interval for 0/1 metrics, BCa bootstrap over items otherwise); tests: "
            "McNemar's exact test (0/1) or the Wilcoxon signed-rank test; p-values adjusted across "
            f"the {self.tests} tests of this table by {ADJUSTMENT_NAMES[self.adjustment]}, "
            f"significant at {self.alpha:g}."
        )

    def as_json(self) -> dict[str, Any]:
        def run(r: StoredRun) -> dict[str, Any]:
            return {"run_id": r.run_id, "name": r.name, "created_at": r.record.created_at.isoformat()}

        return {
            "a": run(self.a),
            "b": run(self.b),
            "task": self.b.record.task.value,
            "set": {
                "path": self.b.report["set"]["path"],
                "fingerprint": self.b.record.set_fingerprint,
                "rows": self.b.report["set"]["rows"],
            },
            "confidence": self.confidence,
            "adjustment": self.adjustment,
            "alpha": self.alpha,
            "method": self.method(),
            "rows": [r.as_dict() for r in self.rows],
            "flips": {k: [f.as_dict() for f in v] for k, v in self.flips.items()},
        }


def key_metrics(c: Comparison) -> list[str]:
    """``subject.metric`` of the task's headline metrics, then of every significant whole-set change."""
    keys = [k for k in c.b.report.get("headline", {})]
    keys += [f"{r.subject}.{r.metric}" for r in c.rows if r.slice_column is None and r.significant]
    present = {f"{r.subject}.{r.metric}" for r in c.rows}
    return [k for k in dict.fromkeys(keys) if k in present]


def compare_runs(
    store: RunStore,
    run_a: str,
    run_b: str,
    *,
    adjust: str = "holm",
    alpha: float | None = None,
    seed: int = 0,
    resamples: int = 2000,
    metrics: list[str] | None = None,
) -> Comparison:
    """Load both runs, check they scored the same set, and compare them item by item (``metrics``:
    see :func:`~genjudge.comparison.table.compare_table`)."""
    a, b = load_run(store, run_a), load_run(store, run_b)
    check_comparable(a, b)
    rows = compare_table(a, b, adjust=adjust, alpha=alpha, seed=seed, resamples=resamples, metrics=metrics)
    c = Comparison(a, b, rows, adjust, 1.0 - b.confidence if alpha is None else alpha)
    specs = {f"{s['subject']}.{s['metric']}": s for s in b.report["item_columns"]}
    directions = {f"{r.subject}.{r.metric}": r.higher_is_better for r in rows}
    for key in key_metrics(c):
        changed = flips(a, b, specs[key], slices=b.report["set"]["slices"], higher_is_better=directions[key])
        if changed:
            c.flips[key] = changed
    return c
