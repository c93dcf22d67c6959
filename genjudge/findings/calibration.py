"""Findings on calibration and on how the outputs were produced.

- ``poor_calibration``: a model's expected calibration error has its whole interval above
  ``poor_calibration`` (default 0.05). With good accuracy the advice is to recalibrate: the sentence
  gives the temperature fitted by cross-validation and the ECE after it (measured on items the
  temperature was not fitted on).
- ``harness_mismatch``: ``genjudge generate``'s records show teacher and student were produced under
  different settings; every comparison between them (operations above all) is then suspect.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from genjudge.config import FindingThresholds
from genjudge.findings._common import Finding, overall, quote

SIDES = ("student", "teacher")


def poor_calibration(
    metrics: list[Any], t: FindingThresholds, calibration: dict[str, Any] | None
) -> Iterable[Finding]:
    """One finding for the models whose ECE is clearly above the threshold (student first)."""
    temperatures = (calibration or {}).get("temperature", {})
    cases: list[tuple[float, str, bool]] = []
    for side in SIDES:
        ece = overall(metrics, "expected_calibration_error", side)
        if ece is None or ece.value is None:
            continue
        if (ece.ci_low if ece.ci_low is not None else ece.value) <= t.poor_calibration:
            continue
        accuracy = overall(metrics, "accuracy_score", side)
        good = accuracy is not None and accuracy.value is not None and accuracy.value >= t.low_quality
        acc = f", accuracy {quote(accuracy)}" if accuracy is not None else ""
        text = f"the {side}'s expected calibration error is {quote(ece)}{acc}"
        fit = temperatures.get(side)
        if fit:
            direction = "over" if fit["temperature"] > 1 else "under"
            text += (
                f"; it is {direction}confident: dividing its log-probabilities by the fitted temperature "
                f"T = {fit['temperature']:.2f} (then softmax) brings the ECE from {fit['ece_before']:.3f} "
                f"to {fit['ece_after']:.3f} on held-out folds ({fit['folds']}-fold cross-validation, "
                f"n = {fit['n']})"
            )
        cases.append((float(ece.value), text, good))
    if not cases:
        return
    head = "Good accuracy, poor calibration: recalibrate" if all(c[2] for c in cases) else "Poor calibration"
    body = "; ".join(c[1] for c in cases)
    yield Finding(
        code="poor_calibration",
        severity="warning",
        message=f"{head}. {body[0].upper()}{body[1:]}. A stated confidence should match how often the model is right.",
        effect=round(max(c[0] for c in cases), 6),
        cases=[c[1] for c in cases],
    )


def harness_mismatch(differences: list[str]) -> Iterable[Finding]:
    if differences:
        yield Finding(
            code="harness_mismatch",
            severity="critical",
            message=(
                "Teacher and student were not generated under the same settings: "
                + "; ".join(differences)
                + ". Latency, cost and throughput are not comparable, and output differences may come "
                "from the harness rather than the model. Re-run `genjudge generate` with one config."
            ),
            cases=list(differences),
        )
