"""Extraction fields: per-field exact and fuzzy match, missing and extra fields, P / R / F1.

Three comparisons, each with its own columns ``extraction_fields.<comparison>.*``:

- ``student_vs_reference`` (quality of the student), ``teacher_vs_reference`` (quality of the
  teacher, the ceiling), ``student_vs_teacher`` (fidelity: the teacher's fields taken as gold).

Per item: ``precision``, ``recall``, ``f1`` (exact, over the item's fields), ``fuzzy_f1``,
``missing_rate`` (gold fields the prediction lacks / gold fields; metric ``missing_field_error``),
``extra_rate`` (predicted fields the gold lacks / predicted fields; ``extra_field_error``); per field ``<field>.exact`` (1 match, 0 missing /
extra / mismatch, NaN when both lack it), ``<field>.fuzzy``, ``<field>.precision`` (over items
that predict the field) and ``<field>.recall`` (over items whose gold has it). The means of the
last two are exactly the per-field micro precision and recall. The pooled (micro) P / R / F1 per
field and slice with bootstrap intervals go to ``sections['field_prf']``. Matching rules are in
:mod:`genjudge.extraction.match`.

An output that is not a JSON object counts as predicting no field (every gold field missing) and
is counted in ``sections['unparsed']``; a reference that is not an object makes the row unscored.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import Field

from genjudge.checks import register
from genjudge.checks.base import CheckOptions, CheckResult, MeanMetric, MetricSpec, RunContext
from genjudge.extraction.normalize import FieldSpec
from genjudge.formatting import format_interval, format_number
from genjudge.io.canonical import is_absent
from genjudge.records import Family, Status, TaskKind
from genjudge.slicing import slice_groups

__all__ = ["ExtractionFields"]

# (comparison, predicted side, gold side, family, subject)
_COMPARISONS = (
    ("student_vs_reference", "student", "reference", Family.QUALITY, "student"),
    ("teacher_vs_reference", "teacher", "reference", Family.QUALITY, "teacher"),
    ("student_vs_teacher", "student", "teacher", Family.FIDELITY, "student_vs_teacher"),
)


class ExtractionFieldsOptions(CheckOptions):
    fields: dict[str, FieldSpec] | None = None
    """The fields to score and how each is normalised (``kind``: text, number, date, exact).
    None: every key found in the references, as text; then only item-level metrics are declared
    (per-field numbers are still in the columns and in ``sections['field_prf']``)."""
    fuzzy_threshold: float = Field(0.9, ge=0.0, le=1.0)
    """rapidfuzz token_sort_ratio / 100 at or above which two present values fuzzy-match."""
    resamples: int = Field(1000, ge=100)
    """Bootstrap resamples for the micro-F1 intervals in the sections."""


@register
class ExtractionFields:
    """Field-level exact / fuzzy match and P / R / F1 against the reference and the teacher."""

    name: ClassVar[str] = "extraction_fields"
    tasks: ClassVar[frozenset[TaskKind]] = frozenset({TaskKind.EXTRACTION})
    Options: ClassVar[type[CheckOptions]] = ExtractionFieldsOptions

    def __init__(
        self, task: TaskKind = TaskKind.EXTRACTION, options: ExtractionFieldsOptions | None = None
    ) -> None:
        self.task = task
        self.options = options or ExtractionFieldsOptions()
        self.found: dict[str, FieldSpec] | None = None
        """With no ``fields`` option: the fields :meth:`prepare` found in the set's references."""

    def metrics(self) -> list[MetricSpec]:
        specs: list[MetricSpec] = []
        for comp, _, _, family, subject in _COMPARISONS:
            stem = f"{self.name}.{comp}"
            for col, metric in (
                ("precision", "field_precision_score"),
                ("recall", "field_recall_score"),
                ("f1", "field_f1_score"),
                ("fuzzy_f1", "field_fuzzy_f1_score"),
                ("missing_rate", "missing_field_error"),
                ("extra_rate", "extra_field_error"),
            ):
                specs.append(MeanMetric(metric, family, subject, f"{stem}.{col}"))
            for field in self.options.fields or {}:
                for col, metric in (
                    ("exact", "exact_match_rate"),
                    ("fuzzy", "fuzzy_match_rate"),
                    ("precision", "precision_score"),
                    ("recall", "recall_score"),
                ):
                    specs.append(MeanMetric(f"{field}_{metric}", family, subject, f"{stem}.{field}.{col}"))
        return specs

    async def score(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        prepared = self.prepare(frame)
        return prepared.summarize(frame, prepared.score_rows(frame, ctx), ctx)

    def prepare(self, frame: pd.DataFrame) -> ExtractionFields:
        """With no ``fields`` option: this check bound to every key found in the set's references."""
        from genjudge.extraction import as_fields

        if self.options.fields is not None:
            return self
        found: set[str] = set()
        for value in frame["reference"].tolist() if "reference" in frame else []:
            ref = None if is_absent(value) else as_fields(value)
            if ref:
                found.update(ref)
        bound = ExtractionFields(self.task, self.options)
        bound.found = {k: FieldSpec() for k in sorted(found)}
        return bound

    def specs(self) -> dict[str, FieldSpec]:
        """The fields compared: the configured ones, else those :meth:`prepare` found."""
        if self.options.fields is not None:
            return self.options.fields
        if self.found is None:
            raise RuntimeError("extraction_fields: call prepare(frame) before score_rows")
        return self.found

    def score_rows(self, frame: pd.DataFrame, ctx: RunContext) -> CheckResult:
        """Per-item and per-field match columns; per-item TP / FP / FN and error kinds as work."""
        from genjudge.extraction import as_fields, match_item, prf

        n, o = len(frame), self.options
        parsed: dict[str, list[dict[str, Any] | None]] = {}
        present: dict[str, np.ndarray] = {}
        work: dict[str, np.ndarray] = {}
        for side in ("student", "teacher", "reference"):
            values = frame[side].tolist() if side in frame else [None] * n
            present[side] = np.array([not is_absent(v) for v in values], dtype=bool)
            parsed[side] = [None if is_absent(v) else as_fields(v) for v in values]
            work[f"unparsed.{side}"] = np.array(
                [not is_absent(v) and p is None for v, p in zip(values, parsed[side], strict=False)],
                dtype=bool,
            )
        specs = self.specs()
        fields = list(specs)

        columns: dict[str, np.ndarray] = {}
        any_ok = np.zeros(n, dtype=bool)
        for comp, pred_side, gold_side, *_ in _COMPARISONS:
            stem = f"{self.name}.{comp}"
            cols = {
                k: np.full(n, np.nan)
                for k in ("precision", "recall", "f1", "fuzzy_f1", "missing_rate", "extra_rate")
            }
            per_field = {
                (f, k): np.full(n, np.nan) for f in fields for k in ("exact", "fuzzy", "precision", "recall")
            }
            counts = {f: np.zeros((n, 3), dtype=np.int64) for f in ["all", *fields]}
            extras = {f: np.zeros((n, 3), dtype=np.int64) for f in ["all", *fields]}
            scored = np.zeros(n, dtype=bool)
            for i in range(n):
                gold = parsed[gold_side][i]
                if not present[pred_side][i] or gold is None:
                    continue
                scored[i] = True
                pred = parsed[pred_side][i] or {}
                item = match_item(pred, gold, specs, threshold=o.fuzzy_threshold)
                p, r, f1 = prf(*item.counts())
                cols["precision"][i], cols["recall"][i], cols["f1"][i] = _nan(p), _nan(r), _nan(f1)
                cols["fuzzy_f1"][i] = _nan(prf(*item.counts(fuzzy=True))[2])
                n_gold = sum(x.outcome in ("missing", "match", "mismatch") for x in item.fields.values())
                n_pred = sum(x.outcome in ("extra", "match", "mismatch") for x in item.fields.values())
                n_missing = sum(x.outcome == "missing" for x in item.fields.values())
                n_extra = sum(x.outcome == "extra" for x in item.fields.values())
                cols["missing_rate"][i] = n_missing / n_gold if n_gold else np.nan
                cols["extra_rate"][i] = n_extra / n_pred if n_pred else np.nan
                for name, out in item.fields.items():
                    if out.outcome == "absent":
                        continue
                    hit = out.outcome == "match"
                    per_field[(name, "exact")][i] = float(hit)
                    per_field[(name, "fuzzy")][i] = float(bool(out.fuzzy_match))
                    if out.outcome != "missing":
                        per_field[(name, "precision")][i] = float(hit)
                    if out.outcome != "extra":
                        per_field[(name, "recall")][i] = float(hit)
                    tp, fp, fn = (
                        int(hit),
                        int(not hit and out.outcome != "missing"),
                        int(not hit and out.outcome != "extra"),
                    )
                    kinds = (out.outcome == "missing", out.outcome == "extra", out.outcome == "mismatch")
                    for key in (name, "all"):
                        counts[key][i] += (tp, fp, fn)
                        extras[key][i] += kinds
            any_ok |= scored
            for k, v in cols.items():
                columns[f"{stem}.{k}"] = v
            for (name, k), v in per_field.items():
                columns[f"{stem}.{name}.{k}"] = v
            work[f"{comp}.scored"] = scored
            for f in ["all", *fields]:
                work[f"{comp}.counts.{f}"], work[f"{comp}.extras.{f}"] = counts[f], extras[f]
        status = np.where(any_ok, Status.OK.value, Status.UNSCORED.value).astype(object)
        reason = np.full(n, None, dtype=object)
        for i in np.flatnonzero(~any_ok).tolist():
            reason[i] = (
                "missing student output"
                if not present["student"][i]
                else "no reference or teacher fields to compare with"
            )
        return CheckResult(columns=columns, status=status, reason=reason, work=work)

    def summarize(self, frame: pd.DataFrame, rows: CheckResult, ctx: RunContext) -> CheckResult:
        """Pooled (micro) P / R / F1 per field and slice with bootstrap intervals, over every row."""
        from genjudge.embed.distribution import slice_columns
        from genjudge.extraction.micro import micro_rows

        o, specs = self.options, self.specs()
        keys = ["all", *specs]
        unparsed = {
            side: int(rows.work[f"unparsed.{side}"].sum()) for side in ("student", "teacher", "reference")
        }
        sections: dict[str, Any] = {"unparsed": unparsed, "field_prf": []}
        slices = slice_columns(frame)
        for ci, (comp, *_) in enumerate(_COMPARISONS):
            scored = rows.work[f"{comp}.scored"]
            groups = [(column, value, scored & mask) for column, value, mask in slice_groups(frame, slices)]
            rng = np.random.default_rng([ctx.seed, ci])
            sections["field_prf"] += micro_rows(
                {f: rows.work[f"{comp}.counts.{f}"] for f in keys},
                {f: rows.work[f"{comp}.extras.{f}"] for f in keys},
                groups,
                comparison=comp,
                resamples=o.resamples,
                confidence=ctx.confidence,
                rng=rng,
            )
        notes = [
            f"Fields are compared after normalisation ({', '.join(f'{k}: {v.kind}' for k, v in specs.items())}); "
            f"fuzzy match = rapidfuzz token_sort_ratio / 100 >= {o.fuzzy_threshold}. Missing (gold has it, prediction "
            "does not) and extra (prediction has it, gold does not) fields are counted separately; a wrong value "
            "counts as a mismatch (one false positive and one false negative)."
        ]
        if unparsed["student"] or unparsed["teacher"]:
            notes.append(
                f"Outputs that are not a JSON object count as predicting no field: student {unparsed['student']}, "
                f"teacher {unparsed['teacher']}."
            )
        sections["fields_table"] = _table(
            "Micro precision / recall / F1 over fields, per field (exact match after normalisation)",
            [r for r in sections["field_prf"] if r["slice_column"] is None],
            ctx.confidence,
        )
        sections["slices_table"] = _table(
            "Micro precision / recall / F1 over all fields, per slice",
            [r for r in sections["field_prf"] if r["slice_column"] is not None and r["field"] == "all"],
            ctx.confidence,
        )
        return CheckResult(
            columns=rows.columns, status=rows.status, reason=rows.reason, sections=sections, notes=notes
        )


def _table(title: str, rows: list[dict[str, Any]], confidence: float) -> dict[str, Any]:
    """A section the report renders as a table."""
    from genjudge.formatting import ci_label

    return {
        "title": title,
        "header": [
            "comparison",
            "field",
            "slice",
            "items",
            "TP",
            "FP",
            "FN",
            "missing",
            "extra",
            "mismatch",
            "precision",
            "recall",
            "F1",
            f"F1 {ci_label(confidence)}",
        ],
        "rows": [
            [
                r["comparison"],
                r["field"],
                "all" if r["slice_column"] is None else f"{r['slice_column']}={r['slice_value']}",
                r["items"],
                r["tp"],
                r["fp"],
                r["fn"],
                r["missing"],
                r["extra"],
                r["mismatch"],
                format_number(r["precision"]),
                format_number(r["recall"]),
                format_number(r["f1"]),
                format_interval(r["f1_ci_low"], r["f1_ci_high"]),
            ]
            for r in rows
        ],
        "note": "Pooled over items (micro); the interval is a percentile bootstrap over items.",
    }


def _nan(x: float | None) -> float:
    return np.nan if x is None else float(x)
