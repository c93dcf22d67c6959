"""The FastAPI application: :func:`create_app` wires the settings, the store, the tokens, the
limits, the routes and the job workers; ``app.state.service`` is the :class:`Service` the routes use."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from genjudge._version import __version__
from genjudge.service.settings import ServiceSettings

__all__ = ["Service", "create_app"]

log = logging.getLogger("genjudge.service")


class Service:
    """What the routes share: the settings, the store's job queue, the tokens, the rate limiter, the
    judges of ``/v1/score`` and this process's job workers."""

    def __init__(self, settings: ServiceSettings) -> None:
        from genjudge.service.limits import RateLimiter
        from genjudge.service.scoring import JudgePool
        from genjudge.service.tokens import TokenRegistry
        from genjudge.store.jobs import JobStore

        self.settings = settings
        self.store_url = settings.store_url
        self.tokens = TokenRegistry(settings.tokens_file)
        self.limiter = RateLimiter(settings.rate_per_s, settings.burst)
        self.jobs = JobStore(settings.store_url)
        self.judges = JudgePool(settings.workdir / "score" / "judge_cache.sqlite")
        self.workers: list[Any] = []

    def start(self) -> None:
        from genjudge.service.worker import Worker

        (self.settings.workdir / "score").mkdir(parents=True, exist_ok=True)
        self.jobs.engine  # noqa: B018 - the table is made (and the store reachable) before the first request
        self.workers = [Worker(self.settings, self.jobs, i) for i in range(self.settings.workers)]
        for worker in self.workers:
            worker.start()

    async def stop(self) -> None:
        import asyncio

        for worker in self.workers:
            worker.stop()
        for worker in self.workers:
            await asyncio.to_thread(worker.join, 30)
        await self.judges.aclose()
        self.jobs.close()


def create_app(settings: ServiceSettings) -> FastAPI:
    """The service's application for ``settings`` (serve it with uvicorn)."""
    from genjudge.service.auth import ApiGate
    from genjudge.service.errors import install_handlers
    from genjudge.service.limits import BodyLimit
    from genjudge.service.pages import pages_router
    from genjudge.service.routes_releases import releases_router
    from genjudge.service.routes_runs import runs_router
    from genjudge.service.routes_score import score_router

    service = Service(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            await service.stop()

    app = FastAPI(
        title="genjudge",
        version=__version__,
        description=(
            "Evaluate distilled students against their teachers, with LLM judges validated against "
            "human ratings. Every route but /health needs `Authorization: Bearer <token>`."
        ),
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load their scripts from a CDN: the service works offline
        redoc_url=None,
    )
    app.state.service = service
    install_handlers(app)
    app.include_router(score_router())
    app.include_router(runs_router())
    app.include_router(releases_router())
    app.include_router(pages_router())
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ApiGate, tokens=service.tokens)  # added last: runs first
    _document_security(app)
    return app


def _document_security(app: FastAPI) -> None:
    """Declare the bearer token in the OpenAPI spec: required everywhere but ``/health``, with the
    JSON error every route may answer (401 without a token, 413, 422, 429 with Retry-After)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = original()
        components = document.setdefault("components", {})
        components.setdefault("securitySchemes", {})["bearer"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "A token made by `genjudge serve token add NAME`.",
        }
        components.setdefault("schemas", {})["Error"] = {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["status", "message"],
                    "properties": {
                        "status": {"type": "integer"},
                        "message": {"type": "string"},
                        "fields": {"type": "array", "items": {"type": "object"}},
                    },
                }
            },
        }
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for path, operations in document.get("paths", {}).items():
            for operation in operations.values():
                if path == "/health":
                    operation["security"] = []
                    continue
                operation["security"] = [{"bearer": []}]
                responses = operation.setdefault("responses", {})
                for code, what in (
                    ("401", "No token, or an unknown one"),
                    ("413", "The request body is over the limit"),
                    ("422", "The request does not match its schema"),
                    ("429", "The token's rate limit is reached (see Retry-After)"),
                ):
                    # FastAPI's own 422 schema ({"detail": ...}) is not what the service answers
                    responses[code] = {"description": what, **error}
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
