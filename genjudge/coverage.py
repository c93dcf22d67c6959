"""Coverage of genjudge's intervals, by simulation from known truths (and exactly where it can be).

One function per kind of number calls the code genjudge runs (the aggregation's interval
functions, :func:`~genjudge.stats.grouped.document_bootstrap`, :func:`newcombe_interval`,
:func:`paired_difference`) or, where one replication would otherwise take many scipy calls, the
same method vectorised (Spearman / Kendall tau-b / kappa / alpha on a batch of resamples, checked
against scipy, scikit-learn and krippendorff in tests/stats/test_coverage.py).

A row is *in the band* when its coverage is at least ``nominal - TOLERANCE - 3 * mc_se``: the
tolerance allows the discreteness of small samples (no equal-tailed interval of a binomial can be
exact), the Monte Carlo standard error the simulation's own noise (0 for exact rows). A row below
the band must be one genjudge flags (``too_small``: under the minimum support or with too few
clusters). ``scripts/coverage_table.py`` prints the table into docs/statistics.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy.stats import binom, rankdata

NOMINAL = 0.95
TOLERANCE = 0.02
MIN_SUPPORT = 30
"""The default minimum support (Settings.min_support): numbers under it are flagged too_small."""
DOC_SEED, DOC_REPS, DOC_RESAMPLES = 0, 1000, 499
"""The settings of the table in docs/statistics.md (and of tests/stats/test_coverage.py)."""
START, END = "<!-- coverage-table:start -->", "<!-- coverage-table:end -->"


@dataclass(frozen=True)
class CoverageRow:
    quantity: str
    method: str
    setting: str
    n: int
    coverage: float
    replications: int
    """0 for an exact computation (sum over every possible sample)."""
    flagged: bool
    """genjudge flags numbers in this setting as too small to trust."""
    asserted: bool = True
    """False for a method genjudge no longer uses, shown for comparison."""

    @property
    def mc_se(self) -> float:
        r = self.replications
        return 0.0 if r == 0 else float(np.sqrt(NOMINAL * (1 - NOMINAL) / r))

    @property
    def band_low(self) -> float:
        return NOMINAL - TOLERANCE - 3 * self.mc_se

    @property
    def in_band(self) -> bool:
        return self.coverage >= self.band_low

    @property
    def verdict(self) -> str:
        if self.in_band:
            return "ok"
        if not self.asserted:
            return "fails (not used)"
        return "below band, flagged" if self.flagged else "BELOW BAND"


# --- proportions: exact ---------------------------------------------------------------------------


def proportion_rows(ps=(0.5, 0.9, 0.98, 0.99, 1.0), ns=(20, 50, 100, 1000)) -> Iterator[CoverageRow]:
    """Exact coverage: sum over k of P(K = k) for the k whose interval holds p."""
    from genjudge.stats.intervals import jeffreys_interval

    for n in ns:
        k = np.arange(n + 1)
        for p in ps:
            pmf = binom.pmf(k, n, p)
            lo, hi = jeffreys_interval(k, n, confidence=NOMINAL)
            cover = float(pmf[(lo <= p) & (p <= hi)].sum())
            yield CoverageRow("proportion", "jeffreys", f"p={p}", n, cover, 0, n < MIN_SUPPORT)
            # The former method: the percentile bootstrap, whose resamples are Binomial(n, k/n) / n.
            plo = binom.ppf(0.025, n, k / n) / n
            phi = binom.ppf(0.975, n, k / n) / n
            old = float(pmf[(plo <= p) & (p <= phi)].sum())
            yield CoverageRow(
                "proportion", "percentile (former)", f"p={p}", n, old, 0, n < MIN_SUPPORT, False
            )


# --- means ----------------------------------------------------------------------------------------


def _settings(resamples: int):
    from genjudge.aggregate import Settings

    return Settings(resamples=resamples, confidence=NOMINAL)


def mean_rows(reps: int, resamples: int, rng: np.random.Generator) -> Iterator[CoverageRow]:
    """Skewed continuous scores (BCa over items) and skewed 1-5 ratings (BCa, multinomial draws)."""
    from genjudge.aggregate import _categorical_mean, _continuous_mean

    settings = _settings(resamples)
    continuous: dict[str, tuple[Callable[[int], np.ndarray], float]] = {
        "Beta(5,1) similarity": (lambda size: rng.beta(5.0, 1.0, size), 5.0 / 6.0),
        "Exponential cost": (lambda size: rng.exponential(1.0, size), 1.0),
    }
    for name, (draw, truth) in continuous.items():
        for n in (20, 50, 200):
            hits = 0
            for _ in range(reps):
                _, (lo, hi), _ = _continuous_mean(draw(n), settings, rng)
                hits += lo <= truth <= hi
            yield CoverageRow("mean", "bca", name, n, hits / reps, reps, n < MIN_SUPPORT)
    probs = np.array([0.02, 0.03, 0.05, 0.3, 0.6])
    values = np.arange(1.0, 6.0)
    truth = float(probs @ values)
    for n in (20, 50, 200):
        hits = 0
        for _ in range(reps):
            counts = rng.multinomial(n, probs)
            _, (lo, hi), _ = _categorical_mean(counts, values, n, settings, rng)
            hits += lo <= truth <= hi
        yield CoverageRow(
            "mean", "bca (multinomial)", "1-5 rating, skewed", n, hits / reps, reps, n < MIN_SUPPORT
        )


# --- correlations ---------------------------------------------------------------------------------


def batch_spearman(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman's rho of each row pair (mid-ranks), vectorised over rows."""
    rx, ry = rankdata(x, axis=-1), rankdata(y, axis=-1)
    rx = rx - rx.mean(axis=-1, keepdims=True)
    ry = ry - ry.mean(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (rx * ry).sum(-1) / np.sqrt((rx**2).sum(-1) * (ry**2).sum(-1))


def batch_kendall(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Kendall's tau-b of each row pair: sum sgn(dx) sgn(dy) / sqrt(sum sgn(dx)^2 sum sgn(dy)^2)."""
    sx = np.sign(x[..., :, None] - x[..., None, :])
    sy = np.sign(y[..., :, None] - y[..., None, :])
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sx * sy).sum((-1, -2)) / np.sqrt((sx**2).sum((-1, -2)) * (sy**2).sum((-1, -2)))


def _covers(lo: float | None, value: float, hi: float | None) -> bool:
    """Whether the interval (lo, hi) holds ``value``; an interval that could not be computed holds nothing."""
    return lo is not None and hi is not None and lo <= value <= hi


def _percentile(draws: np.ndarray) -> tuple[float, float]:
    from genjudge.stats.bootstrap import percentile_interval

    lo, hi = percentile_interval(draws, NOMINAL)
    return (np.nan, np.nan) if lo is None or hi is None else (lo, hi)


def _clustered_pairs(rng, docs: int, per_doc: int, rho_between: float, rho_within: float):
    """Pooled (x, y) bivariate normal with unit variances: half document effect, half item noise."""
    cov_b = 0.5 * np.array([[1.0, rho_between], [rho_between, 1.0]])
    cov_w = 0.5 * np.array([[1.0, rho_within], [rho_within, 1.0]])
    u = rng.multivariate_normal([0, 0], cov_b, docs)
    e = rng.multivariate_normal([0, 0], cov_w, (docs, per_doc))
    xy = u[:, None, :] + e
    return xy[..., 0], xy[..., 1]


def correlation_rows(reps: int, resamples: int, rng: np.random.Generator) -> Iterator[CoverageRow]:
    from genjudge.stats.grouped import document_bootstrap

    rho = 0.6
    truth = {"spearman": 6 / np.pi * np.arcsin(rho / 2), "kendall": 2 / np.pi * np.arcsin(rho)}
    fns = {"spearman": batch_spearman, "kendall": batch_kendall}
    cov = np.array([[1.0, rho], [rho, 1.0]])
    for stat, ns in (("spearman", (20, 50, 200)), ("kendall", (20, 50))):
        for n in ns:
            hits = 0
            for _ in range(reps):
                xy = rng.multivariate_normal([0, 0], cov, n)
                idx = rng.integers(0, n, (resamples, n))
                lo, hi = _percentile(fns[stat](xy[idx, 0], xy[idx, 1]))
                hits += lo <= truth[stat] <= hi
            yield CoverageRow(
                stat, "percentile, items", "normal, rho=0.6", n, hits / reps, reps, n < MIN_SUPPORT
            )
    # Clustered: 30 documents x 5 summaries; document effects correlate 0.9, summaries 0.3, so the
    # pooled correlation is 0.6. Resampling items ignores the documents; resampling documents does not.
    docs, per = 30, 5
    pooled = 6 / np.pi * np.arcsin(0.6 / 2)
    hits_items = hits_docs = hits_summary = 0
    within = 2 / np.pi * np.arcsin(0.3)
    for _ in range(reps):
        x, y = _clustered_pairs(rng, docs, per, 0.9, 0.3)
        fx, fy = x.ravel(), y.ravel()
        idx = rng.integers(0, fx.size, (resamples, fx.size))
        lo, hi = _percentile(batch_spearman(fx[idx], fy[idx]))
        hits_items += lo <= pooled <= hi
        d = rng.integers(0, docs, (resamples, docs))
        lo, hi = _percentile(batch_spearman(x[d].reshape(resamples, -1), y[d].reshape(resamples, -1)))
        hits_docs += lo <= pooled <= hi
        per_doc = batch_kendall(x, y)  # summary level: Kendall within each document, averaged
        s_lo, s_hi = document_bootstrap(per_doc, resamples=resamples, confidence=NOMINAL, rng=rng)
        hits_summary += _covers(s_lo, within, s_hi)
    setting = f"{docs} documents x {per}"
    n = docs * per
    yield CoverageRow(
        "spearman", "percentile, items (wrong unit)", setting, n, hits_items / reps, reps, False, False
    )
    yield CoverageRow("spearman", "percentile, documents", setting, n, hits_docs / reps, reps, False)
    yield CoverageRow(
        "kendall (summary level)", "percentile, documents", setting, n, hits_summary / reps, reps, False
    )


# --- agreement ------------------------------------------------------------------------------------


def kappa_from_tables(t: np.ndarray) -> np.ndarray:
    """Cohen's kappa of K x K joint count tables (last two axes)."""
    n = t.sum((-1, -2))
    po = np.trace(t, axis1=-2, axis2=-1) / n
    pe = (t.sum(-1) * t.sum(-2)).sum(-1) / n**2
    with np.errstate(invalid="ignore", divide="ignore"):
        return (po - pe) / (1 - pe)


def alpha_from_tables(t: np.ndarray) -> np.ndarray:
    """Nominal Krippendorff's alpha of two raters with no missing ratings, from K x K count tables:
    coincidences ``o = t + t^T``, ``alpha = 1 - (n_v - 1) sum_{c!=k} o_ck / sum_{c!=k} n_c n_k``."""
    o = t + np.swapaxes(t, -1, -2)
    nc = o.sum(-1)
    nv = nc.sum(-1)
    off_o = o.sum((-1, -2)) - np.trace(o, axis1=-2, axis2=-1)
    off_e = nv**2 - (nc**2).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 1 - (nv - 1) * off_o / off_e


def rater_model(prevalence=(0.6, 0.3, 0.1), accuracy: float = 0.8) -> np.ndarray:
    """Joint distribution of two raters who report the true class with probability ``accuracy`` and a
    uniformly random class otherwise, independently given the truth."""
    pi = np.asarray(prevalence)
    k = pi.size
    confusion = accuracy * np.eye(k) + (1 - accuracy) / k
    return np.einsum("z,za,zb->ab", pi, confusion, confusion)


def agreement_rows(reps: int, resamples: int, rng: np.random.Generator) -> Iterator[CoverageRow]:
    joint = rater_model()
    truths = {
        "cohen_kappa": float(kappa_from_tables(joint)),
        # Population alpha: 1 - P(disagree) / (1 - sum of squared pooled margins).
        "krippendorff_alpha": float(
            1 - (1 - np.trace(joint)) / (1 - (((joint.sum(0) + joint.sum(1)) / 2) ** 2).sum())
        ),
    }
    fns = {"cohen_kappa": kappa_from_tables, "krippendorff_alpha": alpha_from_tables}
    flat = joint.ravel()
    for n in (20, 50, 200):
        hits = dict.fromkeys(fns, 0)
        for _ in range(reps):
            table = rng.multinomial(n, flat)
            boot = rng.multinomial(n, table / n, resamples).reshape(resamples, 3, 3).astype(float)
            for name, f in fns.items():
                lo, hi = _percentile(f(boot))
                hits[name] += lo <= truths[name] <= hi
        for name in fns:
            yield CoverageRow(
                name,
                "percentile, items",
                "3 classes, 2 raters 80% accurate",
                n,
                hits[name] / reps,
                reps,
                n < MIN_SUPPORT,
            )


# --- paired ---------------------------------------------------------------------------------------


def paired_rows(reps: int, resamples: int, rng: np.random.Generator) -> Iterator[CoverageRow]:
    from genjudge.stats.paired import newcombe_interval, paired_difference

    # Student right 95%, teacher 97%, mostly on the same items: cells (both, x only, y only, neither).
    cells = np.array([0.94, 0.01, 0.03, 0.02])
    truth = cells[1] - cells[2]
    big = max(reps, 10_000)
    for n in (20, 50, 200, 1000):
        t = rng.multinomial(n, cells, big)
        lo, hi = newcombe_interval(t[:, 0], t[:, 1], t[:, 2], t[:, 3], confidence=NOMINAL)
        cover = float(((lo <= truth) & (truth <= hi)).mean())
        yield CoverageRow(
            "paired proportion difference", "newcombe", "0.95 vs 0.97, paired", n, cover, big, n < MIN_SUPPORT
        )
    for n in (20, 50, 200):
        hits = 0
        for _ in range(reps):
            g = rng.gamma(2.0, 0.5, n)
            x = g + rng.exponential(0.3, n)
            y = g + rng.exponential(0.2, n)
            d = paired_difference(x, y, resamples=resamples, confidence=NOMINAL, rng=rng)
            hits += _covers(d.ci_low, 0.1, d.ci_high)
        yield CoverageRow(
            "paired mean difference",
            "bca",
            "skewed scores, shared item effect",
            n,
            hits / reps,
            reps,
            n < MIN_SUPPORT,
        )


def coverage_table(
    *, seed: int = DOC_SEED, reps: int = DOC_REPS, resamples: int = DOC_RESAMPLES
) -> list[CoverageRow]:
    """Every row, in a fixed order, from one seeded generator."""
    rng = np.random.default_rng(seed)
    rows: list[CoverageRow] = list(proportion_rows())
    for part in (mean_rows, correlation_rows, agreement_rows, paired_rows):
        rows.extend(part(reps, resamples, rng))
    return rows


def render_markdown(rows: list[CoverageRow]) -> str:
    """The coverage table as Markdown (coverage to three places; replications 'exact' when 0)."""
    lines = [
        "| quantity | interval | setting | n | coverage | band low | replications | flagged too small | verdict |",
        "|---|---|---|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        reps = "exact" if r.replications == 0 else f"{r.replications:,}"
        lines.append(
            f"| {r.quantity} | {r.method} | {r.setting} | {r.n} | {r.coverage:.3f} | {r.band_low:.3f} | "
            f"{reps} | {'yes' if r.flagged else 'no'} | {r.verdict} |"
        )
    return "\n".join(lines) + "\n"


def replace_table(doc: str, table: str) -> str:
    """``doc`` with the text between the coverage-table markers replaced by ``table``."""
    if START not in doc or END not in doc:
        raise ValueError(f"the document has no {START} ... {END} markers")
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table}{END}{tail}"


def table_in(doc: str) -> str:
    """The text between the coverage-table markers."""
    return doc.split(START, 1)[1].split(END, 1)[0].strip("\n") + "\n"
