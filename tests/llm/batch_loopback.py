"""The loopback server plus the batch endpoints of both providers, for the real SDKs.

OpenAI: ``POST /v1/files`` (multipart upload), ``POST /v1/batches``, ``GET /v1/batches/{id}``,
``POST /v1/batches/{id}/cancel``, ``GET /v1/files/{id}/content``. Anthropic:
``POST /v1/messages/batches``, ``GET /v1/messages/batches/{id}``,
``GET /v1/messages/batches/{id}/results`` (JSONL), ``POST /v1/messages/batches/{id}/cancel``.

Each batch item is answered by the same ``responder`` as a synchronous call (a non-200 ``Reply``
becomes an errored line) and recorded in ``batch_seen``, apart from ``seen`` (synchronous calls),
with the protocol ``openai-batch`` / ``anthropic-batch``.
A batch stays in progress while ``hold`` is set and ends on the first look after that; items for
which ``expire(seen)`` is true are left unfinished and the batch ends ``expired``. A cancelled batch
(``cancel`` through the SDK) answers nothing. ``creations`` counts batches created (both providers).
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.llm.loopback import Loopback, Reply, Seen, anthropic_message, openai_completion

_ids = itertools.count(1)


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class BatchLoopback(Loopback):
    max_body = 256 * 1024**2  # a batch's upload is large (OpenAI takes files up to 200 MB)

    def __init__(self, responder: Callable[[Seen], Reply] | None = None) -> None:
        super().__init__(responder)
        self.hold = False
        """While True every batch stays in progress."""
        self.expire: Callable[[Seen], bool] = lambda seen: False
        """Items left unfinished; a batch with any ends ``expired``."""
        self.reject: str | None = None
        """Set: an OpenAI batch ends ``failed`` with this validation error and no output."""
        self.create_status = 200
        """Not 200: uploads and batch creations are refused with this status ..."""
        self.create_refusals = 10**9
        """... this many times."""
        self.result_failures = 0
        """Reads of a batch's results (output / error files, results stream) answered 500 before
        they work."""
        self.batch_seen: list[Seen] = []
        self.creations = 0
        self.retrieves = 0
        self.files: dict[str, bytes] = {}
        self.uploads: list[dict[str, Any]] = []
        self.batches: dict[str, dict[str, Any]] = {}
        self._requests: dict[str, list[dict[str, Any]]] = {}

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/files", self._upload)
        app.router.add_get("/v1/files/{id}/content", self._content)
        app.router.add_post("/v1/batches", self._oa_create)
        app.router.add_get("/v1/batches/{id}", self._oa_retrieve)
        app.router.add_post("/v1/batches/{id}/cancel", self._oa_cancel)
        app.router.add_post("/v1/messages/batches", self._an_create)
        app.router.add_get("/v1/messages/batches/{id}", self._an_retrieve)
        app.router.add_get("/v1/messages/batches/{id}/results", self._an_results)
        app.router.add_post("/v1/messages/batches/{id}/cancel", self._an_cancel)

    # OpenAI --------------------------------------------------------------------------------------

    def _refused(self) -> web.Response | None:
        if self.create_status == 200 or self.create_refusals <= 0:
            return None
        self.create_refusals -= 1
        kind = {401: "authentication_error", 429: "rate_limit_error"}.get(
            self.create_status, "invalid_request_error"
        )
        body = {"type": "error", "error": {"type": kind, "message": f"refused ({self.create_status})"}}
        return web.json_response(body, status=self.create_status)

    async def _upload(self, request: web.Request) -> web.Response:
        if (refused := self._refused()) is not None:
            return refused
        form = await request.post()
        upload = form["file"]
        data = upload.file.read()  # type: ignore[union-attr]
        fid = f"file-{next(_ids)}"
        self.files[fid] = data
        self.uploads.append({"id": fid, "purpose": form.get("purpose"), "filename": upload.filename})  # type: ignore[union-attr]
        return web.json_response(
            {
                "id": fid,
                "object": "file",
                "bytes": len(data),
                "created_at": int(time.time()),
                "filename": upload.filename,  # type: ignore[union-attr]
                "purpose": form.get("purpose"),
                "status": "processed",
            }
        )

    def _result_failure(self) -> web.Response | None:
        if self.result_failures <= 0:
            return None
        self.result_failures -= 1
        body = {"type": "error", "error": {"type": "api_error", "message": "results unavailable"}}
        return web.json_response(body, status=500)

    async def _content(self, request: web.Request) -> web.Response:
        if (failed := self._result_failure()) is not None:
            return failed
        fid = request.match_info["id"]
        if fid not in self.files:
            return web.json_response(
                {"error": {"message": "no such file", "type": "invalid_request_error"}}, status=404
            )
        return web.Response(body=self.files[fid], content_type="application/octet-stream")

    async def _oa_create(self, request: web.Request) -> web.Response:
        if (refused := self._refused()) is not None:
            return refused
        body = await request.json()
        self.creations += 1
        lines = [json.loads(x) for x in self.files[body["input_file_id"]].decode().splitlines() if x.strip()]
        bid = f"batch_{next(_ids)}"
        self._requests[bid] = lines
        self.batches[bid] = {
            "id": bid,
            "object": "batch",
            "endpoint": body["endpoint"],
            "errors": None,
            "input_file_id": body["input_file_id"],
            "completion_window": body["completion_window"],
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": int(time.time()),
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
        }
        return web.json_response(self.batches[bid])

    async def _oa_retrieve(self, request: web.Request) -> web.Response:
        self.retrieves += 1
        batch = self.batches[request.match_info["id"]]
        if batch["status"] == "cancelling":
            batch["status"] = "cancelled"
        if batch["status"] in ("validating", "in_progress"):
            batch["status"] = "in_progress"
            if not self.hold:
                self._oa_finish(batch)
        return web.json_response(batch)

    async def _oa_cancel(self, request: web.Request) -> web.Response:
        batch = self.batches[request.match_info["id"]]
        batch["status"] = "cancelling"  # cancelled on the next look; nothing is answered
        return web.json_response(batch)

    def _oa_finish(self, batch: dict[str, Any]) -> None:
        if self.reject is not None:
            error = {"code": "invalid_request", "message": self.reject, "param": None, "line": 1}
            batch.update(status="failed", errors={"object": "list", "data": [error]})
            return
        out, err = [], []
        expired = False
        for line in self._requests[batch["id"]]:
            body = line["body"]
            msgs = body["messages"]
            system = next((m["content"] for m in msgs if m["role"] == "system"), "")
            user = next((m["content"] for m in msgs if m["role"] == "user"), "")
            seen = Seen("openai-batch", body, system, user)
            if self.expire(seen):
                expired = True
                err.append(
                    {
                        "id": f"batch_req_{next(_ids)}",
                        "custom_id": line["custom_id"],
                        "response": None,
                        "error": {
                            "code": "batch_expired",
                            "message": "This request could not be executed before the completion window expired.",
                        },
                    }
                )
                continue
            self.batch_seen.append(seen)
            reply = self.responder(seen)
            if reply.status != 200:
                body_err = {"error": {"message": reply.content or "error", "type": "invalid_request_error"}}
                err.append(
                    {
                        "id": f"batch_req_{next(_ids)}",
                        "custom_id": line["custom_id"],
                        "response": {"status_code": reply.status, "request_id": "req", "body": body_err},
                        "error": None,
                    }
                )
                continue
            answer = reply.body if reply.body is not None else openai_completion(body, reply, system, user)
            out.append(
                {
                    "id": f"batch_req_{next(_ids)}",
                    "custom_id": line["custom_id"],
                    "response": {"status_code": 200, "request_id": "req", "body": answer},
                    "error": None,
                }
            )
        for kind, rows in (("output_file_id", out), ("error_file_id", err)):
            if rows:
                fid = f"file-{next(_ids)}"
                self.files[fid] = "".join(json.dumps(r) + "\n" for r in rows).encode()
                batch[kind] = fid
        batch["status"] = "expired" if expired else "completed"
        batch["request_counts"] = {"total": len(out) + len(err), "completed": len(out), "failed": len(err)}

    # Anthropic -----------------------------------------------------------------------------------

    def _an_batch(self, bid: str, n: int) -> dict[str, Any]:
        return {
            "id": bid,
            "type": "message_batch",
            "processing_status": "in_progress",
            "request_counts": {"processing": n, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0},
            "ended_at": None,
            "created_at": _iso(time.time()),
            "expires_at": _iso(time.time() + 86400),
            "archived_at": None,
            "cancel_initiated_at": None,
            "results_url": None,
        }

    async def _an_create(self, request: web.Request) -> web.Response:
        if (refused := self._refused()) is not None:
            return refused
        body = await request.json()
        self.creations += 1
        bid = f"msgbatch_{next(_ids)}"
        self._requests[bid] = body["requests"]
        self.batches[bid] = self._an_batch(bid, len(body["requests"]))
        return web.json_response(self.batches[bid])

    async def _an_retrieve(self, request: web.Request) -> web.Response:
        self.retrieves += 1
        batch = self.batches[request.match_info["id"]]
        if batch["processing_status"] == "canceling":
            self._an_finish(batch, canceled=True)
        elif batch["processing_status"] == "in_progress" and not self.hold:
            self._an_finish(batch)
        return web.json_response(batch)

    async def _an_cancel(self, request: web.Request) -> web.Response:
        batch = self.batches[request.match_info["id"]]
        batch["processing_status"] = "canceling"
        batch["cancel_initiated_at"] = _iso(time.time())
        return web.json_response(batch)

    def _an_finish(self, batch: dict[str, Any], *, canceled: bool = False) -> None:
        rows = []
        counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        for item in self._requests[batch["id"]]:
            params = item["params"]
            system = params.get("system") or ""
            user = params["messages"][0]["content"]
            seen = Seen("anthropic-batch", params, system, user)
            if canceled:
                result: dict[str, Any] = {"type": "canceled"}
            elif self.expire(seen):
                result = {"type": "expired"}
            else:
                self.batch_seen.append(seen)
                reply = self.responder(seen)
                if reply.status != 200:
                    kind = "invalid_request_error" if reply.status == 400 else "api_error"
                    error = {"type": "error", "error": {"type": kind, "message": reply.content or kind}}
                    result = {"type": "errored", "error": error}
                else:
                    message = (
                        reply.body
                        if reply.body is not None
                        else anthropic_message(params, reply, system, user)
                    )
                    result = {"type": "succeeded", "message": message}
            counts[result["type"]] += 1
            rows.append({"custom_id": item["custom_id"], "result": result})
        self.files[batch["id"]] = "".join(json.dumps(r) + "\n" for r in rows).encode()
        batch.update(
            processing_status="ended",
            request_counts=counts,
            ended_at=_iso(time.time()),
            results_url=f"{self.anthropic_url}/v1/messages/batches/{batch['id']}/results",
        )

    async def _an_results(self, request: web.Request) -> web.Response:
        if (failed := self._result_failure()) is not None:
            return failed
        bid = request.match_info["id"]
        return web.Response(body=self.files[bid], content_type="application/binary")
