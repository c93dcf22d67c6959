"""The run's shared judge: built once from the run config's ``judge:`` mapping, shared by checks."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from genjudge.errors import ConfigError
from genjudge.io.canonical import as_text
from genjudge.judge.judge import Judge
from genjudge.judge.settings import JudgeSettings
from genjudge.judge.verdict import Verdict
from genjudge.records import Status

__all__ = ["as_text", "reason_kind", "shared_judge", "verdict_summary"]

SERVICE_KEY = "judge"
_ORDER = re.compile(r"^order [AB],[AB]: ")


def shared_judge(ctx: Any) -> Judge:
    """The Judge in ``ctx.services['judge']``, built from ``ctx.services['judge_settings']`` once.

    Without settings the judge is the embedded local model. The cache defaults to
    ``<workdir>/judge_cache.sqlite`` so that a re-run costs nothing and an interrupted run resumes.
    The runner closes it (``aclose``) at the end of the run.
    """
    judge = ctx.services.get(SERVICE_KEY)
    if judge is None:
        raw = dict(ctx.services.get("judge_settings") or {})
        raw.setdefault("cache_path", str(Path(ctx.workdir) / "judge_cache.sqlite"))
        try:
            settings = JudgeSettings.model_validate(raw)
        except ValueError as exc:
            raise ConfigError(f"judge: invalid settings: {exc}") from None
        judge = ctx.services.setdefault(SERVICE_KEY, Judge(settings))
    return judge


def reason_kind(verdict: Verdict) -> str:
    """The kind of a not-ok verdict's reason: ``error``, ``refusal``, ``unparseable``,
    ``out-of-scale value``, ``position-inconsistent``, ``missing <field>``...

    An equivalence reason names the order it came from (``order B,A: refusal: ...``); the order is
    not the kind.
    """
    if verdict.status is Status.ERROR:
        return Status.ERROR.value
    return _ORDER.sub("", verdict.reason or "").split(":")[0]


def verdict_summary(verdicts: list[Verdict]) -> dict[str, Any]:
    """Counts and judge cost over one check's verdicts, for ``CheckResult.sections``.

    The cost is None (unknown) when any verdict that reached the provider, answered or failed,
    has no cost: the model's price is unknown.
    """
    reasons = Counter(reason_kind(v) for v in verdicts if v.status is not Status.OK)
    attempted = [v for v in verdicts if v.attempts]
    return {
        "verdicts": len(verdicts),
        "by_status": dict(Counter(v.status.value for v in verdicts)),
        "not_ok_reasons": dict(reasons),
        "cached": sum(v.cached for v in verdicts),
        "attempts": sum(v.attempts for v in verdicts),
        "input_tokens": sum(v.input_tokens or 0 for v in verdicts),
        "output_tokens": sum(v.output_tokens or 0 for v in verdicts),
        "cost_usd": None
        if any(v.cost_usd is None for v in attempted)
        else round(sum(v.cost_usd or 0.0 for v in attempted), 8),
    }
