"""The HTTP service (``genjudge serve``): the API, its jobs and its pages over the same core as the CLI.

:func:`create_app` builds the FastAPI application from :class:`ServiceSettings`; the CLI serves it
with uvicorn. FastAPI is imported only when the service is used (``genjudge --help`` stays fast).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from genjudge.service.settings import ServiceSettings

if TYPE_CHECKING:
    from genjudge.service.app import create_app

__all__ = ["ServiceSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from genjudge.service.app import create_app

        return create_app
    raise AttributeError(name)
