"""What the providers' batch APIs share: the SDK client and how the synchronous path builds a
request body and reads an answer, so that a batched call is asked and read exactly as a live one."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from genjudge.llm.types import ChatRequest, ChatResponse


class SdkBatchAPI:
    """A provider's batch API over its own SDK client (:class:`~genjudge.llm.batch.BatchAPI`)."""

    max_items: int
    """The API's limit of requests per batch."""

    def __init__(
        self,
        client: Any,
        sdk: ModuleType,
        params: Callable[[ChatRequest], dict[str, Any]],
        parse: Callable[[Any], ChatResponse],
    ) -> None:
        """``client``: the provider's SDK client; ``params``: the body the synchronous path sends;
        ``parse``: how the synchronous path reads an answer."""
        self._client = client
        self._sdk = sdk
        self._params_of = params
        self._parse = parse
