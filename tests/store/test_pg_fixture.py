"""The PostgreSQL test fixture skips when no server is named, and FAILS when the named one is down
(so CI, which names one, cannot pass by skipping every PostgreSQL test)."""

from __future__ import annotations

import pytest

from tests import pg


def test_no_server_named_skips_with_the_reason(monkeypatch):
    monkeypatch.delenv(pg.ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"GENJUDGE_TEST_PG_URL is not set.*\.ci/postgres\.sh"):
        pg.admin_url()


def test_a_named_server_that_is_down_fails(monkeypatch):
    monkeypatch.setenv(pg.ENV, "postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    with pytest.raises(pytest.fail.Exception, match="is set but its server is unreachable"):
        pg.admin_url()


def test_each_test_gets_its_own_empty_database(store_url):
    import sqlalchemy as sa

    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == []
    engine.dispose()
    if store_url.startswith("postgresql"):
        assert sa.make_url(store_url).database.startswith("genjudge_t_")
