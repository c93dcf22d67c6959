"""Per-field outcomes and P / R / F1, checked by hand and against scikit-learn."""

from __future__ import annotations

import asyncio

import numpy as np
import pandas as pd
import pytest

from genjudge.checks import get
from genjudge.checks.base import RunContext
from genjudge.extraction import FieldSpec, match_item, prf
from genjudge.records import TaskKind

SPECS = {
    "company": FieldSpec(),
    "date": FieldSpec(kind="date"),
    "total": FieldSpec(kind="number"),
    "x": FieldSpec(),
}


def test_outcomes_of_one_item():
    gold = {"company": "ACME Sdn Bhd", "date": "25/12/2018", "total": "9.00"}
    pred = {"company": "ACME SDN BHD.", "total": "RM 9", "x": "surplus"}
    item = match_item(pred, gold, SPECS, threshold=0.9)
    got = {k: v.outcome for k, v in item.fields.items()}
    assert got == {"company": "mismatch", "date": "missing", "total": "match", "x": "extra"}
    # "acme sdn bhd" vs "acme sdn bhd.": InDel distance 1 over 25 characters -> 1 - 1/25 = 0.96.
    assert item.fields["company"].similarity == pytest.approx(0.96)
    assert item.fields["company"].fuzzy_match is True
    # exact: TP = total; FP = company (mismatch) + x (extra); FN = company + date (missing).
    assert item.counts() == (1, 2, 2)
    assert item.counts(fuzzy=True) == (2, 1, 1)
    assert prf(1, 2, 2) == (pytest.approx(1 / 3), pytest.approx(1 / 3), pytest.approx(1 / 3))
    assert prf(0, 0, 0) == (None, None, None)


def test_check_columns_and_micro_table_match_sklearn():
    from sklearn.metrics import precision_recall_fscore_support

    ref = [
        {"company": "A", "date": "01/01/2019", "total": "1"},
        {"company": "B", "total": "2"},
        {"company": "C"},
    ]
    student = [
        {"company": "a", "date": "2019-01-01", "total": "1.00"},
        {"company": "Bee", "date": "x"},
        "not json",
    ]
    frame = pd.DataFrame(
        {
            "id": ["1", "2", "3"],
            "input": "",
            "reference": ref,
            "teacher": ref,
            "student": student,
            "grp": ["g1", "g2", "g2"],
        }
    )
    cls = get("extraction_fields")
    check = cls(TaskKind.EXTRACTION, cls.Options(fields={k: v.model_dump() for k, v in SPECS.items()}))
    result = asyncio.run(check.score(frame, RunContext(TaskKind.EXTRACTION, 0, ".")))
    col = result.columns
    # Item 1: 3/3 matches. Item 2: company mismatch ("b" vs "bee"), date extra, total missing:
    # TP 0, FP 2, FN 2. Item 3: not JSON -> no fields -> company missing: TP 0, FP 0, FN 1.
    np.testing.assert_allclose(col["extraction_fields.student_vs_reference.f1"], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(col["extraction_fields.student_vs_reference.precision"], [1.0, 0.0, np.nan])
    np.testing.assert_allclose(col["extraction_fields.student_vs_reference.missing_rate"], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(col["extraction_fields.student_vs_reference.extra_rate"], [0.0, 0.5, np.nan])
    np.testing.assert_allclose(col["extraction_fields.student_vs_reference.company.recall"], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(
        col["extraction_fields.student_vs_reference.date.precision"], [1.0, 0.0, np.nan]
    )
    np.testing.assert_allclose(col["extraction_fields.teacher_vs_reference.f1"], [1.0, 1.0, 1.0])
    assert result.sections["unparsed"]["student"] == 1
    row = next(
        r
        for r in result.sections["field_prf"]
        if r["comparison"] == "student_vs_reference" and r["field"] == "all" and r["slice_column"] is None
    )
    assert (row["tp"], row["fp"], row["fn"], row["missing"], row["extra"], row["mismatch"]) == (
        3,
        2,
        3,
        2,
        1,
        1,
    )
    # The same pooled counts as binary decisions: one per (field instance, side) cell, scored by sklearn.
    y_true = [1] * 3 + [0] * 2 + [1] * 3  # TP cells, FP cells, FN cells
    y_pred = [1] * 3 + [1] * 2 + [0] * 3
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="binary")
    assert (row["precision"], row["recall"], row["f1"]) == (
        pytest.approx(p),
        pytest.approx(r),
        pytest.approx(f),
    )
    assert row["f1_ci_low"] <= row["f1"] <= row["f1_ci_high"]
    g2 = next(
        r
        for r in result.sections["field_prf"]
        if r["comparison"] == "student_vs_reference" and r["field"] == "all" and r["slice_value"] == "g2"
    )
    assert (g2["items"], g2["tp"], g2["fp"], g2["fn"]) == (2, 0, 2, 3)
