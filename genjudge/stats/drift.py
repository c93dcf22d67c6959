"""Drift between a reference sample and a current one: PSI, Jensen–Shannon distance, an MMD test.

- :func:`population_stability_index`: PSI = sum_i (p_i - q_i) ln(p_i / q_i) over the categories (or
  bins) i, with p the current and q the reference proportions. It is the symmetrised
  Kullback–Leibler divergence KL(p||q) + KL(q||p) (Jeffreys' divergence; Yurdakul 2018,
  "Statistical properties of the population stability index"). A category empty on one side would
  make it infinite, so empty cells are given the proportion ``epsilon`` (default 1e-4, i.e. 0.01%)
  before both sides are renormalised; the choice is stated in every result. Conventional reading:
  below 0.1 stable, 0.1-0.25 a moderate shift, above 0.25 a major shift.
- :func:`js_distance`: the Jensen–Shannon distance sqrt(JSD(p, q)) in base 2 (bounded by 1), by
  ``scipy.spatial.distance.jensenshannon``. It needs no epsilon.
- :func:`mmd_permutation_test`: a two-sample test on vectors (sentence embeddings). The statistic is
  the unbiased squared maximum mean discrepancy with a Gaussian kernel k(x, y) = exp(-|x - y|^2 /
  (2 s^2)), s the median distance between pooled points (the median heuristic; Gretton et al. 2012,
  "A kernel two-sample test", JMLR 13). The p-value is (1 + #{permuted >= observed}) / (1 + B) over
  ``B`` seeded relabellings of the pooled sample, which is valid (its false-alarm rate is at most
  alpha) at any sample size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DEFAULT_EPSILON",
    "MMDTest",
    "js_distance",
    "mmd_permutation_test",
    "population_stability_index",
    "proportions",
    "quantile_bins",
]

DEFAULT_EPSILON = 1e-4
"""Proportion given to a category that is empty on one side before PSI is computed."""


def proportions(counts_a: Mapping[str, int], counts_b: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Proportions of two count tables over the union of their categories (sorted), as arrays.

    An empty table is an error: a distribution of nothing has no proportions.
    """
    keys = sorted(set(counts_a) | set(counts_b))
    a = np.array([counts_a.get(k, 0) for k in keys], dtype=float)
    b = np.array([counts_b.get(k, 0) for k in keys], dtype=float)
    if a.sum() <= 0 or b.sum() <= 0:
        raise ValueError("both samples need at least one observation")
    return a / a.sum(), b / b.sum()


def _check_distribution(name: str, p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-d array of proportions")
    if (p < 0).any() or not np.isfinite(p).all():
        raise ValueError(f"{name} has negative or non-finite values")
    total = p.sum()
    if total <= 0:
        raise ValueError(f"{name} sums to 0")
    out: np.ndarray = p / total
    return out


def population_stability_index(
    current: Sequence[float] | np.ndarray,
    reference: Sequence[float] | np.ndarray,
    *,
    epsilon: float = DEFAULT_EPSILON,
) -> float:
    """PSI of ``current`` against ``reference`` proportions (or counts) over the same categories.

    By hand: (0.5 - 0.25) ln(0.5 / 0.25) + (0.5 - 0.75) ln(0.5 / 0.75) = 0.1733 + 0.1014.

    >>> round(population_stability_index([0.5, 0.5], [0.25, 0.75]), 4)
    0.2747
    """
    if not 0 < epsilon < 1:
        raise ValueError("epsilon must be in (0, 1)")
    p = _check_distribution("current", np.asarray(current))
    q = _check_distribution("reference", np.asarray(reference))
    if p.shape != q.shape:
        raise ValueError(f"current has {p.size} categories, reference {q.size}")
    p = np.where(p > 0, p, epsilon)
    q = np.where(q > 0, q, epsilon)
    p, q = p / p.sum(), q / q.sum()
    return float(np.sum((p - q) * np.log(p / q)))


def js_distance(current: Sequence[float] | np.ndarray, reference: Sequence[float] | np.ndarray) -> float:
    """Jensen–Shannon distance (base 2, in [0, 1]) between two proportion (or count) vectors."""
    from scipy.spatial.distance import jensenshannon

    p = _check_distribution("current", np.asarray(current))
    q = _check_distribution("reference", np.asarray(reference))
    if p.shape != q.shape:
        raise ValueError(f"current has {p.size} categories, reference {q.size}")
    return float(jensenshannon(p, q, base=2.0))


def quantile_bins(reference: np.ndarray, bins: int = 10) -> np.ndarray:
    """Inner edges of (up to) ``bins`` equal-count bins of the reference sample (its quantiles).

    Tied quantiles collapse, so a reference with few distinct values gives fewer bins. Values are
    placed with ``np.searchsorted(edges, x, side="right")``, the same rule on both sides.
    """
    x = np.asarray(reference, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        raise ValueError("the reference sample is empty")
    edges = np.quantile(x, np.linspace(0, 1, bins + 1)[1:-1])
    return np.unique(edges)


@dataclass(frozen=True)
class MMDTest:
    """Result of :func:`mmd_permutation_test`."""

    statistic: float
    """Unbiased MMD^2 of the two samples."""
    p_value: float
    bandwidth: float
    """The kernel's s (median pairwise distance of the pooled sample)."""
    permutations: int
    n_reference: int
    n_current: int


def _sq_distances(z: np.ndarray) -> np.ndarray:
    sq = np.einsum("ij,ij->i", z, z)
    d = sq[:, None] + sq[None, :] - 2.0 * (z @ z.T)
    out: np.ndarray = np.maximum(d, 0.0)
    return out


def mmd_permutation_test(
    current: np.ndarray,
    reference: np.ndarray,
    *,
    permutations: int = 500,
    rng: int | np.random.Generator = 0,
) -> MMDTest:
    """Two-sample permutation test of "same distribution" on the rows of two matrices.

    Each relabelling draws which pooled rows form the reference sample (a seeded permutation); the
    unbiased MMD^2 of every relabelling comes from one kernel matrix, by indicator vectors e
    (1 on the rows labelled reference): with K0 the kernel without its diagonal and T = 1'K0 1,
    s_xx = e'K0 e, s_xy = e'K0 (1 - e), s_yy = T - s_xx - 2 s_xy, and
    MMD^2 = s_xx / (m (m-1)) + s_yy / (n (n-1)) - 2 s_xy / (m n).
    """
    x = np.asarray(reference, dtype=float)
    y = np.asarray(current, dtype=float)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError("both samples must be 2-d arrays with the same number of columns")
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        raise ValueError("each sample needs at least 2 rows")
    if permutations < 1:
        raise ValueError("permutations must be >= 1")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    z = np.vstack([x, y])
    d2 = _sq_distances(z)
    upper = d2[np.triu_indices(len(z), k=1)]
    positive = upper[upper > 0]
    s2 = (
        float(np.median(upper))
        if np.median(upper) > 0
        else (float(positive.mean()) if positive.size else 1.0)
    )
    k0 = np.exp(-d2 / (2.0 * s2))
    np.fill_diagonal(k0, 0.0)
    total = float(k0.sum())
    size = m + n
    labels = np.zeros((permutations + 1, size))
    labels[0, :m] = 1.0
    for b in range(1, permutations + 1):
        labels[b, gen.permutation(size)[:m]] = 1.0
    ke = labels @ k0
    sxx = np.einsum("bi,bi->b", ke, labels)
    sxy = ke.sum(axis=1) - sxx
    syy = total - sxx - 2.0 * sxy
    stats = sxx / (m * (m - 1)) + syy / (n * (n - 1)) - 2.0 * sxy / (m * n)
    observed = float(stats[0])
    # A tolerance so that relabellings equal to the observed split up to rounding count as ties.
    exceed = int(np.sum(stats[1:] >= observed - 1e-12 * max(1.0, abs(observed))))
    return MMDTest(
        statistic=observed,
        p_value=(1 + exceed) / (1 + permutations),
        bandwidth=float(np.sqrt(s2)),
        permutations=permutations,
        n_reference=m,
        n_current=n,
    )
