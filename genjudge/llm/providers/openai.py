"""OpenAI chat completions through the ``openai`` SDK, and any OpenAI-compatible server.

vLLM, llama.cpp's server and Ollama speak the same protocol: set ``base_url``. The verdict schema
goes out as ``response_format`` (``json_schema``); log-probabilities are asked for when requested.
The request goes through the SDK's generic ``post`` (its auth, headers, error mapping and HTTP
client) with a plain JSON body, and the answer is read from the raw HTTP body: the SDK's recursive
transform of typed params and its typed parse of the answer cost more CPU than the rest of a
call (measured with scripts/bench_judge.py), and the judge needs a handful of fields. The HTTP
transport is the SDK's aiohttp one (``DefaultAioHttpClient``) where the SDK has it: about 40% less
client CPU per call than its httpx transport (scripts/bench_generate.py), which is what sets the pace
at high concurrency on a small machine.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from genjudge.llm.errors import RequestError, ServerError
from genjudge.llm.providers._http import httpx_module, sdk_http_client
from genjudge.llm.providers._sdk import sdk_errors, sdk_options, settle_platform
from genjudge.llm.types import ChatRequest, ChatResponse, TokenLogprob

if TYPE_CHECKING:
    from genjudge.llm.providers.openai_batch import OpenAIBatchAPI
    from genjudge.llm.registry import ProviderSettings

__all__ = ["OpenAIProvider", "from_settings"]


class OpenAIProvider:
    """One ``AsyncOpenAI`` client per run, its own retries off."""

    name = "openai"

    def __init__(
        self,
        model: str,
        *,
        api_key: str,
        base_url: str | None = None,
        concurrency: int = 16,
        timeout_s: float = 60.0,
        structured_output: bool = True,
    ) -> None:
        import openai

        self.model = model
        self.structured_output = structured_output
        self._openai = openai
        http_client = sdk_http_client(
            _client_class(openai, base_url), concurrency=concurrency, timeout_s=timeout_s
        )
        self._client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            timeout=timeout_s,
            http_client=http_client,
        )
        self._response_cls: type[Any] = httpx_module(type(http_client)).Response
        settle_platform(self._client)

    def identity(self) -> dict[str, Any]:
        """What, beyond ``model``, changes the answers: the server (as the SDK resolved it) and
        whether the schema goes out as structured output."""
        return {"base_url": str(self._client.base_url), "structured_output": self.structured_output}

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": request.system},
                {"role": "user", "content": request.user},
            ],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.json_schema is not None and self.structured_output:
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "schema": request.json_schema, "strict": True},
            }
        if request.logprobs:
            params["logprobs"] = True
            params["top_logprobs"] = 10
        return params

    async def generate(self, request: ChatRequest) -> ChatResponse:
        with sdk_errors(self._openai):
            raw = await self._client.post(
                "/chat/completions", cast_to=self._response_cls, body=self._params(request)
            )
            body = json.loads(raw.content)
        return parse_chat_completion(body)

    def batch_api(self) -> OpenAIBatchAPI:
        """This provider's batch API, on the same client (judge ``batch: true``)."""
        from genjudge.llm.providers.openai_batch import OpenAIBatchAPI

        return OpenAIBatchAPI(self._client, self._openai, self._params, parse_chat_completion)

    async def aclose(self) -> None:
        await self._client.close()


def _client_class(openai: Any, base_url: str | None) -> type:
    """The SDK's aiohttp-backed client class when it has one and aiohttp is installed, else its
    httpx one; httpx too for a ``base_url`` with credentials in it (``user:pass@host``), which
    aiohttp refuses next to the SDK's Authorization header."""
    from urllib.parse import urlsplit

    aio = getattr(openai, "DefaultAioHttpClient", None)
    if aio is not None and not (base_url and urlsplit(base_url).username):
        try:
            import aiohttp  # noqa: F401  (the SDK's aiohttp client needs it)

            httpx_module(aio)
            return aio  # type: ignore[no-any-return]
        except (ImportError, TypeError):
            pass
    return openai.DefaultAsyncHttpxClient  # type: ignore[no-any-return]


def from_settings(settings: ProviderSettings) -> OpenAIProvider:
    """The registry's factory: the provider the judge settings describe (key from the environment)."""
    return OpenAIProvider(settings.model_name, **sdk_options(settings))


def parse_chat_completion(body: Any) -> ChatResponse:
    """A :class:`ChatResponse` from a chat.completion JSON body (also the local provider's).

    A body of the wrong shape is a retryable :class:`ServerError` (``malformed response``), like
    one that is not JSON at all: a garbled answer is a fault of the server, not of the request.
    """
    try:
        choice = body["choices"][0]
    except (KeyError, IndexError, TypeError):
        if isinstance(body, dict) and "error" in body:
            raise RequestError(f"the server answered an error: {body['error']}") from None
        raise ServerError("the response has no choices") from None
    try:
        return _chat_completion(body, choice)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # pydantic's ValidationError too
        raise ServerError(f"malformed response: {type(exc).__name__}: {exc}") from None


def _logprobs(content: list[Any]) -> list[TokenLogprob] | None:
    """The tokens' log-probabilities, or None when any is missing: a missing one is not 0.0, and
    the answer itself stands without them (the plain score, not log-prob weighted)."""
    tokens = []
    for t in content:
        top = (t.get("top_logprobs") or []) if isinstance(t, dict) else None
        if top is None or not all(isinstance(a, dict) for a in top):
            return None
        entries = [t, *top]
        if not all(
            isinstance(e.get("token"), str)
            and isinstance(e.get("logprob"), (int, float))
            and not isinstance(e.get("logprob"), bool)
            for e in entries
        ):
            return None
        tokens.append(
            TokenLogprob(token=t["token"], logprob=t["logprob"], top={a["token"]: a["logprob"] for a in top})
        )
    return tokens


def _chat_completion(body: dict[str, Any], choice: dict[str, Any]) -> ChatResponse:
    message = choice.get("message") or {}
    usage = body.get("usage") or {}
    lp = choice.get("logprobs")
    content_lp = lp.get("content") if isinstance(lp, dict) else None
    logprobs = _logprobs(content_lp) if content_lp else None
    text = message.get("content")
    details = usage.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else None
    return ChatResponse(
        text=text if isinstance(text, str) else "",
        finish_reason=choice.get("finish_reason"),
        refusal=message.get("refusal") or None,
        input_tokens=usage.get("prompt_tokens"),
        output_tokens=usage.get("completion_tokens"),
        logprobs=logprobs,
        cached_tokens=cached if isinstance(cached, int) and not isinstance(cached, bool) else None,
    )
