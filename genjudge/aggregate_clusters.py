"""Sliced aggregation when items come in clusters (a run's ``cluster:`` column): several questions
about one source document, several turns of one conversation. Items of a cluster are correlated,
so resampling items would understate the uncertainty; the unit of resampling is the cluster.

- proportions: the Jeffreys interval on Kish's effective sample size ``n / deff``, with the design
  effect from the between-cluster variance of the ratio estimator (Kish 1965, sec. 8.2);
- other means: the BCa bootstrap over whole clusters, with the acceleration from the
  leave-one-cluster-out jackknife of the ratio ``sum S_c / sum n_c``;
- confusion-matrix averages: the percentile bootstrap of the summed per-cluster matrices.

A slice with fewer than ``MIN_CLUSTERS`` clusters is flagged ``too_small`` whatever its item count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from genjudge.aggregate import (
    MIN_CLUSTERS,
    Settings,
    Slicing,
    _rng,
    calibration_metrics,
    emit_confusion,
    is_binary,
    prf_from_confusion,
)
from genjudge.checks.base import CalibrationMetrics, ConfusionMetrics, MeanMetric, MetricSpec
from genjudge.records import MetricValue
from genjudge.slicing import slicings
from genjudge.stats.bootstrap import cluster_weight_sums
from genjudge.stats.intervals import CIMethod, bca_interval, design_effect, jeffreys_interval


def clustered_aggregate(
    table: pd.DataFrame,
    specs: list[MetricSpec],
    slice_columns: list[str],
    settings: Settings,
    *,
    clusters: np.ndarray,
) -> list[MetricValue]:
    """:func:`genjudge.aggregate.aggregate` for items that are not independent: ``clusters`` is one
    integer code per row (see :func:`genjudge.stats.cluster_codes`), and intervals resample clusters."""
    cuts = slicings(table, slice_columns)
    clusters = np.asarray(clusters, dtype=np.int64)
    if clusters.shape != (len(table),):
        raise ValueError(f"clusters must have one code per row, got {clusters.shape} for {len(table)} rows")
    out: list[MetricValue] = []
    for spec in specs:
        for cut in cuts:
            if isinstance(spec, MeanMetric):
                out.extend(_mean(table[spec.column].to_numpy(dtype=float), spec, cut, settings, clusters))
            elif isinstance(spec, ConfusionMetrics):
                out.extend(_confusion(table, spec, cut, settings, clusters))
            elif isinstance(spec, CalibrationMetrics):
                out.extend(_calibration(table, spec, cut, settings, clusters))
            else:  # pragma: no cover
                raise TypeError(f"unknown metric spec {spec!r}")
    return out


def _calibration(
    table: pd.DataFrame, spec: CalibrationMetrics, cut: Slicing, settings: Settings, clusters: np.ndarray
) -> list[MetricValue]:
    """Calibration errors with whole clusters drawn: an item's weight is its cluster's draw count."""

    def resample(rows: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
        local, k = _local(clusters[rows])
        counts = rng.multinomial(k, np.full(k, 1.0 / k), size=size).astype(float)
        return np.asarray(counts[:, local])

    def small(rows: np.ndarray) -> bool:
        return len(rows) < settings.min_support or _local(clusters[rows])[1] < MIN_CLUSTERS

    return calibration_metrics(table, spec, cut, settings, resample=resample, small=small)


def _local(codes: np.ndarray) -> tuple[np.ndarray, int]:
    local, uniques = pd.factorize(codes)
    return local.astype(np.int64), len(uniques)


def proportion_interval(
    successes: np.ndarray, sizes: np.ndarray, confidence: float
) -> tuple[float, float, float]:
    """Jeffreys interval of a clustered proportion on the effective sample size; and the deff."""
    n = float(sizes.sum())
    deff = design_effect(successes, sizes)
    n_eff = n / deff
    lo, hi = jeffreys_interval(successes.sum() / n * n_eff, n_eff, confidence=confidence)
    return float(lo), float(hi), deff


def ratio_bca(
    sums: np.ndarray, sizes: np.ndarray, settings: Settings, rng: np.random.Generator
) -> tuple[float | None, float | None]:
    """BCa cluster bootstrap of ``sum S_c / sum n_c``."""
    if sums.size < 2:
        return None, None
    boot = cluster_weight_sums(np.column_stack([sums, sizes]), resamples=settings.resamples, rng=rng)
    with np.errstate(invalid="ignore", divide="ignore"):
        draws = boot[:, 0] / boot[:, 1]
    total, n = sums.sum(), sizes.sum()
    jk = (total - sums) / (n - sizes)
    d = jk.mean() - jk
    ss = float((d**2).sum())
    a = float((d**3).sum() / (6 * ss**1.5)) if ss > 0 else 0.0
    return bca_interval(draws, float(total / n), a, confidence=settings.confidence)


def _mean(
    x: np.ndarray, spec: MeanMetric, cut: Slicing, settings: Settings, clusters: np.ndarray
) -> list[MetricValue]:
    finite = np.isfinite(x)
    binary = is_binary(np.unique(x[finite]))
    out = []
    for gi, value in enumerate(cut.values):
        member = cut.codes == gi
        rows = member & finite
        n = int(rows.sum())
        lo = hi = method = None
        point = None
        n_clusters = 0
        if n:
            local, n_clusters = _local(clusters[rows])
            sums = np.bincount(local, weights=x[rows], minlength=n_clusters)
            sizes = np.bincount(local, minlength=n_clusters).astype(float)
            point = float(sums.sum() / n)
            if binary:
                lo, hi, _ = proportion_interval(sums, sizes, settings.confidence)
                method = CIMethod.JEFFREYS_CLUSTERED.value
            else:
                rng = _rng(settings, spec.name, spec.subject, spec.column, cut.column, value, "clusters")
                lo, hi = ratio_bca(sums, sizes, settings, rng)
                method = CIMethod.BCA_CLUSTERED.value if lo is not None else None
        out.append(
            MetricValue(
                metric=spec.name,
                family=spec.family,
                subject=spec.subject,
                slice_column=cut.column,
                slice_value=value,
                value=point,
                n=n,
                n_unscored=int(member.sum()) - n,
                ci_low=lo,
                ci_high=hi,
                ci_method=method,
                too_small=n < settings.min_support or n_clusters < MIN_CLUSTERS,
            )
        )
    return out


def _confusion(
    table: pd.DataFrame, spec: ConfusionMetrics, cut: Slicing, settings: Settings, clusters: np.ndarray
) -> list[MetricValue]:
    y_true, y_pred = table[spec.y_true].to_numpy(dtype=object), table[spec.y_pred].to_numpy(dtype=object)
    both = pd.notna(y_true) & pd.notna(y_pred)
    inverse, labels = pd.factorize(
        pd.Series(np.concatenate([y_true[both], y_pred[both]])).astype(str), sort=True
    )
    c = len(labels)
    t_all = np.full(len(table), -1, np.int64)
    p_all = np.full(len(table), -1, np.int64)
    t_all[both], p_all[both] = inverse[: both.sum()], inverse[both.sum() :]
    names = ["macro_precision_score", "macro_recall_score", "macro_f1_score"]
    out: list[MetricValue] = []
    for gi, value in enumerate(cut.values):
        member = cut.codes == gi
        rows = member & both
        n = int(rows.sum())
        local, n_clusters = _local(clusters[rows]) if n else (np.zeros(0, np.int64), 0)
        base = dict(
            family=spec.family,
            subject=spec.subject,
            slice_column=cut.column,
            slice_value=value,
            n=n,
            n_unscored=int(member.sum()) - n,
            too_small=n < settings.min_support or n_clusters < MIN_CLUSTERS,
        )
        if n == 0:
            out.extend(MetricValue(metric=m, value=None, **base) for m in names)
            continue
        t, p = t_all[rows], p_all[rows]
        cells = np.bincount(local * c * c + t * c + p, minlength=n_clusters * c * c).reshape(
            n_clusters, c * c
        )
        m = cells.sum(axis=0).reshape(c, c)
        point = prf_from_confusion(m)
        rng = _rng(
            settings, "confusion", spec.subject, spec.y_true, spec.y_pred, cut.column, value, "clusters"
        )
        draws = prf_from_confusion(
            cluster_weight_sums(cells, resamples=settings.resamples, rng=rng).reshape(-1, c, c)
        )
        correct = np.bincount(local, weights=(t == p).astype(float), minlength=n_clusters)
        sizes = np.bincount(local, minlength=n_clusters).astype(float)

        def proportion(
            name: str, j: int | None, correct=correct, sizes=sizes
        ) -> tuple[float, float, str] | None:
            if name != "accuracy_score":
                return None
            lo, hi, _ = proportion_interval(correct, sizes, settings.confidence)
            return lo, hi, CIMethod.JEFFREYS_CLUSTERED.value

        out.extend(
            emit_confusion(
                spec, labels, point, draws, base, settings, proportion, boot=CIMethod.PERCENTILE_CLUSTERED
            )
        )
    return out
