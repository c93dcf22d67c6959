"""How the outputs were produced reaches the run: generate's settings records, a load test, and the
run config's model facts; a difference in the harness is a critical finding, or refuses the run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from genjudge.config import config_from_dict
from genjudge.errors import ConfigError
from genjudge.runner import run

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tickets"


def _record(side: str, **changes) -> dict:
    record = {
        "side": side,
        "provider": "local",
        "model": f"{side}-model",
        "model_identity": {"gguf_sha256": side},
        "prompt_template_sha256": "abc",
        "params": {"temperature": 0.0, "max_tokens": 6, "logprobs": True},
        "concurrency": 1,
        "batch_size": 1,
        "postprocess": {"strip": True, "labels": None},
        "hardware": {"runs_on": "this machine", "machine": "x86_64", "cpu_count": 2, "threads": 2},
        "model_size_bytes": 1_000_000_000 if side == "teacher" else 400_000_000,
        "memory_bytes": 2_000_000_000 if side == "teacher" else 700_000_000,
        "memory_source": "measured",
        "throughput_calls_per_s": 1.0 if side == "teacher" else 2.5,
        "output_tokens_per_s": 3.0,
        "set_fingerprint": "f",
    }
    record.update(changes)
    return record


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    dst = tmp_path / "tickets"
    shutil.copytree(EXAMPLE, dst, ignore=shutil.ignore_patterns("reports", ".genjudge"))
    return dst


def _config(folder: Path, **extra):
    data = {
        "task": "classification",
        "set": "set.jsonl",
        "teacher": "teacher.jsonl",
        "student": "student.jsonl",
        "checks": ["exact_match"],
        "bootstrap": {"resamples": 200},
        **extra,
    }
    return config_from_dict(data, base=folder)


def _write(folder: Path, side: str, record: dict) -> None:
    (folder / f"{side}.jsonl.generation.json").write_text(json.dumps(record))


def test_same_settings_give_size_memory_throughput_and_no_warning(folder, tmp_path):
    _write(folder, "teacher", _record("teacher"))
    _write(folder, "student", _record("student"))
    loadtest = {
        "side": "student",
        "budget_ms": 500,
        "best": {"concurrency": 4, "rate_per_s": 7.5, "p95_ms": 410},
    }
    (folder / "loadtest-student.json").write_text(json.dumps(loadtest))
    teacher_lt = {**loadtest, "side": "teacher", "best": {**loadtest["best"], "rate_per_s": 5.0}}
    (folder / "loadtest-teacher.json").write_text(json.dumps(teacher_lt))
    result = run(_config(folder), config_dir=folder, write_report=False, store=str(tmp_path / "s.db"))
    ops = result.report["operations"]
    assert ops["saved_pct"]["model_size"] == pytest.approx(60.0)
    assert ops["saved_pct"]["memory"] == pytest.approx(65.0)
    assert ops["gained_pct"]["throughput"] == pytest.approx(150.0)
    assert ops["student"]["loadtest"]["best"]["rate_per_s"] == 7.5
    assert ops["gained_pct"]["rate_at_budget"] == pytest.approx(50.0)
    assert ops["harness"]["differences"] == []
    assert "harness_mismatch" not in {f["code"] for f in result.report["findings"]}


def test_a_different_harness_is_a_critical_finding_or_a_refusal(folder, tmp_path):
    _write(folder, "teacher", _record("teacher"))
    _write(
        folder,
        "student",
        _record("student", concurrency=8, params={"temperature": 0.7, "max_tokens": 6, "logprobs": True}),
    )
    result = run(_config(folder), config_dir=folder, write_report=False, store=str(tmp_path / "s.db"))
    [finding] = [f for f in result.report["findings"] if f["code"] == "harness_mismatch"]
    assert finding["severity"] == "critical"
    assert "concurrency: teacher 1, student 8" in finding["message"]
    assert "params.temperature" in finding["message"] or "temperature" in finding["message"]
    with pytest.raises(
        ConfigError,
        match=r"different settings \(harness_mismatch: refuse\): .*concurrency: teacher 1, student 8",
    ):
        run(
            _config(folder, harness_mismatch="refuse"),
            config_dir=folder,
            write_report=False,
            store=str(tmp_path / "t.db"),
        )


def test_model_facts_in_the_config_win_and_a_bad_record_is_named(folder, tmp_path):
    facts = {"teacher": {"size_bytes": 140_000_000_000}, "student": {"size_bytes": 7_000_000_000}}
    result = run(
        _config(folder, model_facts=facts),
        config_dir=folder,
        write_report=False,
        store=str(tmp_path / "s.db"),
    )
    model = result.report["operations"]["student"]["model"]
    assert model["size_bytes"] == 7_000_000_000 and model["size_source"] == "run config (model_facts)"
    assert result.report["operations"]["saved_pct"]["model_size"] == pytest.approx(95.0)
    (folder / "student.jsonl.generation.json").write_text("[1, 2]")
    with pytest.raises(Exception, match=r"student\.jsonl\.generation\.json: expected a JSON object"):
        run(_config(folder), config_dir=folder, write_report=False, store=str(tmp_path / "u.db"))
