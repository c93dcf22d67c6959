"""The local provider's timeouts and cache identity, with a stand-in for the llama.cpp server.

The stand-in sleeps on the worker thread the way a real generation holds the CPU: it cannot be
interrupted, so what matters is what the client does while it runs.
"""

from __future__ import annotations

import json
import threading
import time

from genjudge.judge import Judge, JudgeSettings, load_rubric
from genjudge.llm.providers.local import LocalProvider
from genjudge.records import Status

RUBRIC = load_rubric("faithfulness")


class SlowServer:
    """``handle_chat_completions`` like xllamacpp's, taking ``delays[output]`` seconds."""

    def __init__(self, delays: dict[str, float]) -> None:
        self.delays = delays
        self.started: list[str] = []
        self.finished: list[str] = []

    def handle_chat_completions(self, body: dict) -> dict:
        user = body["messages"][1]["content"]
        which = next(k for k in self.delays if k in user)
        self.started.append(which)
        time.sleep(self.delays[which])
        self.finished.append(which)
        return {
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": json.dumps({"reason": "r", "score": 4})},
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5},
        }


def fake_local(tmp_path, server: SlowServer) -> LocalProvider:
    gguf = tmp_path / "fake.gguf"
    gguf.write_bytes(b"GGUF")
    provider = LocalProvider("fake", model_path=gguf)
    provider._server, provider._lock = server, threading.Lock()  # no model is loaded
    return provider


async def test_local_timeout_is_not_retried_and_does_not_starve_the_next_call(tmp_path):
    # Call A takes 0.6 s against a 0.3 s timeout; call B takes 0.1 s. A times out and is not
    # retried (its generation runs on regardless). B's clock starts only once A's thread is done,
    # so B gets its whole 0.3 s and answers; before, B timed out waiting behind A.
    server = SlowServer({"Output A.": 0.6, "Output B.": 0.1})
    settings = JudgeSettings(provider="local", timeout_s=0.3, max_attempts=3)
    async with Judge(settings, provider=fake_local(tmp_path, server)) as judge:
        a, b = await judge.grade(
            RUBRIC, [{"source": "S.", "output": "Output A."}, {"source": "S.", "output": "Output B."}]
        )
    assert a.status is Status.ERROR and a.attempts == 1
    assert a.reason.startswith("AttemptTimeout") and "not retried" in a.reason
    assert b.status is Status.OK and b.value == 4.0 and b.attempts == 1
    assert server.started == ["Output A.", "Output B."]  # one generation each, none abandoned twice


def test_local_identity_tracks_the_file_and_n_ctx(tmp_path):
    import os

    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 8)
    first = LocalProvider("m", model_path=gguf).identity()
    assert first == LocalProvider("m", model_path=gguf).identity()
    assert first != LocalProvider("m", model_path=gguf, n_ctx=1024).identity()
    gguf.write_bytes(b"GGUF" + b"\1" * 8)  # same size, another file
    os.utime(gguf, ns=(1, 1))
    assert first != LocalProvider("m", model_path=gguf).identity()
    # The verified default model is known by its sha256, wherever it sits.
    a = LocalProvider("m", model_path=gguf, sha256="ab" * 32).identity()
    b = LocalProvider("m", model_path=tmp_path / "elsewhere.gguf", sha256="ab" * 32).identity()
    assert a == b and a["gguf_sha256"] == "ab" * 32
