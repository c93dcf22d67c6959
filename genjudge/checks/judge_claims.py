"""Claim-level judging: split outputs into claims and verify each one (faithfulness, fidelity,
coverage), so that a failed item shows *which* claim failed.

The student's output is split into claims (:func:`genjudge.judge.claims.split_claims`, or the judge
itself with ``decompose: llm``) and each claim is checked against every context in ``against``: the
item's input (``source``: faithfulness), the teacher's output (``teacher``: fidelity) and the
reference (``reference``: quality). The teacher's claims are checked against the student's output
(``coverage``). Each check is one short question (yes / no / unknown, read from the log-probabilities
where the provider returns them; :mod:`genjudge.judge.claims`).

Per item: supported, contradicted and unverifiable counts per context, the share supported, the
coverage, and a derived equivalence: no student claim contradicted by the teacher, and at least
``min_share`` of the student's claims supported by the teacher's output and of the teacher's claims
by the student's (both directions). The claims that were not supported are listed per item
(``judge_claims.failed_claims``) and in the report's section.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationInfo, field_validator

from genjudge.checks import register
from genjudge.checks.base import (
    CheckOptions,
    CheckResult,
    MeanMetric,
    MetricSpec,
    RunContext,
    missing_outputs,
    rubric_relative_to_config,
)
from genjudge.records import Family, Status, TaskKind

__all__ = ["JudgeClaims"]

Context = Literal["source", "teacher", "reference"]
_COLUMN = {"source": "input", "teacher": "teacher", "reference": "reference"}
_DEFAULT_AGAINST: tuple[Context, ...] = ("source", "teacher")
_PARTS = ("supported", "contradicted", "unverifiable", "unsupported")
"""Claim labels counted per context (``unsupported``: a two-word rubric's "no")."""
_RANK = {Status.OK.value: 0, Status.UNSCORED.value: 1, Status.ERROR.value: 2}
DEFAULT_THRESHOLD = 0.5
"""The p(yes) threshold when neither the config nor an accepted validation sets one."""
_SHOWN = 50
"""Failed items listed in the report's section (all of them are in the per-item log)."""


class JudgeClaimsOptions(CheckOptions):
    against: list[Context] = Field(default_factory=lambda: list(_DEFAULT_AGAINST))
    """Contexts the student's claims are checked against."""
    coverage: bool = True
    """Also check the teacher's claims against the student's output."""
    decompose: Literal["sentences", "llm"] = "sentences"
    """How outputs are split into claims: the deterministic splitter or the judge."""
    threshold: float | None = Field(None, gt=0.0, lt=1.0)
    """p(yes) at or above which a claim is supported. Unset: the threshold calibrated by the accepted
    validation of this judge and rubric on this set (``genjudge validate`` on rated claims), else 0.5."""
    min_share: float = Field(0.8, gt=0.0, le=1.0)
    """Derived equivalence: the least share of claims supported in each direction."""
    rubric: str = "claim_support"
    sample: int = Field(0, ge=0)

    @field_validator("rubric", mode="before")
    @classmethod
    def _relative_to_config(cls, value: Any, info: ValidationInfo) -> Any:
        return rubric_relative_to_config(value, info)

    @field_validator("against")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if not value or len(set(value)) != len(value):
            raise ValueError(
                "against: name each of source, teacher, reference at most once, and at least one"
            )
        return value


@register
class JudgeClaims:
    """Claim-level faithfulness, fidelity and coverage of the student's output, judged claim by claim."""

    name: ClassVar[str] = "judge_claims"
    tasks: ClassVar[frozenset[TaskKind]] = frozenset({TaskKind.GENERATION, TaskKind.EXTRACTION})
    Options: ClassVar[type[CheckOptions]] = JudgeClaimsOptions

    def __init__(self, task: TaskKind, options: JudgeClaimsOptions | None = None) -> None:
        self.task = task
        self.options = options or JudgeClaimsOptions()

    def judge_calls_per_item(self) -> int:
        """A guess for the progress display: three claims per output and context."""
        return 3 * (len(self.options.against) + int(self.options.coverage))

    @property
    def _equivalence(self) -> bool:
        return "teacher" in self.options.against and self.options.coverage

    def metrics(self) -> list[MetricSpec]:
        from genjudge.judge.rubric import load_rubric

        rubric = load_rubric(self.options.rubric)

        def metric(name: str, family: Family, subject: str, column: str) -> MeanMetric:
            return MeanMetric(
                name,
                family,
                subject,
                f"{self.name}.{column}",
                judge_based=True,
                rubric_id=rubric.id,
                rubric_version=rubric.version,
                rubric_hash=rubric.content_hash,
            )

        names = {
            "source": "claim_faithfulness_score",
            "teacher": "claim_fidelity_score",
            "reference": "claim_reference_score",
        }
        fidelity = (Family.FIDELITY, "student_vs_teacher")
        specs: list[MetricSpec] = []
        for ctx in self.options.against:
            family, subject = fidelity if ctx == "teacher" else (Family.QUALITY, "student")
            specs.append(metric(names[ctx], family, subject, f"{ctx}.support"))
        if "source" in self.options.against:
            specs.append(
                metric("claim_contradiction_rate", Family.QUALITY, "student", "source.any_contradicted")
            )
        if self.options.coverage:
            specs.append(metric("claim_coverage_score", *fidelity, "coverage"))
        if self._equivalence:
            specs.append(metric("claim_equivalence_rate", *fidelity, "equivalent"))
        return specs

    async def score(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        from genjudge.io.canonical import as_text
        from genjudge.judge.claims import SPLITTER, split_claims
        from genjudge.judge.rubric import load_rubric
        from genjudge.judge.service import shared_judge

        o = self.options
        n = len(frame)
        rubric = load_rubric(o.rubric)
        judge = shared_judge(ctx)
        sides = ["student"] + (["teacher"] if o.coverage or "teacher" in o.against else [])
        sides += ["reference"] if "reference" in o.against else []
        missing, reasons = missing_outputs(frame, *sides)
        text = {s: [as_text(v) for v in frame[_COLUMN.get(s, s)]] for s in ("source", "teacher", "student")}
        text["reference"] = [as_text(v) for v in frame["reference"]] if "reference" in frame else [None] * n

        todo = [i for i in range(n) if not missing[i]]
        if o.decompose == "llm":
            from genjudge.judge.decompose import DECOMPOSER, decompose

            split = await decompose(judge, [text["student"][i] or "" for i in todo], sample=o.sample)
            t_texts = [(text["teacher"][i] or "") if o.coverage else "" for i in todo]
            t_split = await decompose(judge, t_texts, sample=o.sample)  # "" costs no call
            method = DECOMPOSER
        else:
            split = [_claims(frame["student"].iat[i], split_claims) for i in todo]
            t_split = [_claims(frame["teacher"].iat[i], split_claims) if o.coverage else [] for i in todo]
            method = SPLITTER
        # Grouped by context, in item order: the prompts of one context share their prefix.
        jobs: list[tuple[int, str, str, str]] = []  # (row, what, context, claim)
        for k, i in enumerate(todo):
            s_claims, t_claims = split[k], t_split[k]
            for c in o.against:
                jobs += [(i, c, text[c][i] or "", cl) for cl in (s_claims or [])]
            if o.coverage:
                jobs += [(i, "coverage", text["student"][i] or "", cl) for cl in (t_claims or [])]
        threshold, source, decision_id = _threshold(o.threshold, ctx, rubric)
        verdicts = await judge.verify_claims(
            [(c, cl) for _, _, c, cl in jobs], rubric=rubric, threshold=threshold, sample=o.sample
        )
        per_row: dict[int, dict[str, list[Any]]] = {}
        for (i, what, _, _), v in zip(jobs, verdicts, strict=True):
            per_row.setdefault(i, {}).setdefault(what, []).append(v)

        status = np.full(n, Status.UNSCORED.value, dtype=object)
        reason = reasons.copy()
        wanted = [*o.against, *(["coverage"] if o.coverage else [])]
        cols: dict[str, np.ndarray] = {}
        for c in o.against:
            for part in (*_PARTS, "support"):
                cols[f"{self.name}.{c}.{part}"] = np.full(n, np.nan)
        if "source" in o.against:
            cols[f"{self.name}.source.any_contradicted"] = np.full(n, np.nan)
        if o.coverage:
            cols[f"{self.name}.coverage"] = np.full(n, np.nan)
        if self._equivalence:
            cols[f"{self.name}.equivalent"] = np.full(n, np.nan)
        objs = {k: np.full(n, None, dtype=object) for k in ("claims", "teacher_claims", "failed_claims")}
        failed_items: list[dict[str, Any]] = []
        for k, i in enumerate(todo):
            objs["claims"][i] = split[k]
            objs["teacher_claims"][i] = t_split[k] if o.coverage else None
            if split[k] is None or (o.coverage and t_split[k] is None):
                reason[i] = "the claims could not be decomposed (the judge's answer was unusable)"
                continue
            if not split[k] or (o.coverage and not t_split[k]):
                who = "student's" if not split[k] else "teacher's"
                reason[i] = f"no claims found in the {who} output"
                continue
            got = per_row.get(i, {})
            bad = [v for w in wanted for v in got.get(w, []) if v.status is not Status.OK]
            if bad:
                worst = max(bad, key=lambda v: _RANK[v.status.value])
                status[i], reason[i] = worst.status.value, f"claim {worst.claim[:60]!r}: {worst.reason}"
                continue
            status[i], reason[i] = Status.OK.value, None
            failed = []
            share: dict[str, float] = {}
            for w in wanted:
                labels = [v.label for v in got.get(w, [])]
                share[w] = labels.count("supported") / len(labels)
                failed += [
                    {"against": w, "claim": v.claim, "label": v.label, "p_yes": v.p_yes}
                    for v in got.get(w, [])
                    if v.label != "supported"
                ]
                if w == "coverage":
                    cols[f"{self.name}.coverage"][i] = share[w]
                    continue
                for part in _PARTS:
                    cols[f"{self.name}.{w}.{part}"][i] = labels.count(part)
                cols[f"{self.name}.{w}.support"][i] = share[w]
                if w == "source":
                    cols[f"{self.name}.source.any_contradicted"][i] = float("contradicted" in labels)
            if self._equivalence:
                contradicted = any(v.label == "contradicted" for v in got.get("teacher", []))
                ok = not contradicted and min(share["teacher"], share["coverage"]) >= o.min_share
                cols[f"{self.name}.equivalent"][i] = float(ok)
            objs["failed_claims"][i] = failed
            if failed:
                failed_items.append({"id": str(frame["id"].iat[i]), "failed_claims": failed})
        for name, arr in objs.items():
            cols[f"{self.name}.{name}"] = arr

        summary = _summary(verdicts)
        section: dict[str, Any] = {
            "judge": {**judge.model_info(), **rubric.key, "rubric_hash": rubric.content_hash},
            "decomposition": method,
            "threshold": threshold,
            "threshold_source": source,
            "threshold_decision": decision_id,
            "min_share": o.min_share,
            "claims_checked": summary,
            "items_with_failed_claims": len(failed_items),
            "failed_claims": failed_items[:_SHOWN],
            "judge_meter": judge.meter.model_dump(),
            # where the answers are cached: `validate` on a claim sheet drawn from this run reads them
            "judge_cache": None if judge.settings.cache_path is None else str(judge.settings.cache_path),
        }
        notes = []
        calibrated = _calibrated(ctx, rubric)
        if o.threshold is not None and calibrated and calibrated["threshold"] != o.threshold:
            notes.append(
                f"{self.name}: the threshold set in the config ({o.threshold}) is not the one validation "
                f"{calibrated['decision_id']} calibrated ({calibrated['threshold']:.4g}); that validation measured "
                "the judge's verdicts at its own threshold."
            )
        if decision_id is None and o.threshold is None:
            notes.append(
                f"{self.name}: the p(yes) threshold is the default {DEFAULT_THRESHOLD}, uncalibrated: calibrate it "
                "with `genjudge validate` on rated claims of this set (docs/judge.md, claim-level judging)."
            )
        if len(failed_items) > _SHOWN:
            notes.append(
                f"{len(failed_items)} items have claims that were not supported; the first {_SHOWN} are "
                f"listed in the report, every one in the per-item log ({self.name}.failed_claims)."
            )
        return CheckResult(columns=cols, status=status, reason=reason, sections=section, notes=notes)


def _calibrated(ctx: RunContext, rubric: Any) -> dict[str, Any] | None:
    """The threshold an accepted validation calibrated for this judge and rubric on this set (the
    runner's ``services["claim_thresholds"]``), if its rubric content is this one."""
    found = (ctx.services.get("claim_thresholds") or {}).get(rubric.id)
    return found if found and found.get("rubric_hash") == rubric.content_hash else None


def _threshold(option: float | None, ctx: RunContext, rubric: Any) -> tuple[float, str, str | None]:
    """(threshold, where it came from, the validation decision that calibrated it)."""
    if option is not None:
        return option, "set in the config", None
    found = _calibrated(ctx, rubric)
    if found:
        return (
            float(found["threshold"]),
            f"calibrated by validation {found['decision_id']}",
            found["decision_id"],
        )
    return DEFAULT_THRESHOLD, f"default {DEFAULT_THRESHOLD}, uncalibrated", None


def _claims(value: Any, split: Callable[[str], list[str]]) -> list[str]:
    """An extraction's fields are its claims (``field: value``, one per leaf); a text is split."""
    from genjudge.io.canonical import as_text, canonical_json

    if isinstance(value, dict):
        out: list[str] = []
        for key, v in value.items():
            if isinstance(v, dict):
                out += [f"{key}.{c}" for c in _claims(v, split)]
            elif v is not None and v != "" and v != []:
                out.append(f"{key}: {v if isinstance(v, str) else canonical_json(v)}")
        return out
    return split(as_text(value) or "")


def _summary(verdicts: list[Any]) -> dict[str, Any]:
    from collections import Counter

    return {
        "claims": len(verdicts),
        "by_status": dict(Counter(v.status.value for v in verdicts)),
        "by_label": dict(Counter(v.label for v in verdicts if v.label)),
        "cached": sum(v.cached for v in verdicts),
        "input_tokens": sum(v.input_tokens or 0 for v in verdicts),
        "prompt_tokens_reused": sum(v.cached_tokens or 0 for v in verdicts),
        "output_tokens": sum(v.output_tokens or 0 for v in verdicts),
    }
