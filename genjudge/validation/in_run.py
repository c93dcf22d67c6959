"""The judge's standing inside a run: mark each judge-based number, say why in the report, and
correct the judge's numbers with the humans' ratings where a validated sheet of this set exists.

The runner calls :func:`judge_standing` (load stage), :func:`mark_metrics` (aggregate stage) and
:func:`report_sections` (store stage). Numbers are *validated* only under a decision bound to this
judge, this rubric's content and this evaluation set (see :mod:`~genjudge.validation.run_status`).
"""

from __future__ import annotations

from typing import Any

from genjudge.formatting import format_interval, format_number
from genjudge.validation.records import Decision
from genjudge.validation.run_status import RubricStanding, Standing, run_standing

FAILS_ON_SLICE = "fails on this slice"
"""A metric row's ``validation`` on a slice where a validated judge misses the policy's bar."""


def judge_standing(
    specs: list[Any], judge: dict[str, Any] | None, store_url: str, set_fingerprint: str, parents: list[str]
) -> tuple[dict[str, RubricStanding], dict[str, Decision]]:
    """Per rubric id the run uses: the judge's standing and the decision made on this set (if any)."""
    from genjudge.checks.base import judge_rubric_keys

    rubrics = judge_rubric_keys(specs)
    if not rubrics:
        return {}, {}
    return run_standing(judge, rubrics, store_url, set_fingerprint, parents)


def claim_thresholds(decisions: dict[str, Decision]) -> dict[str, dict[str, Any]]:
    """Per rubric id: the p(yes) threshold calibrated by the accepted decision on this set (claim
    rubrics), with the decision's id and the rubric hash it is bound to. The runner hands it to the
    ``judge_claims`` check (``services["claim_thresholds"]``), which uses it unless its config sets one."""
    out = {}
    for rubric_id, d in sorted(decisions.items()):
        if d.accepted and d.claim_threshold is not None and d.binding is not None:
            out[rubric_id] = {
                "threshold": d.claim_threshold.threshold,
                "decision_id": d.decision_id,
                "rubric_hash": d.binding.rubric_hash,
            }
    return out


def refusal(standings: dict[str, RubricStanding]) -> str | None:
    """Why ``require_validated_judge`` refuses the run (None when every rubric is validated here)."""
    missing = {k: s for k, s in sorted(standings.items()) if s.status is not Standing.VALIDATED}
    if not missing:
        return None
    parts = [f"{rid}: {s.status} for {s.judge} ({s.reason})" for rid, s in missing.items()]
    return (
        "require_validated_judge: the judge is not validated on this evaluation set for "
        + "; ".join(parts)
        + ". Validate it on a sample of this set (`genjudge labels sample`, `labels rate`, `validate`; "
        "docs/validation.md) or drop require_validated_judge"
    )


def mark_metrics(metrics: list[Any], specs: list[Any], standings: dict[str, RubricStanding]) -> list[Any]:
    """Mark every judge-based metric by its rubric's standing; a failing slice is unvalidated there."""
    from genjudge.checks.base import MeanMetric

    rubric_of = {s.name: s.rubric_id for s in specs if isinstance(s, MeanMetric) and s.judge_based}
    out = []
    for m in metrics:
        if m.metric not in rubric_of:
            out.append(m)
            continue
        standing = standings.get(rubric_of[m.metric] or "")
        status = standing.status.value if standing else Standing.UNVALIDATED.value
        failing = standing is not None and any(
            f.column == m.slice_column and f.value == m.slice_value for f in standing.failing_slices
        )
        if failing:
            status = FAILS_ON_SLICE
        out.append(
            m.model_copy(update={"validated": status == Standing.VALIDATED.value, "validation": status})
        )
    return out


def report_sections(
    standings: dict[str, RubricStanding],
    decisions: dict[str, Decision],
    table: Any,
    specs: list[Any],
    slices: list[str],
    confidence: float,
) -> dict[str, Any]:
    """``sections`` of the report: ``judge_validation`` (always, when a judge is used) and ``ppi``."""
    if not standings:
        return {}
    rows = [
        [rid, str(s.status), s.judge, s.population or "-", s.reason] for rid, s in sorted(standings.items())
    ]
    flags = [
        [rid, f"{f.column}={f.value}", f.reason]
        for rid, s in sorted(standings.items())
        for f in s.failing_slices
    ]
    section: dict[str, Any] = {
        "standing": {
            "title": "Judge validation",
            "header": ["rubric", "standing", "judge", "rated population", "why"],
            "rows": rows,
            "note": (
                "validated: accepted on a rated sample of this evaluation set with exactly this judge and "
                "rubric; validated elsewhere: accepted on another population (treated as unvalidated by "
                "require_validated_judge); unvalidated: neither."
            ),
        },
        "rubrics": {rid: s.model_dump(mode="json") for rid, s in standings.items()},
    }
    if flags:
        section["failing_slices"] = {
            "title": "Slices where the judge fails",
            "header": ["rubric", "slice", "why"],
            "rows": flags,
            "note": "Judge numbers on these slices are marked unvalidated although the judge is accepted overall.",
        }
    out = {"judge_validation": section}
    ppi = ppi_section(decisions, table, specs, slices, confidence)
    if ppi is not None:
        out["ppi"] = ppi
    return out


def ppi_section(
    decisions: dict[str, Decision], table: Any, specs: list[Any], slices: list[str], confidence: float
) -> dict[str, Any] | None:
    """The judge's numbers corrected by the humans' ratings (prediction-powered inference)."""
    from genjudge.validation.correct import correct_metric

    results = []
    for decision in decisions.values():
        labels = decision.human_labels
        if labels is None:
            continue
        results.extend(correct_metric(labels, table, slices, confidence))
    if not results:
        return None
    rows = []
    for r in results:
        where = "all" if r["slice_column"] is None else f"{r['slice_column']}={r['slice_value']}"
        if r.get("unavailable"):
            rows.append([r["metric"], where, r["unavailable"], "", "", "", ""])
            continue
        est = {e["method"]: e for e in r["estimates"]}
        rows.append(
            [
                r["metric"],
                where,
                _cell(est.get("judge")),
                _cell(est.get("ppi")),
                _cell(est.get("human")),
                f"{r['n_labeled']} of {r['n_total']}",
                format_number(r.get("width_saved")),
            ]
        )
    return {
        "corrected": {
            "title": "Judge numbers corrected by human ratings (prediction-powered inference)",
            "header": ["metric", "slice", "judge alone", "PPI", "humans alone", "rated", "width saved"],
            "rows": rows,
            "note": (
                "Estimates of what the humans would say on every item of the set: the judge's raw mean (biased "
                "if the judge is), the PPI++ estimate (judge on every item, corrected by the rated sample) and "
                "the humans' design-weighted mean alone; intervals at the run's confidence. See docs/validation.md."
            ),
        },
        "estimates": results,
    }


def _cell(e: dict[str, Any] | None) -> str:
    if not e:
        return ""
    return f"{format_number(e['value'])} {format_interval(e['ci_low'], e['ci_high'])}"
