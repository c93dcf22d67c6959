"""Every error the API answers is JSON: ``{"error": {"status": ..., "message": ..., "fields": [...]}}``.

Bad input is a 4xx that says what is wrong (pydantic's field errors, genjudge's ConfigError and
InputError naming the file, line and field); a missing run or job is a 404. Anything else is a 500
whose message names the exception only after redaction; the request's body is never echoed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from genjudge.errors import ConfigError, GenjudgeError, InputError, StoreError
from genjudge.redact import redact

__all__ = ["error_response", "install_handlers"]

log = logging.getLogger("genjudge.service")


def error_response(
    status: int,
    message: str,
    *,
    fields: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The service's JSON error."""
    body: dict[str, Any] = {"status": status, "message": redact(message) or ""}
    if fields:
        body["fields"] = fields
    return JSONResponse({"error": body}, status_code=status, headers=dict(headers or {}))


def install_handlers(app: FastAPI) -> None:
    """Turn every exception a route raises into the JSON error (Starlette's HTTPException, the base
    of FastAPI's, so that routing's own 404 and 405 are JSON too)."""

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "message": str(err.get("msg", ""))}
            for err in exc.errors()
        ]
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields[:5])
        return error_response(422, f"invalid request: {summary}", fields=fields)

    @app.exception_handler(GenjudgeError)
    async def _genjudge(request: Request, exc: GenjudgeError) -> JSONResponse:
        if isinstance(exc, StoreError) and ("no run" in str(exc) or "no store at" in str(exc)):
            return error_response(404, str(exc))
        if isinstance(exc, ConfigError | InputError | StoreError):
            return error_response(400 if not isinstance(exc, StoreError) else 409, str(exc))
        return error_response(502, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error(
            "%s %s failed: %s", request.method, request.url.path, redact(f"{type(exc).__name__}: {exc}")
        )
        return error_response(500, f"internal error ({type(exc).__name__})")
