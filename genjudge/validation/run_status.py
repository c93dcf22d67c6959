"""What ``genjudge run`` asks: where does the configured judge stand for each rubric the run uses?

Three answers (:class:`Standing`), each with its reason in words:

- ``validated``: an accepted decision for exactly this judge (:class:`~.binding.JudgeBinding`:
  provider, model, base_url, every verdict-changing setting, rubric id, version and content hash)
  whose population is this evaluation set or a parent the run declares (``parent_sets``);
- ``validated elsewhere``: the same judge and rubric were accepted, but on another population
  (SummEval, another set); shown, and treated as unvalidated by ``require_validated_judge``;
- ``unvalidated``: anything else (no decision, a decision for other settings, a rejection here).

A judge validated here but failing on a slice of the decision's sample is flagged on that slice.
"""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from genjudge.validation.binding import JudgeBinding, bind_judge_to
from genjudge.validation.policy import Policy
from genjudge.validation.records import Decision, SliceResult


class Standing(enum.StrEnum):
    """A judge's standing for one rubric in one run."""

    VALIDATED = "validated"
    VALIDATED_ELSEWHERE = "validated elsewhere"
    UNVALIDATED = "unvalidated"


class SliceFlag(BaseModel):
    """A slice on which the judge, accepted overall, fails."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    column: str
    value: str
    reason: str


class RubricStanding(BaseModel):
    """The judge's standing for one rubric, why, and on which decision it rests."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rubric_id: str
    status: Standing
    reason: str
    judge: str
    """The judge exactly as decisions store it (``provider/model``, settings, rubric hash)."""
    decision_id: str | None = None
    population: str | None = None
    failing_slices: list[SliceFlag] = Field(default_factory=list)


def rubrics_in_use(config: Any) -> list[tuple[str, str, str]]:
    """(rubric id, version, content hash) of every judge rubric the run's checks use."""
    from genjudge.checks.base import judge_rubric_keys
    from genjudge.checks.build import build_checks

    return judge_rubric_keys([spec for check in build_checks(config) for spec in check.metrics()])


def standing_for(
    binding: JudgeBinding,
    store_url: str,
    set_fingerprint: str,
    parents: list[str] | tuple[str, ...] = (),
) -> tuple[RubricStanding, Decision | None]:
    """The standing of ``binding`` on the set ``set_fingerprint``, and the decision made on this set
    (accepted or not; None when there is none)."""
    candidates = _stored(store_url, binding)
    bound = [d for d in candidates if d.binding is not None and d.binding.key == binding.key]

    def standing(status: Standing, reason: str, d: Decision | None = None, **more: Any) -> RubricStanding:
        return RubricStanding(
            rubric_id=binding.rubric_id,
            status=status,
            reason=reason,
            judge=binding.in_words(),
            decision_id=d.decision_id if d is not None else None,
            population=_where(d) if d is not None else None,
            **more,
        )

    if not bound:
        return standing(Standing.UNVALIDATED, _why_none(binding, candidates)), None
    here = [d for d in bound if d.population is not None and d.population.covers(set_fingerprint, parents)]
    if here:
        d = here[0]
        if d.accepted:
            reason = f"accepted ({d.level}) on {_where(d)}, {_size(d)}, decision {d.decision_id[:12]} of {d.created_at:%Y-%m-%d}"
            return standing(Standing.VALIDATED, reason, d, failing_slices=failing_slices(d)), d
        first = d.explanation[0] if d.explanation else ""
        return standing(
            Standing.UNVALIDATED,
            f"rejected ({d.level}) on {_where(d)}, decision {d.decision_id[:12]}: {first}",
            d,
        ), d
    accepted = [d for d in bound if d.accepted]
    if accepted:
        d = accepted[0]
        reason = (
            f"accepted ({d.level}) on {_where(d)}, not on this set ({set_fingerprint[:12]}): rate a sample of "
            "this run's items (`genjudge labels sample`) to validate it here"
        )
        return standing(Standing.VALIDATED_ELSEWHERE, reason, d), None
    d = bound[0]
    return standing(
        Standing.UNVALIDATED, f"rejected ({d.level}) on {_where(d)} and never accepted on this set", d
    ), None


def _where(d: Decision) -> str:
    return d.population.in_words() if d.population else "an unrecorded population"


def _stored(store_url: str, binding: JudgeBinding) -> list[Decision]:
    from genjudge.store.locate import sqlite_path

    path = sqlite_path(store_url)
    if path is not None and not path.is_file():  # no store yet, so no decision: create nothing
        return []
    from genjudge.validation.store import find_decisions  # SQLAlchemy: only when a run asks

    return find_decisions(
        store_url, binding.provider, binding.model, binding.rubric_id, binding.rubric_version
    )


def _size(d: Decision) -> str:
    n = max((r.n_items for r in d.dimensions), default=0)
    return f"{n} rated items"


def _why_none(binding: JudgeBinding, candidates: list[Decision]) -> str:
    name = f"{binding.judge_name} with rubric {binding.rubric_id}@{binding.rubric_version}"
    bound = [d for d in candidates if d.binding is not None]
    if bound:
        diff = "; ".join(binding.differences(bound[0].binding)) if bound[0].binding else ""
        return (
            f"the recorded decisions for {name} were made with other settings ({diff}); "
            "validate the judge as configured"
        )
    if candidates:
        return (
            f"the recorded decision(s) for {name} predate binding decisions to the rubric's content and "
            "the rated population; validate again"
        )
    return f"no validation decision for {binding.in_words()}"


def failing_slices(decision: Decision) -> list[SliceFlag]:
    """Trusted slices of the decision's sample on which the judge misses the policy's bar."""
    flags = []
    for dim in decision.dimensions:
        for s in dim.slices:
            reason = _slice_failure(s, decision.policy)
            if reason:
                flags.append(SliceFlag(column=s.column, value=s.value, reason=f"{dim.dimension}: {reason}"))
    return flags


def _slice_failure(s: SliceResult, policy: Policy) -> str | None:
    """Why the judge fails on slice ``s`` (None when it passes or the slice is too small to say)."""
    lo = s.judge.ci_low
    if s.too_small or lo is None:
        return None
    if lo >= policy.tentative:
        return None
    ceil = s.ceiling.value if s.ceiling is not None else None
    margin = policy.ceiling_margin
    if margin is not None and ceil is not None and ceil >= policy.min_ceiling and lo >= ceil - margin:
        return None
    return (
        f"judge alpha lower bound {lo:.3f} on {s.column}={s.value} (n={s.n}) is under the tentative bar "
        f"{policy.tentative}"
        + (f" and the human ceiling {ceil:.3f} - {policy.ceiling_margin}" if ceil is not None else "")
    )


def run_standing(
    judge: dict[str, Any] | None,
    rubrics: Any,
    store_url: str,
    set_fingerprint: str,
    parents: list[str] | tuple[str, ...] = (),
) -> tuple[dict[str, RubricStanding], dict[str, Decision]]:
    """Per rubric id: the standing of ``judge`` (JudgeSettings mapping) for every (id, version, hash) in
    ``rubrics``, and the decision made on this set (accepted or not: its human labels correct the
    judge's numbers either way, by prediction-powered inference).

    Keyed by id because the runner looks metrics up by id: one version that is not validated makes
    the id's standing the weaker one."""
    from genjudge.judge import JudgeSettings

    settings = JudgeSettings.model_validate(judge or {})
    order = list(Standing)
    out: dict[str, RubricStanding] = {}
    decisions: dict[str, Decision] = {}
    for rubric_id, version, content_hash in sorted(set(rubrics)):
        binding = bind_judge_to(settings, rubric_id, version, content_hash)
        standing, decision = standing_for(binding, store_url, set_fingerprint, parents)
        prior = out.get(rubric_id)
        if prior is None or order.index(standing.status) > order.index(prior.status):
            out[rubric_id] = standing
        here = decision is not None and decision.population is not None
        if here and decision.population.covers(set_fingerprint, parents):  # type: ignore[union-attr]
            decisions.setdefault(rubric_id, decision)  # type: ignore[arg-type]
    return out, decisions
