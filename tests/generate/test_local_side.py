"""A local side (llama.cpp stood in for): measured size and memory, one call at a time, and the
differences from a remote student printed as warnings."""

from __future__ import annotations

import json
import math
import threading

from typer.testing import CliRunner

from genjudge.cli import app
from genjudge.llm.providers import local
from tests.docs.sandbox import LoopbackThread
from tests.generate.conftest import openai_side, write_config
from tests.llm.loopback import Reply


class FakeLlama:
    """``handle_chat_completions`` like xllamacpp's: answers ``billing`` with top log-probs."""

    def __init__(self) -> None:
        self.ballast = b"x" * (32 << 20)  # what loading a model adds to the process's memory
        self.bodies: list[dict] = []

    def handle_chat_completions(self, body: dict) -> dict:
        self.bodies.append(body)
        top = [{"token": "bill", "logprob": -0.2}, {"token": "acc", "logprob": -1.8}]
        return {
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "billing"},
                    "logprobs": {"content": [{"token": "bill", "logprob": -0.2, "top_logprobs": top}]},
                }
            ],
            "usage": {"prompt_tokens": 12, "completion_tokens": 2},
        }


def test_local_teacher_is_measured_and_differences_are_warned(tmp_path, monkeypatch):
    fake = FakeLlama()
    loads = []

    def load_server(path, *, threads, n_ctx):
        loads.append((path, threads, n_ctx))
        return fake, threading.Lock()

    monkeypatch.setattr(local, "load_server", load_server)
    gguf = tmp_path / "teacher.gguf"
    gguf.write_bytes(b"GGUF" + bytes(1000))
    thread = LoopbackThread(lambda seen: Reply(content="billing"))
    try:
        teacher = {"provider": "local", "model_path": "teacher.gguf", "threads": 3, "n_ctx": 1024}
        config = write_config(tmp_path, teacher, openai_side(thread.server, "s"), params={"logprobs": True})
        out = CliRunner().invoke(app, ["generate", str(config), "--limit", "3", "--quiet"])
    finally:
        thread.close()
    assert out.exit_code == 0, out.output
    assert "warning: teacher and student differ: concurrency: teacher 1, student 4" in out.output
    assert 'hardware.runs_on: teacher "this machine", student "remote server"' in out.output
    assert len(fake.bodies) == 3 and loads[0][1:] == (3, 1024)
    # the same rendered messages and parameters reached the local model and the remote student
    seen = thread.server.seen
    assert sorted(json.dumps(b["messages"]) for b in fake.bodies) == sorted(
        json.dumps(s.body["messages"]) for s in seen
    )
    assert {(b["temperature"], b["max_tokens"]) for b in fake.bodies} == {(0.0, 256)}
    settings = json.loads((tmp_path / "generated" / "teacher.jsonl.generation.json").read_text())
    assert settings["concurrency"] == 1 and settings["model_size_bytes"] == 1004
    assert settings["model_identity"]["gguf_size"] == 1004 and settings["cost"] == 0.0
    assert settings["hardware"]["threads"] == 3 and settings["hardware"]["n_ctx"] == 1024
    # the stand-in loads nothing, so the increase of resident memory is small, never negative
    assert isinstance(settings["memory_bytes"], int) and settings["memory_bytes"] >= 0
    assert settings["memory_source"].startswith("measured: increase of this process's resident memory")
    rows = [json.loads(line) for line in (tmp_path / "generated" / "teacher.jsonl").read_text().splitlines()]
    b, a = math.exp(-0.2), math.exp(-1.8)  # "bill" -> billing, "acc" -> account
    assert rows[0]["output"] == "billing" and math.isclose(rows[0]["probs_mass"], a + b)
    assert math.isclose(rows[0]["probs"]["billing"], b / (a + b)) and rows[0]["probs"]["fraud_report"] == 0.0
