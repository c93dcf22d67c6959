"""The terminal summary of a report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from genjudge.report.view import VERDICT_WORDS, ci_header, flags, fmt

SHOWN_FINDINGS = 6
"""The terminal shows the top findings (they are ranked); the report has them all."""


def print_summary(report: dict[str, Any], report_dir: Path | None) -> None:
    console = Console()
    if not console.is_terminal:  # piped or captured: do not squeeze the table into 80 columns
        console = Console(width=160)
    run, counts = report["run"], report["counts"]
    console.print(
        f"[bold]run {run['run_id']}[/] task {run['task']}, {counts['items']} items: "
        f"{counts['ok']} scored, {counts['unscored']} unscored, {counts['error']} errored"
    )
    if run.get("same_inputs_as"):
        console.print(f"same inputs as run {run['same_inputs_as']}")
    table = Table("metric", "subject", "value", ci_header(report), "n", "flags")
    for m in report["metrics"]:
        if m["slice_column"] is None and m.get("label") is None:
            ci = "—" if m["ci_low"] is None else f"{m['ci_low']:.3f}–{m['ci_high']:.3f}"
            table.add_row(m["metric"], m["subject"], fmt(m["value"]), ci, str(m["n"]), flags(m))
    console.print(table)
    standings = report.get("sections", {}).get("judge_validation", {}).get("rubrics", {})
    for rubric, st in sorted(standings.items()):
        console.print(
            f"judge ({escape(rubric)}): [bold]{st['status']}[/]: {escape(st['reason'])}", highlight=False
        )
    for r in report.get("sections", {}).get("ppi", {}).get("estimates", []):
        if r.get("slice_column") is None and not r.get("unavailable"):
            est = {e["method"]: e for e in r["estimates"]}
            cells = "; ".join(
                f"{name} {fmt(est[k]['value'])} ({fmt(est[k]['ci_low'])}–{fmt(est[k]['ci_high'])})"
                for k, name in (("judge", "judge alone"), ("ppi", "PPI"), ("human", "humans alone"))
            )
            console.print(f"{r['metric']} corrected by {r['n_labeled']} human ratings: {cells}")
    for b in report.get("unscored_bounds", []):
        if b["left_out"]:
            console.print(
                f"{b['metric']} ({b['subject']}): {b['value']:.3f} over {b['n']} scored items; "
                f"{b['low']:.3f}–{b['high']:.3f} counting the {b['left_out']} left out as 0 / as 1"
            )
    shown = report["findings"][:SHOWN_FINDINGS]
    for f in shown:
        console.print(
            f"[{'red' if f['severity'] == 'critical' else 'yellow' if f['severity'] == 'warning' else 'blue'}]"
            f"{f['severity']}[/]: {f['message']}"
        )
    if len(report["findings"]) > len(shown):
        console.print(f"... and {len(report['findings']) - len(shown)} more findings in the report (ranked)")
    if (verdict := report.get("verdict")) is not None:
        colour = {"ready": "green", "not_ready": "red"}.get(verdict["status"], "yellow")
        console.print(f"[bold {colour}]verdict: {VERDICT_WORDS.get(verdict['status'], verdict['status'])}[/]")
        said = {f["message"] for f in shown}
        for reason in verdict["reasons"]:  # a reason that is a finding printed above is not repeated
            if reason not in said:
                console.print(f"  {escape(reason)}", highlight=False)
    for side, ids in report["missing_outputs"].items():
        if ids:
            console.print(
                f"missing {side} outputs: {len(ids)} ({', '.join(ids[:10])}{', ...' if len(ids) > 10 else ''})"
            )
    if report_dir is not None:
        console.print(
            f"report: {report_dir}/report.html (also report.md, report.json, examples.parquet, examples.csv)"
        )
