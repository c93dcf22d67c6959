"""The decision: validate every dimension, decide, explain in words."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from genjudge.formatting import format_number as describe
from genjudge.labels import RatedSample
from genjudge.records import Status
from genjudge.validation.binding import JudgeBinding, Population
from genjudge.validation.compare import ACCEPTED, NO_VERDICT, validate_dimension, weakest
from genjudge.validation.policy import Policy
from genjudge.validation.records import Decision, DimensionResult, Direction


def decide(
    sample: RatedSample,
    verdicts: pd.DataFrame,
    *,
    verdicts_source: str,
    binding: JudgeBinding | None = None,
    population: Population | None = None,
    judge_provider: str | None = None,
    judge_model: str | None = None,
    rubric_id: str | None = None,
    rubric_version: str | None = None,
    policy: Policy | None = None,
    dimensions: list[str] | None = None,
    judge_cost: dict[str, Any] | None = None,
    subset: str | None = None,
    context: dict[str, Any] | None = None,
) -> Decision:
    """Validate the judge's ``verdicts`` on ``sample`` and decide under ``policy``.

    ``dimensions`` default to every dimension of the sample: one without verdicts is
    ``insufficient``, so a judge is never accepted on the dimensions it happened to answer.
    ``subset`` says how ``sample`` was cut from the rated sample (``None``: it was not); it is
    named in ``sample_name`` and the explanation.

    The decision is bound to ``binding`` (the judge as called, the rubric's content), the
    ``population`` the rated items were drawn from and the sample fingerprint of the items actually
    judged. Without a binding (``judge_provider`` ... ``rubric_version`` only) it is recorded but
    validates no run. ``context`` holds the other :class:`Decision` fields (``producer``,
    ``verdicts_fingerprint``, the questions, ``warnings``, ``human_labels``).
    """
    if binding is not None:
        judge_provider, judge_model = binding.provider, binding.model
        rubric_id, rubric_version = binding.rubric_id, binding.rubric_version
    if None in (judge_provider, judge_model, rubric_id, rubric_version):
        raise ValueError(
            "decide needs a binding, or judge_provider, judge_model, rubric_id and rubric_version"
        )
    from genjudge._version import __version__

    policy = policy or Policy()
    dims = dimensions or sample.dimensions
    results = [validate_dimension(sample, verdicts, d, policy) for d in dims]
    level = weakest([r.outcome for r in results])
    explanation = explain(results, policy)
    if subset is not None:
        explanation.insert(
            0, f"validated on a subset of the rated sample: {subset} (fingerprint of the subset)."
        )
    return Decision(
        decision_id=uuid.uuid4().hex,
        created_at=datetime.now(UTC),
        judge_provider=str(judge_provider),
        judge_model=str(judge_model),
        rubric_id=str(rubric_id),
        rubric_version=str(rubric_version),
        sample_name=sample.manifest.name if subset is None else f"{sample.manifest.name} (subset: {subset})",
        sample_fingerprint=sample.fingerprint,
        verdicts_source=verdicts_source,
        policy=policy,
        accepted=bool(results) and all(r.outcome in ACCEPTED for r in results),
        level=level,
        dimensions=results,
        explanation=explanation,
        genjudge_version=__version__,
        judge_cost=judge_cost or {},
        binding=binding,
        population=population,
        **(context or {}),
    )


def explain(results: list[DimensionResult], policy: Policy) -> list[str]:
    """The verdict in words: per dimension, the decision, the direction, the worst slice and items."""
    lines = []
    for r in results:
        p, c = r.primary, r.ceiling
        verdict = "accepted (" + r.outcome.replace("_", " ") + ")" if r.outcome in ACCEPTED else r.outcome
        ceiling = (
            f"; humans reach {describe(c.value)} [{describe(c.ci_low)}, {describe(c.ci_high)}] against each other"
            if c
            else ""
        )
        lines.append(
            f"{r.dimension}: {verdict}. Judge vs human consensus alpha {describe(p.value)} "
            f"[{describe(p.ci_low)}, {describe(p.ci_high)}] on {r.n_items} items ({_unscored(r)}){ceiling}: {r.reason}."
        )
        w, wo = r.stats.get("alpha_with_judge"), r.stats.get("human_alpha")
        if w and wo and w.value is not None and wo.value is not None:
            lines.append(
                f"{r.dimension}: alpha over the {r.n_raters} humans {wo.value:.3f}, with the judge as one more rater "
                f"{w.value:.3f} ({w.value - wo.value:+.3f})."
            )
        bias = r.stats.get("bias")
        if r.direction is not Direction.NONE and bias is not None and bias.value is not None:
            unit = "points of the scale" if r.level != "nominal" else "share of positive verdicts"
            lines.append(
                f"{r.dimension}: the judge is {r.direction}: {bias.value:+.3f} {unit} against the humans "
                f"[{describe(bias.ci_low)}, {describe(bias.ci_high)}]."
            )
        elif bias is not None and bias.value is not None:
            lines.append(
                f"{r.dimension}: no systematic direction (bias {bias.value:+.3f}, interval includes 0)."
            )
        if r.confusion:
            labels, counts = r.confusion["labels"], r.confusion["counts"]
            off = [
                (counts[a][b], labels[a], labels[b])
                for a in range(len(labels))
                for b in range(len(labels))
                if a != b
            ]
            off.sort(reverse=True)
            if off and off[0][0]:
                top = ", ".join(f"humans '{a}' -> judge '{b}': {n}" for n, a, b in off[:3] if n)
                lines.append(f"{r.dimension}: most frequent disagreements: {top}.")
        trusted = [s for s in r.slices if not s.too_small and s.judge.value is not None]
        if trusted:
            worst = min(
                trusted,
                key=lambda s: (
                    (s.judge.value or 0.0)
                    - (s.ceiling.value if s.ceiling and s.ceiling.value is not None else 0)
                ),
            )
            ceil = f" vs human ceiling {describe(worst.ceiling.value)}" if worst.ceiling else ""
            bias_s = f", bias {worst.bias:+.2f}" if worst.bias is not None else ""
            lines.append(
                f"{r.dimension}: worst slice {worst.column}={worst.value} (n={worst.n}): judge alpha "
                f"{describe(worst.judge.value)}{ceil}{bias_s}."
            )
        small = [s for s in r.slices if s.too_small]
        if small:
            lines.append(
                f"{r.dimension}: {len(small)} slice(s) under {policy.min_slice_items} items are shown but not trusted."
            )
        if r.worst_items:
            items = "; ".join(
                f"{w.item_id} (judge {w.judge}, humans {'/'.join(w.humans)})" for w in r.worst_items[:3]
            )
            lines.append(f"{r.dimension}: worst items: {items}.")
    return lines


def _unscored(r: DimensionResult) -> str:
    causes = ", ".join(
        f"{n} {'with no verdict' if k == NO_VERDICT else k}"
        for k, n in r.unscored_reasons.items()
        if k != Status.UNSCORED
    )
    return f"{r.n_unscored} unscored" + (f", {causes}" if causes else "")
