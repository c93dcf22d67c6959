"""Verdicts: what the judge said about one item, parsed strictly, with its cost.

An answer becomes a score only when the *whole* answer is exactly one JSON value (optionally inside
one markdown code fence and nothing else) that validates against the rubric's JSON schema; anything
else is ``unscored`` with the reason (refusal, unparseable, truncated, out-of-scale value, schema,
position-inconsistent), and a call that failed after its retries is ``error``. Nothing is searched
for inside prose: a quoted ``{"verdict": "equivalent"}`` smuggled in through the judged text and
echoed in the judge's answer cannot be picked up as the verdict.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from genjudge.judge.rubric import Rubric
from genjudge.llm.types import ChatResponse, TokenLogprob
from genjudge.records import Status

__all__ = ["ParsedVerdict", "Verdict", "parse_verdict", "weighted_score"]

_REFUSAL = re.compile(
    r"^\s*(i'?m sorry|i am sorry|sorry,|i can(no|')t|i cannot|i won'?t|i'?m (not able|unable)|"
    r"as an ai|i must decline|unfortunately,? i)",
    re.IGNORECASE,
)
_FENCED = re.compile(r"\A```[a-zA-Z]*[ \t]*\n(.*)\n```\Z", re.S)


class Verdict(BaseModel):
    """The judge's verdict on one item (or one pair, for equivalence)."""

    model_config = ConfigDict(frozen=True)

    status: Status
    reason: str | None = None
    """Why the item is not ok (None when ok)."""
    value: float | None = None
    """The score (or the label's value); None unless ok."""
    label: str | None = None
    """For label rubrics: the verdict's label."""
    rationale: str | None = None
    """The judge's own short explanation."""
    raw: str | None = None
    """The judge's answer text, kept for audit."""
    latency_ms: float = 0.0
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    cached: bool = False
    attempts: int = 0
    label_ab: str | None = None
    """Equivalence: the label asked as (A, B)."""
    label_ba: str | None = None
    """Equivalence: the label asked as (B, A)."""
    position_inconsistent: bool = False
    """Equivalence: the two orders disagreed (counted as position bias, never hidden)."""
    normalised_identical: bool = False
    """Equivalence: the texts were identical after normalisation, so no call was made."""
    note: str | None = None
    """Why log-probability weighting, where asked, was not applied (the plain score stands)."""


@dataclass(frozen=True)
class ParsedVerdict:
    status: Status
    reason: str | None
    value: float | None
    label: str | None
    rationale: str | None
    note: str | None = None


def _unscored(reason: str, rationale: str | None = None) -> ParsedVerdict:
    return ParsedVerdict(Status.UNSCORED, reason, None, None, rationale)


class _NotOneValue(ValueError):
    """The answer is not exactly one JSON value."""


def _one_json_value(text: str) -> Any:
    """The answer as exactly one JSON value; a single enclosing code fence is allowed."""
    text = text.strip()
    fenced = _FENCED.match(text)
    if fenced is not None:
        text = fenced.group(1).strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            raise _NotOneValue("the answer holds more than one JSON value or text after it") from None
        if text.startswith(("{", "[")):
            raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        if "{" in text:
            raise _NotOneValue("the answer holds text besides the JSON value") from None
        raise ValueError("no JSON verdict") from None


def parse_verdict(
    rubric: Rubric, response: ChatResponse, *, logprob_weighting: bool = False
) -> ParsedVerdict:
    """Read a verdict out of ``response`` according to ``rubric``; never guesses."""
    if response.refusal:
        return _unscored(f"refusal: {response.refusal}")
    if response.finish_reason in ("content_filter", "refusal"):
        return _unscored(f"refusal: finish_reason={response.finish_reason}")
    try:
        obj = _one_json_value(response.text)
    except _NotOneValue as exc:
        return _unscored(f"unparseable: {exc} ({response.text.strip()[:80]!r})")
    except ValueError as exc:
        if response.finish_reason == "length":
            return _unscored("unparseable: the verdict was truncated (max_tokens reached)")
        if _REFUSAL.match(response.text):
            return _unscored(f"refusal: {response.text.strip()[:120]}")
        return _unscored(f"unparseable: {exc} in {response.text.strip()[:80]!r}")
    if not isinstance(obj, dict):
        return _unscored(f"unparseable: the verdict is a JSON {type(obj).__name__}, not an object")
    rationale = obj.get(rubric.reason_key)
    rationale = rationale if isinstance(rationale, str) else None
    if rubric.verdict_key not in obj:
        return _unscored(f"unparseable: the verdict has no {rubric.verdict_key!r}", rationale)
    problem = _schema_problem(rubric, obj)
    if problem is not None:
        return _unscored(problem, rationale)
    raw_value = obj[rubric.verdict_key]
    if rubric.kind == "score":
        assert rubric.scale is not None
        score = int(raw_value)
        value, note = float(score), None
        if logprob_weighting:
            weighted = weighted_score(response.logprobs, rubric, score=score) if response.logprobs else None
            if weighted is not None:
                value = weighted
            elif not response.logprobs:
                note = "log-prob weighting not applied: the answer carries no log-probabilities"
            else:
                key = rubric.verdict_key
                note = f"log-prob weighting not applied: no token spelling the score {score} after {key!r}"
        return ParsedVerdict(Status.OK, None, value, None, rationale, note)
    assert rubric.labels is not None
    label = raw_value
    return ParsedVerdict(Status.OK, None, rubric.labels[label], label, rationale)


def _schema_problem(rubric: Rubric, obj: dict[str, Any]) -> str | None:
    """Why ``obj`` does not match the rubric's schema (None when it does).

    An out-of-range score or an unknown label is reported as ``out-of-scale value`` and a wrong
    type as ``unparseable`` (the long-standing reasons); any other violation (a missing or extra
    key, a reason that is not a string) as ``schema``.
    """
    raw = obj[rubric.verdict_key]
    if rubric.kind == "score":
        assert rubric.scale is not None
        if isinstance(raw, bool) or not isinstance(raw, int):
            return f"unparseable: {rubric.verdict_key}={raw!r} is not an integer"
        if not rubric.scale.min <= raw <= rubric.scale.max:
            return f"out-of-scale value: {raw} (scale {rubric.scale.min}-{rubric.scale.max})"
    else:
        assert rubric.labels is not None
        if not isinstance(raw, str) or raw not in rubric.labels:
            return f"out-of-scale value: {raw!r} (labels {', '.join(rubric.labels)})"
    errors = sorted(rubric.validator.iter_errors(obj), key=lambda e: list(e.path))
    if errors:
        where = ".".join(str(p) for p in errors[0].path) or "(top)"
        return f"schema: {where}: {errors[0].message[:160]}"
    return None


def weighted_score(tokens: list[TokenLogprob], rubric: Rubric, *, score: int) -> float | None:
    """Probability-weighted mean of the scale at the token that carries the score.

    ``sum_k p(k) * k / sum_k p(k)`` over the scale points ``k`` among the top alternatives of the
    first token after ``"<verdict_key>":`` (G-Eval, Liu et al. 2023, "NLG Evaluation using GPT-4
    with Better Human Alignment", eq. 1); ``p(k)`` sums every spelling of ``k`` (``" 4"`` and
    ``"4"``). None when that token is not the whole ``score`` (a score of 10 spelled "1", "0" says
    nothing through the alternatives of "1") or no scale point is found.
    """
    assert rubric.scale is not None
    points = {str(k): k for k in range(rubric.scale.min, rubric.scale.max + 1)}
    lead = re.compile(r'"' + re.escape(rubric.verdict_key) + r'"\s*:\s*$')
    prefix = ""
    for tok in tokens:
        if lead.search(prefix) and tok.token.strip():
            if tok.token.strip() != str(score):
                return None
            mass: dict[int, float] = {}
            for t, lp in tok.top.items():
                if t.strip() in points:
                    mass[points[t.strip()]] = mass.get(points[t.strip()], 0.0) + math.exp(lp)
            if tok.token not in tok.top:
                mass[score] = mass.get(score, 0.0) + math.exp(tok.logprob)
            total = sum(mass.values())
            if total <= 0:
                return None
            return sum(k * p for k, p in mass.items()) / total
        prefix += tok.token
    return None
