"""``/v1/runs``: submit a run as a job, follow it (status, Server-Sent Events), read its report and
rows, cancel it. ``{id}`` is a job id; a stored run's id (or a unique prefix) serves its report and
rows too, for runs made by ``genjudge run``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from genjudge.service.auth import Caller
from genjudge.service.models import JobView, RunRequest
from genjudge.store.jobs import JobStatus

__all__ = ["runs_router"]


def _view(job: dict[str, Any]) -> JobView:
    return JobView(
        id=job["job_id"],
        status=job["status"],
        owner=job["owner"],
        created_at=job["created_at"],
        updated_at=job["updated_at"],
        claims=job["claims"],
        worker=job["worker"],
        progress=job["progress"],
        result=job["result"],
    )


def _job(request: Request, job_id: str) -> dict[str, Any]:
    job = request.app.state.service.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id!r}")
    return dict(job)


def _run_id(request: Request, some_id: str) -> str:
    """The stored run of a finished job, or ``some_id`` itself taken as a run id (prefix)."""
    job = request.app.state.service.jobs.get(some_id)
    if job is None:
        return some_id
    if job["status"] != JobStatus.DONE.value:
        reason = (job["result"] or {}).get("error")
        raise HTTPException(409, f"job {some_id} is {job['status']}" + (f": {reason}" if reason else ""))
    return str(job["result"]["run_id"])


def runs_router() -> APIRouter:
    """The job routes."""
    router = APIRouter(prefix="/v1/runs", tags=["runs"])

    @router.post("", status_code=202, response_model=JobView)
    def submit(body: RunRequest, request: Request, who: Caller) -> JobView:
        """Check a run and queue it; a worker runs it. Poll ``GET /v1/runs/{id}`` or stream its events."""
        from genjudge.service.jobs import prepare

        service = request.app.state.service
        payload = prepare(body, service.settings)
        job_id = service.jobs.submit(payload, who.name)
        return _view(_job(request, job_id))

    @router.get("", response_model=list[JobView])
    def list_jobs(
        request: Request, who: Caller, limit: Annotated[int, Query(ge=1, le=500)] = 50
    ) -> list[JobView]:
        """Jobs, newest first."""
        return [_view(j) for j in request.app.state.service.jobs.list(limit)]

    @router.get("/{job_id}", response_model=JobView)
    def status(job_id: str, request: Request, who: Caller) -> JobView:
        """A job's status and progress (stage, items, judge calls, cost so far)."""
        return _view(_job(request, job_id))

    @router.get("/{job_id}/events", response_class=StreamingResponse)
    async def events(job_id: str, request: Request, who: Caller) -> StreamingResponse:
        """Server-Sent Events: a ``progress`` event whenever the job changes, ``end`` when it ends."""
        service = request.app.state.service
        first = await asyncio.to_thread(service.jobs.get, job_id)
        if first is None:
            raise HTTPException(404, f"no job {job_id!r}")

        async def stream() -> AsyncIterator[str]:
            seen = None
            while True:
                job = await asyncio.to_thread(service.jobs.get, job_id)
                if job is None:
                    return
                view = _view(job)
                if (job["updated_at"], job["status"]) != seen:
                    seen = (job["updated_at"], job["status"])
                    yield f"event: progress\ndata: {view.model_dump_json()}\n\n"
                if JobStatus(job["status"]).terminal:
                    yield f"event: end\ndata: {json.dumps({'status': job['status']})}\n\n"
                    return
                if await request.is_disconnected():
                    return
                await asyncio.sleep(service.settings.poll_s)

        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    @router.post("/{job_id}/cancel", response_model=JobView)
    def cancel(job_id: str, request: Request, who: Caller) -> JobView:
        """Cancel a queued or running job (a running one stops within a third of its lease)."""
        job = _job(request, job_id)
        if not request.app.state.service.jobs.cancel(job_id):
            raise HTTPException(409, f"job {job_id} has already ended ({job['status']})")
        return _view(_job(request, job_id))

    @router.delete("/{job_id}", response_model=JobView)
    def delete(job_id: str, request: Request, who: Caller) -> JobView:
        """The same as ``POST /v1/runs/{id}/cancel``."""
        return cancel(job_id, request, who)

    @router.get("/{job_id}/report")
    def report(job_id: str, request: Request, who: Caller) -> dict[str, Any]:
        """The finished run's report (``report.json``), as ``genjudge runs show --json`` prints it."""
        from genjudge.store import RunStore

        run_store = RunStore(request.app.state.service.store_url, create=False)
        _, body = run_store.get(_run_id(request, job_id))
        return dict(body)

    @router.get("/{job_id}/examples")
    def examples(
        job_id: str,
        request: Request,
        who: Caller,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        status: Annotated[str | None, Query(pattern="^(ok|unscored|error)$")] = None,
    ) -> dict[str, Any]:
        """The run's per-example rows, a page at a time (``status`` keeps the ok / unscored / error ones)."""
        from genjudge.service.rows import page

        return page(request.app.state.service.store_url, _run_id(request, job_id), offset, limit, status)

    return router
