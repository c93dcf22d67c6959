"""One dimension: align the judge's verdicts with the human ratings, compute the bundle overall
and per slice, find the direction of disagreement and the worst items, and apply the policy."""

from __future__ import annotations

import numpy as np
import pandas as pd

from genjudge.formatting import MISSING
from genjudge.labels import RatedSample, Scale
from genjudge.records import Status
from genjudge.slicing import slicings
from genjudge.stats import cluster_codes, confusion_matrix
from genjudge.validation.bundle import bootstrap_bundle, consensus, loo_functions, statistic_functions
from genjudge.validation.policy import Policy
from genjudge.validation.records import DimensionResult, Direction, Outcome, SliceResult, StatValue, WorstItem

NO_VERDICT = "no verdict"
ACCEPTED = tuple(o for o in Outcome if o.accepted)
ORDER = tuple(Outcome)
MIN_DOCUMENTS = 10
"""With a document column and at least this many documents, intervals resample documents."""
MAX_UNDEFINED_DRAWS = 0.01
"""Share of bootstrap resamples on which the gate's statistic may be undefined: beyond it the
interval describes only the resamples where agreement exists (rare classes drawn), not the sample."""


def validate_dimension(
    sample: RatedSample,
    verdicts: pd.DataFrame,
    dimension: str,
    policy: Policy,
    *,
    item_ids: list[str] | None = None,
) -> DimensionResult:
    """Measure the judge against the humans on ``dimension`` and apply ``policy``."""
    scale = sample.scale(dimension)
    v = verdicts[verdicts["dimension"] == dimension].set_index("item_id")
    ids, raters, h_all = sample.matrix(dimension, item_ids)
    if v.empty:
        # A dimension the judge was not asked about is not validated: never skipped silently.
        return DimensionResult(
            dimension=dimension,
            level=scale.level,
            n_items=0,
            n_unscored=len(ids),
            unscored_reasons={NO_VERDICT: len(ids)},
            n_raters=len(raters),
            primary=StatValue(name="judge_alpha", value=None, reason="no verdicts"),
            ceiling=None,
            stats={},
            outcome=Outcome.INSUFFICIENT,
            reason="no verdicts",
        )
    judged = v.reindex(ids)
    j_all = judged["value"].to_numpy(dtype=float)
    ok = (judged["status"] == Status.OK.value).to_numpy() & np.isfinite(j_all)
    keep = ok & (~np.isnan(h_all)).any(axis=0)
    n_unscored = int((~ok).sum())
    # An item of the sample with no verdict row is unscored like a refusal, not left out.
    why = judged["status"].where(judged["status"].notna(), NO_VERDICT)[~ok]
    unscored_reasons = {str(k): int(c) for k, c in why.value_counts().sort_index().items()}
    pos = np.flatnonzero(keep)
    h, j = h_all[:, pos], j_all[pos]
    kept_ids = [ids[k] for k in pos]
    rationale = judged["rationale"].to_numpy()[pos] if "rationale" in judged else np.full(pos.size, None)

    fns = {**loo_functions(h, j, scale), **statistic_functions(h, j, scale)}
    docs = None
    if sample.manifest.document and pos.size:
        # Several summaries of one document are not independent: resample documents.
        docs = cluster_codes(sample.item_column(sample.manifest.document, kept_ids))
        if np.unique(docs).size < MIN_DOCUMENTS:
            docs = None  # too few documents to resample: items, as the method records
    stats = bootstrap_bundle(fns, pos.size, policy, clusters=docs) if pos.size else {}
    if scale.level != "nominal" and pos.size:
        stats.update(_meta_stats(sample, kept_ids, h, j, scale, policy))
    primary = stats.pop("judge_alpha", StatValue(name="judge_alpha", value=None, reason="no scored items"))
    ceiling = stats.pop("human_ceiling_alpha", None)
    cons = consensus(h, scale)
    confusion = None
    if scale.level == "nominal" and pos.size and (~np.isnan(cons)).any():
        has = ~np.isnan(cons)
        cm = confusion_matrix(cons[has], j[has], labels=scale.domain())
        confusion = {"labels": [scale.name_of(c) for c in cm.labels], "counts": [list(r) for r in cm.counts]}
    result = DimensionResult(
        dimension=dimension,
        level=scale.level,
        n_items=int(pos.size),
        n_unscored=n_unscored,
        unscored_reasons=unscored_reasons,
        n_raters=len(raters),
        primary=primary,
        ceiling=ceiling,
        stats=stats,
        confusion=confusion,
        slices=_slices(sample, kept_ids, h, j, scale, policy),
        worst_items=_worst(sample, kept_ids, h, j, cons, scale, rationale, policy.worst_items),
        direction=_direction(stats.get("bias"), scale),
    )
    outcome, reason = _outcome(result, policy)
    return result.model_copy(update={"outcome": outcome, "reason": reason})


def _meta_stats(
    sample: RatedSample, ids: list[str], h: np.ndarray, j: np.ndarray, scale: Scale, policy: Policy
) -> dict[str, StatValue]:
    """Summarization meta-evaluation: Kendall tau-b of judge and human mean per document (averaged,
    documents resampled) and over system means (systems resampled), where the sample declares
    document / system columns. The raw column values group items, so documents 1 and "1" differ."""
    from genjudge.stats import DegenerateInputError, summary_level_interval, system_level_interval

    cons = consensus(h, scale)
    out: dict[str, StatValue] = {}
    meta = (
        ("summary_level_kendall", sample.manifest.document, summary_level_interval, "documents"),
        ("system_level_kendall", sample.manifest.system, system_level_interval, "systems"),
    )
    for name, column, interval, keyword in meta:
        if not column:
            continue
        groups = np.array(sample.item_column(column, ids), dtype=object)
        try:
            r = interval(
                j,
                cons,
                **{keyword: groups},
                method="kendall",
                resamples=policy.resamples,
                confidence=policy.confidence,
                rng=policy.seed,
            )
        except DegenerateInputError as exc:
            out[name] = StatValue(name=name, value=None, n=len(ids), reason=str(exc))
            continue
        out[name] = StatValue(
            name=name,
            value=r.value,
            ci_low=r.ci_low,
            ci_high=r.ci_high,
            n=len(ids),
            undefined_draws=r.undefined,
            draws=r.resamples,
            ci_method=r.method,
        )
    return out


def _slices(
    sample: RatedSample, ids: list[str], h: np.ndarray, j: np.ndarray, scale: Scale, policy: Policy
) -> list[SliceResult]:
    out = []
    # Slice intervals are reported, never gated on: fewer resamples keep them affordable.
    resamples = min(policy.resamples, max(200, policy.resamples // 5))
    for column in sample.manifest.slices:
        column_table = pd.DataFrame({column: sample.item_column(column, ids)})
        for _, value, mask in slicings(column_table, [column])[1].groups():
            pos = np.flatnonzero(mask)
            hs, js = h[:, pos], j[pos]
            small = pos.size < policy.min_slice_items
            # A slice too small to trust gets its point value only: no interval to misread.
            stats = bootstrap_bundle(
                loo_functions(hs, js, scale), pos.size, policy, resamples=0 if small else resamples
            )
            bias = None
            if scale.level != "nominal":
                bias = float(np.mean(js - consensus(hs, scale)))
            out.append(
                SliceResult(
                    column=column,
                    value=value,
                    n=int(pos.size),
                    judge=stats["judge_alpha"],
                    ceiling=stats.get("human_ceiling_alpha"),
                    bias=bias,
                    too_small=small,
                )
            )
    return out


def _fmt(scale: Scale, x: float) -> str:
    if np.isnan(x):
        return MISSING
    if scale.level == "nominal" or float(x).is_integer():
        return scale.name_of(x)
    return f"{x:.2f}"


def _worst(
    sample: RatedSample,
    ids: list[str],
    h: np.ndarray,
    j: np.ndarray,
    cons: np.ndarray,
    scale: Scale,
    rationale: np.ndarray,
    k: int,
) -> list[WorstItem]:
    if not ids or k == 0:
        return []
    if scale.level != "nominal":
        gap = j - cons
        order = [p for p in np.argsort(-np.abs(gap), kind="stable") if abs(gap[p]) > 0][:k]
    else:
        # Strongest disagreement first: the judge against a majority that most humans share.
        share = np.array(
            [
                np.mean(h[~np.isnan(h[:, p]), p] == cons[p]) if not np.isnan(cons[p]) else 0
                for p in range(len(ids))
            ]
        )
        wrong = np.flatnonzero((j != cons) & ~np.isnan(cons))
        order = list(wrong[np.argsort(-share[wrong], kind="stable")][:k])
        gap = np.full(len(ids), np.nan)
    out = []
    for p in order:
        out.append(
            WorstItem(
                item_id=ids[p],
                judge=_fmt(scale, j[p]),
                humans=[_fmt(scale, x) for x in h[:, p] if not np.isnan(x)],
                consensus=None if np.isnan(cons[p]) else _fmt(scale, cons[p]),
                gap=None if np.isnan(gap[p]) else float(gap[p]),
                rationale=rationale[p] if isinstance(rationale[p], str) else None,
                slice={c: sample.items.get(ids[p], {}).get(c) for c in sample.manifest.slices},
            )
        )
    return out


def _direction(bias: StatValue | None, scale: Scale) -> Direction:
    if bias is None or bias.value is None or bias.ci_low is None or bias.ci_high is None:
        return Direction.NONE
    if bias.ci_low > 0:
        up = True
    elif bias.ci_high < 0:
        up = False
    else:
        return Direction.NONE
    if scale.level == "nominal":
        # Binary: the judge says "positive" (equally good, acceptable...) more often than humans.
        return Direction.TOO_LENIENT if up else Direction.TOO_HARSH
    return Direction.TOO_LENIENT if up == scale.higher_is_better else Direction.TOO_HARSH


def _outcome(r: DimensionResult, policy: Policy) -> tuple[Outcome, str]:
    total = r.n_items + r.n_unscored
    if r.n_items < policy.min_items:
        return (
            Outcome.INSUFFICIENT,
            f"{r.n_items} scored items, fewer than the policy's minimum {policy.min_items}",
        )
    rate = r.n_unscored / total if total else 0.0
    if rate > policy.max_unscored_rate:
        return (
            Outcome.REJECTED,
            f"{r.n_unscored} of {total} items unscored ({rate:.0%} > {policy.max_unscored_rate:.0%})",
        )
    p, lo = r.primary, r.primary.ci_low
    if p.draws and p.undefined_draws / p.draws > MAX_UNDEFINED_DRAWS:
        return Outcome.INSUFFICIENT, (
            f"the judge's agreement is undefined on {p.undefined_draws} of {p.draws} bootstrap resamples "
            f"({p.undefined_draws / p.draws:.1%} > {MAX_UNDEFINED_DRAWS:.0%}), so its interval cannot be trusted"
        )
    if r.primary.value is None or lo is None:
        return Outcome.REJECTED, f"the judge's agreement is undefined: {r.primary.reason}"
    if lo >= policy.firm:
        return Outcome.FIRM, f"lower bound {lo:.3f} >= firm bar {policy.firm}"
    if lo >= policy.tentative:
        return (
            Outcome.TENTATIVE,
            f"lower bound {lo:.3f} >= tentative bar {policy.tentative} (< firm {policy.firm})",
        )
    ceil = r.ceiling.value if r.ceiling is not None else None
    if policy.ceiling_margin is not None and ceil is not None:
        bar = ceil - policy.ceiling_margin
        if ceil >= policy.min_ceiling and lo >= bar:
            return Outcome.AT_CEILING, (
                f"lower bound {lo:.3f} is under {policy.tentative} but within {policy.ceiling_margin} of the human "
                f"ceiling {ceil:.3f} (>= {bar:.3f})"
            )
        if ceil < policy.min_ceiling:
            return Outcome.REJECTED, (
                f"lower bound {lo:.3f} < tentative bar {policy.tentative}; the humans' own agreement {ceil:.3f} is under "
                f"{policy.min_ceiling}, so matching them is not evidence"
            )
        return (
            Outcome.REJECTED,
            f"lower bound {lo:.3f} < tentative bar {policy.tentative} and < human ceiling {ceil:.3f} - {policy.ceiling_margin}",
        )
    return Outcome.REJECTED, f"lower bound {lo:.3f} < tentative bar {policy.tentative}"


def weakest(outcomes: list[Outcome]) -> Outcome:
    """The weakest outcome of several dimensions."""
    return min(outcomes, key=ORDER.index) if outcomes else Outcome.INSUFFICIENT
