"""What the SDK-backed providers share: the key, the client options, and the error mapping.

The ``openai`` and ``anthropic`` SDKs raise the same family of exceptions (``APIStatusError``,
``APITimeoutError``, ``APIConnectionError``); :func:`sdk_errors` turns them into
:mod:`genjudge.llm.errors` once, for both.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from genjudge.errors import ConfigError
from genjudge.llm.errors import ServerError, classify_status
from genjudge.redact import register_secret

if TYPE_CHECKING:
    from genjudge.llm.registry import ProviderSettings

__all__ = ["sdk_errors", "sdk_options", "settle_platform"]


@contextmanager
def sdk_errors(sdk: ModuleType) -> Iterator[None]:
    """Raise the :class:`~genjudge.llm.errors.CallError` for an SDK exception (or a non-JSON body)."""
    try:
        yield
    except sdk.APIStatusError as exc:
        raise classify_status(exc.status_code, str(exc.message), exc.response.headers) from None
    except sdk.APITimeoutError:
        raise ServerError("the HTTP request timed out") from None
    except sdk.APIConnectionError as exc:
        raise ServerError(f"connection failed: {exc}") from None
    except ValueError as exc:
        raise ServerError(f"the response body is not JSON: {exc}") from None


def sdk_options(settings: ProviderSettings) -> dict[str, Any]:
    """The keyword arguments of an SDK provider: key (from the environment), server, pool, timeout."""
    env = settings.key_env
    key = os.environ.get(env) if env else None
    register_secret(key)  # scrubbed from every error text, log line and file genjudge writes
    if not key:
        if settings.base_url is None:
            raise ConfigError(f"the {settings.provider} judge needs an API key in ${env}")
        key = "not-needed"  # a local OpenAI-compatible server usually takes any key
    return dict(
        api_key=key,
        base_url=settings.base_url,
        concurrency=settings.concurrency,
        timeout_s=settings.attempt_timeout_s,
        structured_output=settings.structured_output,
    )


def settle_platform(client: Any) -> None:
    """Read the platform an SDK client reports in its headers now, once (it may block on I/O).

    The SDKs read it on their first request, in a worker thread; a run's first wave (as many
    requests as the concurrency, all at once) would each start that thread hop before any is sent.
    Called where the client is built, itself off the event loop (``Judge.open``).
    """
    if getattr(client, "_platform", False) is not None:
        return  # already read, or an SDK that does not work this way
    module = importlib.import_module(type(client).__module__.rsplit(".", 1)[0] + "._base_client")
    get_platform = getattr(module, "get_platform", None)
    if get_platform is not None:
        client._platform = get_platform()
