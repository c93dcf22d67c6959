"""The statistics bundle of one dimension: the judge against the humans, next to the humans
against each other, with seeded bootstrap intervals over items.

Notation: ``H`` is raters x items (NaN where a rater did not rate an item), ``j`` the judge's
coded verdicts on the same items (items the judge left unscored are excluded and counted).

- **primary** (the gate's statistic): for each human r, Krippendorff's alpha between the judge
  and the consensus of the *other* humans, averaged over r. The consensus is the mean rating on
  ordered scales (alpha at interval level, as a mean is not on the ordinal scale) and the majority
  label on nominal ones (no majority: missing).
- **ceiling**: the same with human r in the judge's place: each human against the others'
  consensus, averaged. Both use consensuses of the same size, so they compare like with like.
- **alpha with / without the judge**: alpha over all humans at the declared level, then with the
  judge added as one more rater (the delta says whether the judge dilutes the agreement).
- the judge against the full consensus: mean bias, Spearman / Kendall tau-b / Pearson, exact and
  adjacent agreement and quadratic-weighted kappa against the rounded mean (ordered scales);
  Cohen's kappa, exact agreement, confusion matrix and true-positive / true-negative rates against
  the majority (nominal scales).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from genjudge.labels import Scale
from genjudge.stats import (
    DegenerateInputError,
    adjacent_agreement,
    binary_rates,
    bootstrap_draws,
    cohen_kappa,
    exact_agreement,
    kendall_tau_b,
    krippendorff_alpha,
    pearson,
    percentile_interval,
    spearman,
)
from genjudge.validation.policy import Policy
from genjudge.validation.records import StatValue

Stat = Callable[[np.ndarray], float]


def consensus(h: np.ndarray, scale: Scale) -> np.ndarray:
    """Per item: mean rating (ordered scales) or the unique most frequent label (nominal; else NaN)."""
    out = np.full(h.shape[1], np.nan)
    rated = ~np.isnan(h).all(axis=0)
    if scale.level != "nominal":
        out[rated] = np.nanmean(h[:, rated], axis=0)
        return out
    values = np.unique(h[~np.isnan(h)])
    if values.size == 0:
        return out
    counts = (h[:, :, None] == values[None, None, :]).sum(axis=0)  # items x values
    top = counts.max(axis=1)
    unique = (counts == top[:, None]).sum(axis=1) == 1
    pick = rated & unique
    out[pick] = values[counts.argmax(axis=1)][pick]
    return out


def _pair_level(scale: Scale) -> str:
    return "nominal" if scale.level == "nominal" else ("ratio" if scale.level == "ratio" else "interval")


def _alpha(rows: list[np.ndarray] | np.ndarray, level: str) -> float:
    # Rows are raters by construction; a tiny slice may have more raters than items.
    return krippendorff_alpha(np.vstack(rows), level=level, allow_more_raters=True).value  # type: ignore[arg-type]


def loo_agreement(h: np.ndarray, j: np.ndarray, scale: Scale) -> tuple[float, float]:
    """(judge, ceiling): mean over humans r of alpha(judge, consensus of others) and of
    alpha(r, consensus of others). With a single human, (alpha(judge, human), NaN)."""
    others = [consensus(np.delete(h, r, axis=0), scale) for r in range(h.shape[0])] if h.shape[0] >= 2 else []
    return _loo(h, j, others, scale, np.arange(h.shape[1]))


def _loo(
    h: np.ndarray, j: np.ndarray, others: list[np.ndarray], scale: Scale, i: np.ndarray
) -> tuple[float, float]:
    # The consensus is a per-item quantity: computed once, then indexed by each resample.
    level = _pair_level(scale)
    if not others:
        return _alpha([j[i], h[0, i]], level), float("nan")
    judge = [_alpha([j[i], o[i]], level) for o in others]
    human = [_alpha([h[r, i], o[i]], level) for r, o in enumerate(others)]
    return float(np.mean(judge)), float(np.mean(human))


def _rounded(x: np.ndarray, scale: Scale) -> np.ndarray:
    domain = scale.domain()
    if domain is None:
        return np.floor(x + 0.5)
    d = np.asarray(domain)
    return d[np.abs(x[:, None] - d[None, :]).argmin(axis=1)]


def statistic_functions(h: np.ndarray, j: np.ndarray, scale: Scale) -> dict[str, Stat]:
    """Every statistic of the bundle as a function of resampled item positions."""
    level = scale.level
    cons = consensus(h, scale)
    fns: dict[str, Stat] = {
        "human_alpha": lambda i: _alpha(h[:, i], level),
        "alpha_with_judge": lambda i: _alpha([h[:, i], j[i]], level),
    }
    if level != "nominal":
        r = _rounded(cons, scale)
        labels = scale.domain()
        fns["bias"] = lambda i: float(np.mean(j[i] - cons[i]))
        fns["spearman"] = lambda i: spearman(j[i], cons[i]).value
        fns["kendall_tau_b"] = lambda i: kendall_tau_b(j[i], cons[i]).value
        fns["pearson"] = lambda i: pearson(j[i], cons[i]).value
        fns["exact_agreement"] = lambda i: exact_agreement(j[i], r[i]).value
        fns["adjacent_agreement"] = lambda i: adjacent_agreement(j[i], r[i]).value
        if labels is not None and np.isin(j, labels).all():
            fns["cohen_kappa_quadratic"] = lambda i: (
                cohen_kappa(j[i], r[i], weights="quadratic", labels=labels).value
            )
        return fns
    has = ~np.isnan(cons)
    labels = scale.domain()

    def on_majority(f: Callable[[np.ndarray, np.ndarray], float]) -> Stat:
        return lambda i: f(cons[i][has[i]], j[i][has[i]])

    fns["cohen_kappa"] = on_majority(lambda t, p: cohen_kappa(t, p, labels=labels).value)
    fns["exact_agreement"] = on_majority(lambda t, p: exact_agreement(t, p).value)
    pos = scale.positive_code
    if pos is not None:

        def rate(t: np.ndarray, p: np.ndarray, which: str) -> float:
            v = getattr(binary_rates(t, p, positive=pos), which)
            return float("nan") if v is None else v

        fns["true_positive_rate"] = on_majority(lambda t, p: rate(t, p, "tpr"))
        fns["true_negative_rate"] = on_majority(lambda t, p: rate(t, p, "tnr"))
        fns["bias"] = on_majority(lambda t, p: float(np.mean(p == pos) - np.mean(t == pos)))
    return fns


def _safe(f: Stat) -> Stat:
    def g(i: np.ndarray) -> float:
        try:
            return f(i)
        except DegenerateInputError:
            return float("nan")

    return g


def bootstrap_bundle(
    fns: dict[str, Stat],
    n: int,
    policy: Policy,
    *,
    resamples: int | None = None,
    clusters: np.ndarray | None = None,
) -> dict[str, StatValue]:
    """Point values and percentile intervals of every statistic over the same item resamples.

    One call of :func:`~genjudge.stats.bootstrap_draws` draws the item resamples; every statistic
    is evaluated on each, so differences between statistics are paired. A resample on which a
    statistic is undefined is counted in its ``undefined_draws``. With ``clusters`` (the sample's
    documents) whole documents are resampled: summaries of one document are not independent.
    """
    everything = np.arange(n)
    points: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    for name, f in fns.items():
        try:
            v = f(everything)
            points[name] = None if not np.isfinite(v) else float(v)
            if points[name] is None:
                reasons[name] = "undefined on this sample"
        except DegenerateInputError as exc:
            points[name], reasons[name] = None, str(exc)
    live = {k: _safe(f) for k, f in fns.items() if points[k] is not None}
    draws: dict[str, list[float]] = {k: [] for k in live}

    def all_at_once(i: np.ndarray) -> float:
        for k, f in live.items():
            draws[k].append(f(i))
        return 0.0

    if live and resamples != 0:
        bootstrap_draws(
            all_at_once, n, resamples=resamples or policy.resamples, rng=policy.seed, clusters=clusters
        )
    names = list(fns)
    if {"human_alpha", "alpha_with_judge"} <= set(fns):
        # Paired: the same resamples, so the interval of the difference is the difference's own.
        a, b = points["alpha_with_judge"], points["human_alpha"]
        points["alpha_delta"] = None if a is None or b is None else a - b
        if "human_alpha" in live and "alpha_with_judge" in live:
            draws["alpha_delta"] = list(np.subtract(draws["alpha_with_judge"], draws["human_alpha"]))
        names.append("alpha_delta")
    out = {}
    for name in names:
        lo = hi = None
        drawn = undefined = 0
        if name in draws:
            d = np.asarray(draws[name], dtype=float)
            # percentile_interval skips undefined draws, which conditions the interval on the
            # resamples where the statistic exists: count them so the gate can refuse to trust it.
            drawn, undefined = int(d.size), int((~np.isfinite(d)).sum())
            lo, hi = percentile_interval(d, policy.confidence)
        out[name] = StatValue(
            name=name,
            value=points[name],
            ci_low=lo,
            ci_high=hi,
            n=n,
            reason=reasons.get(name),
            undefined_draws=undefined,
            draws=drawn,
            ci_method=(None if not drawn else "percentile" if clusters is None else "percentile_documents"),
        )
    return out


def loo_functions(h: np.ndarray, j: np.ndarray, scale: Scale) -> dict[str, Stat]:
    """The primary statistic and the ceiling, computed together per resample."""
    others = [consensus(np.delete(h, r, axis=0), scale) for r in range(h.shape[0])] if h.shape[0] >= 2 else []
    memo: dict[bytes, tuple[float, float]] = {}

    def both(i: np.ndarray) -> tuple[float, float]:
        key = i.tobytes()
        if key not in memo:
            memo.clear()
            memo[key] = _loo(h, j, others, scale, i)
        return memo[key]

    fns: dict[str, Stat] = {"judge_alpha": lambda i: both(i)[0]}
    if others:
        fns["human_ceiling_alpha"] = lambda i: both(i)[1]
    return fns
