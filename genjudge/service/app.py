"""The FastAPI application of ``genjudge serve``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from genjudge.service.auth import TokenRegistry
from genjudge.service.settings import ServiceSettings


@dataclass
class Service:
    """What every request handler reaches through ``request.app.state.service``."""

    settings: ServiceSettings
    tokens: TokenRegistry = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = TokenRegistry(self.settings.tokens_file)

    @property
    def store_url(self) -> str:
        return self.settings.store_url


def create_app(settings: ServiceSettings) -> Any:
    """The application: health and the pages (dashboard, rating page, login)."""
    from fastapi import FastAPI

    from genjudge.service.pages import pages_router

    app = FastAPI(title="genjudge")
    app.state.service = Service(settings)

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(pages_router())
    return app
