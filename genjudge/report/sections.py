"""Report sections: content computed from a whole run, added to ``report.json`` under ``sections``.

A check's own tables go in its :class:`~genjudge.checks.CheckResult` ``sections``. Content that
reads the run as a whole (several checks' columns together, the metrics, the config) is a
:class:`ReportSection`: a name and a function from :class:`SectionInputs` to a JSON-able dict (or
None to add nothing). Its content lands in ``report["sections"][name]``; the Markdown and HTML
renderers show every value shaped as a table (``{"title", "header", "rows", "note"}``) as a table,
and anything else as JSON. So a section needs no renderer code.

Built-in: ``judge_vs_similarity``. A script adds one with :func:`register`; another package through
the ``genjudge.report_sections`` entry point group, pointing at a ``ReportSection`` (see
docs/extending.md). A section that raises does not lose the run: the report gets a note naming the
section and the error instead of its content.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from genjudge.config import RunConfig
    from genjudge.records import MetricValue

__all__ = ["ReportSection", "SectionInputs", "build_sections", "names", "register"]


@dataclass(frozen=True)
class SectionInputs:
    """What a section may read: the run's config, its per-example table and its metrics."""

    config: RunConfig
    table: pd.DataFrame
    """One row per item: the inputs, outputs, every check's columns, ``status`` and ``reason``."""
    metrics: list[MetricValue]


@dataclass(frozen=True)
class ReportSection:
    """A registered report section."""

    name: str
    build: Callable[[SectionInputs], dict[str, Any] | None]


_REGISTERED: dict[str, ReportSection] = {}


def register(section: ReportSection) -> ReportSection:
    """Add a section to every report this process builds."""
    if _REGISTERED.get(section.name, section) is not section:
        raise ValueError(f"two report sections are named {section.name!r}")
    _REGISTERED[section.name] = section
    return section


def _all() -> dict[str, ReportSection]:
    from genjudge.plugins import REPORT_SECTIONS, discover

    found = dict(_REGISTERED)
    for name, plugin in discover(REPORT_SECTIONS, set(_BUILTIN)).items():
        if name in found:
            continue
        loaded = plugin.load()
        if not isinstance(loaded, ReportSection):
            raise plugin.error(
                f"expected a genjudge.report.sections.ReportSection, got {type(loaded).__name__}"
            )
        if loaded.name != name:
            raise plugin.error(f"the entry point is named {name!r} but the section's name is {loaded.name!r}")
        found[name] = register(loaded)
    return found


def names() -> list[str]:
    """Sorted names of the sections every report gets (plugins' are imported here)."""
    return sorted(_all())


def build_sections(inputs: SectionInputs, taken: set[str]) -> tuple[dict[str, Any], list[str]]:
    """Every section's content by name, and the notes for sections that failed or were left out.

    ``taken`` holds the names already used in ``report["sections"]`` (the checks'): a section of the
    same name is left out with a note rather than overwrite a check's content.
    """
    content: dict[str, Any] = {}
    notes: list[str] = []
    for name, section in sorted(_all().items()):
        if name in taken:
            notes.append(f"Report section {name!r} was left out: a check of this run has the same name.")
            continue
        try:
            value = section.build(inputs)
            json.dumps(value, allow_nan=True)  # report.json must be able to hold it
        except Exception as exc:
            notes.append(f"Report section {name!r} failed and is missing: {type(exc).__name__}: {exc}")
            continue
        if value:
            content[name] = value
    return content, notes


def judge_vs_similarity(inputs: SectionInputs) -> dict[str, Any] | None:
    """Where the judge and embedding similarity disagree most (needs both checks' columns)."""
    from genjudge.embed.disagreement import JUDGE_COLUMN, SIMILARITY_COLUMN, judge_similarity_disagreements

    table = inputs.table
    if SIMILARITY_COLUMN not in table or JUDGE_COLUMN not in table:
        return None
    worst = judge_similarity_disagreements(table, k=10)
    if worst.empty:
        return None
    header = list(worst.columns)
    rows = [[_cell(v) for v in row] for row in worst.itertuples(index=False)]
    return {
        "disagreements": {
            "title": "Where the judge and embedding similarity disagree most",
            "header": header,
            "rows": rows,
            "note": (
                "similarity is ranked among scored items (0-1); disagreement = |judge - rank|. "
                "Similar but judged different is where a reused-words contradiction hides."
            ),
        }
    }


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    return value


_BUILTIN = {s.name: register(s) for s in (ReportSection("judge_vs_similarity", judge_vs_similarity),)}
