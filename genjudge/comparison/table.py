"""The paired comparison table: per metric and slice, both runs' values and their difference.

Both runs scored the same frozen set, so each item brings its value under A and under B (only
items scored in both count). For 0/1 values: the difference of paired proportions with Newcombe's
score interval and McNemar's exact test; for other values: the mean paired difference with a BCa
bootstrap interval over items and the Wilcoxon signed-rank test (Pratt's handling of zero
differences). The p-values of the whole table are adjusted together, by Holm's step-down method
(family-wise error, the default) or Benjamini-Hochberg (false discovery rate).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from typing import Any

import numpy as np
import pandas as pd

from genjudge.comparison.runs import StoredRun
from genjudge.findings import higher_is_better
from genjudge.slicing import is_critical, slice_groups
from genjudge.stats.paired import (
    benjamini_hochberg,
    holm,
    mcnemar_exact,
    paired_difference,
    paired_proportion_difference,
)

ADJUSTMENTS = {"holm": holm, "bh": benjamini_hochberg}
ADJUSTMENT_NAMES = {"holm": "Holm (family-wise error)", "bh": "Benjamini-Hochberg (false discovery rate)"}


@dataclass(frozen=True)
class Row:
    """One metric on one slice: A's and B's value over the items scored in both, and B - A."""

    metric: str
    subject: str
    family: str
    slice_column: str | None
    slice_value: str | None
    n: int
    """Items scored in both runs (the pairs)."""
    a: float | None
    b: float | None
    diff: float | None
    ci_low: float | None
    ci_high: float | None
    interval: str | None
    """``newcombe`` (0/1 values) or ``bca`` (other values)."""
    test: str | None
    """``mcnemar_exact`` or ``wilcoxon``."""
    p_value: float | None
    p_adjusted: float | None = None
    significant: bool = False
    """The adjusted p-value is under alpha: the change is unlikely to be noise."""
    gained: int | None = None
    """0/1 metrics: items at 0 under A and 1 under B."""
    lost: int | None = None
    """0/1 metrics: items at 1 under A and 0 under B."""
    too_small: bool = False
    critical: bool = False
    judge_based: bool = False
    higher_is_better: bool = True

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _values(run: StoredRun, spec: dict[str, Any]) -> pd.Series:
    """The item column of ``spec`` by item id; NaN where the check did not score the item ok."""
    table = run.table
    if spec["column"] not in table:
        return pd.Series(np.nan, index=table["id"].astype(str))
    values = pd.to_numeric(table[spec["column"]], errors="coerce").to_numpy(dtype=float)
    status = table.get(spec["status_column"])
    if status is not None:
        values = np.where(status.to_numpy() == "ok", values, np.nan)
    return pd.Series(values, index=table["id"].astype(str))


def _same_outputs(a: StoredRun, b: StoredRun, side: str) -> bool:
    def digest(run: StoredRun) -> str:
        return hashlib.sha256(run.table[side].astype(str).str.cat(sep="\x1f").encode()).hexdigest()

    return side in a.table and side in b.table and digest(a) == digest(b)


def _rng(seed: int, *key: object) -> np.random.Generator:
    digest = hashlib.sha256(repr(key).encode()).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])


def _row(
    x: np.ndarray, y: np.ndarray, *, confidence: float, resamples: int, rng: np.random.Generator
) -> dict[str, Any]:
    """B (``x``) against A (``y``) over paired items."""
    n = int(x.size)
    if n == 0:
        return {"n": 0, "a": None, "b": None, "diff": None, "ci_low": None, "ci_high": None,
                "interval": None, "test": None, "p_value": None}  # fmt: skip
    base = {"n": n, "a": float(y.mean()), "b": float(x.mean()), "diff": float(x.mean() - y.mean())}
    binary = bool(np.isin(x, (0.0, 1.0)).all() and np.isin(y, (0.0, 1.0)).all())
    if binary:
        d = paired_proportion_difference(x, y, confidence=confidence)
        t = mcnemar_exact(x, y)
        return {**base, "ci_low": d.ci_low, "ci_high": d.ci_high, "interval": "newcombe",
                "test": "mcnemar_exact", "p_value": t.p_value, "gained": t.b, "lost": t.c}  # fmt: skip
    from scipy.stats import wilcoxon

    diff = x - y
    lo: float | None
    hi: float | None
    if n < 2 or not np.any(diff):
        p = 1.0
        lo = hi = base["diff"]
    else:
        d = paired_difference(x, y, confidence=confidence, resamples=resamples, rng=rng)
        lo, hi = d.ci_low, d.ci_high
        p = float(wilcoxon(x, y, zero_method="pratt").pvalue)
    return {**base, "ci_low": lo, "ci_high": hi, "interval": "bca", "test": "wilcoxon", "p_value": p}


DIAGNOSTIC_METRICS = (
    "brier_score_loss",
    "log_loss",
    "kl_divergence",
    "js_divergence",
    "total_variation_distance",
    "top_choice_differs_rate",
)
"""Left out of a comparison unless named (``metrics``): calibration and distribution-distance means
restate what the headline metrics already test, and every extra test in the table weakens the
multiplicity adjustment of the others."""


def compare_table(
    a: StoredRun,
    b: StoredRun,
    *,
    adjust: str = "holm",
    alpha: float | None = None,
    resamples: int = 2000,
    seed: int = 0,
    metrics: Sequence[str] | None = None,
) -> list[Row]:
    """Every mean metric both runs report, on the whole set and every slice both runs cut by.

    ``metrics``: name patterns (``fnmatch``; ``*`` for all) of the metrics to compare; by default
    every metric but the :data:`DIAGNOSTIC_METRICS`. The teacher's own numbers are left out when
    both runs hold the same teacher outputs (they cannot differ). ``alpha`` defaults to 1 - the
    runs' confidence level.
    """
    confidence = b.confidence
    alpha = 1.0 - confidence if alpha is None else alpha
    specs_b = {(s["metric"], s["subject"], s["column"]): s for s in b.report["item_columns"]}
    specs = [s for s in a.report["item_columns"] if (s["metric"], s["subject"], s["column"]) in specs_b]
    if metrics is None:
        specs = [s for s in specs if s["metric"] not in DIAGNOSTIC_METRICS]
    else:
        specs = [s for s in specs if any(fnmatchcase(s["metric"], p) for p in metrics)]
    same_teacher = _same_outputs(a, b, "teacher")
    slices = [c for c in a.report["set"]["slices"] if c in b.report["set"]["slices"] and c in b.table]
    ids = b.table["id"].astype(str)
    groups = slice_groups(b.table, slices)
    min_support = max(a.min_support, b.min_support)
    rows: list[Row] = []
    for spec in specs:
        if same_teacher and spec["subject"] == "teacher":
            continue
        x = _values(b, spec).reindex(ids).to_numpy()
        y = _values(a, spec).reindex(ids).to_numpy()
        both = np.isfinite(x) & np.isfinite(y)
        if not both.any():
            continue
        for column, value, mask in groups:
            keep = both & mask
            stats = _row(
                x[keep], y[keep], confidence=confidence, resamples=resamples,
                rng=_rng(seed, spec["metric"], spec["subject"], column, value),
            )  # fmt: skip
            rows.append(
                Row(
                    metric=spec["metric"],
                    subject=spec["subject"],
                    family=spec["family"],
                    slice_column=column,
                    slice_value=value,
                    **stats,
                    too_small=stats["n"] < min_support,
                    critical=is_critical(column, value, b.critical),
                    judge_based=bool(spec.get("judge_based")),
                    higher_is_better=higher_is_better(spec["metric"]),
                )
            )
    tested = [i for i, r in enumerate(rows) if r.p_value is not None]
    if tested:
        result = ADJUSTMENTS[adjust]([rows[i].p_value for i in tested], alpha=alpha)  # type: ignore[misc]
        for i, p_adj, reject in zip(tested, result.p_adjusted, result.reject, strict=True):
            rows[i] = Row(**{**rows[i].as_dict(), "p_adjusted": p_adj, "significant": bool(reject)})
    return rows
