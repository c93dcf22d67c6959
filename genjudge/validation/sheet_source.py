"""Reading a stored run as the source of a rating sheet: which column holds the judge's verdicts for
a rubric, what the raters are shown, and the judge that produced the verdicts.

Two judge checks make verdicts: ``judge_equivalence`` (a label rubric with ``text_a`` / ``text_b``:
the teacher's and the student's outputs) and ``judge_rubric`` (a score or label rubric over one
side's output against the source and reference).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from genjudge.errors import ConfigError
from genjudge.io.canonical import as_text, canonical_json, is_absent, sha256_text
from genjudge.validation.binding import JudgeBinding, bind_judge

UNSCORED = "unscored"
"""The verdict stratum of items the judge could not score."""


@dataclass(frozen=True)
class SheetSource:
    """A run's judge verdicts for one rubric, ready to be sampled and rated."""

    run_id: str
    run_name: str
    set_fingerprint: str
    rubric: Any
    check: str
    metric: str
    column: str
    label_column: str | None
    side: str | None
    binding: JudgeBinding
    examples: pd.DataFrame
    slices: list[str]
    show: dict[str, str]
    """Sheet field -> the run's column it is taken from (``text_a`` -> ``teacher``)."""
    titles: dict[str, str]
    extra: tuple[str, ...] = ()
    """Further columns copied into the sheet's items (not strata), e.g. a claim's item."""
    document: str | None = None
    """The item column that names each sheet item's document (claims of one run item)."""

    def shown(self, row: Any) -> dict[str, str]:
        """The texts a rater sees for one example."""
        return {name: shown_text(row.get(column)) for name, column in self.show.items()}


def verdict_labels(table: pd.DataFrame, column: str, label_column: str | None) -> list[str]:
    """Per row: the judge's verdict as a stratum label (its label, its score rounded, or ``unscored``)."""
    out = []
    for _, row in table.iterrows():
        value = row.get(column)
        if is_absent(value):
            out.append(UNSCORED)
        elif label_column is not None and not is_absent(row.get(label_column)):
            out.append(str(row[label_column]))
        else:
            out.append(str(round(float(value))))
    return out


VERDICT = "verdict"
"""The stratum column that stands for the judge's verdict."""


def stratum_keys(table: pd.DataFrame, columns: list[str], column: str, label_column: str | None) -> list[str]:
    """Per row: its stratum key (``kind=incident|verdict=equivalent``; ``all`` with no strata)."""
    verdicts = verdict_labels(table, column, label_column) if VERDICT in columns else []
    keys = []
    for i, (_, row) in enumerate(table.iterrows()):
        parts = [f"{c}={verdicts[i] if c == VERDICT else _cell(row.get(c))}" for c in columns]
        keys.append("|".join(parts) or "all")
    return keys


def _cell(value: Any) -> str:
    return "" if is_absent(value) else str(value)


def shown_columns(field: str, check: str, side: str | None) -> str:
    """The run's column a sheet field's text comes from."""
    if check == "judge_equivalence":
        return {"text_a": "teacher", "text_b": "student"}[field]
    return {"source": "input", "output": side or "student", "reference": "reference"}[field]


def shown_text(value: Any) -> str:
    """A run cell as a rater sees it: text, or empty where the run has nothing."""
    return "" if is_absent(value) else as_text(value) or ""


def content_sha256(texts: dict[str, str]) -> str:
    """Hash of the texts a rater saw (a later run's labels count only on identical texts)."""
    return sha256_text(canonical_json(texts))


def load_source(store_url: str, run_id: str, rubric_name: str, side: str = "student") -> SheetSource:
    """The verdicts of ``rubric_name`` in the stored run ``run_id`` (a unique prefix is enough)."""
    from genjudge.judge import JudgeSettings, load_rubric
    from genjudge.store.runs import RunStore

    store = RunStore(store_url, create=False)
    record, report = store.get(run_id)
    examples = store.examples(record.run_id)
    rubric = load_rubric(rubric_name)
    pairwise = rubric.kind == "label" and set(rubric.fields) == {"text_a", "text_b"}
    if pairwise:
        check, metric = "judge_equivalence", "judge_equivalence_rate"
        column, label_column = f"{check}.equivalent", f"{check}.label"
        section = report.get("sections", {}).get(check, {}).get("judge", {})
        show = {f: shown_columns(f, check, None) for f in ("text_a", "text_b")}
        titles = {"text_a": "TEXT A", "text_b": "TEXT B"}
        used_side = None
    else:
        check, metric = "judge_rubric", f"judge_{rubric.id}_score"
        column, label_column = f"{check}.{rubric.id}.{side}", None
        section = report.get("sections", {}).get(check, {}).get("rubrics", {}).get(f"{rubric.id}.{side}", {})
        unknown = [f for f in rubric.fields if f not in ("source", "output", "reference")]
        if unknown:
            raise ConfigError(
                f"rubric {rubric.id!r} reads fields {unknown} that a run's examples do not have"
            )
        show = {f: shown_columns(f, check, side) for f in rubric.fields}
        titles = {"source": "SOURCE", "output": "OUTPUT", "reference": "REFERENCE"}
        used_side = side
    if column not in examples.columns:
        judged = sorted({c.rsplit(".", 1)[0] for c in examples.columns if c.startswith("judge_")})
        raise ConfigError(
            f"run {record.run_id} has no judge verdicts for rubric {rubric.id!r}"
            + (f" ({side})" if used_side else "")
            + f": its judge columns are {', '.join(judged) or 'none'}"
        )
    version = section.get("version")
    if version is not None and str(version) != str(rubric.version):
        raise ConfigError(
            f"run {record.run_id} judged with rubric {rubric.id}@{version}; {rubric_name!r} is now version "
            f"{rubric.version}: sample a run made with this version"
        )
    recorded_hash = section.get("rubric_hash")
    if recorded_hash is not None and recorded_hash != rubric.content_hash:
        raise ConfigError(
            f"the rubric {rubric.id}@{rubric.version} has changed since run {record.run_id} judged with it "
            f"(sha256 {recorded_hash[:12]} then, {rubric.content_hash[:12]} now): sample a run made with this text"
        )
    settings = JudgeSettings.model_validate(record.config.get("judge") or {})
    slices = [
        s for s in report.get("set", {}).get("slices", []) if s in examples.columns and s != "rare_class"
    ]
    return SheetSource(
        run_id=record.run_id,
        run_name=str(record.config.get("name") or record.run_id),
        set_fingerprint=record.set_fingerprint,
        rubric=rubric,
        check=check,
        metric=metric,
        column=column,
        label_column=label_column,
        side=used_side,
        binding=bind_judge(settings, rubric),
        examples=examples,
        slices=slices,
        show=show,
        titles=titles,
    )
