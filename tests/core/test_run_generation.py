"""A generation run end to end: the real openai SDK against the loopback server as the judge, the real
embedding model, and the judge's validation status carried into every judge-based number."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from genjudge.config import load_config
from genjudge.errors import ConfigError
from genjudge.runner import run_async
from tests.llm.loopback import Loopback, blocks, verdict

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "summaries"
NOT_EQUIVALENT = {"omission", "contradiction", "hallucination", "injection"}


@pytest.fixture()
def example(tmp_path: Path) -> Path:
    folder = tmp_path / "summaries"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("reports", ".genjudge"))
    return folder


def judge_by_kind(folder: Path):
    """A judge that knows the ground truth of the example (kinds.json), whatever the order asked."""
    kinds = json.loads((folder / "kinds.json").read_text())
    students = {
        json.loads(line)["output"]: json.loads(line)["id"]
        for line in (folder / "student.jsonl").read_text().splitlines()
    }

    def respond(seen):
        texts = blocks(seen.user)
        item = next(students[t] for t in texts.values() if t in students)
        label = "not_equivalent" if kinds[item] in NOT_EQUIVALENT else "equivalent"
        return verdict(reason=f"{kinds[item]}", verdict=label)

    return respond, kinds


def write_config(folder: Path, base_url: str, model: str = "loop-judge", **extra) -> Path:
    config = {
        "task": "generation",
        "set": "set.jsonl",
        "teacher": "teacher.jsonl",
        "student": "student.jsonl",
        "min_support": 8,
        "bootstrap": {"resamples": 500},
        "checks": {"exact_match": {}, "embedding_similarity": {}, "judge_equivalence": {}},
        "judge": {"provider": "openai", "model": model, "base_url": base_url, "concurrency": 8},
        "store": "store.db",
        **extra,
    }
    path = folder / "run.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def metric(report, name, subject="student_vs_teacher"):
    return next(
        m
        for m in report["metrics"]
        if m["metric"] == name and m["subject"] == subject and m["slice_column"] is None
    )


async def test_generation_run_with_judge_similarity_and_validation(example, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    respond, kinds = judge_by_kind(example)
    server = await Loopback(respond).start()
    try:
        path = write_config(example, server.base_url)
        result = await run_async(load_config(path), config_dir=example)
        report = result.report
        identical = sum(k == "identical" for k in kinds.values())
        # Identical outputs are equivalent without a call; every other pair is asked in both orders.
        assert len(server.seen) == 2 * (len(kinds) - identical) == 42
        equivalent = sum(k in ("identical", "equivalent") for k in kinds.values())
        rate = metric(report, "judge_equivalence_rate")
        assert (rate["value"], rate["n"]) == (pytest.approx(equivalent / 24), 24)
        assert metric(report, "judge_position_inconsistency_rate")["value"] == 0.0
        assert rate["validated"] is False
        assert "unvalidated_judge" in {f["code"] for f in report["findings"]}
        # Free text is read through judged equivalence and similarity, never exact agreement.
        assert not any("agreement_rate" in f["message"] for f in report["findings"])

        # Similarity sees the reused-words contradictions as near-identical; the judge does not.
        table = result.table
        cos = table.set_index("id")["embedding_similarity.student_vs_teacher.cosine"]
        contradictions = [i for i, k in kinds.items() if k == "contradiction"]
        assert cos[contradictions].min() > 0.95
        worst = report["sections"]["judge_vs_similarity"]["disagreements"]["rows"]
        header = report["sections"]["judge_vs_similarity"]["disagreements"]["header"]
        flagged = {
            row[0] for row in worst if row[header.index("direction")] == "similar but judged different"
        }
        assert set(contradictions) <= flagged
        md = (result.report_dir / "report.md").read_text()
        assert "judge unvalidated" in md and "Where the judge and embedding similarity disagree most" in md

        # The same run again: every verdict comes from the cache.
        again = await run_async(load_config(path), config_dir=example)
        assert len(server.seen) == 42
        assert again.report["run"]["same_inputs_as"] == report["run"]["run_id"]

        # This judge accepted on another population (an external rated set) is "validated elsewhere":
        # shown as such, and not validated (tests/validation/test_own_data_loop.py validates it here).
        accept(example / "store.db", tmp=example / "val", config=load_config(path))
        elsewhere = await run_async(load_config(path), config_dir=example)
        rate = metric(elsewhere.report, "judge_equivalence_rate")
        assert (rate["validated"], rate["validation"]) == (False, "validated elsewhere")
        assert "judge_validated_elsewhere" in {f["code"] for f in elsewhere.report["findings"]}
        assert "judge validated elsewhere" in (elsewhere.report_dir / "report.md").read_text()

        # A run that requires a validated judge is refused before any call, naming the judge exactly.
        strict = write_config(example, server.base_url, require_validated_judge=True)
        with pytest.raises(
            ConfigError, match=r"equivalence: validated elsewhere for openai/loop-judge at http"
        ):
            await run_async(load_config(strict), config_dir=example)
        other = write_config(example, server.base_url, model="other-judge", require_validated_judge=True)
        with pytest.raises(ConfigError, match=r"no validation decision for openai/other-judge"):
            await run_async(load_config(other), config_dir=example)
        assert len(server.seen) == 42
    finally:
        await server.stop()


def accept(store: Path, *, tmp: Path, config) -> None:
    """Record an accepted decision for the run's judge with the equivalence rubric, through the real
    gate, on an external rated sample (not the run's set)."""
    from genjudge.judge import JudgeSettings, load_rubric
    from genjudge.labels import load_sample
    from genjudge.validation import (
        Population,
        PopulationKind,
        bind_judge,
        decide,
        read_verdicts,
        save_decision,
    )
    from tests.validation.conftest import write_sample, write_verdicts

    root, truth = write_sample(tmp)
    sample = load_sample(root)
    verdicts = read_verdicts(write_verdicts(tmp / "v.csv", np.asarray(truth).tolist()), sample)
    decision = decide(
        sample,
        verdicts,
        binding=bind_judge(JudgeSettings.model_validate(config.judge), load_rubric("equivalence")),
        population=Population(kind=PopulationKind.EXTERNAL, name="synthetic"),
        verdicts_source="judge run",
    )
    assert decision.accepted
    save_decision(f"sqlite:///{store}", decision)
