"""The LLM client layer: providers behind one protocol, and cache, limiter, retry, metering.

See :mod:`genjudge.llm.client` for the order of the layers and :mod:`genjudge.llm.errors` for how
failures are classified.
"""

from __future__ import annotations

from genjudge.llm.cache import CallCache, cache_key
from genjudge.llm.client import CallOutcome, LLMClient
from genjudge.llm.errors import AttemptTimeout, CallError, RateLimitError, RequestError, ServerError
from genjudge.llm.limiter import Limiter
from genjudge.llm.meter import CallMeter, Meter, MeterTotals
from genjudge.llm.prices import Price, PriceTable
from genjudge.llm.types import ChatRequest, ChatResponse, Provider, TokenLogprob

__all__ = [
    "AttemptTimeout",
    "CallCache",
    "CallError",
    "CallMeter",
    "CallOutcome",
    "ChatRequest",
    "ChatResponse",
    "LLMClient",
    "Limiter",
    "Meter",
    "MeterTotals",
    "Price",
    "PriceTable",
    "Provider",
    "RateLimitError",
    "RequestError",
    "ServerError",
    "TokenLogprob",
    "cache_key",
]
