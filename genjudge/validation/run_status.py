"""What ``genjudge run`` asks: is the configured judge validated for the rubrics the run uses?

A judge-based number is *validated* only when the store holds an accepted decision for exactly
this judge (provider, model) and this rubric id and version; a changed model or rubric version has
no decision and is unvalidated until validated again.
"""

from __future__ import annotations

from typing import Any

from genjudge.validation.store import lookup_decision


def rubrics_in_use(config: Any) -> list[tuple[str, str]]:
    """(rubric id, version) of every judge rubric the run's checks use, as the checks declare them."""
    from genjudge.checks.base import judge_rubrics
    from genjudge.checks.build import build_checks

    return judge_rubrics([spec for check in build_checks(config) for spec in check.metrics()])


def decisions_for(judge: dict[str, Any] | None, rubrics: Any, store_url: str) -> dict[str, bool]:
    """Per rubric id: whether ``judge`` (JudgeSettings mapping) has an accepted decision for every
    version of that id in ``rubrics`` ((id, version) pairs)."""
    from genjudge.judge import JudgeSettings
    from genjudge.store.runs import sqlite_path

    settings = JudgeSettings.model_validate(judge or {})
    path = sqlite_path(store_url)
    if path is not None and not path.is_file():  # no store yet, so no decision: create nothing
        return {rubric_id: False for rubric_id, _ in rubrics}
    out: dict[str, bool] = {}
    for rubric_id, version in sorted(set(rubrics)):
        decision = lookup_decision(store_url, settings.provider, settings.model_name, rubric_id, version)
        # Keyed by id because the runner looks metrics up by id: one unvalidated version unvalidates it.
        out[rubric_id] = out.get(rubric_id, True) and decision is not None and decision.accepted
    return out


def validated_rubrics(config: Any, store_url: str | None = None) -> dict[str, bool]:
    """Per rubric id used by the run: whether the configured judge has an accepted decision for it."""
    from genjudge.store import resolve_url

    return decisions_for(config.judge, rubrics_in_use(config), store_url or resolve_url(config.store))


def judge_validated(config: Any, store_url: str | None = None) -> bool:
    """True when every judge rubric the run uses has an accepted decision for the configured judge."""
    status = validated_rubrics(config, store_url)
    return bool(status) and all(status.values())
