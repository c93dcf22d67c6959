"""A comparison as Markdown (for a pull request or a terminal) and as a self-contained HTML page."""

from __future__ import annotations

from typing import Any

from genjudge.comparison import FLIPS_SHOWN, Comparison
from genjudge.comparison.flips import Flip
from genjudge.comparison.table import Row
from genjudge.formatting import format_number

SLICE_ROWS_SHOWN = 40


def _num(v: float | None) -> str:
    return "—" if v is None else format_number(v)


def _signed(v: float | None) -> str:
    return "—" if v is None else f"{v:+.3f}"


def _p(v: float | None) -> str:
    return "—" if v is None else ("<0.001" if v < 0.001 else f"{v:.3f}")


def _where(r: Row) -> str:
    return "all items" if r.slice_column is None else f"{r.slice_column}={r.slice_value}"


def verdict_word(r: Row) -> str:
    """``better`` / ``worse`` when the adjusted test says so, ``no clear change`` otherwise."""
    if not r.significant or r.diff is None or r.diff == 0:
        return "no clear change"
    return "better" if (r.diff > 0) == r.higher_is_better else "worse"


def _flags(r: Row) -> str:
    marks = [
        m for m, on in (("critical", r.critical), ("too small", r.too_small), ("judge", r.judge_based)) if on
    ]
    return ", ".join(marks)


def _row_md(r: Row) -> str:
    ci = f"{_signed(r.ci_low)} to {_signed(r.ci_high)}" if r.ci_low is not None else "—"
    flips = f"{r.lost}↓ {r.gained}↑" if r.lost is not None else ""
    return (
        f"| {r.metric} | {r.subject} | {_where(r)} | {r.n} | {_num(r.a)} | {_num(r.b)} | {_signed(r.diff)} | "
        f"{ci} | {_p(r.p_adjusted)} | {verdict_word(r)} | {flips} | {_flags(r)} |"
    )


HEADER = (
    "| metric | subject | where | pairs | A | B | B − A | interval | p (adjusted) | reading | flips | flags |\n"
    "|---|---|---|---:|---:|---:|---:|---|---:|---|---|---|"
)


def _flip_md(f: Flip) -> list[str]:
    where = ", ".join(f"{k}={v}" for k, v in f.slices.items())
    lines = [
        f"#### {f.item_id}: {f.direction} ({f.a_verdict} → {f.b_verdict}){f' · {where}' if where else ''}",
        "",
    ]
    lines += [f"- **input**: {_clip(f.input)}", f"- **A's student**: {_clip(f.a_output)}"]
    lines += [f"- **B's student**: {_clip(f.b_output)}", f"- **teacher**: {_clip(f.teacher)}"]
    if f.b_teacher is not None:
        lines.append(f"- **B's teacher**: {_clip(f.b_teacher)}")
    if f.reference is not None:
        lines.append(f"- **reference**: {_clip(f.reference)}")
    return [*lines, ""]


def _clip(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_markdown(c: Comparison) -> str:
    """The comparison for a reader: whole-set changes, the slices that moved, the changed items."""
    a, b = c.a, c.b
    out = [
        f"# Comparison: {a.label} → {b.label}",
        "",
        f"Set `{b.report['set']['path']}` ({b.report['set']['rows']} items, fingerprint "
        f"`{b.record.set_fingerprint[:16]}`), task {b.record.task.value}. A = {a.run_id} "
        f"({a.record.created_at:%Y-%m-%d %H:%M}), B = {b.run_id} ({b.record.created_at:%Y-%m-%d %H:%M}).",
        "",
        c.method(),
        "",
        "## All items",
        "",
        HEADER,
        *[_row_md(r) for r in c.rows if r.slice_column is None],
        "",
    ]
    moved = sorted(
        (r for r in c.rows if r.slice_column is not None and (r.significant or r.critical)),
        key=lambda r: (not r.significant, not r.critical, -abs(r.diff or 0.0)),
    )
    out += ["## Slices that moved, and the critical slices", ""]
    if moved:
        out += [HEADER, *[_row_md(r) for r in moved[:SLICE_ROWS_SHOWN]]]
        if len(moved) > SLICE_ROWS_SHOWN:
            out.append(f"\n{len(moved) - SLICE_ROWS_SHOWN} more rows in the JSON output.")
    else:
        out.append("No slice changed beyond noise after the adjustment, and no slice is declared critical.")
    out.append("")
    for key, items in c.flips.items():
        lost = [f for f in items if f.direction == "lost"]
        gained = [f for f in items if f.direction == "gained"]
        out += [f"## Items that changed: {key} ({len(lost)} worse, {len(gained)} better)", ""]
        for title, group in (("Worse under B", lost), ("Better under B", gained)):
            if group:
                out += [f"### {title}", ""]
                for f in group[:FLIPS_SHOWN]:
                    out += _flip_md(f)
                if len(group) > FLIPS_SHOWN:
                    out += [f"… and {len(group) - FLIPS_SHOWN} more (all in the JSON output).", ""]
    return "\n".join(out).rstrip() + "\n"


def html_context(c: Comparison) -> dict[str, Any]:
    """What the HTML template reads (it computes nothing)."""
    whole = [r for r in c.rows if r.slice_column is None]
    slices = [r for r in c.rows if r.slice_column is not None]
    return {
        "title": f"{c.a.label} → {c.b.label}",
        "c": c,
        "json": c.as_json(),
        "whole": whole,
        "slices": slices,
        "reading": verdict_word,
        "shown": FLIPS_SHOWN,
        "where": _where,
        "num": _num,
        "signed": _signed,
        "p": _p,
        "flags": _flags,
    }


def to_html(c: Comparison) -> str:
    """A self-contained page (inline CSS, no script, nothing fetched), on the report's base layout."""
    from genjudge.report.diff import word_diff
    from genjudge.report.html import render_template

    return render_template("compare.html.j2", **html_context(c), diff=word_diff)
