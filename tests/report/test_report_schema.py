"""report.json has one typed model: the committed JSON Schema is the model's, and the reports of the
shipped examples (tickets, the SROIE rules example, a generation run judged through the loopback
server) validate against it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from genjudge.api import evaluate_async
from genjudge.report.model import REPORT_SCHEMA_VERSION, Report, json_schema, schema_text
from tests.core.test_run_generation import judge_by_kind, write_config
from tests.llm.loopback import Loopback

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / "docs" / "report.schema.json"
SROIE_DATA = REPO.parent / "shared" / "data" / "sroie" / "sroie_key_fields.jsonl"


def test_committed_schema_is_the_models():
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        "docs/report.schema.json is stale: run `python -m genjudge.report.model`"
    )
    jsonschema.Draft202012Validator.check_schema(json_schema())


def check_report(folder: Path) -> dict:
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    assert data["schema_version"] == REPORT_SCHEMA_VERSION
    assert Report.model_validate(data).model_dump(mode="json") == data  # round trip, nothing lost
    return data


def test_schema_rejects_a_report_missing_a_field(tmp_path):
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert not validator.is_valid({"schema_version": 1})
    assert not validator.is_valid({"schema_version": 2})


async def test_tickets_report_validates(tmp_path):
    run = await evaluate_async(
        REPO / "examples" / "tickets" / "genjudge.yaml",
        overrides={"report_dir": str(tmp_path / "out"), "bootstrap": {"resamples": 200}},
        store=str(tmp_path / "s.db"),
    )
    data = check_report(tmp_path / "out")
    assert data["counts"]["items"] == 400 and data["run"]["run_id"] == run.run_id


@pytest.mark.skipif(not SROIE_DATA.exists(), reason="needs ../shared/data/sroie")
async def test_sroie_rules_report_validates(tmp_path):
    folder = tmp_path / "sroie"
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_sroie_example.py"), "--out", str(folder)],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    shutil.copy(REPO / "examples" / "sroie" / "config.yaml", folder / "config.yaml")
    checks = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))["checks"]
    await evaluate_async(
        folder / "config.yaml",
        overrides={
            "report_dir": str(tmp_path / "out"),
            "bootstrap": {"resamples": 100},
            # the embedding check is the slow one and adds nothing to the layout under test
            "checks": {k: v for k, v in checks.items() if k != "embedding_similarity"},
        },
        store=str(tmp_path / "s.db"),
    )
    data = check_report(tmp_path / "out")
    assert data["counts"]["items"] == 626
    assert "extraction_fields" in data["sections"]


async def test_generation_report_with_a_judge_validates(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = tmp_path / "summaries"
    shutil.copytree(
        REPO / "examples" / "summaries", folder, ignore=shutil.ignore_patterns("reports", ".genjudge")
    )
    respond, _ = judge_by_kind(folder)
    server = await Loopback(respond).start()
    try:
        path = write_config(folder, server.base_url, report_dir=str(tmp_path / "out"))
        await evaluate_async(path)
    finally:
        await server.stop()
    data = check_report(tmp_path / "out")
    assert data["sections"]["judge_equivalence"]["judge_meter"]["requests"] > 0
