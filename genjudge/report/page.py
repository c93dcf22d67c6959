"""The run report as an HTML page: what a release manager reads, in order.

Verdict, headline numbers, findings in words, fidelity, quality, structure, operations (percent
saved), the slices as heat maps, the judge's validation status, the worst examples per slice side
by side, then the counts and every check's details behind <details>. The page is self-contained
(inline CSS and SVG, no scripts) and fits a 1,280 px window. It renders the report's JSON form and
picks the worst examples from the per-example table; it computes no statistic.
"""

from __future__ import annotations

import json
from typing import Any

from genjudge.formatting import format_interval
from genjudge.formatting import format_number as fmt
from genjudge.report.heatmap import heat_maps
from genjudge.report.view import (
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


def _details(report: dict[str, Any]) -> dict[str, list[tuple[str, str, bool]]]:
    """Other section content as (key, text, is_json) rows, by check: no raw dump on the page."""
    out = {}
    for check, section in other_sections(report).items():
        rows = []
        for key, value in section.items():
            if isinstance(value, (dict, list)):
                rows.append((key, json.dumps(value, indent=1, ensure_ascii=False)[:6000], True))
            else:
                rows.append((key, fmt(value) if isinstance(value, float) else str(value), False))
        out[check] = rows
    return out


def render_html(report: dict[str, Any], table: Any = None) -> str:
    """The report page; ``table`` (the per-example frame) adds the worst examples per slice."""
    import jinja2

    from genjudge.report.worst import worst_examples

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("genjudge.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    run = report["run"]
    findings = report["findings"]
    score_column, worst = worst_examples(table, report["set"]["slices"]) if table is not None else (None, [])
    sections = [t for t in section_tables(report) if not t.title.endswith("(judge_validation)")]
    families = {f: overall_table(report, f) for f in ("fidelity", "quality", "structure")}
    return env.get_template("report.html.j2").render(
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
        saved=_saved(report),
        heat=heat_maps(report),
        judge=_judge(report),
        score_column=score_column,
        worst=worst,
        counts=counts_table(report),
        missing=report["missing_outputs"],
        notes=report.get("notes", []),
        sections=sections,
        details=_details(report),
        slice_tables=slice_tables(report),
        outcome=report.get("outcome"),
        unscored_bounds=report.get("unscored_bounds", []),
    )
