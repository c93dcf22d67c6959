"""An extraction run with the default checks, a schema file named relative to the config, and a
student output that is not JSON: counted, never dropped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from genjudge.cli import app


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_extraction_run_with_defaults_and_relative_schema(tmp_path, monkeypatch):
    folder = tmp_path / "ex"
    folder.mkdir()
    gold = [
        {"company": "Acme", "total": "10.00"},
        {"company": "Beta", "total": "5.50"},
        {"company": "Cora", "total": "7"},
    ]
    write_jsonl(
        folder / "set.jsonl",
        [{"id": f"r{i}", "input": f"receipt {i}", "reference": g} for i, g in enumerate(gold)],
    )
    write_jsonl(folder / "teacher.jsonl", [{"id": f"r{i}", "output": g} for i, g in enumerate(gold)])
    write_jsonl(
        folder / "student.jsonl",
        [
            {"id": "r0", "output": {"company": "Acme", "total": "10.00"}},  # exact
            {
                "id": "r1",
                "output": {"company": "BETA", "total": 5.5},
            },  # total has the wrong type for the schema
            {"id": "r2", "output": "Cora, total 7"},  # not JSON
        ],
    )
    (folder / "schemas").mkdir()
    (folder / "schemas" / "receipt.json").write_text(
        json.dumps(
            {"type": "object", "required": ["company", "total"], "properties": {"total": {"type": "string"}}}
        )
    )
    (folder / "run.yaml").write_text(
        "task: extraction\nset: set.jsonl\nteacher: teacher.jsonl\nstudent: student.jsonl\nmin_support: 1\n"
        "checks:\n  exact_match: {}\n  json_structure: {schema: schemas/receipt.json}\n  extraction_fields: {}\n",
        encoding="utf-8",
    )
    assert CliRunner().invoke(app, ["freeze", str(folder / "set.jsonl")]).exit_code == 0
    monkeypatch.chdir(tmp_path)  # the schema path must resolve against the config's folder, not here
    result = CliRunner().invoke(
        app,
        ["run", str(folder / "run.yaml"), "--store", str(tmp_path / "s.db"), "--out", str(tmp_path / "out")],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text())

    def value(name, subject):
        return next(
            m
            for m in report["metrics"]
            if m["metric"] == name and m["subject"] == subject and m["slice_column"] is None
        )

    agree = value("agreement_rate", "student_vs_teacher")
    # r0 agrees, r1 differs (case and a number for a string), r2 is not JSON: unscored, outside n.
    assert (agree["value"], agree["n"], agree["n_unscored"]) == (0.5, 2, 1)
    assert report["counts"]["by_check"]["exact_match"]["reasons"] == {
        "student output not valid JSON (Expecting value)": 1
    }
    assert value("strict_parse_rate", "student")["value"] == pytest.approx(2 / 3)
    assert value("schema_adherence_rate", "student")["value"] == pytest.approx(1 / 3)
    assert value("schema_adherence_rate", "teacher")["value"] == 1.0
