"""Render the report dictionary as Markdown."""

from __future__ import annotations

import json
from typing import Any

from genjudge.report.calibration_view import calibration_table, operations_slice_table, temperature_table
from genjudge.report.view import VERDICT_WORDS, Table, all_tables, other_sections, section_tables


def _table(t: Table) -> str:
    lines = [f"## {t.title}", "", "| " + " | ".join(t.header) + " |", "|" + "---|" * len(t.header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in t.rows]
    if t.note:
        lines += ["", t.note]
    return "\n".join(lines)


def render_markdown(report: dict[str, Any]) -> str:
    run, s = report["run"], report["set"]
    out = [
        f"# genjudge report: {run['config'].get('name') or run['run_id']}",
        "",
        f"- run `{run['run_id']}` at {run['created_at']}, genjudge {run['genjudge_version']}, git {run['git_revision'] or '—'}",
        f"- task **{run['task']}**, set `{s['path']}` ({s['rows']} items, fingerprint `{s['fingerprint'][:16]}`)",
        f"- bootstrap: {report['settings']['bootstrap']['resamples']} resamples, seed {run['seed']}, "
        f"minimum support {report['settings']['min_support']}",
    ]
    if run.get("same_inputs_as"):
        out.append(f"- same inputs as run `{run['same_inputs_as']}`")
    if (verdict := report.get("verdict")) is not None:
        out += ["", f"## Verdict: {VERDICT_WORDS.get(verdict['status'], verdict['status'])}", ""]
        out += [f"- {reason}" for reason in verdict["reasons"]]
    out += ["", "## Findings", ""]
    out += [f"- **{f['severity']}** ({f['code']}): {f['message']}" for f in report["findings"]] or ["- none"]
    missing = report["missing_outputs"]
    for side, ids in missing.items():
        if ids:
            shown = ", ".join(ids[:20]) + (
                f", ... ({len(ids)} in all; see report.json)" if len(ids) > 20 else ""
            )
            out += ["", f"**Missing {side} outputs ({len(ids)}):** {shown}"]
    extra = (operations_slice_table(report), calibration_table(report), temperature_table(report))
    for t in [*all_tables(report), *(t for t in extra if t is not None)]:
        out += ["", _table(t)]
    for note in report.get("notes", []):
        out += ["", f"> {note}"]
    for t in section_tables(report):
        out += ["", _table(t)]
    for name, section in other_sections(report).items():
        out += [
            "",
            f"## {name}",
            "",
            "```json",
            json.dumps(section, indent=1, ensure_ascii=False)[:4000],
            "```",
        ]
    return "\n".join(out) + "\n"
