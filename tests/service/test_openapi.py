"""The committed OpenAPI spec (docs/openapi.json) is the one the service serves."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def test_committed_spec_matches_the_code():
    import importlib.util

    loader = importlib.util.spec_from_file_location("openapi_script", REPO / "scripts" / "openapi.py")
    assert loader is not None and loader.loader is not None
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    committed = (REPO / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == module.render(module.spec()), (
        "docs/openapi.json is stale: run python scripts/openapi.py"
    )


def test_served_spec_is_the_committed_one(service, token):
    served = httpx.get(f"{service.url}/openapi.json", headers={"Authorization": f"Bearer {token}"}).json()
    committed = json.loads((REPO / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert served == committed
    paths = set(served["paths"])
    assert {"/health", "/v1/score", "/v1/runs", "/v1/runs/{job_id}", "/v1/runs/{job_id}/events",
            "/v1/runs/{job_id}/report", "/v1/runs/{job_id}/examples", "/v1/runs/{job_id}/cancel",
            "/v1/compare", "/v1/gate", "/v1/validate"} <= paths  # fmt: skip
