"""``genjudge store current | upgrade`` on SQLite and PostgreSQL, and on a store made before migrations."""

from __future__ import annotations

from typer.testing import CliRunner

from genjudge.cli import app
from genjudge.redact import redact
from genjudge.store import migrate
from tests.store.legacy import make_legacy_store


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_upgrade_then_current(store_url):
    up = invoke("store", "upgrade", "--store", store_url)
    assert up.exit_code == 0, up.output
    assert up.stdout.strip() == f"revision: {migrate.head()} (head)"
    assert up.stderr.strip() == f"store: {redact(store_url)}"
    now = invoke("store", "current", "--store", store_url)
    assert now.exit_code == 0, now.output
    assert now.stdout.splitlines() == [f"revision: {migrate.head()}", f"head: {migrate.head()} (up to date)"]


def test_an_old_store_is_shown_as_such_then_upgraded(store_url):
    make_legacy_store(store_url)
    before = invoke("store", "current", "--store", store_url)
    assert before.exit_code == 0, before.output
    assert "revision: none (empty, or made before migrations)" in before.stdout
    assert "will be upgraded when next opened" in before.stdout
    assert invoke("store", "upgrade", "--store", store_url).exit_code == 0
    assert f"head: {migrate.head()} (up to date)" in invoke("store", "current", "--store", store_url).stdout


def test_current_reads_only_and_names_an_absent_file(tmp_path):
    result = invoke("store", "current", "--store", str(tmp_path / "none.db"))
    assert result.exit_code == 2
    assert "no store at" in result.stderr and "none.db" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_a_password_in_the_url_is_never_printed():
    url = "postgresql+psycopg://someone:s3cret-pw@127.0.0.1:1/nothing"
    for command in ("current", "upgrade"):
        result = invoke("store", command, "--store", url)
        assert result.exit_code == 2  # nothing listens on port 1: an error, not a traceback
        assert "error: cannot" in result.stderr
        assert "s3cret-pw" not in result.output and "someone" not in result.output
