"""Calibration of predicted class probabilities: reliability bins, ECE / MCE, Brier, NLL, temperature.

Inputs are ``probs``, an (n, k) array of rows summing to 1 (the caller fixes the class order),
and ``y``, the (n,) position of each item's true class. A binary scalar confidence ``c`` (the
probability that the answer is right) becomes the two classes ``[1 - c, c]`` via
:func:`binary_probs`, class 1 being "right".

Calibration error is top-label (Guo et al. 2017, *On Calibration of Modern Neural Networks*, ICML):
the confidence of an item is its largest probability and it is correct when that class is the
true one. Temperature scaling divides the log-probabilities by one ``T`` fitted on held-out items;
:func:`cross_validated_temperature` never reports a ``T`` on the items it was fitted on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genjudge.stats._inputs import DegenerateInputError, as_class_index, as_prob_rows, as_vector

__all__ = [
    "MIN_CV_ITEMS",
    "ReliabilityBin",
    "TemperatureFit",
    "apply_temperature",
    "bin_ids",
    "binary_probs",
    "brier_per_item",
    "cross_validated_temperature",
    "expected_calibration_error",
    "fit_temperature",
    "max_calibration_error",
    "nll_per_item",
    "reliability_bins",
    "top_label",
]

MIN_CV_ITEMS = 10
"""Fewest items :func:`cross_validated_temperature` accepts: below it a fold holds one or two items."""

_LOG_FLOOR = 1e-12
_LOG_T_BOUNDS = (float(np.log(0.05)), float(np.log(20.0)))


@dataclass(frozen=True)
class ReliabilityBin:
    """One bin of a reliability diagram: the confidences in ``(lower, upper]`` (the first bin includes 0)."""

    lower: float
    upper: float
    count: int
    mean_confidence: float | None
    """Mean confidence of the bin's items; None when the bin is empty."""
    accuracy: float | None
    """Fraction of the bin's items that are correct; None when the bin is empty."""


@dataclass(frozen=True)
class TemperatureFit:
    """A temperature for the user, and what it does to items it was not fitted on."""

    temperature: float
    """``T`` fitted on all items: the value offered to the user."""
    fold_temperatures: list[float]
    """``T`` fitted on all items but each fold, in fold order."""
    folds: int
    n: int
    ece_before: float
    """Top-label ECE of the probabilities as given."""
    ece_after: float
    """Top-label ECE with each item scaled by the ``T`` fitted on the other folds."""
    nll_before: float
    nll_after: float
    brier_before: float
    brier_after: float
    n_bins: int


def binary_probs(confidence: np.ndarray) -> np.ndarray:
    """The (n, 2) rows ``[1 - c, c]`` of scalar confidences ``c`` in [0, 1] (class 1 = "right").

    >>> binary_probs(np.array([0.8, 0.25])).tolist()
    [[0.19999999999999996, 0.8], [0.75, 0.25]]
    """
    c = _confidences(confidence)
    return np.column_stack([1.0 - c, c])


def top_label(probs: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(confidence, correct)``: each row's largest probability, and 1.0 where its class is ``y``.

    On a tie the first class with the largest probability is the prediction (``np.argmax``), so a
    tie is never counted correct twice.

    >>> top_label(np.array([[0.2, 0.8], [0.5, 0.5]]), np.array([1, 1]))
    (array([0.8, 0.5]), array([1., 0.]))
    """
    p, labels = _probs_and_labels(probs, y)
    return p.max(axis=1), (p.argmax(axis=1) == labels).astype(float)


def reliability_bins(
    confidence: np.ndarray, correct: np.ndarray, *, n_bins: int = 10, strategy: str = "uniform"
) -> list[ReliabilityBin]:
    """Items binned by confidence, as scikit-learn's ``calibration_curve`` bins them.

    ``strategy="uniform"``: edges ``i / n_bins``; bin ``i`` holds ``(i / n, (i + 1) / n]`` and the first
    also 0. ``"quantile"``: edges at the ``i / n_bins`` quantiles of the confidences (equal mass;
    repeated confidences can leave a bin empty). Both assign with ``searchsorted`` over the inner
    edges exactly as ``calibration_curve`` does, so an item on an edge lands in the same bin.

    >>> bins = reliability_bins(np.array([0.1, 0.5, 0.9]), np.array([0.0, 1.0, 1.0]), n_bins=2)
    >>> [(b.count, b.mean_confidence, b.accuracy) for b in bins]
    [(2, 0.3, 0.5), (1, 0.9, 1.0)]
    """
    edges, counts, conf_sums, corr_sums = _binned(confidence, correct, n_bins, strategy)
    return [
        ReliabilityBin(
            lower=float(edges[i]),
            upper=float(edges[i + 1]),
            count=int(counts[i]),
            mean_confidence=float(conf_sums[i] / counts[i]) if counts[i] else None,
            accuracy=float(corr_sums[i] / counts[i]) if counts[i] else None,
        )
        for i in range(n_bins)
    ]


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, *, n_bins: int = 10, strategy: str = "uniform"
) -> float:
    """``ECE = sum_b (n_b / n) |acc_b - conf_b|`` over the bins of :func:`reliability_bins`.

    Naeini, Cooper & Hauskrecht (2015), *Obtaining Well Calibrated Probabilities Using Bayesian
    Binning*, AAAI. Empty bins contribute nothing. Below: ``2/3 |0.5 - 0.3| + 1/3 |1 - 0.9|``.

    >>> expected_calibration_error(np.array([0.1, 0.5, 0.9]), np.array([0.0, 1.0, 1.0]), n_bins=2)
    0.1666...
    """
    _, counts, conf_sums, corr_sums = _binned(confidence, correct, n_bins, strategy)
    full = counts > 0
    gaps = np.abs(corr_sums[full] - conf_sums[full]) / counts[full]
    return float(np.sum(counts[full] / counts.sum() * gaps))


def max_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, *, n_bins: int = 10, strategy: str = "uniform"
) -> float:
    """``MCE = max_b |acc_b - conf_b|`` over the non-empty bins (Naeini et al. 2015)."""
    _, counts, conf_sums, corr_sums = _binned(confidence, correct, n_bins, strategy)
    full = counts > 0
    return float(np.max(np.abs(corr_sums[full] - conf_sums[full]) / counts[full]))


def brier_per_item(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Multiclass Brier score per item, ``sum_k (p_k - [k = y])^2``, in [0, 2] (Brier 1950).

    Its mean is scikit-learn's ``brier_score_loss(y, probs, scale_by_half=False)`` for any k. With
    sklearn's default (``scale_by_half="auto"``) a two-class score is halved, to the familiar
    ``mean (c - outcome)^2`` of a scalar confidence, and a k >= 3 score is not: for two classes the
    mean here is twice sklearn's default, for more it is the same.

    >>> brier_per_item(np.array([[0.2, 0.8]]), np.array([1])).round(6).tolist()
    [0.08]
    """
    p, labels = _probs_and_labels(probs, y)
    onehot = np.zeros_like(p)
    onehot[np.arange(p.shape[0]), labels] = 1.0
    return np.asarray(((p - onehot) ** 2).sum(axis=1))


def nll_per_item(probs: np.ndarray, y: np.ndarray, *, eps: float = 1e-15) -> np.ndarray:
    """Negative log-likelihood per item, ``-log(clip(p_y, eps, 1))`` in nats; the mean is sklearn's ``log_loss``.

    The clip keeps a confident mistake (``p_y = 0``) finite at ``-log(eps)`` (34.5 nats).
    """
    p, labels = _probs_and_labels(probs, y)
    return np.asarray(-np.log(np.clip(p[np.arange(p.shape[0]), labels], eps, 1.0)))


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(log(max(p, 1e-12)) / T)`` row by row: ``T > 1`` softens, ``T < 1`` sharpens.

    >>> apply_temperature(np.array([[0.2, 0.8]]), 2.0).round(4).tolist()
    [[0.3333, 0.6667]]
    """
    if not np.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a positive number, got {temperature}")
    from scipy.special import logsumexp

    logits = np.log(np.maximum(as_prob_rows(probs, "probs"), _LOG_FLOOR)) / temperature
    return np.asarray(np.exp(logits - logsumexp(logits, axis=1, keepdims=True)))


def fit_temperature(probs: np.ndarray, y: np.ndarray) -> float:
    """The ``T`` minimising the mean NLL of :func:`apply_temperature` (Guo et al. 2017).

    Searched as ``log T`` in ``[log 0.05, log 20]`` with scipy's bounded Brent method, the NLL taken
    as the exact log-softmax (no clip) so the objective is smooth. A ``T`` at a bound means the
    probabilities carry almost no signal (or are all right with certainty).
    """
    from scipy.optimize import minimize_scalar
    from scipy.special import logsumexp

    p, labels = _probs_and_labels(probs, y)
    logp = np.log(np.maximum(p, _LOG_FLOOR))
    picked = logp[np.arange(p.shape[0]), labels]

    def mean_nll(log_t: float) -> float:
        t = np.exp(log_t)
        return float(np.mean(logsumexp(logp / t, axis=1) - picked / t))

    res = minimize_scalar(mean_nll, bounds=_LOG_T_BOUNDS, method="bounded", options={"xatol": 1e-6})
    return float(np.exp(res.x))


def cross_validated_temperature(
    probs: np.ndarray, y: np.ndarray, *, folds: int = 5, seed: int = 0, n_bins: int = 10
) -> TemperatureFit:
    """Temperature fitted on all items, and its effect measured by ``folds``-fold cross-validation.

    Items are shuffled into folds with ``numpy.random.default_rng(seed)``; each fold is scaled by the
    ``T`` fitted on the other folds, and the ``*_after`` numbers (top-label ECE with ``n_bins``
    uniform bins, mean NLL, mean multiclass Brier) are computed on those out-of-fold probabilities.
    ``folds`` is capped at n. Fewer than :data:`MIN_CV_ITEMS` (10) items raise
    :class:`DegenerateInputError`.
    """
    p, labels = _probs_and_labels(probs, y)
    n = p.shape[0]
    if folds < 2:
        raise ValueError(f"folds must be at least 2, got {folds}")
    if n < MIN_CV_ITEMS:
        raise DegenerateInputError(
            f"a cross-validated temperature needs at least {MIN_CV_ITEMS} items, got {n}"
        )
    folds = min(folds, n)
    fold_of = np.empty(n, dtype=int)
    fold_of[np.random.default_rng(seed).permutation(n)] = np.arange(n) % folds
    scaled = np.empty_like(p)
    fold_ts: list[float] = []
    for f in range(folds):
        test = fold_of == f
        t = fit_temperature(p[~test], labels[~test])
        fold_ts.append(t)
        scaled[test] = apply_temperature(p[test], t)
    return TemperatureFit(
        temperature=fit_temperature(p, labels),
        fold_temperatures=fold_ts,
        folds=folds,
        n=n,
        ece_before=expected_calibration_error(*top_label(p, labels), n_bins=n_bins),
        ece_after=expected_calibration_error(*top_label(scaled, labels), n_bins=n_bins),
        nll_before=float(nll_per_item(p, labels).mean()),
        nll_after=float(nll_per_item(scaled, labels).mean()),
        brier_before=float(brier_per_item(p, labels).mean()),
        brier_after=float(brier_per_item(scaled, labels).mean()),
        n_bins=n_bins,
    )


def _probs_and_labels(probs: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = as_prob_rows(probs, "probs")
    return p, as_class_index(y, p.shape[0], p.shape[1])


def _confidences(confidence: np.ndarray) -> np.ndarray:
    c = as_vector(confidence, "confidence")
    if np.any(c < 0) or np.any(c > 1):
        raise DegenerateInputError("confidence has values outside [0, 1]")
    return c


def _binary_pair(confidence: np.ndarray, correct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    conf = _confidences(confidence)
    corr = as_vector(correct, "correct")
    if corr.size != conf.size:
        raise DegenerateInputError(
            f"confidence and correct must have the same length, got {conf.size} and {corr.size}"
        )
    if not np.all((corr == 0) | (corr == 1)):
        raise DegenerateInputError("correct must hold 0 or 1 per item")
    return conf, corr


def _edges(conf: np.ndarray, n_bins: int, strategy: str) -> np.ndarray:
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    if strategy == "uniform":
        return np.linspace(0.0, 1.0, n_bins + 1)
    if strategy == "quantile":
        return np.asarray(np.percentile(conf, np.linspace(0.0, 1.0, n_bins + 1) * 100), dtype=float)
    raise ValueError(f"strategy must be 'uniform' or 'quantile', got {strategy!r}")


def bin_ids(confidence: np.ndarray, *, n_bins: int = 10, strategy: str = "uniform") -> np.ndarray:
    """The bin (0 .. n_bins - 1) of each confidence, as :func:`reliability_bins` assigns them
    (scikit-learn's ``calibration_curve``: right-closed bins, the first one holding 0)."""
    conf = _confidences(confidence)
    return np.asarray(np.searchsorted(_edges(conf, n_bins, strategy)[1:-1], conf), dtype=np.int64)


def _binned(
    confidence: np.ndarray, correct: np.ndarray, n_bins: int, strategy: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bin edges, and per bin the item count, confidence sum and correct count."""
    conf, corr = _binary_pair(confidence, correct)
    edges = _edges(conf, n_bins, strategy)
    ids = np.searchsorted(edges[1:-1], conf)
    return (
        edges,
        np.bincount(ids, minlength=n_bins),
        np.bincount(ids, weights=conf, minlength=n_bins),
        np.bincount(ids, weights=corr, minlength=n_bins),
    )
