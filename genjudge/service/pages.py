"""The service's HTML pages (dashboard, rating page): none yet; this router is their place."""

from __future__ import annotations

from fastapi import APIRouter

__all__ = ["pages_router"]


def pages_router() -> APIRouter:
    """The pages' routes (empty until the pages are written)."""
    return APIRouter()
