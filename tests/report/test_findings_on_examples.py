"""Findings on the shipped examples are few and true: one finding per pattern, and "good aggregate"
said only where the aggregate is good (the SROIE run once had 94 findings, 92 of them one sentence)."""

from __future__ import annotations

import json
from collections import Counter

import pytest


@pytest.mark.parametrize(("name", "expected"), [("tickets", 7), ("sroie", 7)])
def test_one_finding_per_pattern(example_report, name, expected):
    data = json.loads((example_report(name) / "report.json").read_text(encoding="utf-8"))
    codes = Counter(f["code"] for f in data["findings"])
    assert len(data["findings"]) == expected and max(codes.values()) == 1, codes
    order = {"critical": 0, "warning": 1, "info": 2}
    ranks = [order[f["severity"]] for f in data["findings"]]
    assert ranks == sorted(ranks)  # most severe first


def test_sroie_weak_slices_are_not_called_a_good_aggregate(example_report):
    data = json.loads((example_report("sroie") / "report.json").read_text(encoding="utf-8"))
    [weak] = [f for f in data["findings"] if f["code"] == "weak_slice"]
    assert weak["message"].startswith("Weaker on some slices than on the whole set")
    assert "Good aggregate" not in json.dumps(data["findings"])
    gap = next(f for f in data["findings"] if f["code"] == "distillation_gap")
    assert "field_f1_score" in gap["message"] and "reference_match_rate" not in gap["message"]
