"""The run's stages, each on its own over a hand-built RunState; the configured confidence and slices
travel through the state into the intervals, the checks' sections, the findings and the headers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from genjudge.api.evaluation import resolve_config
from genjudge.runner import (
    STAGES,
    RunState,
    aggregate_stage,
    find_stage,
    load_stage,
    report_stage,
    score_stage,
    store_stage,
)
from genjudge.store import resolve_url

REPO = Path(__file__).resolve().parents[2]
TICKETS = REPO / "examples" / "tickets" / "genjudge.yaml"


def state_for(tmp_path: Path, **bootstrap) -> RunState:
    config, base = resolve_config(
        TICKETS,
        overrides={"bootstrap": {"resamples": 200, **bootstrap}, "report_dir": str(tmp_path / "out")},
    )
    return RunState(config, base, resolve_url(str(tmp_path / "s.db")))


def test_stages_are_named_in_order():
    assert [name for name, _ in STAGES] == ["load", "score", "aggregate", "find", "store", "report"]


def test_a_stage_without_its_inputs_names_the_stage_to_run_first(tmp_path):
    state = state_for(tmp_path)
    with pytest.raises(RuntimeError, match="no 'frame' yet: run the 'load' stage first"):
        asyncio.run(score_stage(state))
    with pytest.raises(RuntimeError, match="no 'metrics' yet: run the 'aggregate' stage first"):
        asyncio.run(find_stage(state))


def test_load_stage_reads_the_set_outputs_and_slices(tmp_path):
    state = state_for(tmp_path)
    asyncio.run(load_stage(state))
    assert len(state.frame) == 400 and state.manifest.rows == 400
    # the manifest's slices, plus rare_class for the classes under 5 % of the set
    assert state.slices == [*state.manifest.slices, "rare_class"]
    assert sorted(state.rare_classes) == ["cancellation", "fraud_report"]
    # both output files carry probabilities: calibration and distribution distance join the defaults
    assert [c.name for c in state.checks] == [
        "exact_match",
        "label_metrics",
        "calibration",
        "distribution_distance",
    ]
    assert state.student.missing == ["t-0212"]
    assert state.results is None and state.metrics is None  # nothing beyond its own part


def test_configured_slices_flow_to_the_metrics(tmp_path):
    config, base = resolve_config(
        TICKETS, overrides={"slices": ["difficulty"], "bootstrap": {"resamples": 100}}
    )
    state = RunState(config, base, f"sqlite:///{tmp_path / 's.db'}")
    for stage in (load_stage, score_stage, aggregate_stage):
        asyncio.run(stage(state))
    # The config's critical column is measured even when the slices leave it out.
    assert state.slices == ["difficulty", "business_critical", "rare_class"]
    assert {m.slice_column for m in state.metrics} == {None, "difficulty", "business_critical", "rare_class"}
    assert {m.slice_value for m in state.metrics if m.critical} == {"yes"}


def run_to(state: RunState, last: str) -> None:
    for name, stage in STAGES:
        asyncio.run(stage(state))
        if name == last:
            return


def test_confidence_reaches_intervals_findings_and_headers(tmp_path):
    wide, narrow = state_for(tmp_path / "a", confidence=0.99), state_for(tmp_path / "b", confidence=0.8)
    for state in (wide, narrow):
        run_to(state, "find")
    assert wide.confidence == 0.99 and narrow.confidence == 0.8

    def acc(state):
        return next(
            m
            for m in state.metrics
            if m.metric == "accuracy_score" and m.subject == "student" and m.slice_column is None
        )

    w, n = acc(wide), acc(narrow)
    assert w.value == n.value and w.ci_low < n.ci_low < n.value < n.ci_high < w.ci_high
    assert any("99% CI" in f.message for f in wide.findings)
    assert not any("95% CI" in f.message for f in wide.findings + narrow.findings)
    assert any("80% CI" in f.message for f in narrow.findings)
    asyncio.run(store_stage(wide))
    asyncio.run(report_stage(wide))
    md = (tmp_path / "a" / "out" / "report.md").read_text(encoding="utf-8")
    html = (tmp_path / "a" / "out" / "report.html").read_text(encoding="utf-8")
    assert "99% CI" in md and "99% CI" in html and "95% CI" not in md
    assert (
        json.loads((tmp_path / "a" / "out" / "report.json").read_text())["settings"]["bootstrap"][
            "confidence"
        ]
        == 0.99
    )


def test_score_and_store_stages(tmp_path):
    state = state_for(tmp_path)
    run_to(state, "score")
    assert len(state.table) == 400 and len(state.results) == 4
    assert (state.item_status == "unscored").sum() == 1  # the one missing student output
    run_to_rest = dict(STAGES)
    asyncio.run(run_to_rest["aggregate"](state))
    asyncio.run(run_to_rest["find"](state))
    state.write_report = False
    asyncio.run(run_to_rest["store"](state))
    asyncio.run(run_to_rest["report"](state))
    assert state.report_dir is None and not (tmp_path / "out").exists()
    from genjudge.store import RunStore

    stored, report = RunStore(state.store_url).get(state.record.run_id)
    assert stored == state.record and report == state.report.model_dump(mode="json")
    assert np.isclose(report["headline"]["student.accuracy_score"]["value"], 348 / 395)
