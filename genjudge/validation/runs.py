"""What ``genjudge run`` asks: is the configured judge validated for the rubrics the run uses?

A judge-based number is *validated* only when the store holds an accepted decision for exactly
this judge (provider, model) and this rubric id and version; a changed model or rubric version has
no decision and is unvalidated until validated again.
"""

from __future__ import annotations

from typing import Any

from genjudge.validation.store import lookup_decision


def rubrics_in_use(config: Any) -> list[tuple[str, str]]:
    """(rubric id, version) of every judge rubric the run's checks use."""
    from genjudge.judge import load_rubric

    names: list[str] = []
    for check, options in config.check_specs().items():
        options = options or {}
        if check == "judge_rubric":
            from genjudge.checks.judge_rubric import _DEFAULT

            names += list(options.get("rubrics") or _DEFAULT.get(config.task, []))
        elif check == "judge_equivalence":
            names.append(options.get("rubric", "equivalence"))
    out = []
    for name in names:
        rubric = load_rubric(name)
        out.append((rubric.id, str(rubric.version)))
    return sorted(set(out))


def validated_rubrics(config: Any) -> dict[str, bool]:
    """Per rubric id used by the run: whether the configured judge has an accepted decision for it."""
    from genjudge.judge import JudgeSettings
    from genjudge.store import resolve_url

    settings = JudgeSettings.model_validate(config.judge or {})
    url = resolve_url(config.store)
    out = {}
    for rubric_id, version in rubrics_in_use(config):
        decision = lookup_decision(url, settings.provider, settings.model_name, rubric_id, version)
        out[rubric_id] = decision is not None and decision.accepted
    return out


def judge_validated(config: Any) -> bool:
    """True when every judge rubric the run uses has an accepted decision for the configured judge."""
    status = validated_rubrics(config)
    return bool(status) and all(status.values())
