"""`genjudge run` end to end on the shipped example, checked against scikit-learn on the same files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score
from typer.testing import CliRunner

from genjudge.cli import app
from tests.records import stub_record

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tickets"


@pytest.fixture()
def example(tmp_path: Path) -> Path:
    folder = tmp_path / "tickets"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("reports", ".genjudge"))
    return folder


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def read(path: Path) -> pd.DataFrame:
    return pd.read_json(path, lines=True, dtype=False)


def test_run_writes_every_report_file_and_numbers_match_sklearn(example, tmp_path):
    store = str(tmp_path / "store.db")
    result = invoke("run", str(example / "genjudge.yaml"), "--store", store, "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    # The terminal says the verdict after the findings, without repeating the findings it rests on.
    assert "verdict: not ready" in result.output
    assert result.output.count("The student loses class 'fraud_report'") == 1
    out = tmp_path / "out"
    for name in ("report.json", "report.md", "report.html", "examples.parquet", "examples.csv"):
        assert (out / name).stat().st_size > 0, name
    report = json.loads((out / "report.json").read_text())

    items = read(example / "set.jsonl")
    teacher = read(example / "teacher.jsonl").set_index("id")["output"]
    student = read(example / "student.jsonl").set_index("id")["output"]
    assert report["counts"]["items"] == len(items) == 400
    assert report["missing_outputs"] == {"teacher": [], "student": ["t-0212"]}
    assert report["counts"]["unscored"] == 1
    assert report["counts"]["reasons"] == {"exact_match: missing student output": 1}

    both = items[items.id.isin(student.index)]
    agree = (student[both.id].to_numpy() == teacher[both.id].to_numpy()).mean()
    head = report["headline"]
    assert head["student_vs_teacher.agreement_rate"]["value"] == pytest.approx(agree)
    assert head["student_vs_teacher.agreement_rate"]["n"] == 399
    labelled = both[both.reference.notna()]
    y, p = labelled.reference.to_numpy(str), student[labelled.id].to_numpy(str)
    assert head["student.accuracy_score"]["value"] == pytest.approx(accuracy_score(y, p))
    assert head["student.accuracy_score"]["n"] == len(labelled)
    assert head["student.macro_f1_score"]["value"] == pytest.approx(
        f1_score(y, p, average="macro", zero_division=0)
    )

    # Per slice: every number states its denominator and flags small slices.
    hard = next(
        m
        for m in report["metrics"]
        if m["metric"] == "accuracy_score"
        and m["subject"] == "student"
        and m["slice_column"] == "difficulty"
        and m["slice_value"] == "hard"
    )
    rows = labelled[labelled.difficulty == "hard"]
    assert hard["n"] == len(rows)
    assert hard["value"] == pytest.approx(
        accuracy_score(rows.reference.to_numpy(str), student[rows.id].to_numpy(str))
    )
    sizes = {(s["column"], s["value"]): s["n"] for s in report["slices"]}
    for column in ("channel", "difficulty", "business_critical"):
        for value, count in items[column].value_counts().items():
            assert sizes[(column, value)] == count
    assert sizes[("rare_class", "fraud_report")] == (items.reference == "fraud_report").sum()
    rare = {m["slice_value"] for m in report["metrics"] if m["slice_column"] == "rare_class"}
    assert rare == set(report["set"]["rare_classes"]) == {"cancellation", "fraud_report"}
    assert all(m["too_small"] == (m["n"] < 30) for m in report["metrics"])

    flip = report["sections"]["label_metrics"]["flip_matrix"]
    assert flip["n"] == 399 and flip["flips"] == round(399 * (1 - agree))
    codes = {f["code"] for f in report["findings"]}
    assert {"distillation_gap", "weak_critical_slice", "hard_slice", "small_slices", "lost_class"} <= codes
    lost = [f["message"] for f in report["findings"] if f["code"] == "lost_class"]
    assert len(lost) == 1 and "fraud_report" in lost[0]

    table = pd.read_parquet(out / "examples.parquet")
    assert len(table) == 400 and table.loc[table.id == "t-0212", "status"].item() == "unscored"
    assert {"input", "teacher", "student", "reference", "exact_match.agree", "label_metrics.student"} <= set(
        table.columns
    )
    md = (out / "report.md").read_text()
    assert "Missing student outputs (1):** t-0212" in md
    assert f"| fidelity | agreement_rate | student_vs_teacher | {agree:.3f} |" in md
    assert "<svg" in (out / "report.html").read_text()


def test_rerun_is_recognised_and_history_is_listed(example, tmp_path, store_url):
    """On SQLite and on PostgreSQL (the store_url fixture)."""
    from genjudge.redact import redact

    store = store_url
    config = str(example / "genjudge.yaml")
    first = invoke("run", config, "--store", store, "--out", str(tmp_path / "r1"))
    second = invoke("run", config, "--store", store, "--out", str(tmp_path / "r2"))
    r1 = json.loads((tmp_path / "r1" / "report.json").read_text())
    r2 = json.loads((tmp_path / "r2" / "report.json").read_text())
    assert first.exit_code == second.exit_code == 0
    assert r1["run"]["same_inputs_as"] is None
    assert r2["run"]["same_inputs_as"] == r1["run"]["run_id"]
    assert r1["run"]["inputs_hash"] == r2["run"]["inputs_hash"]
    assert r1["metrics"] == r2["metrics"]  # seeded: identical numbers

    seeded = invoke("run", config, "--store", store, "--out", str(tmp_path / "r3"), "--seed", "5")
    r3 = json.loads((tmp_path / "r3" / "report.json").read_text())
    assert seeded.exit_code == 0 and r3["run"]["same_inputs_as"] is None and r3["run"]["seed"] == 5

    listing = invoke("runs", "list", "--store", store)
    assert listing.exit_code == 0
    assert all(r["run"]["run_id"] in listing.output for r in (r1, r2, r3))
    # Not a terminal: one tab-separated line per run, newest first, the whole id first.
    assert [line.split("\t")[0] for line in listing.stdout.splitlines()] == [
        r["run"]["run_id"] for r in (r3, r2, r1)
    ]
    assert listing.stderr.strip() == f"store: {redact(store)}"
    shown = invoke("runs", "show", r1["run"]["run_id"], "--store", store, "--json")
    assert json.loads(shown.stdout)["metrics"] == r1["metrics"]  # the store line goes to stderr


def test_edited_set_is_refused_with_exit_2(example, tmp_path):
    lines = (example / "set.jsonl").read_text().splitlines()
    lines[4] = (
        lines[4].replace('"easy"', '"hard"') if '"easy"' in lines[4] else lines[4].replace('"hard"', '"easy"')
    )
    (example / "set.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    result = CliRunner().invoke(
        app, ["run", str(example / "genjudge.yaml"), "--store", str(tmp_path / "s.db")]
    )
    assert result.exit_code == 2
    assert "1 row removed (t-0400)" in result.output and "1 row edited (t-0005)" in result.output


def test_config_errors_name_the_file_and_field(example, tmp_path):
    config = example / "genjudge.yaml"
    config.write_text(config.read_text() + "bootstrap_resamples: 10\n")
    result = CliRunner().invoke(app, ["run", str(config), "--store", str(tmp_path / "s.db")])
    assert result.exit_code == 2
    assert f"{config}: field 'bootstrap_resamples': Extra inputs are not permitted" in result.output


def test_freeze_command(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": 1, "input": "x", "tier": "gold"}\n', encoding="utf-8")
    result = invoke("freeze", str(path), "--slice", "tier")
    assert result.exit_code == 0 and "1 rows" in result.output
    manifest = json.loads((tmp_path / "s.jsonl.manifest.json").read_text())
    assert manifest["slices"] == ["tier"] and manifest["rows"] == 1 and manifest["row_hashes"].keys() == {"1"}


def test_run_from_flags_and_from_toml_give_the_same_numbers(example, tmp_path):
    store = str(tmp_path / "s.db")
    toml = example / "genjudge.toml"
    toml.write_text(
        'task = "classification"\nset = "set.jsonl"\nteacher = "teacher.jsonl"\nstudent = "student.jsonl"\n'
        "[bootstrap]\nresamples = 500\n",
        encoding="utf-8",
    )
    a = invoke("run", str(toml), "--store", store, "--out", str(tmp_path / "a"))
    b = invoke(
        "run",
        "--task",
        "classification",
        "--set",
        str(example / "set.jsonl"),
        "--teacher",
        str(example / "teacher.jsonl"),
        "--student",
        str(example / "student.jsonl"),
        "--resamples",
        "500",
        "--store",
        store,
        "--out",
        str(tmp_path / "b"),
    )
    assert a.exit_code == b.exit_code == 0, a.output + b.output
    ra, rb = (json.loads((tmp_path / x / "report.json").read_text()) for x in ("a", "b"))
    assert ra["metrics"] == rb["metrics"]
    assert rb["run"]["same_inputs_as"] == ra["run"]["run_id"]


def test_run_without_config_names_the_missing_flags(tmp_path):
    result = CliRunner().invoke(app, ["run", "--task", "generation", "--store", str(tmp_path / "s.db")])
    assert result.exit_code == 2
    assert "without CONFIG, --set, --teacher, --student must be given" in result.output


def test_store_keeps_every_example_row_intact(store_url):
    import pandas as pd

    from genjudge.store import RunStore

    table = pd.DataFrame(
        {"id": ["a", "b"], "input": ["line\u2028separator", "new\nline"], "score": [1.0, float("nan")]}
    )
    record = stub_record("r1")
    store = RunStore(store_url)
    store.save(record, {"counts": {"items": 2}}, table, ["ok", "unscored"])
    back = store.examples("r1")
    assert back["input"].tolist() == ["line\u2028separator", "new\nline"]
    assert back["score"].iloc[0] == 1.0 and pd.isna(back["score"].iloc[1])


def test_operations_summary_matches_the_output_files(example, tmp_path):
    import numpy as np

    result = invoke(
        "run", str(example / "genjudge.yaml"), "--store", str(tmp_path / "s.db"), "--out", str(tmp_path / "o")
    )
    assert result.exit_code == 0
    ops = json.loads((tmp_path / "o" / "report.json").read_text())["operations"]
    teacher, student = read(example / "teacher.jsonl"), read(example / "student.jsonl")
    for side, frame in (("teacher", teacher), ("student", student)):
        assert ops[side]["latency_ms"]["n"] == len(frame)
        assert ops[side]["latency_ms"]["p95"] == pytest.approx(np.quantile(frame.latency_ms, 0.95))
        assert ops[side]["cost_per_1k_calls_usd"]["mean"] == pytest.approx(frame.cost.mean() * 1000)
    t50, s50 = np.quantile(teacher.latency_ms, 0.5), np.quantile(student.latency_ms, 0.5)
    assert ops["saved_pct"]["latency_p50"] == pytest.approx(100 * (t50 - s50) / t50)
    assert ops["saved_pct"]["cost_per_1k_calls"] == pytest.approx(
        100 * (1 - student.cost.mean() / teacher.cost.mean())
    )
