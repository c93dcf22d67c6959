"""Verdicts: what the judge said about one item, parsed strictly, with its cost.

An answer becomes a score only when it parses as JSON, matches the rubric's scale and names its
verdict; anything else is ``unscored`` with the reason (refusal, unparseable, truncated,
out-of-scale value, position-inconsistent), and a call that failed after its retries is ``error``.
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
_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```\s*$")


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


def _extract_json(text: str) -> Any:
    text = _FENCE.sub("", text.strip())
    try:
        return json.loads(text)
    except ValueError:
        pass
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object in the answer")
    obj, _ = json.JSONDecoder().raw_decode(text[start:])
    return obj


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def parse_verdict(
    rubric: Rubric, response: ChatResponse, *, logprob_weighting: bool = False
) -> ParsedVerdict:
    """Read a verdict out of ``response`` according to ``rubric``; never guesses."""
    if response.refusal:
        return _unscored(f"refusal: {response.refusal}")
    if response.finish_reason in ("content_filter", "refusal"):
        return _unscored(f"refusal: finish_reason={response.finish_reason}")
    try:
        obj = _extract_json(response.text)
    except ValueError:
        if response.finish_reason == "length":
            return _unscored("unparseable: the verdict was truncated (max_tokens reached)")
        if _REFUSAL.match(response.text):
            return _unscored(f"refusal: {response.text.strip()[:120]}")
        return _unscored(f"unparseable: no JSON verdict in {response.text.strip()[:80]!r}")
    if not isinstance(obj, dict):
        return _unscored(f"unparseable: the verdict is a JSON {type(obj).__name__}, not an object")
    rationale = obj.get(rubric.reason_key)
    rationale = rationale if isinstance(rationale, str) else None
    if rubric.verdict_key not in obj:
        return _unscored(f"unparseable: the verdict has no {rubric.verdict_key!r}", rationale)
    raw_value = obj[rubric.verdict_key]
    if rubric.kind == "score":
        assert rubric.scale is not None
        score = _as_int(raw_value)
        if score is None:
            return _unscored(f"unparseable: {rubric.verdict_key}={raw_value!r} is not an integer", rationale)
        if not rubric.scale.min <= score <= rubric.scale.max:
            return _unscored(
                f"out-of-scale value: {score} (scale {rubric.scale.min}-{rubric.scale.max})", rationale
            )
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
    label = raw_value.strip().lower() if isinstance(raw_value, str) else None
    if label not in rubric.labels:
        return _unscored(f"out-of-scale value: {raw_value!r} (labels {', '.join(rubric.labels)})", rationale)
    return ParsedVerdict(Status.OK, None, rubric.labels[label], label, rationale)


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
