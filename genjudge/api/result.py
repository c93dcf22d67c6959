"""What :func:`genjudge.evaluate` returns: a :class:`Run`, readable in a notebook and a terminal."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from genjudge.findings import Finding
    from genjudge.records import MetricValue, RunRecord
    from genjudge.report.model import Report

__all__ = ["REPORT_FILES", "Run"]

REPORT_FILES = ("report.json", "report.md", "report.html", "examples.parquet", "examples.csv")
"""The files a report folder holds."""

_METRIC_COLUMNS = [
    "metric",
    "family",
    "subject",
    "slice_column",
    "slice_value",
    "label",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "n_unscored",
    "support",
    "too_small",
    "validated",
    "validation",
    "ci_method",
]


@dataclass(frozen=True)
class Run:
    """One finished run: its record, its typed report, the per-example table and where the files are."""

    record: RunRecord
    """What the run was and how to reproduce it (as stored)."""
    report: Report
    """The whole report (``report.json`` is its JSON)."""
    examples: pd.DataFrame
    """The per-example table: inputs, outputs, every check's values, status and reason per item."""
    report_dir: Path | None
    """The report folder, or None when the run wrote no report."""
    store_url: str | None = None
    """The store the run was saved in (found as :mod:`genjudge.store.locate` says)."""

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def confidence(self) -> float:
        """The confidence level of every interval."""
        return self.report.confidence

    @property
    def metrics(self) -> pd.DataFrame:
        """Every number as a tidy table: one row per metric, subject, slice value and class."""
        import pandas as pd

        rows = [m.model_dump(mode="json") for m in self.report.metrics]
        return pd.DataFrame(rows, columns=_METRIC_COLUMNS)

    @property
    def findings(self) -> list[Finding]:
        return list(self.report.findings)

    @property
    def report_paths(self) -> dict[str, Path]:
        """File name -> path of each report file (empty when no report was written)."""
        if self.report_dir is None:
            return {}
        return {name: self.report_dir / name for name in REPORT_FILES}

    def metric(self, name: str, subject: str | None = None) -> MetricValue:
        """The overall value of metric ``name`` (of ``subject`` when several subjects have it)."""
        found = [
            m
            for m in self.report.metrics
            if m.metric == name
            and m.slice_column is None
            and m.label is None
            and (subject is None or m.subject == subject)
        ]
        if len(found) != 1:
            subjects = sorted({m.subject for m in found})
            hint = f"; name a subject: {', '.join(subjects)}" if found else ""
            raise KeyError(f"{len(found)} overall values of {name!r}{hint}")
        return found[0]

    def _overall(self) -> list[MetricValue]:
        return [m for m in self.report.metrics if m.slice_column is None and m.label is None]

    def _counts(self) -> str:
        c = self.report.counts
        return f"{c.items} items: {c.ok} scored, {c.unscored} unscored, {c.error} errored"

    def __repr__(self) -> str:
        from genjudge.formatting import ci_label

        lines = [f"Run {self.run_id} ({self.record.task.value}, {self._counts()})"]
        for m in self._overall():
            ci = "" if m.ci_low is None else f" [{ci_label(self.confidence)} {m.ci_low:.3f}-{m.ci_high:.3f}]"
            value = "—" if m.value is None else f"{m.value:.3f}"
            lines.append(f"  {m.subject}.{m.metric} = {value}{ci} n={m.n}{_flags(m)}")
        lines += [f"  {f.severity}: {f.message}" for f in self.report.findings]
        if self.report_dir is not None:
            lines.append(f"  report: {self.report_dir / 'report.html'}")
        return "\n".join(lines)

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.table import Table

        from genjudge.formatting import ci_label

        table = Table("metric", "subject", "value", ci_label(self.confidence), "n", "flags", box=None)
        for m in self._overall():
            ci = "—" if m.ci_low is None else f"{m.ci_low:.3f}–{m.ci_high:.3f}"
            value = "—" if m.value is None else f"{m.value:.3f}"
            table.add_row(m.metric, m.subject, value, ci, str(m.n), _flags(m).strip(" ,"))
        parts: list[Any] = [f"[bold]Run {self.run_id}[/] {self.record.task.value}, {self._counts()}", table]
        parts += [f"{f.severity}: {f.message}" for f in self.report.findings]
        if self.report_dir is not None:
            parts.append(f"report: {self.report_dir / 'report.html'}")
        return Group(*parts)

    def _repr_html_(self) -> str:
        from genjudge.formatting import ci_label

        esc = html.escape
        rows = []
        for m in self._overall():
            ci = "—" if m.ci_low is None else f"{m.ci_low:.3f}–{m.ci_high:.3f}"
            value = "—" if m.value is None else f"{m.value:.3f}"
            rows.append(
                f"<tr><td>{esc(m.metric)}</td><td>{esc(m.subject)}</td><td>{value}</td><td>{ci}</td>"
                f"<td>{m.n}</td><td>{esc(_flags(m).strip(' ,'))}</td></tr>"
            )
        head = "".join(
            f"<th>{esc(h)}</th>"
            for h in ("metric", "subject", "value", ci_label(self.confidence), "n", "flags")
        )
        findings = "".join(
            f"<li><b>{esc(f.severity)}</b>: {esc(f.message)}</li>" for f in self.report.findings
        )
        where = (
            f"<p>report: <code>{esc(str(self.report_dir / 'report.html'))}</code></p>"
            if self.report_dir
            else ""
        )
        return (
            f"<div><p><b>Run {esc(self.run_id)}</b> {esc(self.record.task.value)}, {esc(self._counts())}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"{f'<ul>{findings}</ul>' if findings else ''}{where}</div>"
        )


def _flags(m: MetricValue) -> str:
    flags = []
    if m.too_small:
        flags.append("too small")
    from genjudge.report.view import judge_flags

    flags.extend(judge_flags(m.model_dump()))
    return f", {', '.join(flags)}" if flags else ""
