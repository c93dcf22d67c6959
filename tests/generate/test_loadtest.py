"""loadtest against the loopback server with a fixed delay: levels, the best rate, the bounds."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from genjudge.cli import app
from genjudge.generation import loadtest_async
from tests.docs.sandbox import LoopbackThread
from tests.generate.conftest import openai_side, write_config
from tests.llm.loopback import Reply

SLOW = 0.05


async def test_levels_rates_and_the_best_within_the_budget(loopback, tmp_path):
    loopback.responder = lambda seen: Reply(content="billing", delay=SLOW)
    config = write_config(tmp_path, openai_side(loopback, "t"), openai_side(loopback, "s"))
    result = await loopback_levels(config, budget_ms=1000)
    assert [lv.concurrency for lv in result.levels] == [1, 2, 4]
    assert all(lv.requests == 8 and lv.errors == 0 for lv in result.levels)
    assert loopback.max_inflight == 4 and len(loopback.seen) == 24  # no cache: every call sent
    for lv in result.levels:
        # 8 calls of >= 50 ms, c at a time: at least ceil(8 / c) x 50 ms of wall
        assert lv.wall_s >= (8 // lv.concurrency) * SLOW * 0.99
        assert lv.p50_ms >= SLOW * 1000 * 0.99 and lv.p95_ms >= lv.p50_ms
        assert abs(lv.rate_per_s - 8 / lv.wall_s) < 0.01 * lv.rate_per_s + 0.01
    assert result.best is max(result.levels, key=lambda lv: lv.rate_per_s)
    assert result.stopped == "all 3 levels measured"
    written = json.loads((tmp_path / "generated" / "loadtest-student.json").read_text())
    assert written["best"]["concurrency"] == result.best.concurrency and len(written["levels"]) == 3
    assert set(written["levels"][0]) == {
        "concurrency",
        "requests",
        "errors",
        "wall_s",
        "rate_per_s",
        "p50_ms",
        "p95_ms",
    }


async def loopback_levels(config, **kw):
    return await loadtest_async(config, side="student", levels=[4, 1, 2], requests=8, **kw)


async def test_stops_at_the_first_level_over_the_budget(loopback, tmp_path):
    loopback.responder = lambda seen: Reply(content="billing", delay=SLOW)
    config = write_config(tmp_path, openai_side(loopback, "t"), openai_side(loopback, "s"))
    result = await loopback_levels(config, budget_ms=10)
    assert [lv.concurrency for lv in result.levels] == [1] and result.best is None
    assert result.stopped.startswith("P95 ") and result.stopped.endswith(
        "over the budget of 10 ms at concurrency 1"
    )


async def test_bounded_in_time(loopback, tmp_path):
    loopback.responder = lambda seen: Reply(content="billing", delay=0.2)
    config = write_config(tmp_path, openai_side(loopback, "t"), openai_side(loopback, "s"))
    result = await loopback_levels(config, budget_ms=5000, max_seconds=0.5)
    assert result.levels == [] and result.best is None
    assert result.stopped == "max_seconds (0.5 s) reached during concurrency 1 (not counted)"
    assert len(loopback.seen) <= 3


def test_cli_prints_the_table(tmp_path):
    thread = LoopbackThread(lambda seen: Reply(content="billing", delay=0.01))
    try:
        config = write_config(tmp_path, openai_side(thread.server, "t"), openai_side(thread.server, "s"))
        out = CliRunner().invoke(
            app,
            [
                "loadtest",
                str(config),
                "--side",
                "teacher",
                "--budget-ms",
                "2000",
                "--levels",
                "1,2",
                "--requests",
                "4",
            ],
        )
    finally:
        thread.close()
    assert out.exit_code == 0, out.output
    assert "concurrency requests errors" in out.output and "best: " in out.output
    assert "stopped: all 2 levels measured" in out.output
    assert (tmp_path / "generated" / "loadtest-teacher.json").is_file()


async def test_a_local_side_is_refused_with_the_way_out(loopback, tmp_path):
    import pytest

    from genjudge.errors import ConfigError

    local = {"provider": "local", "model_path": str(tmp_path / "m.gguf")}
    (tmp_path / "m.gguf").write_bytes(b"GGUF")
    config = write_config(tmp_path, openai_side(loopback, "t"), local)
    with pytest.raises(
        ConfigError, match=r"student: a local model runs one call at a time .* provider openai with base_url"
    ):
        await loadtest_async(config, side="student", budget_ms=500)
    assert loopback.seen == []
