"""The shared HTTP client handed to an SDK: connection pool sized to the run's concurrency."""

from __future__ import annotations

import importlib
from typing import Any


def httpx_module(client_cls: type) -> Any:
    """The httpx package an SDK's client class is built on (``httpx``, or the SDK's own flavour):
    the module of the ``AsyncClient`` among its bases."""
    for base in client_cls.__mro__:
        if base.__name__ == "AsyncClient" and base.__module__.startswith("httpx"):
            return importlib.import_module(base.__module__.split(".")[0])
    raise TypeError(f"{client_cls.__qualname__} is not built on an httpx AsyncClient")


def sdk_http_client(default_client_cls: type, *, concurrency: int, timeout_s: float) -> Any:
    """An instance of the SDK's own async HTTP client class (httpx, or httpx over aiohttp), with
    pool limits set.

    The SDKs default to 1,000 connections but only 100 kept alive; a pool that matches the run's
    concurrency keeps every connection warm (no reconnect churn) and bounds sockets. The httpx
    flavour is taken from the SDK's class, so this works whichever httpx the SDK is built on.
    """
    httpx_mod = httpx_module(default_client_cls)
    limits = httpx_mod.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=30.0
    )
    # The SDK passes its own per-request timeout; this is the pool's backstop.
    timeout = httpx_mod.Timeout(timeout_s + 5.0, connect=min(10.0, timeout_s + 5.0))
    return default_client_cls(limits=limits, timeout=timeout)
