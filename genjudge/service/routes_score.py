"""``POST /v1/score`` and ``GET /health``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from genjudge._version import __version__
from genjudge.errors import ConfigError
from genjudge.service.auth import Caller
from genjudge.service.guard import check_judge
from genjudge.service.models import ScoreRequest

__all__ = ["score_router"]


def score_router() -> APIRouter:
    """The scoring route and the health check."""
    router = APIRouter()

    @router.get("/health", tags=["service"])
    async def health() -> dict[str, Any]:
        """Alive (no token needed)."""
        return {"status": "ok", "version": __version__}

    @router.post("/v1/score", tags=["score"])
    async def score(body: ScoreRequest, request: Request, who: Caller) -> dict[str, Any]:
        """Score a small batch at once: per item, its status (ok / unscored / error), its reason, and
        every check's values, status and reason."""
        from genjudge.service.scoring import score_batch

        service = request.app.state.service
        settings = service.settings
        if len(body.items) > settings.max_score_items:
            raise ConfigError(
                f"items: {len(body.items)} items; at most {settings.max_score_items} per request "
                "(submit a larger batch as a job: POST /v1/runs)"
            )
        judge = check_judge(body.judge, settings.key_envs)
        return await score_batch(
            body, service.judges, base_dir=settings.root, workdir=settings.workdir / "score", judge=judge
        )

    return router
