"""Cache keys, Retry-After parsing, price table, the local model's assembly and verification."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from genjudge.errors import ConfigError
from genjudge.llm.cache import CallCache, cache_key
from genjudge.llm.errors import RateLimitError, RequestError, ServerError, classify_status, parse_retry_after
from genjudge.llm.local_model import DEFAULT_MODEL_SIZE, PINNED, STUDENT_MODEL_NAME, part_files, verify_file
from genjudge.llm.prices import PriceTable


def test_cache_key_is_canonical():
    a = cache_key({"model": "m", "messages": [{"role": "user", "content": "é"}], "t": 0.0})
    b = cache_key({"t": 0.0, "messages": [{"content": "é", "role": "user"}], "model": "m"})
    assert a == b
    assert a != cache_key({"model": "m", "messages": [{"role": "user", "content": "é"}], "t": 0.5})
    # Spelled out: sha256 of the sorted, compact, UTF-8 JSON.
    assert cache_key({"b": 1, "a": "x"}) == hashlib.sha256(b'{"a":"x","b":1}').hexdigest()


def test_cache_roundtrip(tmp_path):
    cache = CallCache(tmp_path / "c.sqlite")
    cache.put("k", {"text": "{}", "input_tokens": 3})
    assert cache.get("k") == {"text": "{}", "input_tokens": 3} and cache.get("nope") is None
    cache.close()
    assert len(CallCache(tmp_path / "c.sqlite")) == 1  # persisted


def test_retry_after_forms():
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after-ms": "150", "retry-after": "9"}) == 0.15
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # in the past
    assert parse_retry_after({}) is None and parse_retry_after({"retry-after": "soon"}) is None


def test_status_classification():
    assert isinstance(classify_status(429, "x", {"retry-after": "1"}), RateLimitError)
    assert classify_status(429, "x", {"retry-after": "1"}).retry_after == 1.0
    for code in (500, 502, 503, 529, 408, 409):
        assert classify_status(code, "x").retryable, code
    for code in (400, 401, 403, 404, 422):
        assert (
            isinstance(classify_status(code, "x"), RequestError) and not classify_status(code, "x").retryable
        )
    assert isinstance(classify_status(503, "x"), ServerError)


def test_price_table_lookup_and_user_extension(tmp_path):
    table = PriceTable.load()
    assert table.lookup("openai", "gpt-4o-mini").cost(1_000_000, 1_000_000) == pytest.approx(0.75)
    assert table.lookup("anthropic", "claude-sonnet-4-5-20250929").input_per_mtok == 3.0  # prefix entry
    assert table.lookup("openai", "my-finetune") is None  # unknown: no invented 0
    assert table.lookup("local", "anything").cost(10, 10) == 0.0
    user = tmp_path / "prices.json"
    user.write_text(
        json.dumps(
            {
                "openai/my-finetune": {"input_per_mtok": 1, "output_per_mtok": 2},
                "openai/gpt-4o-mini": {"input_per_mtok": 9, "output_per_mtok": 9},
            }
        )
    )
    table = PriceTable.load(user)
    assert table.lookup("openai", "my-finetune").cost(1000, 1000) == pytest.approx(0.003)
    assert table.lookup("openai", "gpt-4o-mini").input_per_mtok == 9  # the user's entry wins
    user.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="not a price table"):
        PriceTable.load(user)


def test_verify_file_marker_mismatch_and_change(tmp_path):
    f = tmp_path / "m.gguf"
    f.write_bytes(b"GGUF" + b"\0" * 60)
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    assert verify_file(f, sha256=digest, size=64).freshly_verified
    assert not verify_file(f, sha256=digest, size=64).freshly_verified  # marker vouches, no re-hash
    f.write_bytes(b"GGUF" + b"\1" * 60)  # same size, new content and mtime: re-hashed and refused
    os.utime(f, ns=(1, 1))
    with pytest.raises(ConfigError, match="refusing"):
        verify_file(f, sha256=digest, size=64)
    with pytest.raises(ConfigError, match="size"):
        verify_file(f, sha256=digest, size=65)


def test_parts_are_the_pinned_22_in_order():
    pytest.importorskip("xllamacpp")
    try:
        parts = part_files()
    except ConfigError as exc:
        pytest.skip(str(exc))
    assert [p.name for p in parts] == [f"part{i:02d}.bin" for i in range(1, 23)]
    assert sum(p.stat().st_size for p in parts) == DEFAULT_MODEL_SIZE == 1_117_320_768


def test_student_parts_are_the_pinned_6_in_order():
    try:
        parts = part_files(STUDENT_MODEL_NAME)
    except ConfigError as exc:
        pytest.skip(str(exc))
    assert [p.name for p in parts] == [f"part{i:02d}.bin" for i in range(1, 7)]
    assert sum(p.stat().st_size for p in parts) == PINNED[STUDENT_MODEL_NAME].size == 491_400_064


def test_unknown_pinned_model_is_named():
    with pytest.raises(ConfigError, match=r"no pinned local model 'nope'; pinned: qwen2\.5-coder-0\.5b"):
        part_files("nope")
