"""The report's verdict: ready / not ready / cannot tell, and why, in two or three sentences.

Computed from the report's JSON form (after the run's outcome and judge validation are in), stored
as ``report.verdict``; the pages render it and compute nothing. The rules, in order:

1. the run failed (too many items the evaluation could not score) -> **cannot tell**;
2. any blocking finding -> **not ready**, quoting the first two: a critical one (a lost class, a
   quality metric weak on a slice, ...) or one of :data:`BLOCKING_CODES` (the student's quality
   materially below the teacher's);
3. judge-based numbers whose judge is unvalidated or validated only elsewhere -> **cannot tell**
   for those numbers (they are not evidence), the rest is summarised;
4. otherwise -> **ready**, quoting the headline numbers and the count of warnings to read.

Every reason quotes the numbers it rests on.
"""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel, ConfigDict

from genjudge.formatting import ci_label, format_interval, format_number

__all__ = ["BLOCKING_CODES", "ReleaseStatus", "ReleaseVerdict", "compute_verdict"]

BLOCKING_CODES = frozenset({"distillation_gap", "run_failed"})
"""Findings that block a release whatever their severity."""


class ReleaseStatus(enum.StrEnum):
    READY = "ready"
    NOT_READY = "not_ready"
    CANNOT_TELL = "cannot_tell"


class ReleaseVerdict(BaseModel):
    """What a release manager reads first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: ReleaseStatus
    reasons: list[str]
    """Two or three sentences, each quoting its numbers."""


def _number(entry: dict[str, Any], confidence: float) -> str:
    text = f"{format_number(entry.get('value'))} (n={entry.get('n')}"
    if entry.get("ci_low") is not None:
        text += f", {ci_label(confidence)} {format_interval(entry['ci_low'], entry['ci_high'])}"
    return text + ")"


def _headline_sentence(report: dict[str, Any], confidence: float, skip: set[str]) -> str | None:
    parts = [
        f"{key.split('.', 1)[1]} ({key.split('.', 1)[0]}) {_number(h, confidence)}"
        for key, h in report.get("headline", {}).items()
        if key.split(".", 1)[1] not in skip and h.get("value") is not None
    ][:3]
    return "Headline: " + "; ".join(parts) + "." if parts else None


def _unvalidated(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Overall judge-based metrics that are not evidence here, by name (the first row of each)."""
    out: dict[str, dict[str, Any]] = {}
    for m in report.get("metrics", []):
        if m.get("slice_column") is None and m.get("label") is None and m.get("validated") is False:
            out.setdefault(m["metric"], m)
    return out


def _standings(unvalidated: dict[str, dict[str, Any]]) -> str:
    return "/".join(sorted({m.get("validation") or "unvalidated" for m in unvalidated.values()}))


def compute_verdict(report: dict[str, Any]) -> ReleaseVerdict:
    """The verdict of a report dictionary (``Report.model_dump(mode="json")`` without ``verdict``)."""
    confidence = report.get("settings", {}).get("bootstrap", {}).get("confidence", 0.95)
    outcome = report.get("outcome") or {}
    if outcome.get("status") == "failed":
        share, limit = outcome.get("failure_share"), outcome.get("max_failure_share")
        reasons = [
            f"The evaluation could not do its job: {outcome.get('not_scored')} of {outcome.get('items')} "
            f"items ({format_number(100 * share if share is not None else None, 1)}%) could not be scored, "
            f"over the limit of {format_number(100 * limit if limit is not None else None, 1)}%.",
            "No number of this run is evidence until the failures (see the reasons under Items) are fixed "
            "and the run repeated.",
        ]
        return ReleaseVerdict(status=ReleaseStatus.CANNOT_TELL, reasons=reasons)
    findings = report.get("findings", [])
    critical = [f for f in findings if f.get("severity") == "critical" or f.get("code") in BLOCKING_CODES]
    unvalidated = _unvalidated(report)
    if critical:
        reasons = [f["message"] for f in critical[:2]]
        more = len(critical) - 2
        tail = f"{len(critical)} blocking findings in all" if more > 0 else None
        if unvalidated:
            names = ", ".join(sorted(unvalidated))
            reasons.append(
                f"Judge-based numbers ({names}) are not evidence yet (judge {_standings(unvalidated)})"
                + (f"; {tail}." if tail else ".")
            )
        elif tail:
            reasons.append(f"{tail}; see Findings.")
        return ReleaseVerdict(status=ReleaseStatus.NOT_READY, reasons=reasons)
    warnings = sum(1 for f in findings if f.get("severity") == "warning")
    if unvalidated:
        quoted = "; ".join(
            f"{name} {_number(m, confidence)}"
            for name, m in sorted(unvalidated.items())
            if m.get("value") is not None
        )
        reasons = [
            f"The judge-based numbers ({quoted}) come from a judge that is {_standings(unvalidated)} on this "
            "evaluation set, so they cannot carry the decision: validate the judge on a rated sample of this "
            "set (docs/validation.md)."
        ]
        if (line := _headline_sentence(report, confidence, set(unvalidated))) is not None:
            reasons.append(f"No blocking finding among the other numbers. {line}")
        return ReleaseVerdict(status=ReleaseStatus.CANNOT_TELL, reasons=reasons)
    reasons = [f"No blocking finding; {warnings} warning{'s' if warnings != 1 else ''} worth reading below."]
    if (line := _headline_sentence(report, confidence, set())) is not None:
        reasons.append(line)
    return ReleaseVerdict(status=ReleaseStatus.READY, reasons=reasons)
