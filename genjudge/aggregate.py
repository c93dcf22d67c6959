"""Sliced aggregation: every metric on the whole set and on every slice, with its denominator and a
seeded 95% interval whose method suits the kind of number (recorded in ``ci_method``).

- 0/1 per-item values (agreement, accuracy) and per-class precision / recall are proportions: the
  Jeffreys interval, closed form and vectorised over slices (never degenerate at 0 or 1).
- other means use the BCa bootstrap. When the values fall in few categories (1-5 ratings) the
  resampled counts come from a multinomial, which is exactly the distribution of item resampling
  (see :mod:`genjudge.stats.bootstrap`) at a cost independent of the slice size; continuous values
  are resampled item by item up to ``RESAMPLE_LIMIT`` items, past it the bootstrap's normal limit.
- macro averages and F1 use the percentile bootstrap of the confusion matrix.
- calibration errors (ECE with equal-width and equal-mass bins, MCE) use the percentile bootstrap
  of the per-bin sums, items drawn with multinomial weights; the bins are those of the slice's own
  items (equal-mass edges are not re-drawn per resample).
- with ``clusters`` (a run's ``cluster:`` column, e.g. several items per source document) the
  unit of resampling is the cluster: proportions use the Jeffreys interval on the effective sample
  size, everything else the bootstrap of whole clusters (:mod:`genjudge.aggregate_clusters`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from genjudge.checks.base import CalibrationMetrics, ConfusionMetrics, MeanMetric, MetricSpec
from genjudge.records import MetricValue
from genjudge.slicing import Slicing, slicings
from genjudge.stats.bootstrap import percentile_interval
from genjudge.stats.calibration import bin_ids
from genjudge.stats.classification import precision_recall_f1
from genjudge.stats.intervals import CIMethod, bca_interval, jeffreys_interval, mean_acceleration

MAX_CATEGORIES = 64
"""Per-item values with at most this many distinct values use the exact multinomial bootstrap."""
RESAMPLE_LIMIT = 100_000
"""Above this many items, a continuous metric's interval uses the normal limit of the bootstrap."""
MIN_CLUSTERS = 10
"""With fewer clusters in a slice the cluster bootstrap is not trusted: the number is flagged."""
_CHUNK = 4_000_000


@dataclass(frozen=True)
class Settings:
    resamples: int = 1000
    confidence: float = 0.95
    seed: int = 0
    min_support: int = 30


def aggregate(
    table: pd.DataFrame,
    specs: list[MetricSpec],
    slice_columns: list[str],
    settings: Settings,
) -> list[MetricValue]:
    """Every metric of ``specs`` on every slice of ``slice_columns`` (and on the whole set), items
    resampled as independent; :func:`genjudge.aggregate_clusters.clustered_aggregate` resamples clusters.
    """
    results: list[MetricValue] = []
    cuts = slicings(table, slice_columns)
    for spec in specs:
        for cut in cuts:
            if isinstance(spec, MeanMetric):
                results.extend(_mean_metric(table[spec.column].to_numpy(dtype=float), spec, cut, settings))
            elif isinstance(spec, ConfusionMetrics):
                results.extend(_confusion_metrics(table, spec, cut, settings))
            elif isinstance(spec, CalibrationMetrics):
                results.extend(calibration_metrics(table, spec, cut, settings))
            else:  # pragma: no cover - a new spec type must be handled here
                raise TypeError(f"unknown metric spec {spec!r}")
    return results


def _rng(settings: Settings, *key: object) -> np.random.Generator:
    """A generator seeded by the run seed and the metric/slice key, so results do not depend on order."""
    digest = hashlib.sha256("|".join(map(str, key)).encode()).digest()
    return np.random.default_rng([settings.seed, int.from_bytes(digest[:8], "little")])


def _group_counts(codes: np.ndarray, mask: np.ndarray, n_groups: int) -> np.ndarray:
    keep = mask & (codes >= 0)
    return np.bincount(codes[keep], minlength=n_groups)


def is_binary(uniques: np.ndarray) -> bool:
    """Per-item values that are all 0 or 1: their mean is a proportion."""
    return uniques.size > 0 and bool(np.isin(uniques, (0.0, 1.0)).all())


def _mean_metric(x: np.ndarray, spec: MeanMetric, cut: Slicing, settings: Settings) -> list[MetricValue]:
    g = len(cut.values)
    finite = np.isfinite(x)
    totals = _group_counts(cut.codes, np.ones(len(x), bool), g)
    in_group = finite & (cut.codes >= 0)
    xs, cs = x[in_group], cut.codes[in_group]
    uniques, inverse = np.unique(xs, return_inverse=True)
    k = len(uniques)
    categorical = k <= MAX_CATEGORIES
    if categorical:
        counts = (
            np.bincount(cs * k + inverse, minlength=g * k).reshape(g, k) if k else np.zeros((g, 0), np.int64)
        )
    else:
        order = np.argsort(cs, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(cs, minlength=g))])
        sorted_x = xs[order]
    out = []
    for gi, value in enumerate(cut.values):
        rng = _rng(settings, spec.name, spec.subject, spec.column, cut.column, value)
        if categorical:
            n = int(counts[gi].sum())
            point, (lo, hi), method = _categorical_mean(counts[gi], uniques, n, settings, rng)
        else:
            group = sorted_x[bounds[gi] : bounds[gi + 1]]
            n = len(group)
            point, (lo, hi), method = _continuous_mean(group, settings, rng)
        out.append(
            MetricValue(
                metric=spec.name,
                family=spec.family,
                subject=spec.subject,
                slice_column=cut.column,
                slice_value=value,
                value=point,
                n=n,
                n_unscored=int(totals[gi]) - n,
                ci_low=lo,
                ci_high=hi,
                ci_method=method if n else None,
                too_small=n < settings.min_support,
            )
        )
    return out


def _categorical_mean(counts, uniques, n, settings, rng):
    if n == 0:
        return None, (None, None), None
    point = float(counts @ uniques / n)
    if is_binary(uniques):
        ones = float(counts[uniques == 1.0].sum())
        lo, hi = jeffreys_interval(ones, n, confidence=settings.confidence)
        return point, (float(lo), float(hi)), CIMethod.JEFFREYS.value
    draws = rng.multinomial(n, counts / n, size=settings.resamples) @ uniques / n
    a = mean_acceleration(uniques, counts)
    return point, bca_interval(draws, point, a, confidence=settings.confidence), CIMethod.BCA.value


def _continuous_mean(x: np.ndarray, settings: Settings, rng: np.random.Generator):
    n = len(x)
    if n == 0:
        return None, (None, None), None
    point = float(x.mean())
    if n > RESAMPLE_LIMIT:
        # The bootstrap distribution of a mean tends to N(mean, s^2 / n) with the plug-in s (ddof=0).
        half = ndtri(0.5 + settings.confidence / 2) * float(x.std()) / np.sqrt(n)
        return point, (point - half, point + half), CIMethod.NORMAL.value
    draws = np.empty(settings.resamples)
    step = max(1, _CHUNK // n)
    for start in range(0, settings.resamples, step):
        stop = min(settings.resamples, start + step)
        draws[start:stop] = x[rng.integers(0, n, size=(stop - start, n))].mean(axis=1)
    a = mean_acceleration(x)
    return point, bca_interval(draws, point, a, confidence=settings.confidence), CIMethod.BCA.value


CALIBRATION_ERRORS = {
    "expected_calibration_error": "uniform",
    "equal_mass_calibration_error": "quantile",
    "max_calibration_error": "uniform",
}


def calibration_errors(
    weights: np.ndarray, confidence: np.ndarray, correct: np.ndarray, bins: np.ndarray, n_bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """ECE and MCE of items weighted by each row of ``weights`` (R, n), bins given per item.

    ECE = sum over bins of |sum w * correct - sum w * confidence| / sum w; MCE = the largest
    |accuracy - mean confidence| over the bins holding weight.
    """
    onehot = np.zeros((len(bins), n_bins))
    onehot[np.arange(len(bins)), bins] = 1.0
    w_bin = weights @ onehot
    gap = weights @ (onehot * correct[:, None]) - weights @ (onehot * confidence[:, None])
    total = w_bin.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ece = np.abs(gap).sum(axis=1) / total
        per_bin = np.where(w_bin > 0, np.abs(gap) / np.where(w_bin > 0, w_bin, 1.0), 0.0)
    return ece, per_bin.max(axis=1)


def calibration_metrics(
    table: pd.DataFrame,
    spec: CalibrationMetrics,
    cut: Slicing,
    settings: Settings,
    resample: Any = None,
    small: Any = None,
) -> list[MetricValue]:
    """ECE (equal-width, equal-mass) and MCE of ``spec`` on every group of ``cut``.

    ``resample(rows, rng, size) -> (size, n) weights`` draws bootstrap weights for the group's rows
    (default: multinomial over items; the clustered aggregation draws whole clusters), and
    ``small(rows) -> bool`` says whether the group is too small to trust (default: under min_support).
    """
    confidence = table[spec.confidence].to_numpy(dtype=float)
    correct = table[spec.correct].to_numpy(dtype=float)
    finite = np.isfinite(confidence) & np.isfinite(correct)
    method = (CIMethod.PERCENTILE if resample is None else CIMethod.PERCENTILE_CLUSTERED).value
    out: list[MetricValue] = []
    for gi, value in enumerate(cut.values):
        member = cut.codes == gi
        rows = np.flatnonzero(member & finite)
        n = len(rows)
        base = dict(
            family=spec.family,
            subject=spec.subject,
            slice_column=cut.column,
            slice_value=value,
            n=n,
            n_unscored=int(member.sum()) - n,
            too_small=(n < settings.min_support) if small is None or n == 0 else bool(small(rows)),
        )
        if n == 0:
            out.extend(MetricValue(metric=m, value=None, **base) for m in CALIBRATION_ERRORS)
            continue
        conf, corr = confidence[rows], correct[rows]
        rng = _rng(settings, "calibration", spec.subject, spec.confidence, cut.column, value)
        by_strategy = {s: bin_ids(conf, n_bins=spec.bins, strategy=s) for s in ("uniform", "quantile")}
        draws: dict[str, list[np.ndarray]] = {name: [] for name in CALIBRATION_ERRORS}
        step = max(1, _CHUNK // n)
        for start in range(0, settings.resamples, step):
            size = min(step, settings.resamples - start)
            if resample is None:
                weights = rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype(float)
            else:
                weights = resample(rows, rng, size)
            for strategy, bins in by_strategy.items():
                ece, mce = calibration_errors(weights, conf, corr, bins, spec.bins)
                if strategy == "uniform":
                    draws["expected_calibration_error"].append(ece)
                    draws["max_calibration_error"].append(mce)
                else:
                    draws["equal_mass_calibration_error"].append(ece)
        for name, strategy in CALIBRATION_ERRORS.items():
            ece, mce = calibration_errors(np.ones((1, n)), conf, corr, by_strategy[strategy], spec.bins)
            point = mce if name == "max_calibration_error" else ece
            lo, hi = percentile_interval(np.concatenate(draws[name]), settings.confidence)
            out.append(
                MetricValue(
                    metric=name, value=float(point[0]), ci_low=lo, ci_high=hi, ci_method=method, **base
                )
            )
    return out


def prf_from_confusion(m: np.ndarray) -> dict[str, np.ndarray]:
    """Accuracy, per-class precision / recall / F1 and their macro means from confusion matrices.

    ``m[..., i, j]`` counts items of true class i predicted as j. Per class: precision = tp / predicted,
    recall = tp / true, F1 = 2 tp / (predicted + true), each 0 where its denominator is 0 (scikit-learn's
    ``zero_division=0``). Macro means run over the classes present (true or predicted), as
    scikit-learn does over the labels it sees.
    """
    tp = np.diagonal(m, axis1=-2, axis2=-1).astype(float)
    predicted = m.sum(axis=-2).astype(float)
    true = m.sum(axis=-1).astype(float)
    n = m.sum(axis=(-2, -1)).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision, recall, f1 = precision_recall_f1(tp, predicted - tp, true - tp, zero_division=0.0)
        present = (predicted + true) > 0
        k = present.sum(axis=-1)
        out = {
            "accuracy_score": np.where(n > 0, tp.sum(axis=-1) / n, np.nan),
            "precision_score": precision,
            "recall_score": recall,
            "f1_score": f1,
        }
        for name, per_class in (("precision_score", precision), ("recall_score", recall), ("f1_score", f1)):
            out[f"macro_{name}"] = np.where(k > 0, (per_class * present).sum(axis=-1) / k, np.nan)
    out["present"] = present
    out["support"] = true
    return out


def _confusion_metrics(
    table: pd.DataFrame, spec: ConfusionMetrics, cut: Slicing, settings: Settings
) -> list[MetricValue]:
    y_true, y_pred = table[spec.y_true].to_numpy(dtype=object), table[spec.y_pred].to_numpy(dtype=object)
    both = pd.notna(y_true) & pd.notna(y_pred)
    # Hash-based factorising is much faster than sorting strings with np.unique on large sets.
    inverse, labels = pd.factorize(
        pd.Series(np.concatenate([y_true[both], y_pred[both]])).astype(str), sort=True
    )
    c, g = len(labels), len(cut.values)
    nb = int(both.sum())
    t_idx, p_idx = inverse[:nb], inverse[nb:]
    totals = _group_counts(cut.codes, np.ones(len(table), bool), g)
    codes = cut.codes[both]
    keep = codes >= 0
    cells = np.bincount(codes[keep] * c * c + t_idx[keep] * c + p_idx[keep], minlength=g * c * c).reshape(
        g, c, c
    )
    out: list[MetricValue] = []
    for gi, value in enumerate(cut.values):
        n = int(cells[gi].sum())
        base = dict(
            family=spec.family,
            subject=spec.subject,
            slice_column=cut.column,
            slice_value=value,
            n=n,
            n_unscored=int(totals[gi]) - n,
            too_small=n < settings.min_support,
        )
        if n == 0:
            names = ["macro_precision_score", "macro_recall_score", "macro_f1_score"]
            out.extend(MetricValue(metric=m, value=None, **base) for m in names)
            continue
        point = prf_from_confusion(cells[gi])
        rng = _rng(settings, "confusion", spec.subject, spec.y_true, spec.y_pred, cut.column, value)
        flat = cells[gi].reshape(-1)
        draws = prf_from_confusion(rng.multinomial(n, flat / n, size=settings.resamples).reshape(-1, c, c))
        out.extend(
            emit_confusion(spec, labels, point, draws, base, settings, _proportion_of(cells[gi], settings))
        )
    return out


def _proportion_of(m: np.ndarray, settings: Settings):
    """Accuracy and per-class precision / recall are proportions of items: Jeffreys intervals,
    computed for every class at once (one vectorised call per kind, not one per number)."""
    tp, predicted, true = np.diagonal(m), m.sum(axis=0), m.sum(axis=1)
    conf = settings.confidence
    bounds = {
        "accuracy_score": jeffreys_interval(tp.sum(), m.sum(), confidence=conf),
        "precision_score": jeffreys_interval(tp, np.where(predicted > 0, predicted, 1), confidence=conf),
        "recall_score": jeffreys_interval(tp, np.where(true > 0, true, 1), confidence=conf),
    }
    denominators = {"accuracy_score": np.array(m.sum()), "precision_score": predicted, "recall_score": true}

    def interval(name: str, j: int | None) -> tuple[float, float, str] | None:
        if name not in bounds or (name != "accuracy_score") == (j is None):
            return None
        pick = () if j is None else j
        if denominators[name][pick] <= 0:
            return None
        lo, hi = bounds[name]
        return float(lo[pick]), float(hi[pick]), CIMethod.JEFFREYS.value

    return interval


def emit_confusion(spec, labels, point, draws, base, settings, proportion, boot=CIMethod.PERCENTILE):
    """MetricValues of a confusion matrix: accuracy and macro averages, then per class; proportions
    from ``proportion(name, class)``, the rest the percentile interval of the bootstrap ``draws``."""
    out: list[MetricValue] = []

    def ci(name: str, j: int | None) -> tuple[float | None, float | None, str]:
        got = proportion(name, j)
        if got is not None:
            return got
        lo, hi = percentile_interval(draws[name] if j is None else draws[name][:, j], settings.confidence)
        return lo, hi, boot.value

    names = ["macro_precision_score", "macro_recall_score", "macro_f1_score"]
    if spec.with_accuracy:
        names.insert(0, "accuracy_score")
    for name in names:
        lo, hi, method = ci(name, None)
        out.append(
            MetricValue(
                metric=name, value=float(point[name]), ci_low=lo, ci_high=hi, ci_method=method, **base
            )
        )
    for j in np.flatnonzero(point["present"]):
        for name in ("precision_score", "recall_score", "f1_score"):
            lo, hi, method = ci(name, int(j))
            out.append(
                MetricValue(
                    metric=name,
                    label=str(labels[j]),
                    support=int(point["support"][j]),
                    value=float(point[name][j]),
                    ci_low=lo,
                    ci_high=hi,
                    ci_method=method,
                    **base,
                )
            )
    return out
