"""A decision as Markdown: the verdict, the statistics with intervals, slices and worst items."""

from __future__ import annotations

from genjudge.formatting import MISSING, format_number
from genjudge.validation.records import ClaimThreshold, Decision, StatValue


def _ci(s: StatValue | None, *, short: bool = False) -> str:
    if s is None or s.value is None:
        return MISSING if s is None else ("undefined" if short else f"undefined ({s.reason})")
    if s.ci_low is None or s.ci_high is None:
        return format_number(s.value)
    undefined = ""
    if s.undefined_draws:
        undefined = (
            f" ({s.undefined_draws}/{s.draws} undefined)"
            if short
            else f" (undefined on {s.undefined_draws} of {s.draws} resamples)"
        )
    return f"{format_number(s.value)} [{format_number(s.ci_low)}, {format_number(s.ci_high)}]{undefined}"


def to_markdown(d: Decision) -> str:
    """Render ``d`` for a human."""
    verdict = "ACCEPTED" if d.accepted else "NOT ACCEPTED"
    out = [
        f"# Judge validation: {verdict} ({d.level.replace('_', ' ')})",
        "",
        f"- judge: `{d.judge_provider}` / `{d.judge_model}`",
        f"- rubric: `{d.rubric_id}` version `{d.rubric_version}`",
        f"- sample: `{d.sample_name}`, fingerprint `{d.sample_fingerprint[:16]}`",
        f"- verdicts: {d.verdicts_source}",
        f"- policy: firm {d.policy.firm}, tentative {d.policy.tentative}, ceiling margin {d.policy.ceiling_margin} "
        f"(ceiling >= {d.policy.min_ceiling}), min items {d.policy.min_items}, max unscored "
        f"{d.policy.max_unscored_rate:.0%}, {d.policy.confidence:.0%} bootstrap CI, {d.policy.resamples} resamples, "
        f"seed {d.policy.seed}",
        f"- decision id `{d.decision_id}`, {d.created_at:%Y-%m-%d %H:%M} UTC",
        f"- bound to: {d.binding.in_words() if d.binding else 'nothing (recorded before decisions were bound: validates no run)'}",
        f"- rated population: {d.population.in_words() if d.population else 'not recorded'}",
        *(
            [f"- produced by (declared): {d.producer}, file sha256 `{(d.verdicts_fingerprint or '')[:16]}`"]
            if d.producer
            else []
        ),
        *([f"- the judge's rubric asks: {d.rubric_question}"] if d.rubric_question else []),
        *([f"- the humans were asked: {d.human_question}"] if d.human_question else []),
        "",
        "## In words",
        "",
        *[f"- **warning**: {w}" for w in d.warnings],
        *[f"- {line}" for line in d.explanation],
        "",
    ]
    if d.claim_threshold is not None:
        out += _claim_threshold(d.claim_threshold)
    for r in d.dimensions:
        out += [
            f"## {r.dimension} ({r.level}): {r.outcome.replace('_', ' ')}",
            "",
            f"{r.n_items} items scored, {r.n_unscored} unscored, {r.n_raters} human raters; direction: {r.direction}.",
            "",
            "| statistic | value [95% CI] |",
            "|---|---|",
            f"| judge vs leave-one-out human consensus (alpha, the gate) | {_ci(r.primary)} |",
            f"| human ceiling: each human vs the others (alpha) | {_ci(r.ceiling)} |",
            *[f"| {name} | {_ci(s)} |" for name, s in r.stats.items()],
            "",
        ]
        if r.confusion:
            labels = r.confusion["labels"]
            out += [
                "Confusion (rows: human majority, columns: judge):",
                "",
                "| | " + " | ".join(labels) + " |",
                "|---" * (len(labels) + 1) + "|",
            ]
            out += [
                f"| {lab} | " + " | ".join(map(str, row)) + " |"
                for lab, row in zip(labels, r.confusion["counts"], strict=True)
            ]
            out.append("")
        if r.slices:
            out += ["| slice | n | judge alpha | human ceiling | bias | |", "|---|---|---|---|---|---|"]
            for s in r.slices:
                bias = format_number(s.bias, 2, sign=True)
                out.append(
                    f"| {s.column}={s.value} | {s.n} | {_ci(s.judge, short=True)} | {_ci(s.ceiling, short=True)} | {bias} | {'too small' if s.too_small else ''} |"
                )
            out.append("")
        if r.worst_items:
            out += ["Worst items:", ""]
            for w in r.worst_items:
                why = f": {w.rationale}" if w.rationale else ""
                out.append(
                    f"- `{w.item_id}` judge {w.judge}, humans {'/'.join(w.humans)} (consensus {w.consensus}){why}"
                )
            out.append("")
    if d.judge_cost:
        c = d.judge_cost
        out += [
            "## Judge cost",
            "",
            ", ".join(f"{k} {v:.6g}" if isinstance(v, float) else f"{k} {v}" for k, v in c.items()),
            "",
        ]
    return "\n".join(out)


def _claim_threshold(c: ClaimThreshold) -> list[str]:
    left = "".join(f"; {n} {why} left out" for why, n in c.left_out.items())
    grouped = (
        f" keeping each {c.grouped_by}'s claims together (intervals resample them)" if c.grouped_by else ""
    )
    return [
        f"## Claim threshold ({c.dimension}): p(yes) >= {c.threshold:.4g}",
        "",
        f"Calibrated on {c.claims} rated claims ({c.positives} supported, {c.negatives} not{left}); {c.folds}-fold "
        f"stratified cross-validation{grouped}, seed {c.seed}. A run's `judge_claims` without its own `threshold` "
        "uses it while this decision is accepted.",
        "",
        "| balanced accuracy | value [95% CI] |",
        "|---|---|",
        f"| at the calibrated threshold, on the claims it was fitted to (optimistic) | "
        f"{format_number(c.balanced_accuracy_fitted)} |",
        f"| cross-validated: calibrated on the other folds, applied to the held-out one | {_ci(c.cross_validated)} |",
        f"| at the uncalibrated 0.5 | {_ci(c.at_half)} |",
        f"| AUC of p(yes) (threshold-free) | {_ci(c.auc)} |",
        "",
    ]
