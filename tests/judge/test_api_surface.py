"""The public names stay sorted and documented."""

from __future__ import annotations

from pathlib import Path

import genjudge.judge
import genjudge.llm
from genjudge import checks

DOC = (Path(__file__).resolve().parents[2] / "docs" / "judge.md").read_text()


def test_all_is_sorted_and_importable():
    for module in (genjudge.judge, genjudge.llm):
        assert module.__all__ == sorted(module.__all__)
        for name in module.__all__:
            assert hasattr(module, name), name


def test_contract_names():
    from genjudge.judge import Judge, JudgeSettings, Rubric, Verdict, load_rubric  # noqa: F401

    fields = set(JudgeSettings.model_fields)
    assert {
        "provider",
        "model",
        "base_url",
        "api_key_env",
        "concurrency",
        "rpm",
        "tpm",
        "timeout_s",
        "max_attempts",
        "temperature",
        "cache_path",
        "threads",
        "model_path",
        "logprob_weighting",
    } <= fields
    assert {
        "status",
        "reason",
        "value",
        "label",
        "rationale",
        "latency_ms",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "cached",
        "attempts",
        "label_ab",
        "label_ba",
        "position_inconsistent",
    } <= set(Verdict.model_fields)


def test_checks_registered_and_documented():
    for name in ("judge_equivalence", "judge_rubric"):
        assert name in checks.names() and f"`{name}`" in DOC
        cls = checks.get(name)
        for spec in cls(next(iter(cls.tasks)), cls.Options()).metrics():
            assert spec.judge_based
    for metric in ("judge_equivalence_rate", "judge_position_inconsistency_rate", "judge_<rubric>_score"):
        assert metric in DOC
    for field in (
        "provider",
        "concurrency",
        "rpm",
        "tpm",
        "timeout_s",
        "max_attempts",
        "cache_path",
        "threads",
        "model_path",
        "logprob_weighting",
        "prices_path",
    ):
        assert f"  {field}:" in DOC, field
