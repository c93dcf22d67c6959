"""Correct a judge's numbers with the humans' ratings of a sheet (prediction-powered inference).

The humans rated a stratified sample of a run's items; the judge scored every item. For the metric
the sheet rates (``judge_equivalence_rate``, ``judge_faithfulness_score``...) this gives three
estimates of what the humans would say on average over the whole set, overall and per slice where the
sample supports it: the judge alone, stratified PPI++ and the humans alone
(:func:`genjudge.stats.ppi.ppi_mean`). Labels count only on items whose texts are those the raters
saw (a new student's outputs are not what they rated), in the strata they were drawn from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genjudge.validation.records import HumanLabel, HumanLabels
from genjudge.validation.sheet_source import content_sha256, shown_text, stratum_keys

MIN_SLICE_LABELS = 10
"""A slice gets its own corrected estimate from this many rated items on."""


def human_labels(sample: Any, source_column: str, label_column: str | None, rubric: Any) -> HumanLabels:
    """The rated items of a sheet drawn from a run: each item's raters' mean in the metric's units."""
    manifest = sample.manifest
    dim = manifest.rubric.id if manifest.rubric.id in manifest.dimensions else sample.dimensions[0]
    ratings = sample.ratings[sample.ratings["dimension"] == dim]
    items = []
    for item_id, group in ratings.groupby("item_id", sort=True):
        values = [_in_metric_units(rubric, r) for r in group["rating"]]
        meta = sample.items.get(str(item_id), {})
        items.append(
            HumanLabel(
                item_id=str(item_id),
                value=float(np.mean(values)),
                raters=len(values),
                stratum=meta.get("_stratum"),
                content_sha256=meta.get("_content_sha256"),
            )
        )
    design, origin = manifest.design, manifest.origin
    assert origin is not None  # a sheet drawn from a run
    return HumanLabels(
        metric=origin.metric,
        column=source_column,
        label_column=label_column,
        dimension=dim,
        items=items,
        strata=list(design.strata) if design else [],
        stratum_sizes=dict(design.stratum_sizes) if design else {},
        show={k: _shown_column(k, origin) for k in manifest.show},
    )


def _shown_column(field: str, origin: Any) -> str:
    from genjudge.validation.sheet_source import shown_columns

    return shown_columns(field, origin.check, origin.side)


def _in_metric_units(rubric: Any, rating: Any) -> float:
    if rubric.kind == "label":
        return float(rubric.labels[str(rating)])
    return float(rating)


def correct_metric(
    labels: HumanLabels, table: pd.DataFrame, slices: list[str], confidence: float
) -> list[dict[str, Any]]:
    """The three estimates of ``labels.metric`` on the run ``table``: overall, then per slice."""
    from genjudge.stats import DegenerateInputError
    from genjudge.stats.ppi import ppi_by_slice, ppi_mean

    base = {"metric": labels.metric, "slice_column": None, "slice_value": None}
    y, f, strata, why = aligned(labels, table)
    if why:
        return [{**base, "unavailable": why}]
    try:
        overall = ppi_mean(y, f, strata, confidence=confidence)
    except DegenerateInputError as exc:
        return [{**base, "unavailable": str(exc)}]
    out = [{**base, **_as_dict(overall)}]
    for column in slices:
        if column not in table.columns:
            continue
        values = table[column].astype(str).to_numpy()
        by = ppi_by_slice(y, f, strata, values, confidence=confidence)
        for value in sorted(set(values)):
            rated = int((~np.isnan(y[values == value])).sum())
            row = {"metric": labels.metric, "slice_column": column, "slice_value": value}
            if rated < MIN_SLICE_LABELS:
                out.append({**row, "unavailable": f"{rated} rated items (a slice needs {MIN_SLICE_LABELS})"})
            elif value in by.results:
                out.append({**row, **_as_dict(by.results[value])})
            else:
                out.append({**row, "unavailable": by.skipped.get(value, "not estimable")})
    return out


def aligned(labels: HumanLabels, table: pd.DataFrame) -> tuple[Any, Any, Any, str | None]:
    """Per item of ``table``: human value (NaN unlabeled), judge value, stratum; or why not."""
    if labels.column not in table.columns:
        return None, None, None, f"the run has no column {labels.column} (the sheet rates another check)"
    f = pd.to_numeric(table[labels.column], errors="coerce").to_numpy(dtype=float)
    strata = stratum_keys(table, labels.strata, labels.column, labels.label_column)
    index = {str(i): k for k, i in enumerate(table["id"])}
    y = np.full(len(table), np.nan)
    changed = moved = missing = 0
    for item in labels.items:
        k = index.get(item.item_id)
        if k is None:
            missing += 1
            continue
        row = table.iloc[k]
        texts = {name: shown_text(row.get(col)) for name, col in labels.show.items()}
        if item.content_sha256 is not None and content_sha256(texts) != item.content_sha256:
            changed += 1
            continue
        if item.stratum is not None and item.stratum != strata[k]:
            moved += 1
        y[k] = item.value
    n = len(labels.items)
    if missing or changed:
        return (
            None,
            None,
            None,
            (
                f"{missing + changed} of the {n} rated items are not in this run with the texts the raters saw "
                f"({missing} absent, {changed} with other texts): the ratings describe another run's outputs"
            ),
        )
    if moved:
        return (
            None,
            None,
            None,
            (
                f"the judge's verdict moved {moved} of the {n} rated items to another stratum since the sheet was "
                "drawn: the sampling design no longer holds"
            ),
        )
    sizes = pd.Series(strata).value_counts().to_dict()
    if labels.stratum_sizes and sizes != labels.stratum_sizes:
        return None, None, None, "this run's strata differ in size from those the sheet was drawn from"
    return y, f, strata, None


def _as_dict(cmp: Any) -> dict[str, Any]:
    def one(e: Any) -> dict[str, Any]:
        return {
            "method": str(e.method),
            "value": e.value,
            "ci_low": e.ci_low,
            "ci_high": e.ci_high,
            "se": e.se,
            "n_labeled": e.n_labeled,
            "n_total": e.n_total,
        }

    return {
        "estimates": [one(cmp.judge), one(cmp.ppi), one(cmp.human)],
        "n_labeled": cmp.ppi.n_labeled,
        "n_total": cmp.ppi.n_total,
        "width_saved": cmp.width_saved,
        "notes": list(cmp.notes),
    }


def width_budget(
    labels: HumanLabels, table: pd.DataFrame, target: float | None, confidence: float = 0.95
) -> tuple[int, str]:
    """More ratings to bring the overall PPI interval to ``target`` (None: half its width), and the
    sentence that says so; 0 when it already is or cannot get there. Raises ``ConfigError`` (why)
    when the ratings do not fit ``table`` and ``DegenerateInputError`` when PPI is undefined."""
    from genjudge.errors import ConfigError
    from genjudge.stats.ppi import ppi_mean
    from genjudge.stats.ppi_budget import labels_for_width

    y, f, strata, why = aligned(labels, table)
    if why:
        raise ConfigError(why)
    cmp = ppi_mean(y, f, strata, confidence=confidence)
    goal = target if target is not None else cmp.ppi.width / 2
    more = labels_for_width(cmp, goal)
    now = f"the PPI interval is {cmp.ppi.width:.3f} wide on {cmp.ppi.n_labeled} rated items"
    if more is None:
        return 0, f"{now}; rating every item would not bring it to {goal:.3f}"
    if more == 0:
        return 0, f"{now}: already within {goal:.3f}"
    return int(more), f"{now}; about {more} more ratings should bring it to {goal:.3f}"


def labels_to_reach(sheet: Path, store_url: str, target_width: float) -> tuple[int, str]:
    """How many more ratings would bring the sheet's PPI interval to ``target_width``, and why."""
    from genjudge.errors import ConfigError
    from genjudge.judge import load_rubric
    from genjudge.labels import load_sample
    from genjudge.store.runs import RunStore

    sample = load_sample(sheet)
    origin = sample.manifest.origin
    if origin is None:
        raise ConfigError(f"{sheet}: not a sheet drawn from a run (no origin)")
    store = RunStore(store_url, create=False)
    table = store.examples(store.get(origin.run_id)[0].run_id)
    labels = human_labels(sample, origin.column, origin.label_column, load_rubric(sample.manifest.rubric.id))
    return width_budget(labels, table, target_width)
