"""Turn the report dictionary into tables of display strings, shared by Markdown and HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from genjudge.formatting import MISSING, format_interval
from genjudge.formatting import format_number as fmt

VERDICT_WORDS = {"ready": "ready", "not_ready": "not ready", "cannot_tell": "cannot tell"}
"""The verdict's status in words (see :mod:`genjudge.report.verdict`)."""


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str | None = None
    bars: list[tuple[float | None, float | None, float | None]] = field(default_factory=list)
    """Per row (value, ci_low, ci_high) for an interval plot, where the row is a rate in [0, 1]."""


def ci(m: dict[str, Any]) -> str:
    return format_interval(m.get("ci_low"), m.get("ci_high"))


def flags(m: dict[str, Any]) -> str:
    flags = []
    if m.get("too_small"):
        flags.append("too small")
    flags.extend(judge_flags(m))
    return ", ".join(flags)


def judge_flags(m: dict[str, Any]) -> list[str]:
    """A judge-based number's standing in words (``judge validated elsewhere``...), or nothing."""
    status = m.get("validation")
    if status:
        return [f"judge {status}"]
    if m.get("validated") is False:
        return ["judge unvalidated"]
    if m.get("validated") is True:
        return ["judge validated"]
    return []


def ci_header(report: dict[str, Any]) -> str:
    """The interval column's header at the run's confidence level (``95% CI`` by default)."""
    from genjudge.formatting import ci_label

    return ci_label(report.get("settings", {}).get("bootstrap", {}).get("confidence", 0.95))


def _label(m: dict[str, Any]) -> str:
    return f"{m['metric']}" + (f" [{m['label']}]" if m.get("label") else "")


def overall_table(report: dict[str, Any], family: str | None = None) -> Table:
    """Every overall number (of one ``family`` when given), with its interval and denominator."""
    rows, bars = [], []
    for m in report["metrics"]:
        if m["slice_column"] is None and m.get("label") is None and family in (None, m["family"]):
            rows.append(
                [
                    m["family"],
                    _label(m),
                    m["subject"],
                    fmt(m["value"]),
                    ci(m),
                    str(m["n"]),
                    str(m["n_unscored"]),
                    flags(m),
                ]
            )
            bars.append((m["value"], m.get("ci_low"), m.get("ci_high")))
    return Table(
        "All items",
        ["family", "metric", "subject", "value", ci_header(report), "n", "not scored", "flags"],
        rows,
        note="n is the denominator: items scored for that metric; 'not scored' items are counted apart, never averaged in.",
        bars=bars,
    )


def slice_tables(report: dict[str, Any]) -> list[Table]:
    tables = []
    for column in report["set"]["slices"]:
        rows, bars = [], []
        for m in report["metrics"]:
            if m["slice_column"] == column and m.get("label") is None:
                rows.append(
                    [
                        m["slice_value"],
                        _label(m),
                        m["subject"],
                        fmt(m["value"]),
                        ci(m),
                        str(m["n"]),
                        str(m["n_unscored"]),
                        flags(m),
                    ]
                )
                bars.append((m["value"], m.get("ci_low"), m.get("ci_high")))
        if rows:
            tables.append(
                Table(
                    f"By {column}",
                    [column, "metric", "subject", "value", ci_header(report), "n", "not scored", "flags"],
                    rows,
                    bars=bars,
                )
            )
    return tables


def per_class_table(report: dict[str, Any]) -> Table | None:
    rows = [
        [m["label"], m["subject"], m["metric"], fmt(m["value"]), ci(m), str(m.get("support"))]
        for m in report["metrics"]
        if m["slice_column"] is None and m.get("label") is not None
    ]
    if not rows:
        return None
    return Table(
        "Per class (all items)", ["class", "subject", "metric", "value", ci_header(report), "support"], rows
    )


def flip_table(report: dict[str, Any]) -> Table | None:
    flip = report.get("sections", {}).get("label_metrics", {}).get("flip_matrix")
    if not flip or not flip["labels"]:
        return None
    rows = [
        [f"teacher: {label}"] + [str(c) for c in counts]
        for label, counts in zip(flip["labels"], flip["counts"], strict=False)
    ]
    return Table(
        "Label flips (rows: teacher, columns: student)",
        [""] + [f"student: {x}" for x in flip["labels"]],
        rows,
        note=f"{flip['flips']} of {flip['n']} items flipped.",
    )


def counts_table(report: dict[str, Any]) -> Table:
    c = report["counts"]
    rows = [["all checks", str(c["items"]), str(c["ok"]), str(c["unscored"]), str(c["error"])]]
    for name, bc in c["by_check"].items():
        rows.append([name, str(c["items"]), str(bc["ok"]), str(bc["unscored"]), str(bc["error"])])
    reasons = "; ".join(f"{r}: {k}" for r, k in c["reasons"].items()) or "none"
    return Table("Items", ["check", "items", "ok", "unscored", "error"], rows, note=f"Reasons: {reasons}.")


def _latency(d: dict[str, Any]) -> str:
    def with_ci(name: str) -> str:
        pair = d.get(f"{name}_ci")
        if not pair:
            return f"{d[name]:.0f}"
        lo, hi = ("open" if v is None else f"{v:.0f}" for v in pair)
        return f"{d[name]:.0f} [{lo}–{hi}]"

    return f"{' / '.join(with_ci(k) for k in ('p50', 'p95', 'p99'))} (n={d['n']})"


def _bytes(n: float | None) -> str:
    if n is None:
        return MISSING
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n:.0f} B"


def operations_table(report: dict[str, Any]) -> Table | None:
    ops = report.get("operations")
    if not ops:
        return None
    rows = []
    for key, label in (
        ("latency_ms", "latency ms: p50 / p95 / p99 [interval]"),
        ("cost_per_1k_calls_usd", "cost per 1,000 calls, USD"),
        ("input_tokens", "input tokens per call"),
        ("output_tokens", "output tokens per call"),
    ):
        cells = []
        for side in ("teacher", "student"):
            d = ops[side].get(key)
            if d is None:
                cells.append(MISSING)
            elif key == "latency_ms":
                cells.append(_latency(d))
            else:
                cells.append(f"{d['mean']:.4g} (n={d['n']})")
        rows.append([label, *cells])
    extra: list[tuple[str, Any]] = [
        ("throughput, calls per s (concurrency)", _throughput),
        ("rate at the latency budget, calls per s", _at_budget),
        ("model size", lambda side: _sourced(side.get("model", {}), "size")),
        ("memory footprint", lambda side: _sourced(side.get("model", {}), "memory")),
    ]
    for label, show in extra:
        cells = [show(ops[side]) for side in ("teacher", "student")]
        if any(c != MISSING for c in cells):
            rows.append([label, *cells])
    saved = ", ".join(f"{k} {v:.1f}%" for k, v in ops.get("saved_pct", {}).items()) or MISSING
    gained = ", ".join(f"{k} {v:+.1f}%" for k, v in ops.get("gained_pct", {}).items())
    note = f"Saved by the student: {saved}." + (f" Gained: {gained}." if gained else "")
    return Table("Operations", ["", "teacher", "student"], rows, note=note)


def _throughput(side: dict[str, Any]) -> str:
    t = side.get("throughput")
    if not t or t.get("calls_per_s") is None:
        return MISSING
    conc = f" (concurrency {t['concurrency']})" if t.get("concurrency") else ""
    return f"{t['calls_per_s']:.3g}{conc}, {t.get('source')}"


def _at_budget(side: dict[str, Any]) -> str:
    lt = side.get("loadtest")
    if not lt:
        return MISSING
    best = lt.get("best")
    if not best:
        return f"none within P95 <= {lt.get('budget_ms')} ms"
    return f"{best['rate_per_s']:.3g} at concurrency {best['concurrency']} (P95 {best['p95_ms']:.0f} <= {lt.get('budget_ms')} ms)"


def _sourced(model: dict[str, Any], key: str) -> str:
    value = model.get(f"{key}_bytes")
    if value is None:
        return MISSING
    return f"{_bytes(value)} ({model.get(f'{key}_source') or 'stated'})"


def all_tables(report: dict[str, Any]) -> list[Table]:
    tables = [counts_table(report), overall_table(report)]
    tables += [t for t in (per_class_table(report), flip_table(report)) if t]
    tables += slice_tables(report)
    if (ops := operations_table(report)) is not None:
        tables.append(ops)
    return tables


_RENDERED_ELSEWHERE = {
    ("calibration", "reliability"),
    ("calibration", "temperature"),
    ("label_metrics", "flip_matrix"),
    ("exact_match", "n_without_reference"),
    # the machine-readable twins of the judge_validation and ppi tables
    ("judge_validation", "rubrics"),
    ("ppi", "estimates"),
}


def _is_table(value: Any) -> bool:
    return isinstance(value, dict) and {"title", "header", "rows"} <= value.keys()


def section_tables(report: dict[str, Any]) -> list[Table]:
    """Sections a check shaped as tables: ``{"title": ..., "header": [...], "rows": [[...]], "note": ...}``."""
    tables = []
    for check, section in report.get("sections", {}).items():
        for _key, value in section.items():
            if _is_table(value):
                rows = [[str(c) for c in row] for row in value["rows"]]
                tables.append(
                    Table(
                        f"{value['title']} ({check})",
                        [str(h) for h in value["header"]],
                        rows,
                        note=value.get("note"),
                    )
                )
    return tables


def other_sections(report: dict[str, Any]) -> dict[str, Any]:
    """Section content that is neither a table nor shown elsewhere, by check."""
    out = {}
    for check, section in report.get("sections", {}).items():
        rest = {
            k: v for k, v in section.items() if not _is_table(v) and (check, k) not in _RENDERED_ELSEWHERE
        }
        if rest:
            out[check] = rest
    return out
