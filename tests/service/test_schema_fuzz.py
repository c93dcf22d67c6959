"""The OpenAPI spec fuzzed with schemathesis against the running service: no 500 on any generated input.

Bounded: a few dozen examples per operation, the service's job workers off (a fuzzed job is queued,
never run), and a batch for ``/v1/score`` that names no checks is given ``exact_match`` (the task's
default checks load the local judge and the encoder, minutes of CPU that fuzzing does not need).
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from tests.service.conftest import ThreadedService, make_settings  # noqa: E402


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    from genjudge.service.tokens import add_token

    folder = tmp_path_factory.mktemp("fuzz")
    token = add_token(folder / "tokens.json", "fuzzer")
    service = ThreadedService(make_settings(folder, workers=0, rate_per_s=0))
    yield service, token
    service.close()


@pytest.fixture(scope="module")
def api_schema(fuzzed):
    service, token = fuzzed
    return schemathesis.openapi.from_url(
        f"{service.url}/openapi.json", headers={"Authorization": f"Bearer {token}"}
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_error_on_any_generated_input(case, fuzzed):
    _, token = fuzzed
    body = case.body
    if case.operation.path == "/v1/score" and isinstance(body, dict) and body.get("checks") is None:
        body["checks"] = ["exact_match"]
    for auth in ({"Authorization": f"Bearer {token}"}, {}):
        response = case.call(headers=auth)
        assert response.status_code < 500, (case.operation.path, case.body, response.text[:2000])
        if case.operation.path != "/health" and not auth:
            assert response.status_code == 401, "every route but /health needs a token"
        if response.status_code >= 400:
            error = response.json().get("error")
            assert error and error["status"] == response.status_code, (
                response.status_code,
                response.text[:500],
            )
