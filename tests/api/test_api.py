"""The Python front door: `genjudge.evaluate` returns a typed Run, reports progress, and renders in a
notebook and a terminal; `import genjudge` stays light; `__all__` names every public name."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import genjudge
from genjudge.progress import EventKind
from tests.test_package import HEAVY

REPO = Path(__file__).resolve().parents[2]
TICKETS = REPO / "examples" / "tickets" / "genjudge.yaml"


@pytest.fixture(scope="module")
def tickets_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tickets")
    events = []
    run = genjudge.evaluate(
        TICKETS,
        overrides={"report_dir": str(out / "report"), "bootstrap": {"resamples": 200}},
        store=str(out / "s.db"),
        progress=events.append,
    )
    return run, events


def test_evaluate_returns_a_typed_run(tickets_run):
    run, _ = tickets_run
    assert isinstance(run, genjudge.Run) and isinstance(run.report, genjudge.Report)
    assert run.record.run_id == run.run_id == run.report.run.run_id
    # The config's settings survive a nested override: seed and confidence stay, resamples change.
    assert run.report.settings.bootstrap.resamples == 200 and run.confidence == 0.95
    metrics = run.metrics
    assert len(metrics) == len(run.report.metrics)
    row = metrics.query("metric == 'accuracy_score' and subject == 'student' and slice_column.isna()")
    acc = run.metric("accuracy_score", "student")
    assert row["value"].tolist() == [acc.value] and row["n"].tolist() == [acc.n]
    # the tidy table agrees with report.json on every number
    on_disk = json.loads(run.report_paths["report.json"].read_text())
    assert [m["value"] for m in on_disk["metrics"]] == [
        None if v != v else v for v in metrics["value"].tolist()
    ]
    assert len(run.examples) == 400 and {"status", "reason"} <= set(run.examples.columns)
    assert all(p.exists() for p in run.report_paths.values())
    assert run.findings and all(isinstance(f, genjudge.Finding) for f in run.findings)
    with pytest.raises(KeyError, match="name a subject"):
        run.metric("accuracy_score")


def test_progress_events_follow_the_stages(tickets_run):
    _, events = tickets_run
    stages = [e.detail for e in events if e.kind is EventKind.STAGE_STARTED]
    assert stages == ["load", "score", "aggregate", "find", "store", "report"]
    assert events[-1].kind is EventKind.FINISHED
    last = events[-1].snapshot
    assert (last.items, last.items_done, last.checks, last.checks_done) == (400, 400, 4, 4)
    assert last.calls == 0 and last.calls_expected is None  # no judge in this run
    assert [e.detail for e in events if e.kind is EventKind.CHECK_FINISHED] != []
    elapsed = [e.snapshot.elapsed_s for e in events]
    assert elapsed == sorted(elapsed)


def test_run_renders_in_a_notebook_and_a_terminal(tickets_run):
    from rich.console import Console

    run, _ = tickets_run
    acc = run.metric("accuracy_score", "student")
    text = repr(run)
    assert text.startswith(f"Run {run.run_id} (classification, 400 items: 399 scored, 1 unscored")
    assert (
        f"student.accuracy_score = {acc.value:.3f} [95% CI {acc.ci_low:.3f}-{acc.ci_high:.3f}] n={acc.n}"
        in text
    )
    html = run._repr_html_()
    assert html.startswith("<div>") and "<th>95% CI</th>" in html and f"{acc.value:.3f}" in html
    assert "<script" not in html
    console = Console(width=200, record=True)
    console.print(run)
    rendered = console.export_text()
    assert run.run_id in rendered and "accuracy_score" in rendered and "fraud_report" in rendered


def test_evaluate_takes_a_mapping_and_reports_bad_input(tmp_path):
    folder = TICKETS.parent
    config = {
        "task": "classification",
        "set": "set.jsonl",
        "teacher": "teacher.jsonl",
        "student": "student.jsonl",
        "bootstrap": {"resamples": 100, "confidence": 0.9},
    }
    run = genjudge.evaluate(config, config_dir=folder, store=str(tmp_path / "s.db"), write_report=False)
    assert run.report_dir is None and run.report_paths == {}
    assert run.confidence == 0.9 and "[90% CI" in repr(run)
    with pytest.raises(genjudge.ConfigError, match=r"bootstrap\.confidence"):
        genjudge.evaluate({**config, "bootstrap": {"confidence": 2}}, config_dir=folder)


def test_freeze_writes_the_manifest(tmp_path):
    (tmp_path / "s.jsonl").write_text(
        '{"id": "a", "input": "x", "tier": "t"}\n{"id": "b", "input": "y", "tier": "u"}\n'
    )
    manifest = genjudge.freeze(tmp_path / "s.jsonl", ["tier"])
    assert isinstance(manifest, genjudge.SetManifest) and manifest.rows == 2 and manifest.slices == ["tier"]
    assert (tmp_path / "s.jsonl.manifest.json").exists()


def test_import_genjudge_is_light_and_names_resolve_lazily():
    code = f"import sys, genjudge; print(','.join(m for m in {(*HEAVY, 'pydantic')!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    code = "import sys, genjudge; genjudge.stats; print('numpy' in sys.modules, 'openai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]  # the statistics load numpy, not the SDKs


def test_top_level_all_is_complete_and_sorted():
    lazy = set(genjudge._LAZY) | set(genjudge._SUBMODULES) | {"__version__"}
    assert list(genjudge.__all__) == sorted(genjudge.__all__)
    assert set(genjudge.__all__) == lazy
    for name in genjudge.__all__:
        assert getattr(genjudge, name) is not None
    assert set(genjudge.__all__) <= set(dir(genjudge))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        genjudge.nope  # noqa: B018
    assert genjudge.Judge is __import__("genjudge.judge", fromlist=["Judge"]).Judge
    assert genjudge.stats.krippendorff_alpha is not None


def test_py_typed_ships():
    assert (REPO / "genjudge" / "py.typed").exists()
    assert '"py.typed"' in (REPO / "pyproject.toml").read_text()


async def test_evaluate_works_inside_a_running_event_loop(tmp_path):
    # a notebook cell runs inside an event loop, where asyncio.run alone would refuse
    run = genjudge.evaluate(
        TICKETS,
        overrides={"bootstrap": {"resamples": 100}},
        store=str(tmp_path / "s.db"),
        write_report=False,
    )
    assert run.report.counts.items == 400
