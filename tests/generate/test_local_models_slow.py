"""The demo's harness for real: both pinned local models (1.5B teacher, 0.5B student) through
``genjudge generate`` on the first items of examples/generate, then ``genjudge run`` on what it wrote.

Small on purpose (each call takes about a second on 2 threads).
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
import yaml

from genjudge.config import config_from_dict
from genjudge.generation import generate
from genjudge.runner import run

pytestmark = pytest.mark.slow
DEMO = Path(__file__).resolve().parents[2] / "examples" / "generate"
ITEMS = 3


@pytest.fixture(scope="module")
def models():
    pytest.importorskip("xllamacpp")
    from genjudge.errors import ConfigError
    from genjudge.llm.local_model import DEFAULT_MODEL_NAME, STUDENT_MODEL_NAME, ensure_model

    try:
        return [ensure_model(DEFAULT_MODEL_NAME), ensure_model(STUDENT_MODEL_NAME)]
    except ConfigError as exc:
        pytest.skip(f"the local models are not installed: {exc}")


def test_both_local_models_through_one_harness(models, tmp_path):
    folder = tmp_path / "demo"
    folder.mkdir()
    for name in ("set.jsonl", "set.jsonl.manifest.json", "generate.yaml", "genjudge.yaml"):
        shutil.copy(DEMO / name, folder / name)
    config = yaml.safe_load((folder / "generate.yaml").read_text())
    result = generate(folder / "generate.yaml", limit=ITEMS)
    assert result.errors == 0 and result.differences == []
    labels = config["postprocess"]["labels"]
    for side, model in zip(("teacher", "student"), models, strict=True):
        rows = [
            json.loads(line) for line in (folder / "generated" / f"{side}.jsonl").read_text().splitlines()
        ]
        assert len(rows) == ITEMS
        for row in rows:
            assert row["latency_ms"] > 0 and row["input_tokens"] > 20 and row["cost"] == 0.0
            assert row["logprobs"] and row["logprobs"][0]["top"]
            assert math.isclose(sum(row["probs"].values()), 1.0, abs_tol=1e-9) and set(row["probs"]) == set(
                labels
            )
            assert 0.0 < row["probs_mass"] <= 1.0 + 1e-9
        settings = json.loads((folder / "generated" / f"{side}.jsonl.generation.json").read_text())
        assert settings["model_identity"]["gguf_sha256"] == model.sha256
        assert settings["model_size_bytes"] == model.size
        assert settings["memory_bytes"] >= 0 and settings["memory_source"].startswith("measured")
        assert settings["hardware"]["runs_on"] == "this machine" and settings["concurrency"] == 1
    # the same prompt reached both models: identical input token counts (one tokenizer)
    tokens = {
        side: [
            json.loads(r)["input_tokens"]
            for r in (folder / "generated" / f"{side}.jsonl").read_text().splitlines()
        ]
        for side in ("teacher", "student")
    }
    assert tokens["teacher"] == tokens["student"]
    # a second call resumes every row from the journal: no model call is made
    again = generate(folder / "generate.yaml", limit=ITEMS)
    assert all(s.calls == 0 and s.cached == ITEMS for s in again.sides.values())
    run_config = yaml.safe_load((folder / "genjudge.yaml").read_text())
    evaluated = run(
        config_from_dict({**run_config, "min_support": 1}, base=folder),
        config_dir=folder,
        write_report=False,
        store=str(tmp_path / "s.db"),
    )
    names = {m["metric"] for m in evaluated.report["metrics"]}
    assert {"expected_calibration_error", "kl_divergence", "accuracy_score"} <= names
    ops = evaluated.report["operations"]
    assert ops["student"]["model"]["size_bytes"] < ops["teacher"]["model"]["size_bytes"]
    assert ops["saved_pct"]["model_size"] > 50
