"""A relative SQLite setting names one file for the life of the process, whatever the folder later."""

from __future__ import annotations

from genjudge.store import resolve_url


def test_a_relative_sqlite_path_becomes_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_url("store.db") == f"sqlite:///{tmp_path / 'store.db'}"
    assert resolve_url("sqlite:///sub/store.db") == f"sqlite:///{tmp_path / 'sub' / 'store.db'}"
    assert resolve_url("sqlite:///:memory:") == "sqlite:///:memory:"
    assert resolve_url("store.db", base=tmp_path / "cfg") == f"sqlite:///{tmp_path / 'cfg' / 'store.db'}"


def test_the_same_relative_store_in_two_folders_is_two_stores(tmp_path, monkeypatch):
    """Engines are cached by URL (the decisions' store among them): with a relative URL, a decision
    saved after a change of folder went to the first folder's file."""
    from genjudge.validation.store import _engine

    files = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        monkeypatch.chdir(tmp_path / name)
        engine, _ = _engine(resolve_url("store.db"))
        files.append(engine.url.database)
    assert files == [str(tmp_path / "a" / "store.db"), str(tmp_path / "b" / "store.db")]
