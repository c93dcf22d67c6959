"""Request bodies and waiting helpers shared by the service tests."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from tests.robustness.conftest import SUMMARIES
from tests.service.conftest import judge_settings


def inline_body(base_url: str, *, seed: int = 0, n: int | None = None) -> dict[str, Any]:
    """The summaries example as an inline job: its items with both outputs."""
    rows = [json.loads(line) for line in (SUMMARIES / "set.jsonl").read_text().splitlines()]
    outputs = {
        side: {
            o["id"]: o["output"]
            for o in map(json.loads, (SUMMARIES / f"{side}.jsonl").read_text().splitlines())
        }
        for side in ("teacher", "student")
    }
    reserved = ("id", "input", "reference", "metadata")
    items = [
        {
            "id": r["id"],
            "input": r["input"],
            "reference": r.get("reference"),
            "teacher": outputs["teacher"].get(r["id"]),
            "student": outputs["student"].get(r["id"]),
            "columns": {k: v for k, v in r.items() if k not in reserved and not isinstance(v, dict | list)},
        }
        for r in rows[:n]
    ]
    return {
        "config": {
            "name": "service",
            "task": "generation",
            "min_support": 8,
            "bootstrap": {"resamples": 200, "seed": seed},
            "checks": {"exact_match": {}, "judge_equivalence": {}},
            "judge": judge_settings(base_url),
        },
        "data": {"items": items},
    }


def wait_for(client: httpx.Client, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/runs/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not end: {job}")


def classification_job(i: int) -> dict:
    labels = ["billing", "login", "bug"]
    items = [
        {"id": f"t{k}", "input": f"ticket {i}-{k}", "reference": labels[k % 3], "teacher": labels[k % 3],
         "student": labels[(k + (k % 4 == 0)) % 3]}
        for k in range(12)
    ]  # fmt: skip
    return {"config": {"task": "classification", "bootstrap": {"resamples": 100}}, "data": {"items": items}}
