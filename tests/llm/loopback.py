"""A loopback server speaking OpenAI chat-completions and Anthropic messages, with faults.

The real ``openai`` and ``anthropic`` SDKs talk to it over 127.0.0.1. A test gives it a
``responder(req) -> Reply``; :class:`Reply` says what to send: a verdict, garbage, a refusal,
truncated JSON, an HTTP error (with ``Retry-After``), a slow answer or a raw body of any shape.
Every request is recorded with its arrival time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Reply:
    content: str = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    finish: str = "stop"
    refusal: str | None = None
    logprobs: list[dict] | None = None
    body: Any = None
    """Sent as the whole JSON body instead of a well-formed answer (a malformed response)."""


@dataclass
class Seen:
    protocol: str  # "openai" or "anthropic"
    body: dict[str, Any]
    system: str
    user: str
    at: float = field(default_factory=time.monotonic)
    """When the request arrived (``time.monotonic``)."""


def verdict(**obj: Any) -> Reply:
    return Reply(content=json.dumps(obj))


def blocks(user: str) -> dict[str, str]:
    """The delimited texts of a rendered prompt, matched by name and nonce: {"text-a": ..., ...}."""
    return {
        m.group(1): m.group(3)
        for m in re.finditer(r"<([a-z-]+)-([0-9a-f]{10})>\n(.*?)\n</\1-\2>", user, re.S)
    }


def loopback_settings(lb: Any, **kw: Any) -> Any:
    """Judge settings for the real openai SDK pointed at loopback server ``lb``, short retries."""
    from genjudge.judge import JudgeSettings

    return JudgeSettings(
        provider="openai",
        model="gpt-4o-mini",
        base_url=lb.base_url,
        api_key_env="GJ_TEST_NO_KEY",
        concurrency=4,
        timeout_s=5,
        max_attempts=2,
        backoff_initial_s=0.01,
        **kw,
    )


class Loopback:
    max_body = 1024**2
    """Largest request body accepted (aiohttp's default)."""

    def __init__(self, responder: Callable[[Seen], Reply] | None = None) -> None:
        self.responder = responder or (lambda seen: verdict(reason="fine", score=4))
        self.seen: list[Seen] = []
        self.inflight = 0
        self.max_inflight = 0
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._stopping = asyncio.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> Loopback:
        app = web.Application(client_max_size=self.max_body)
        app.router.add_post("/v1/chat/completions", self._openai)
        app.router.add_post("/v1/messages", self._anthropic)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    def routes(self, app: web.Application) -> None:
        """More routes, for a subclass (the batch endpoints: tests/llm/batch_loopback.py)."""

    async def stop(self) -> None:
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _reply(self, seen: Seen) -> Reply:
        self.seen.append(seen)
        self.inflight += 1
        self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            reply = self.responder(seen)
            if reply.delay:
                # a slow answer, cut short when the server stops
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), reply.delay)
            return reply
        finally:
            self.inflight -= 1

    @staticmethod
    def _error(reply: Reply) -> web.Response:
        kind = {429: "rate_limit_error", 500: "api_error", 400: "invalid_request_error"}.get(
            reply.status, "error"
        )
        body = {"type": "error", "error": {"type": kind, "message": reply.content or kind, "code": kind}}
        return web.json_response(body, status=reply.status, headers=reply.headers)

    async def _openai(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        msgs = body.get("messages", [])
        system = next((m["content"] for m in msgs if m["role"] == "system"), "")
        user = next((m["content"] for m in msgs if m["role"] == "user"), "")
        reply = await self._reply(Seen("openai", body, system, user))
        if reply.status != 200:
            return self._error(reply)
        if reply.body is not None:
            return web.json_response(reply.body)
        return web.json_response(openai_completion(body, reply, system, user))

    async def _anthropic(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        system = body.get("system") or ""
        user = body["messages"][0]["content"]
        reply = await self._reply(Seen("anthropic", body, system, user))
        if reply.status != 200:
            return self._error(reply)
        if reply.body is not None:
            return web.json_response(reply.body)
        return web.json_response(anthropic_message(body, reply, system, user))


def openai_completion(body: dict[str, Any], reply: Reply, system: str, user: str) -> dict[str, Any]:
    """The chat.completion body answering ``body`` with ``reply``."""
    choice = {
        "index": 0,
        "finish_reason": reply.finish,
        "message": {
            "role": "assistant",
            "content": None if reply.refusal else reply.content,
            "refusal": reply.refusal,
        },
        "logprobs": {"content": reply.logprobs} if reply.logprobs else None,
    }
    usage = {
        "prompt_tokens": (len(system) + len(user)) // 4,
        "completion_tokens": max(1, len(reply.content) // 4),
    }
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return {
        "id": "chatcmpl-loop",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model"),
        "choices": [choice],
        "usage": usage,
    }


def anthropic_message(body: dict[str, Any], reply: Reply, system: str, user: str) -> dict[str, Any]:
    """The message body answering ``body`` with ``reply``."""
    stop = {"stop": "end_turn", "length": "max_tokens"}.get(reply.finish, reply.finish)
    content: list[dict[str, Any]]
    try:
        parsed = json.loads(reply.content)
    except ValueError:
        parsed = None
    if reply.refusal:
        stop, content = "refusal", [{"type": "text", "text": reply.refusal}]
    elif isinstance(parsed, dict) and body.get("tool_choice"):
        stop = "tool_use"
        content = [
            {"type": "tool_use", "id": "toolu_1", "name": body["tool_choice"]["name"], "input": parsed}
        ]
    else:
        content = [{"type": "text", "text": reply.content}]
    usage = {
        "input_tokens": (len(system) + len(user)) // 4,
        "output_tokens": max(1, len(reply.content) // 4),
    }
    return {
        "id": "msg_loop",
        "type": "message",
        "role": "assistant",
        "model": body.get("model"),
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": usage,
    }
