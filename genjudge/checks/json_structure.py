"""JSON structure: strict parse, lenient parse and JSON Schema conformance, per model.

Per item and model side (``student``, ``teacher``):

- ``strict_parse``: 1 when the output is exactly one JSON value (what ``json.loads`` accepts);
- ``lenient_parse``: 1 when a JSON value can be extracted (code fence, surrounding text);
- ``schema_valid``: 1 when the leniently parsed value conforms to the schema (0 when nothing
  parses), so content structure is measured apart from the wrapping;
- ``strict_schema_valid``: strict parse and schema valid: what a downstream parser can use as is;
- ``failures``: the list of ``"<instance path> <keyword>"`` for the item.

Rates are means of the 0/1 columns (adherence rate = mean of ``schema_valid``). The most common
failures (path with array indices generalised to ``*``, × keyword) go to
``sections['schema_failures']``. An invalid schema raises ConfigError when the check is built.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationInfo, field_validator

from genjudge.checks import register
from genjudge.checks.base import (
    CheckOptions,
    CheckResult,
    MeanMetric,
    MetricSpec,
    RunContext,
    summarize_whole,
)
from genjudge.formatting import format_number
from genjudge.io.canonical import is_absent
from genjudge.records import Family, Status, TaskKind

__all__ = ["JsonStructure"]

Side = Literal["student", "teacher"]


class JsonStructureOptions(CheckOptions):
    schema_: dict[str, Any] | bool | str | None = Field(None, alias="schema")
    """The JSON Schema, inline or as a path to a JSON file; None = parse checks only."""
    sides: tuple[Side, ...] = ("student", "teacher")
    default_draft: Literal["2020-12", "7", "4"] = "2020-12"
    """Draft for a schema without ``$schema``."""
    top_failures: int = Field(20, ge=1)

    @field_validator("schema_", mode="before")
    @classmethod
    def _relative_to_config(cls, value: Any, info: ValidationInfo) -> Any:
        # A schema file named relative to the run config is read from the config's folder.
        base = (info.context or {}).get("base_dir")
        if isinstance(value, str) and base is not None and not Path(value).is_absolute():
            return str(Path(base) / value)
        return value


@register
class JsonStructure:
    """Does the output parse (strictly, leniently), and does it conform to the schema?"""

    name: ClassVar[str] = "json_structure"
    tasks: ClassVar[frozenset[TaskKind]] = frozenset({TaskKind.EXTRACTION, TaskKind.GENERATION})
    Options: ClassVar[type[CheckOptions]] = JsonStructureOptions

    def __init__(
        self, task: TaskKind = TaskKind.EXTRACTION, options: JsonStructureOptions | None = None
    ) -> None:
        from genjudge.structure import SchemaValidator

        self.task = task
        self.options = options or JsonStructureOptions()
        o = self.options
        # Built here so an invalid schema is a ConfigError before any item is scored.
        self.validator = (
            None if o.schema_ is None else SchemaValidator(o.schema_, default_draft=o.default_draft)
        )

    def __reduce__(self) -> tuple[type[JsonStructure], tuple[TaskKind, JsonStructureOptions]]:
        """Pickled as its options (sent to a worker process); the validator is rebuilt there."""
        return (JsonStructure, (self.task, self.options))

    def metrics(self) -> list[MetricSpec]:
        specs: list[MetricSpec] = []
        for side in self.options.sides:
            stem = f"{self.name}.{side}"
            specs += [
                MeanMetric("strict_parse_rate", Family.STRUCTURE, side, f"{stem}.strict_parse"),
                MeanMetric("lenient_parse_rate", Family.STRUCTURE, side, f"{stem}.lenient_parse"),
            ]
            if self.validator is not None:
                specs += [
                    MeanMetric("schema_adherence_rate", Family.STRUCTURE, side, f"{stem}.schema_valid"),
                    MeanMetric(
                        "strict_schema_adherence_rate", Family.STRUCTURE, side, f"{stem}.strict_schema_valid"
                    ),
                ]
        return specs

    async def score(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        return self.summarize(frame, self.score_rows(frame, ctx), ctx)

    def prepare(self, frame: pd.DataFrame) -> JsonStructure:
        """Nothing to learn from the whole set: every item is checked on its own."""
        return self

    def score_rows(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        """Parse and schema columns of these rows; how the JSON was found and the failure keys as work."""
        from genjudge.structure import generalise_path, parse_lenient, parse_strict

        n = len(frame)
        columns: dict[str, np.ndarray] = {}
        work: dict[str, np.ndarray] = {}
        present = np.zeros(n, dtype=bool)
        for side in self.options.sides:
            outputs = frame[side].tolist() if side in frame else [None] * n
            cols = {
                k: np.full(n, np.nan)
                for k in ("strict_parse", "lenient_parse", "schema_valid", "strict_schema_valid")
            }
            fails = np.full(n, None, dtype=object)
            found_by = np.full(n, None, dtype=object)
            keys = np.full(n, None, dtype=object)
            for i, output in enumerate(outputs):
                if is_absent(output):
                    continue
                present[i] = True
                strict, lenient = parse_strict(output), parse_lenient(output)
                cols["strict_parse"][i] = float(strict.ok)
                cols["lenient_parse"][i] = float(lenient.ok)
                found_by[i] = lenient.how or "not found"
                if self.validator is None:
                    continue
                if lenient.ok:
                    failures = self.validator.failures(lenient.value)
                    fails[i] = [f"{f.path or '/'} {f.keyword}" for f in failures]
                    keys[i] = sorted({(generalise_path(f.path) or "/", f.keyword) for f in failures})
                    cols["schema_valid"][i] = float(not failures)
                else:
                    fails[i] = ["/ parse"]
                    cols["schema_valid"][i] = 0.0
                cols["strict_schema_valid"][i] = float(strict.ok and cols["schema_valid"][i] == 1.0)
            keep = ["strict_parse", "lenient_parse"] + (
                ["schema_valid", "strict_schema_valid"] if self.validator else []
            )
            for col_name in keep:
                columns[f"{self.name}.{side}.{col_name}"] = cols[col_name]
            if self.validator is not None:
                columns[f"{self.name}.{side}.failures"] = fails
            work[f"{side}.found_by"], work[f"{side}.failure_keys"] = found_by, keys
        status = np.where(present, Status.OK.value, Status.UNSCORED.value).astype(object)
        reason = np.full(n, None, dtype=object)
        reason[~present] = "no output on any side"
        return CheckResult(columns=columns, status=status, reason=reason, work=work)

    def summarize(self, frame: pd.DataFrame, rows: CheckResult, ctx: RunContext) -> CheckResult:
        """The most common failures and how the JSON was found, over every row."""
        return summarize_whole(self, frame, rows, ctx)

    def chunked_summary(self) -> _Failures:
        """The failures and how the JSON was found, a part at a time (a streamed run)."""
        return _Failures(self)


class _Failures:
    """Schema failures by (side, path, keyword), how the JSON was found, items scored: a part at a time."""

    def __init__(self, check: JsonStructure) -> None:
        self.check = check
        sides = check.options.sides
        self.failure_counts: Counter[tuple[Side, str, str]] = Counter()
        self.found_by: dict[str, Counter[str]] = {side: Counter() for side in sides}
        self.scored = dict.fromkeys(sides, 0)

    def add(self, frame: pd.DataFrame, rows: CheckResult) -> None:
        for side in self.check.options.sides:
            self.found_by[side].update(h for h in rows.work[f"{side}.found_by"] if h is not None)
            for keys in rows.work[f"{side}.failure_keys"]:
                for path, keyword in keys or ():
                    self.failure_counts[(side, path, keyword)] += 1
            self.scored[side] += int(
                np.isfinite(rows.columns[f"{self.check.name}.{side}.lenient_parse"]).sum()
            )

    def result(self, ctx: RunContext) -> tuple[dict[str, Any], list[str]]:
        check, scored = self.check, self.scored
        table: list[dict[str, Any]] = [
            {
                "side": side,
                "path": path,
                "keyword": keyword,
                "items": count,
                "share_of_items": count / scored[side] if scored[side] else None,
            }
            for (side, path, keyword), count in sorted(
                self.failure_counts.items(), key=lambda kv: (-kv[1], kv[0])
            )
        ][: check.options.top_failures]
        sections: dict[str, Any] = {"json_found_by": {s: dict(c) for s, c in self.found_by.items()}}
        notes = [
            "Strict parse = the output is exactly one JSON value (what a downstream json.loads sees); lenient "
            "parse = a JSON value could be extracted from a code fence or surrounding text."
        ]
        if check.validator is not None:
            sections["schema_failures"] = {
                "title": "Most common schema failures (instance path x keyword)",
                "header": ["side", "path", "keyword", "items", "share of items"],
                "rows": [
                    [
                        r["side"],
                        r["path"],
                        r["keyword"],
                        r["items"],
                        format_number(r["share_of_items"]),
                    ]
                    for r in table
                ],
                "note": "Array indices in paths are shown as *; an item counts once per (path, keyword).",
            }
            sections["schema_draft"] = check.validator.draft
            notes.append(
                f"Schema checked with {check.validator.draft} and format assertion on; schema adherence is "
                "measured on the leniently parsed value (0 where nothing parses)."
            )
            notes += check.validator.notes()
        return sections, notes
