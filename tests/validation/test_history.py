"""Defaults a user expects: `validate` caches judge calls like a run, the store is the same from any
folder of a project, and recorded decisions are listed with ids and printed again by id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from genjudge.cli import app
from genjudge.store import locate, resolve_url
from tests.docs.sandbox import LoopbackThread
from tests.llm.loopback import blocks, verdict
from tests.validation.conftest import write_sample


@pytest.fixture
def server():
    lb = LoopbackThread(lambda seen: verdict(reason="ok", score=int(blocks(seen.user)["output"][-1])))
    yield lb.server
    lb.close()


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "proj"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    write_sample(root / "s", n=40)
    monkeypatch.delenv("GENJUDGE_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    return root


def _validate(server, *extra: str):
    args = ["validate", "s", "--rubric", "faithfulness", "-d", "quality", "--provider", "openai"]
    args += ["--model", "judge-x", "--base-url", server.base_url, "--resamples", "50", *extra]
    return CliRunner().invoke(app, args)


def test_validate_caches_judge_calls_by_default(project, server, monkeypatch):
    monkeypatch.chdir(project)
    first = _validate(server)
    assert first.exit_code == 0, first.output
    assert len(server.seen) == 40
    cache = project / ".genjudge" / "judge_cache.sqlite"
    assert f"judge cache: {cache}" in first.stdout and cache.is_file()
    again = _validate(server)
    assert again.exit_code == 0, again.output
    assert len(server.seen) == 40  # every call answered from the cache
    fresh = _validate(server, "--no-cache")
    assert fresh.exit_code == 0 and len(server.seen) == 80 and "judge cache: off" in fresh.stdout


def test_store_is_found_from_any_folder_and_decisions_are_shown_by_id(project, server, monkeypatch):
    monkeypatch.chdir(project)
    res = _validate(server)
    assert res.exit_code == 0, res.output
    store = f"sqlite:///{project.resolve() / '.genjudge' / 'genjudge.db'}"
    m = re.search(r"recorded decision ([0-9a-f]{32}) in (\S+)", res.stdout)
    assert m and m.group(2) == store

    monkeypatch.chdir(project / "sub" / "deeper")  # another folder of the same project
    listing = CliRunner().invoke(app, ["validations", "list"])
    assert listing.exit_code == 0 and listing.stderr.strip() == f"store: {store}"
    [line] = listing.stdout.splitlines()
    assert line.startswith(m.group(1)) and "openai/judge-x faithfulness@" in line
    assert CliRunner().invoke(app, ["validations"]).stdout == listing.stdout  # bare: the list

    shown = CliRunner().invoke(app, ["validations", "show", m.group(1)[:8]])
    assert shown.exit_code == 0, shown.output
    assert f"decision id `{m.group(1)}`" in shown.stdout and "# Judge validation:" in shown.stdout
    as_json = CliRunner().invoke(app, ["validations", "show", m.group(1), "--json"])
    assert f'"decision_id": "{m.group(1)}"' in as_json.stdout

    missing = CliRunner().invoke(app, ["validations", "show", "ffff"])
    assert missing.exit_code == 2 and "no validation decision 'ffff'" in missing.stderr


def test_project_root_markers_and_user_level_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    monkeypatch.delenv("GENJUDGE_STORE", raising=False)
    repo = tmp_path / "repo"
    (repo / "a" / "b").mkdir(parents=True)
    (repo / ".git").write_text("gitdir: elsewhere\n")  # a worktree's .git is a file
    assert locate.project_root(repo / "a" / "b") == repo.resolve()
    # A store already in a subfolder wins over the root above it.
    (repo / "a" / ".genjudge").mkdir()
    (repo / "a" / ".genjudge" / "genjudge.db").touch()
    assert locate.default_store_path(repo / "a" / "b") == (repo / "a" / ".genjudge" / "genjudge.db").resolve()
    # A judge cache folder alone (no store in it) is no project root.
    (repo / "a" / "b" / ".genjudge").mkdir()
    assert locate.project_root(repo / "a" / "b") == (repo / "a").resolve()
    # Outside any project (the tmp folder's parents hold no marker): the user-level store.
    lone = tmp_path / "lone"
    lone.mkdir()
    if locate.project_root(lone) is None:
        assert locate.default_store_path(lone) == tmp_path / "user-data" / "genjudge" / "genjudge.db"
    # $GENJUDGE_STORE and a setting still win.
    monkeypatch.setenv("GENJUDGE_STORE", str(tmp_path / "env.db"))
    assert resolve_url(start=repo) == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_url("sqlite:///:memory:", start=repo) == "sqlite:///:memory:"
