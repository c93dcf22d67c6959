"""The commands are thin edges: `run` and `validate` call the API, show progress (a plain line when
not on a terminal) and stay silent about it with --quiet."""

from __future__ import annotations

import inspect
from pathlib import Path

from typer.testing import CliRunner

from genjudge.cli import app
from genjudge.cli import validate as cli_validate
from tests.validation.conftest import write_sample, write_verdicts

REPO = Path(__file__).resolve().parents[2]


def test_run_shows_progress_unless_quiet(tmp_path):
    args = ["run", str(REPO / "examples" / "tickets" / "genjudge.yaml"), "--resamples", "100"]
    args += ["--store", str(tmp_path / "s.db")]
    loud = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert loud.exit_code == 0, loud.output
    assert "progress: done · items 400/400 · checks 4/4 · elapsed" in loud.stderr
    assert "399 scored, 1 unscored" in loud.stdout
    quiet = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b"), "--quiet"])
    assert quiet.exit_code == 0 and "progress:" not in quiet.output
    assert (tmp_path / "b" / "report.json").exists()


def test_validate_with_imported_verdicts_through_the_api(tmp_path):
    _root, truth = write_sample(tmp_path / "s")
    write_verdicts(tmp_path / "v.csv", truth.tolist()[:50])
    res = CliRunner().invoke(
        app,
        [
            "validate",
            str(tmp_path / "s"),
            "--verdicts",
            str(tmp_path / "v.csv"),
            "--judge-model",
            "m",
            "--resamples",
            "100",
            "--store",
            str(tmp_path / "g.db"),
            "--quiet",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "verdicts cover 50 of 60 rated items; the others count as unscored (no verdict)" in res.stdout
    assert "imported/m, rubric quality@1" in res.stdout and "recorded decision" in res.stdout
    assert "progress:" not in res.output


def test_a_bad_validation_config_key_is_named(tmp_path):
    (tmp_path / "v.yaml").write_text("sample: s\nlimt: 3\n")
    res = CliRunner().invoke(app, ["validate", "--config", str(tmp_path / "v.yaml")])
    assert res.exit_code == 2 and "field 'limt': Extra inputs are not permitted" in res.stderr


def test_validate_command_is_parsing_plus_one_call():
    source = inspect.getsource(cli_validate.validate)
    body = source[source.index('"""Measure') :]
    assert body.count("run_validation(") == 1 and len(body.splitlines()) < 70
