"""The monitor's outputs: a terminal table, ``monitor.json`` and ``monitor.html``.

The page is self-contained (inline CSS and SVG, no script, nothing fetched): per metric and slice
a small trend chart of the value with its interval band over the windows, alert windows marked;
per drift statistic its trend against the alert threshold; and the drift table of every window.
Charts sit in a grid of small multiples whose columns shrink with the page, so nothing overflows.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from genjudge.formatting import format_interval, format_number
from genjudge.monitor.config import MonitorConfig
from genjudge.monitor.core import MonitorResult, alert_lines, span_label
from genjudge.monitor.drift import drift_name

__all__ = ["HEADLINE", "line_chart", "terminal_table", "write_outputs"]

HEADLINE = ("agreement_rate", "accuracy_score", "embedding_similarity_score", "human_rating_score")
"""Whole-window metrics shown in the terminal table, where present."""

_W, _H, _PAD = 320, 150, 34


def _slice_name(column: str | None, value: str | None) -> str:
    return "all" if column is None else f"{column}={value}"


def terminal_table(result: MonitorResult) -> str:
    """One line per window: span, items, labelled, headline metrics with intervals, drift level."""
    whole = {
        (m["start"], m["metric"], m["subject"]): m
        for m in result.metrics
        if m["slice_column"] is None and m["label"] is None and m["metric"] in HEADLINE
    }
    heads = sorted({(k[1], k[2]) for k in whole}, key=lambda k: (HEADLINE.index(k[0]), k[1]))
    levels: dict[str, list[str]] = defaultdict(list)
    for d in result.drift:
        levels[d["start"]].append(d["level"])
    header = ["window", "items", "labelled", *(f"{m} ({s})" for m, s in heads), "drift"]
    rows = []
    for w in result.windows:
        cells = [
            span_label(w["start"], w["end"]) + (" (partial)" if w.get("partial") else ""),
            str(w["items"]),
        ]
        cells.append(str(w["labelled"]))
        for metric, subject in heads:
            m = whole.get((w["start"], metric, subject))
            cells.append(
                "-"
                if m is None or m["value"] is None
                else f"{format_number(m['value'])} {format_interval(m['ci_low'], m['ci_high'])} n={m['n']}"
            )
        found = levels.get(w["start"], [])
        if w.get("reference"):
            cells.append("reference")
        else:
            worst = next((lvl for lvl in ("alert", "warn", "ok", "too_small") if lvl in found), "-")
            n_alert = found.count("alert")
            cells.append(f"{worst} ({n_alert} alerts)" if n_alert else worst)
        rows.append(cells)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]
    )


def line_chart(
    labels: list[str],
    values: list[float | None],
    lows: list[float | None] | None = None,
    highs: list[float | None] | None = None,
    *,
    marks: list[bool] | None = None,
    threshold: float | None = None,
    title: str = "",
) -> str:
    """An inline SVG trend: the values as a line, the interval as a band, marked points in red."""
    finite = [v for v in [*values, *(lows or []), *(highs or []), threshold] if v is not None]
    if not finite:
        return f'<svg viewBox="0 0 {_W} {_H}" role="img"><title>{escape(title)}</title></svg>'
    lo, hi = min(finite), max(finite)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    n = len(labels)

    def x(i: int) -> float:
        return _PAD + (i * (_W - _PAD - 8) / max(1, n - 1) if n > 1 else (_W - _PAD) / 2)

    def y(v: float) -> float:
        return 8 + (hi - v) / (hi - lo) * (_H - 8 - 26)

    parts = [f'<svg viewBox="0 0 {_W} {_H}" role="img" class="chart"><title>{escape(title)}</title>']
    parts.append(f'<line x1="{_PAD}" y1="{_H - 26}" x2="{_W - 8}" y2="{_H - 26}" class="axis"/>')
    for v in (lo, hi):
        parts.append(
            f'<text x="{_PAD - 4}" y="{y(v) + 4:.1f}" class="tick" text-anchor="end">{format_number(v, 2)}</text>'
        )
    if lows is not None and highs is not None:
        band = [
            (i, lw, h)
            for i, (lw, h) in enumerate(zip(lows, highs, strict=False))
            if lw is not None and h is not None
        ]
        if band:
            top = " ".join(f"{x(i):.1f},{y(h):.1f}" for i, _, h in band)
            bottom = " ".join(f"{x(i):.1f},{y(lw):.1f}" for i, lw, _ in reversed(band))
            parts.append(f'<polygon points="{top} {bottom}" class="band"/>')
    if threshold is not None:
        parts.append(
            f'<line x1="{_PAD}" y1="{y(threshold):.1f}" x2="{_W - 8}" y2="{y(threshold):.1f}" class="threshold"/>'
        )
    pts = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(pts) > 1:
        parts.append(
            '<polyline points="' + " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in pts) + '" class="line"/>'
        )
    for i, v in pts:
        alert = bool(marks and marks[i])
        tip = f"{labels[i]}: {format_number(v)}" + (" (alert)" if alert else "")
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="{4.5 if alert else 2.5}" '
            f'class="{"alert" if alert else "point"}"><title>{escape(tip)}</title></circle>'
        )
    for i in sorted({0, n - 1}):
        anchor = "start" if i == 0 and n > 1 else "end" if n > 1 else "middle"
        parts.append(
            f'<text x="{x(i):.1f}" y="{_H - 10}" class="tick" text-anchor="{anchor}">{escape(labels[i])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _charts(result: MonitorResult) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    starts = [w["start"] for w in result.windows]
    labels = [span_label(w["start"], w["end"]) for w in result.windows]
    alerted = {d["start"] for d in result.drift if d["level"] == "alert"}
    marks = [s in alerted for s in starts]
    series: dict[tuple, dict[str, dict[str, Any]]] = defaultdict(dict)
    for m in result.metrics:
        if m["label"] is None:
            series[(m["metric"], m["subject"], m["slice_column"] or "", m["slice_value"] or "")][
                m["start"]
            ] = m
    metric_charts = []
    for (metric, subject, column, value), by_start in sorted(series.items()):
        rows = [by_start.get(s) for s in starts]
        title = f"{metric} ({subject}), {_slice_name(column or None, value or None)}"
        metric_charts.append(
            {
                "title": title,
                "svg": line_chart(
                    labels,
                    [r["value"] if r else None for r in rows],
                    [r["ci_low"] if r else None for r in rows],
                    [r["ci_high"] if r else None for r in rows],
                    marks=marks,
                    title=title,
                ),
            }
        )
    drift_series: dict[tuple, dict[str, dict[str, Any]]] = defaultdict(dict)
    for d in result.drift:
        drift_series[(d["kind"], d.get("column") or "", d["statistic"])][d["start"]] = d
    drift_charts = []
    for (kind, column, stat), by_start in sorted(drift_series.items()):
        rows = [by_start.get(s) for s in starts]
        key = "p_value" if stat == "mmd2" else "value"
        name = "p-value of the MMD test" if stat == "mmd2" else ("PSI" if stat == "psi" else "JS distance")
        title = f"{drift_name(kind)}{f' ({column})' if column else ''}: {name}"
        alert = next((r["alert"] for r in rows if r), None)
        drift_charts.append(
            {
                "title": title,
                "svg": line_chart(
                    labels,
                    [r[key] if r else None for r in rows],
                    marks=[bool(r and r["level"] == "alert") for r in rows],
                    threshold=alert,
                    title=title,
                ),
            }
        )
    return metric_charts, drift_charts


def _drift_rows(result: MonitorResult) -> list[list[str]]:
    out = []
    for d in sorted(
        result.drift, key=lambda d: (d["start"], d["kind"], d.get("column") or "", d["statistic"])
    ):
        value = format_number(d["value"], 4)
        if d["statistic"] == "mmd2":
            value += f" (p = {format_number(d['p_value'], 3)})"
        out.append(
            [
                span_label(d["start"], d["end"]),
                drift_name(d["kind"]),
                d.get("column") or "",
                d["statistic"],
                value,
                f"{d['n_reference']} / {d['n_current']}",
                d["level"],
            ]
        )
    return out


def write_outputs(result: MonitorResult, config: MonitorConfig, folder: Path) -> tuple[Path, Path]:
    """Write ``monitor.json`` (every window, metric and drift row) and ``monitor.html``."""
    from genjudge.report.html import render_template

    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "schema_version": 1,
        "name": result.name,
        "task": config.task.value,
        "window": config.window,
        "generated_at": datetime.now(UTC).isoformat(),
        "windows": result.windows,
        "metrics": sorted(
            result.metrics,
            key=lambda m: (
                m["start"],
                m["metric"],
                m["subject"],
                str(m["slice_column"]),
                str(m["slice_value"]),
                str(m["label"]),
            ),
        ),
        "drift": sorted(
            result.drift, key=lambda d: (d["start"], d["kind"], str(d.get("column")), d["statistic"])
        ),
        "alerts": alert_lines(result, history=True),
        "failed": result.failed,
    }
    js = folder / "monitor.json"
    js.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    metric_charts, drift_charts = _charts(result)
    html = render_template(
        "monitor.html.j2",
        package="genjudge.monitor",
        result=result,
        config=config,
        alerts=alert_lines(result, history=True),
        warnings=alert_lines(result, levels=("warn",), history=True),
        table=terminal_table(result),
        metric_charts=metric_charts,
        drift_charts=drift_charts,
        drift_rows=_drift_rows(result),
        generated_at=payload["generated_at"],
    )
    page = folder / "monitor.html"
    page.write_text(html, encoding="utf-8")
    return page, js
