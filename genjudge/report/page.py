"""The run report as an HTML page: what a release manager reads, in order.

Verdict, headline numbers, findings in words, fidelity, quality, calibration (with the reliability
diagram), structure, operations (percent saved, per slice), the slices as heat maps, the judge's validation status, the worst examples per slice side
by side, then the counts and every check's details behind <details>. The page is self-contained
(inline CSS and SVG, no scripts) and fits a 1,280 px window. It renders the report's JSON form and
picks the worst examples from the per-example table; it computes no statistic.
"""

from __future__ import annotations

from typing import Any

from genjudge.formatting import format_interval
from genjudge.formatting import format_number as fmt
from genjudge.report.calibration_view import (
    calibration_table,
    operations_slice_table,
    reliability_plot,
    temperature_table,
)
from genjudge.report.heatmap import heat_maps
from genjudge.report.view import (
    Table,
    counts_table,
    flip_table,
    operations_table,
    other_sections,
    overall_table,
    per_class_table,
    section_tables,
    slice_tables,
)

__all__ = ["TOP_FINDINGS", "render_html"]

TOP_FINDINGS = 5
"""Findings shown in words at the top; the rest go in a compact table."""
SAVED_LABELS = {
    "latency_p50": "latency p50",
    "latency_p95": "latency p95",
    "latency_p99": "latency p99",
    "cost_per_1k_calls": "cost per call",
    "model_size": "model size",
    "memory": "memory",
    "input_tokens": "input tokens",
    "output_tokens": "output tokens",
}


def _headline(report: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for key, h in report.get("headline", {}).items():
        subject, _, metric = key.partition(".")
        out.append(
            {
                "metric": metric,
                "subject": subject,
                "value": fmt(h.get("value")),
                "ci": format_interval(h.get("ci_low"), h.get("ci_high")),
                "n": str(h.get("n")),
            }
        )
    return out


def _saved(report: dict[str, Any]) -> list[tuple[str, float]]:
    ops = report.get("operations") or {}
    return [(SAVED_LABELS.get(k, k), float(v)) for k, v in ops.get("saved_pct", {}).items() if v is not None]


def _judge(report: dict[str, Any]) -> list[dict[str, Any]]:
    rubrics = report.get("sections", {}).get("judge_validation", {}).get("rubrics", {})
    return [{"name": name, **r} for name, r in rubrics.items()]


MAX_DETAIL_ROWS = 200


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return fmt(value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_cell(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value) or "none"
    return "—" if value is None else str(value)


def _flatten(value: Any, prefix: str, out: list[list[str]], tables: list[Table]) -> None:
    """Scalars (and lists of scalars) as ``dotted.key: value`` rows; lists of records as tables."""
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _flatten(inner, f"{prefix}.{key}" if prefix else str(key), out, tables)
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        header = list(dict.fromkeys(k for v in value for k in v))
        rows = [[_cell(v.get(k)) for k in header] for v in value[:MAX_DETAIL_ROWS]]
        note = (
            f"First {MAX_DETAIL_ROWS} of {len(value)} rows; all in report.json."
            if len(value) > MAX_DETAIL_ROWS
            else None
        )
        tables.append(Table(prefix, header, rows, note=note))
    elif isinstance(value, list):
        out.append([prefix, ", ".join(_cell(v) for v in value) or "none"])
    else:
        out.append([prefix, _cell(value) if value != {} else "none"])


def _details(report: dict[str, Any]) -> dict[str, list[Table]]:
    """Other section content, by check, as tables (no raw JSON dump on the page)."""
    result = {}
    for check, section in other_sections(report).items():
        rows: list[list[str]] = []
        tables: list[Table] = []
        _flatten(section, "", rows, tables)
        result[check] = ([Table("", ["", "value"], rows)] if rows else []) + tables
    return result


def render_html(
    report: dict[str, Any], table: Any = None, *, worst: tuple[str | None, list[Any]] | None = None
) -> str:
    """The report page; ``table`` (the per-example frame) adds the worst examples per slice, or
    ``worst`` gives them made already (:class:`genjudge.report.worst.StreamedWorst`)."""
    from genjudge.report.html import render_template
    from genjudge.report.worst import worst_examples

    run = report["run"]
    findings = report["findings"]
    if worst is None:
        worst = worst_examples(table, report["set"]["slices"]) if table is not None else (None, [])
    score_column, worst_groups = worst
    sections = [t for t in section_tables(report) if not t.title.endswith("(judge_validation)")]
    families = {f: overall_table(report, f) for f in ("fidelity", "quality", "structure")}
    return render_template(
        "report.html.j2",
        title=run["config"].get("name") or run["run_id"],
        run=run,
        set=report["set"],
        settings=report["settings"],
        verdict=report.get("verdict"),
        headline=_headline(report),
        top_findings=findings[:TOP_FINDINGS],
        more_findings=findings[TOP_FINDINGS:],
        families={f: t for f, t in families.items() if t.rows},
        per_class=per_class_table(report),
        flip=flip_table(report),
        ops=operations_table(report),
        ops_slices=operations_slice_table(report),
        calibration=calibration_table(report),
        temperature=temperature_table(report),
        reliability=reliability_plot(report),
        saved=_saved(report),
        heat=heat_maps(report),
        judge=_judge(report),
        score_column=score_column,
        worst=worst_groups,
        counts=counts_table(report),
        missing=report["missing_outputs"],
        notes=report.get("notes", []),
        sections=sections,
        details=_details(report),
        slice_tables=slice_tables(report),
        outcome=report.get("outcome"),
        unscored_bounds=report.get("unscored_bounds", []),
    )
