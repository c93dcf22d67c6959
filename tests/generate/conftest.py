"""Fixtures: a loopback LLM server, a small frozen set and a generate config writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from genjudge.io.evalset import freeze
from tests.llm.loopback import Loopback

LABELS = ["account", "billing", "cancellation", "fraud_report"]


@pytest.fixture
async def loopback():
    server = await Loopback().start()
    yield server
    await server.stop()


def make_set(folder: Path, n: int = 6) -> Path:
    """A frozen set of ``n`` tickets; item i's reference is LABELS[i % 4]."""
    path = folder / "set.jsonl"
    rows = [
        {"id": f"t{i}", "input": f"Ticket {i}: help", "reference": LABELS[i % 4], "channel": "chat"}
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    freeze(path)
    return path


def write_config(folder: Path, teacher: dict, student: dict, **top: object) -> Path:
    """``gen.yaml`` in ``folder`` over ``set.jsonl`` there (made when absent)."""
    if not (folder / "set.jsonl").exists():
        make_set(folder)
    config = {
        "set": "set.jsonl",
        "out": "generated",
        "prompt": {"system": "Classify into: {{ labels | join(', ') }}.", "user": "{{ input }}"},
        "params": {"temperature": 0.0, "max_tokens": 16, "logprobs": True},
        "concurrency": 4,
        "postprocess": {"strip": True, "labels": LABELS},
        "teacher": teacher,
        "student": student,
        **top,
    }
    path = folder / "gen.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def openai_side(server: Loopback, model: str, **extra: object) -> dict:
    return {
        "provider": "openai",
        "model": model,
        "base_url": server.base_url,
        "api_key_env": "GJ_TEST_NO_KEY",
        "backoff_initial_s": 0.01,
        "backoff_max_s": 0.02,
        **extra,
    }
