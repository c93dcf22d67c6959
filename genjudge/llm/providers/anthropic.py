"""Anthropic messages through the ``anthropic`` SDK.

The verdict schema is enforced the way Anthropic's API supports it: a single tool whose input
schema is the verdict schema, with ``tool_choice`` forcing that tool; its input is the verdict.
Without a schema the text blocks are the answer. Anthropic returns no log-probabilities.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from genjudge.llm.errors import RequestError, ServerError
from genjudge.llm.providers._http import sdk_http_client
from genjudge.llm.providers._sdk import sdk_errors, sdk_options, settle_platform
from genjudge.llm.types import ChatRequest, ChatResponse

if TYPE_CHECKING:
    from genjudge.llm.providers.anthropic_batch import AnthropicBatchAPI
    from genjudge.llm.registry import ProviderSettings

__all__ = ["AnthropicProvider", "from_settings"]

_FINISH = {"end_turn": "stop", "tool_use": "stop", "stop_sequence": "stop", "max_tokens": "length"}


class AnthropicProvider:
    """One ``AsyncAnthropic`` client per run, its own retries off."""

    name = "anthropic"

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
        import anthropic

        self.model = model
        self.structured_output = structured_output
        self._anthropic = anthropic
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            timeout=timeout_s,
            http_client=sdk_http_client(
                anthropic.DefaultAsyncHttpxClient, concurrency=concurrency, timeout_s=timeout_s
            ),
        )
        settle_platform(self._client)

    def identity(self) -> dict[str, Any]:
        """What, beyond ``model``, changes the answers: the server (as the SDK resolved it) and
        whether the schema goes out as a forced tool."""
        return {"base_url": str(self._client.base_url), "structured_output": self.structured_output}

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.model,
            "system": request.system,
            "messages": [{"role": "user", "content": request.user}],
            "max_tokens": request.max_tokens,
            # This SDK's typed signature has no temperature; the Messages API takes it in the body.
            "extra_body": {"temperature": request.temperature},
        }
        if request.json_schema is not None and self.structured_output:
            params["tools"] = [
                {
                    "name": request.schema_name,
                    "description": "Record the verdict.",
                    "input_schema": request.json_schema,
                }
            ]
            params["tool_choice"] = {"type": "tool", "name": request.schema_name}
        return params

    async def generate(self, request: ChatRequest) -> ChatResponse:
        with sdk_errors(self._anthropic):
            raw = await self._client.messages.with_raw_response.create(**self._params(request))
            body = json.loads(raw.http_response.content)
        return parse_message(body)

    def batch_api(self) -> AnthropicBatchAPI:
        """This provider's batch API, on the same client (judge ``batch: true``)."""
        from genjudge.llm.providers.anthropic_batch import AnthropicBatchAPI

        return AnthropicBatchAPI(self._client, self._anthropic, self._params, parse_message)

    async def aclose(self) -> None:
        await self._client.close()


def from_settings(settings: ProviderSettings) -> AnthropicProvider:
    """The registry's factory: the provider the judge settings describe (key from the environment)."""
    return AnthropicProvider(settings.model_name, **sdk_options(settings))


def parse_message(body: Any) -> ChatResponse:
    """A :class:`ChatResponse` from an Anthropic ``message`` JSON body.

    A body of the wrong shape is a retryable :class:`ServerError` (``malformed response``).
    """
    if not isinstance(body, dict) or not isinstance(body.get("content"), list):
        if isinstance(body, dict) and "error" in body:
            raise RequestError(f"the server answered an error: {body['error']}")
        raise ServerError("the response has no content")
    try:
        return _message(body)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # pydantic's ValidationError too
        raise ServerError(f"malformed response: {type(exc).__name__}: {exc}") from None


def _message(body: dict[str, Any]) -> ChatResponse:
    texts: list[str] = []
    for block in body["content"]:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "tool_use":
            # A forced tool call is the structured verdict: it wins over any prose around it.
            texts = [json.dumps(block.get("input"), ensure_ascii=False)]
            break
        if block.get("type") == "text":
            texts.append(str(block.get("text", "")))
    stop = body.get("stop_reason")
    usage = body.get("usage") or {}
    return ChatResponse(
        text="".join(texts),
        finish_reason=None if stop is None else _FINISH.get(stop, stop),
        refusal="the model refused (stop_reason=refusal)" if stop == "refusal" else None,
        input_tokens=usage.get("input_tokens"),
        output_tokens=usage.get("output_tokens"),
    )
