"""``genjudge serve`` with no options on a fresh project, and ``genjudge serve token add``."""

from __future__ import annotations

import re

import httpx

from tests.robustness.conftest import cli
from tests.service.conftest import ServeProcess


def test_serve_with_no_options_works_in_a_fresh_project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")  # a project root: the store goes in .genjudge/
    serve = ServeProcess(tmp_path)  # only --port 0 (the default 8000 may be taken on a test machine)
    try:
        out = serve.output()
        token = re.search(r"made token 'admin'.*\n(gj_\S+)", out)
        assert token, out
        auth = {"Authorization": f"Bearer {token.group(1)}"}
        assert httpx.get(f"{serve.url}/health").json()["status"] == "ok"
        assert httpx.get(f"{serve.url}/v1/runs", headers=auth).json() == []
        body = {"task": "classification", "items": [{"input": "a", "teacher": "x", "student": "x"}]}
        r = httpx.post(f"{serve.url}/v1/score", json=body, headers=auth)
        assert r.status_code == 200 and r.json()["counts"]["ok"] == 1, r.text
        assert serve.url.startswith("http://127.0.0.1:")
    finally:
        assert serve.stop() == 0, serve.output()
    assert (tmp_path / ".genjudge" / "genjudge.db").is_file()
    tokens = (tmp_path / ".genjudge" / "service_tokens.json").read_text()
    assert token.group(1) not in tokens and '"admin"' in tokens
    assert "Traceback" not in serve.output()
    # a second start finds the token and makes none
    again = ServeProcess(tmp_path)
    try:
        assert "made token" not in again.output()
    finally:
        again.stop()


def test_token_add_prints_the_token_once_and_stores_its_hash(tmp_path):
    path = tmp_path / "tokens.json"
    result = cli(["serve", "token", "add", "ci-bot", "--tokens", str(path)], tmp_path)
    assert result.exit_code == 0, result.output
    token = re.search(r"gj_\S+", result.output).group(0)
    assert token not in path.read_text()
    listed = cli(["serve", "token", "list", "--tokens", str(path)], tmp_path)
    assert listed.output.startswith("ci-bot\t") and token not in listed.output
    again = cli(["serve", "token", "add", "ci-bot", "--tokens", str(path)], tmp_path)
    assert again.exit_code == 2 and "exists" in again.output
    bad = cli(["serve", "token", "add", "no spaces", "--tokens", str(path)], tmp_path)
    assert bad.exit_code == 2 and "token name" in bad.output
    # a token's name is its rater id on the rating page, so it must be a valid rater name
    mail = cli(["serve", "token", "add", "ana@corp", "--tokens", str(path)], tmp_path)
    assert mail.exit_code == 2 and "rater id" in mail.output
    assert cli(["serve", "token", "remove", "ci-bot", "--tokens", str(path)], tmp_path).exit_code == 0
    assert cli(["serve", "token", "remove", "ci-bot", "--tokens", str(path)], tmp_path).exit_code == 2
