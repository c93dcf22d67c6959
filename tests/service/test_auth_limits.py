"""Tokens, rate limits and size limits, through a real HTTP client against the running service."""

from __future__ import annotations

import json

import httpx

from genjudge.service.tokens import hash_token, read_tokens
from tests.service.conftest import ThreadedService, make_settings


def test_health_needs_no_token(service):
    r = httpx.get(f"{service.url}/health")
    assert r.status_code == 200 and r.json()["status"] == "ok"


def test_every_other_route_needs_a_token(service, token, tmp_path):
    routes = [
        ("POST", "/v1/score"), ("POST", "/v1/runs"), ("GET", "/v1/runs"), ("GET", "/v1/runs/x"),
        ("GET", "/v1/runs/x/events"), ("GET", "/v1/runs/x/report"), ("GET", "/v1/runs/x/examples"),
        ("POST", "/v1/runs/x/cancel"), ("DELETE", "/v1/runs/x"), ("POST", "/v1/compare"),
        ("POST", "/v1/gate"), ("POST", "/v1/validate"),
    ]  # fmt: skip
    assert httpx.get(f"{service.url}/openapi.json").status_code == 401
    assert (
        httpx.get(f"{service.url}/openapi.json", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    # no Swagger UI / ReDoc: they load their scripts from a CDN, and the service works offline
    assert httpx.get(f"{service.url}/docs", headers={"Authorization": f"Bearer {token}"}).status_code == 404
    for method, path in routes:
        for headers in ({}, {"Authorization": "Bearer gj_not-a-token"}, {"Authorization": "Basic abc"}):
            r = httpx.request(method, f"{service.url}{path}", headers=headers, json={})
            assert r.status_code == 401, (method, path, headers, r.text)
            assert r.json()["error"]["status"] == 401
            assert r.headers["www-authenticate"].startswith("Bearer")


def test_cookie_carries_the_token_too(service, token):
    r = httpx.get(f"{service.url}/v1/runs", cookies={"genjudge_token": token})
    assert r.status_code == 200 and r.json() == []


def test_tokens_are_stored_as_hashes_only(tmp_path, token):
    text = (tmp_path / "tokens.json").read_text()
    assert token not in text
    assert read_tokens(tmp_path / "tokens.json") == [
        {
            "name": "alice",
            "sha256": hash_token(token),
            "created_at": json.loads(text)["tokens"][0]["created_at"],
        }
    ]
    assert (tmp_path / "tokens.json").stat().st_mode & 0o077 == 0


def test_a_token_added_while_serving_works_at_once(service, tmp_path):
    from genjudge.service.tokens import add_token, remove_token

    other = add_token(tmp_path / "tokens.json", "bob")
    assert (
        httpx.get(f"{service.url}/v1/runs", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    )
    remove_token(tmp_path / "tokens.json", "bob")
    assert (
        httpx.get(f"{service.url}/v1/runs", headers={"Authorization": f"Bearer {other}"}).status_code == 401
    )


def test_rate_limit_per_token_answers_429_with_retry_after(tmp_path, token):
    from genjudge.service.tokens import add_token

    other = add_token(tmp_path / "tokens.json", "bob")
    s = ThreadedService(make_settings(tmp_path, rate_per_s=0.5, burst=3))
    try:
        codes = [
            httpx.get(f"{s.url}/v1/runs", headers={"Authorization": f"Bearer {token}"}) for _ in range(5)
        ]
        assert [r.status_code for r in codes] == [200, 200, 200, 429, 429]
        assert int(codes[3].headers["retry-after"]) >= 1
        assert "rate limit" in codes[3].json()["error"]["message"]
        # another token has its own bucket
        assert httpx.get(f"{s.url}/v1/runs", headers={"Authorization": f"Bearer {other}"}).status_code == 200
    finally:
        s.close()


def test_request_over_the_size_limit_is_413(tmp_path, token):
    s = ThreadedService(make_settings(tmp_path, max_body_bytes=2048))
    auth = {"Authorization": f"Bearer {token}"}
    try:
        big = {"task": "generation", "items": [{"input": "x" * 4000, "teacher": "a", "student": "a"}]}
        r = httpx.post(f"{s.url}/v1/score", json=big, headers=auth)
        assert r.status_code == 413 and "limit of 2048 bytes" in r.json()["error"]["message"]

        def chunks():  # no Content-Length: counted as it arrives
            for _ in range(10):
                yield b"x" * 500

        r = httpx.post(f"{s.url}/v1/score", content=chunks(), headers=auth)
        assert r.status_code == 413
    finally:
        s.close()
