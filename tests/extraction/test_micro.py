"""micro_rows' F1 interval is the percentile interval at the configured confidence (not always 95 %),
and the extraction check's section header names that level."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pandas as pd

from genjudge.checks.base import RunContext
from genjudge.checks.extraction_fields import ExtractionFields, ExtractionFieldsOptions
from genjudge.extraction.micro import micro_rows
from genjudge.records import TaskKind


def counts(n: int = 40):
    rng = np.random.default_rng(5)
    c = rng.integers(0, 3, size=(n, 3))
    return {"all": c}, {"all": np.zeros((n, 3), dtype=np.int64)}, [(None, None, np.ones(n, dtype=bool))]


def draws_by_hand(c: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    idx = np.random.default_rng(seed).integers(0, len(c), size=(resamples, len(c)))
    s = c[idx].sum(axis=1)
    return 2 * s[:, 0] / (2 * s[:, 0] + s[:, 1] + s[:, 2])


def test_interval_is_at_the_given_confidence():
    c, extra, groups = counts()
    draws = draws_by_hand(c["all"], 2000, 7)
    for confidence in (0.8, 0.95, 0.99):
        (row,) = micro_rows(c, extra, groups, comparison="x", resamples=2000, rng=7, confidence=confidence)
        alpha = (1 - confidence) / 2
        lo, hi = np.quantile(draws, [alpha, 1 - alpha])
        assert np.isclose(row["f1_ci_low"], lo) and np.isclose(row["f1_ci_high"], hi)
    rows = {
        conf: micro_rows(c, extra, groups, comparison="x", resamples=2000, rng=7, confidence=conf)[0]
        for conf in (0.8, 0.99)
    }
    assert (
        rows[0.99]["f1_ci_low"] < rows[0.8]["f1_ci_low"] < rows[0.8]["f1_ci_high"] < rows[0.99]["f1_ci_high"]
    )


def test_extraction_section_header_names_the_run_confidence(tmp_path: Path):
    gold = [{"total": str(i)} for i in range(30)]
    frame = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(30)],
            "reference": gold,
            "teacher": gold,
            "student": [g if i % 3 else {"total": "0"} for i, g in enumerate(gold)],
        }
    )
    check = ExtractionFields(TaskKind.EXTRACTION, ExtractionFieldsOptions(resamples=200))
    ctx = RunContext(task=TaskKind.EXTRACTION, seed=0, workdir=tmp_path, confidence=0.9)
    result = asyncio.run(check.score(frame, ctx))
    header = result.sections["fields_table"]["header"]
    assert "F1 90% CI" in header and "F1 95% CI" not in header
