"""Job workers: threads that take jobs from the store, run them, and keep their lease alive.

A worker claims a job (:meth:`genjudge.store.jobs.JobStore.claim`), runs it on an event loop of its
own while a heartbeat extends the lease every third of it and records the progress; a heartbeat
that finds the job cancelled (or taken over) cancels the run. When the service stops, a job in
progress is put back in the queue, and the next worker to look resumes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import socket
import threading
import uuid
from typing import Any

from genjudge.store.jobs import JobStatus, JobStore

__all__ = ["Worker"]

log = logging.getLogger("genjudge.service")


class Worker(threading.Thread):
    """One job at a time, until :meth:`stop`."""

    def __init__(self, settings: Any, jobs: JobStore, index: int = 0) -> None:
        super().__init__(name=f"genjudge-worker-{index}", daemon=True)
        self.settings = settings
        self.jobs = jobs
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{index}:{uuid.uuid4().hex[:6]}"
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None

    def stop(self) -> None:
        """Stop taking jobs; a run in progress is cancelled and its job put back in the queue."""
        self._stopping.set()
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(task.cancel)

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                job = self.jobs.claim(self.worker_id, self.settings.lease_s)
            except Exception as exc:  # a store we cannot reach now: try again later, say why
                log.warning("worker %s cannot claim a job: %s", self.worker_id, _safe(exc))
                job = None
            if job is None:
                self._stopping.wait(self.settings.poll_s)
                continue
            try:
                asyncio.run(self._run(job))
            except Exception as exc:  # the store failed while recording the end: the lease expires
                log.warning("worker %s: job %s not recorded: %s", self.worker_id, job["job_id"], _safe(exc))

    async def _run(self, job: dict[str, Any]) -> None:
        from genjudge.api import evaluate_async
        from genjudge.errors import GenjudgeError
        from genjudge.service.jobs import materialise

        job_id = job["job_id"]
        progress: dict[str, Any] = {"stage": None}

        def on_event(event: Any) -> None:
            progress.update(dataclasses.asdict(event.snapshot))
            progress["last_event"] = event.kind.value

        self._loop = asyncio.get_running_loop()
        status, result = JobStatus.FAILED, {}
        try:
            config, folder, overrides = materialise(job["payload"], job_id, self.settings)
            self._task = asyncio.ensure_future(
                evaluate_async(
                    config,
                    config_dir=folder,
                    overrides=overrides,
                    store=self.settings.store_url,
                    progress=on_event,
                )
            )
            if self._stopping.is_set():
                self._task.cancel()
            beat = self.settings.lease_s / 3
            while not self._task.done():
                await asyncio.wait([self._task], timeout=beat)
                if self._task.done():
                    break
                alive = await asyncio.to_thread(
                    self.jobs.heartbeat, job_id, self.worker_id, self.settings.lease_s, progress
                )
                if not alive:  # cancelled, or another worker holds it now
                    self._task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await self._task
                    return
            run = self._task.result()
            outcome = run.report.outcome or {}
            status = JobStatus.DONE
            result = {
                "run_id": run.run_id,
                "report_dir": None if run.report_dir is None else str(run.report_dir),
                "outcome": outcome.get("status"),
            }
        except asyncio.CancelledError:
            if self._stopping.is_set():
                self.jobs.release(job_id, self.worker_id)
                return
            status, result = JobStatus.CANCELLED, {"error": "cancelled"}
        except GenjudgeError as exc:
            result = {"error": _safe(exc)}
        except Exception as exc:  # a bug must end the job as failed, with its reason, not kill the worker
            log.warning("job %s failed: %s", job_id, _safe(exc))
            result = {"error": f"internal error: {_safe(exc)}"}
        finally:
            self._task = None
        progress["finished"] = True
        self.jobs.heartbeat(job_id, self.worker_id, self.settings.lease_s, progress)
        self.jobs.finish(job_id, self.worker_id, status, result)


def _safe(exc: BaseException) -> str:
    from genjudge.redact import redact

    return redact(f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc)) or type(exc).__name__
