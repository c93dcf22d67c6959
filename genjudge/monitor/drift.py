"""Drift of one window against the reference: slice mix, labels / outputs / scores, embeddings.

Every comparison gives a row: what was compared, the statistic, its value, the two sample sizes and
a level (``ok``, ``warn``, ``alert``, or ``too_small`` when either side has fewer than
``thresholds.min_n`` items, which never alerts). Category distributions get PSI and the
Jensen–Shannon distance; per-item scores are binned at the reference's deciles first (the usual
PSI recipe); embeddings get the MMD permutation test (:mod:`genjudge.stats.drift`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from genjudge.io.canonical import is_absent
from genjudge.monitor.config import MonitorConfig, Thresholds
from genjudge.monitor.metrics import SCORE_COLUMN
from genjudge.records import TaskKind
from genjudge.stats.drift import (
    DEFAULT_EPSILON,
    js_distance,
    mmd_permutation_test,
    population_stability_index,
    proportions,
    quantile_bins,
)

__all__ = ["ABSENT", "window_drift"]

ABSENT = "(absent)"
"""The category of an item without a value in a slice column (it still counts in the mix)."""

_WHAT = {
    "slice_mix": "slice mix",
    "labels": "label distribution",
    "outputs": "student output distribution",
    "scores": "score distribution",
    "embedding": "embedding shift",
}


def drift_name(kind: str) -> str:
    return _WHAT[kind]


def _level(value: float, warn: float, alert: float) -> str:
    return "alert" if value > alert else "warn" if value > warn else "ok"


def _categorical(
    kind: str, column: str | None, ref: list[Any], cur: list[Any], t: Thresholds
) -> list[dict[str, Any]]:
    rc, cc = Counter(map(str, ref)), Counter(map(str, cur))
    if not rc or not cc:
        return []
    p, q = proportions(cc, rc)
    small = min(len(ref), len(cur)) < t.min_n
    base = {"kind": kind, "column": column, "n_reference": len(ref), "n_current": len(cur)}
    psi = population_stability_index(p, q)
    js = js_distance(p, q)
    return [
        {
            **base,
            "statistic": "psi",
            "value": psi,
            "epsilon": DEFAULT_EPSILON,
            "warn": t.psi_warn,
            "alert": t.psi_alert,
            "level": "too_small" if small else _level(psi, t.psi_warn, t.psi_alert),
        },
        {
            **base,
            "statistic": "js_distance",
            "value": js,
            "warn": t.js_warn,
            "alert": t.js_alert,
            "level": "too_small" if small else _level(js, t.js_warn, t.js_alert),
        },
    ]


def _binned(ref: np.ndarray, cur: np.ndarray) -> tuple[list[str], list[str]]:
    ref, cur = ref[np.isfinite(ref)], cur[np.isfinite(cur)]
    if ref.size == 0 or cur.size == 0:
        return [], []
    edges = quantile_bins(ref, 10)
    return (
        [f"bin{int(i)}" for i in np.searchsorted(edges, ref, side="right")],
        [f"bin{int(i)}" for i in np.searchsorted(edges, cur, side="right")],
    )


def _seed(config: MonitorConfig, start: str) -> np.random.Generator:
    digest = hashlib.sha256(f"embedding|{start}".encode()).digest()
    return np.random.default_rng([config.seed, int.from_bytes(digest[:8], "little")])


def _embedding(
    config: MonitorConfig,
    start: str,
    ref: pd.DataFrame,
    cur: pd.DataFrame,
    encode: Callable[[list[str]], np.ndarray],
) -> list[dict[str, Any]]:
    e = config.embedding
    if e is None:
        return []
    column = "input" if e.field == "input" else "student"
    rng = _seed(config, start)
    texts = []
    for side in (ref, cur):
        values = [str(v) for v in side[column].tolist() if not is_absent(v)]
        if len(values) > e.max_items:
            values = [values[i] for i in sorted(rng.choice(len(values), e.max_items, replace=False))]
        texts.append(values)
    if min(map(len, texts)) < 2:
        return []
    vectors = encode(texts[0] + texts[1])
    m = len(texts[0])
    test = mmd_permutation_test(vectors[m:], vectors[:m], permutations=e.permutations, rng=rng)
    t = config.thresholds
    small = min(test.n_reference, test.n_current) < t.min_n
    return [
        {
            "kind": "embedding",
            "column": e.field,
            "statistic": "mmd2",
            "value": test.statistic,
            "p_value": test.p_value,
            "bandwidth": test.bandwidth,
            "permutations": test.permutations,
            "alert": t.embedding_p,
            "n_reference": test.n_reference,
            "n_current": test.n_current,
            "level": "too_small" if small else ("alert" if test.p_value < t.embedding_p else "ok"),
        }
    ]


def window_drift(
    config: MonitorConfig,
    start: str,
    ref: pd.DataFrame,
    cur: pd.DataFrame,
    encode: Callable[[list[str]], np.ndarray] | None,
) -> list[dict[str, Any]]:
    """Every drift row of the window ``cur`` (a table from :func:`window_metrics`) against ``ref``."""
    t = config.thresholds
    rows: list[dict[str, Any]] = []
    for column in config.slices:
        mix = [ABSENT if is_absent(v) else v for v in ref[column].tolist()]
        now = [ABSENT if is_absent(v) else v for v in cur[column].tolist()]
        rows += _categorical("slice_mix", column, mix, now, t)
    if config.task is TaskKind.CLASSIFICATION:
        for kind, col in (("labels", "monitor.label"), ("outputs", "monitor.student")):
            rows += _categorical(kind, None, ref[col].dropna().tolist(), cur[col].dropna().tolist(), t)
    else:
        binned_ref, binned_cur = _binned(ref[SCORE_COLUMN].to_numpy(float), cur[SCORE_COLUMN].to_numpy(float))
        rows += _categorical("scores", None, binned_ref, binned_cur, t)
    if encode is not None:
        rows += _embedding(config, start, ref, cur, encode)
    return rows
