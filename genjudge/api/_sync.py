"""Blocking edges that also work where an event loop already runs (Jupyter, an async test)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def blocking(fn: Callable[[], T]) -> T:
    """``fn()``, which may call ``asyncio.run``: in a worker thread when this thread runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    # asyncio.run refuses to nest; a notebook cell is such a place. The worker keeps our context.
    context = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="genjudge") as pool:
        return pool.submit(context.run, fn).result()
