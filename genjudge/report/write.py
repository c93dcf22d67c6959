"""Write a report folder: report.json, report.md, report.html, examples.parquet, examples.csv."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from genjudge.report.markdown import render_markdown
from genjudge.report.view import all_tables, other_sections, section_tables


def render_html(report: dict[str, Any]) -> str:
    """A self-contained HTML page (inline CSS and SVG; no scripts, no external requests)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("genjudge.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    run = report["run"]
    return env.get_template("report.html.j2").render(
        title=run["config"].get("name") or run["run_id"],
        run=run,
        set=report["set"],
        settings=report["settings"],
        findings=report["findings"],
        missing=report["missing_outputs"],
        tables=all_tables(report) + section_tables(report),
        notes=report.get("notes", []),
        other=other_sections(report),
    )


def examples_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The per-example table with nested values (dicts, lists) as JSON text, for Parquet and CSV."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(
                lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
            )
            # Mixed str / number objects would not fit one Parquet type; text keeps every value.
            out[column] = out[column].map(lambda v: None if v is None else str(v))
    return out


def write_all(report: dict[str, Any], table: pd.DataFrame, folder: Path) -> None:
    """Write every report file into ``folder`` (created if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(
        json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (folder / "report.md").write_text(render_markdown(report), encoding="utf-8")
    (folder / "report.html").write_text(render_html(report), encoding="utf-8")
    flat = examples_frame(table)
    flat.to_parquet(folder / "examples.parquet", index=False)
    flat.to_csv(folder / "examples.csv", index=False)
