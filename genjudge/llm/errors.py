"""How provider failures are classified, so retry policy lives in one place.

The tree (under :class:`genjudge.errors.ProviderError`)::

    ProviderError
    └── CallError            one attempt failed; ``retryable`` and ``retry_after`` say what to do
        ├── RateLimitError   429 (retryable; honours Retry-After)
        ├── ServerError      5xx, 408, 409, connection reset, a malformed response body (retryable)
        ├── AttemptTimeout   the per-attempt timeout fired (retryable, except for a provider that
        │                    cannot interrupt its work: the local model)
        └── RequestError     4xx other than the above: bad request, unknown model (final)
            └── AuthError    401 / 403: the credentials are refused (final, and it stops the run)
        └── CircuitOpen      not sent: too many calls in a row failed (final; see LLMClient)
    ProviderStopped          raised out of the client: the run cannot go on (credentials refused)

A provider's message is redacted (:func:`genjudge.redact.redact`) when the error is built, so a
key it echoes never reaches a verdict's reason, the store or the report.
"""

from __future__ import annotations

import email.utils
import time

from genjudge.errors import ProviderError

__all__ = [
    "AttemptTimeout",
    "AuthError",
    "CallError",
    "CircuitOpen",
    "ProviderStopped",
    "RateLimitError",
    "RequestError",
    "ServerError",
    "parse_retry_after",
]


class CallError(ProviderError):
    """One provider attempt failed."""

    retryable: bool = False

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        from genjudge.redact import redact

        super().__init__(redact(message))
        self.status = status
        self.retry_after = retry_after
        """Seconds the server asked us to wait (from ``Retry-After`` / ``retry-after-ms``)."""


class RateLimitError(CallError):
    retryable = True


class ServerError(CallError):
    retryable = True


class AttemptTimeout(CallError):
    retryable = True


class RequestError(CallError):
    retryable = False


class AuthError(RequestError):
    """401 / 403: every further call would be refused the same way."""


class CircuitOpen(CallError):
    """The call was not sent: the circuit breaker opened after repeated failures."""

    retryable = False


class ProviderStopped(ProviderError):
    """The run stops: the provider refused the credentials (no point asking for every item)."""


def parse_retry_after(headers: object) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    ms = get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def classify_status(status: int, message: str, headers: object = None) -> CallError:
    """The CallError for an HTTP status."""
    retry_after = parse_retry_after(headers)
    if status == 429:
        return RateLimitError(message, status=status, retry_after=retry_after)
    if status in (401, 403):
        return AuthError(message, status=status)
    if status >= 500 or status in (408, 409):
        return ServerError(message, status=status, retry_after=retry_after)
    return RequestError(message, status=status)
