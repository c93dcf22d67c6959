"""Progress: the tracker's tally and ETA (a fake clock, no sleeping), the meter's observer hook across
tasks and threads, the terminal display's plain and quiet modes, and a judge validation whose
progress counts its calls and cache hits through the real SDK against the loopback server."""

from __future__ import annotations

import asyncio
import threading

import pytest

from genjudge.cli.progress import progress_display, progress_line
from genjudge.llm.meter import CallMeter, Meter, observe_calls
from genjudge.progress import EventKind, ProgressEvent, ProgressSnapshot, ProgressTracker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def call(*, cached=False, ok=True, tokens=(10, 2), cost=0.001, attempts=1) -> CallMeter:
    return CallMeter(5.0, *tokens, cost, cached, 0 if cached else attempts, ok)


def test_tracker_tallies_calls_and_estimates_time_left():
    clock, events = Clock(), []
    t = ProgressTracker(events.append, clock=clock)
    t.plan(items=10, checks=2, calls=20)
    with t.stage("score"):
        clock.now += 1  # the first call lands 1 s in; the pace counts from there
        t.on_call(call())
        for _ in range(4):
            clock.now += 2
            t.on_call(call())
        t.on_call(call(cached=True))
        t.on_call(call(ok=False, tokens=(None, None), cost=0.0, attempts=3))
        s = t.snapshot
        assert (s.calls, s.cached, s.errors) == (7, 1, 1)
        # tokens and cost of answered, uncached calls only (5 of them)
        assert (s.input_tokens, s.output_tokens) == (50, 10) and s.cost_usd == pytest.approx(0.005)
        assert s.cost_known and s.stage == "score"
        # 7 of 20 calls: items done 10 * 7/20 -> 3; 8 s for 7 calls since the first -> 13 left x 8/7 s
        assert s.items_done == 3 and s.elapsed_s == 9.0 and s.eta_s == pytest.approx(13 * 8 / 7)
        t.check_finished("a")
    t.finished()
    last = events[-1]
    assert last.kind is EventKind.FINISHED and last.snapshot.items_done == 10 and last.snapshot.stage is None
    kinds = [e.kind for e in events]
    assert kinds[0] is EventKind.STAGE_STARTED and kinds.count(EventKind.CALL_FINISHED) == 7
    assert EventKind.STAGE_FINISHED in kinds and EventKind.CHECK_FINISHED in kinds


def test_an_unpriced_call_makes_the_cost_a_lower_bound():
    t = ProgressTracker()
    t.on_call(call(cost=None))
    t.on_call(call(cached=True, cost=None))
    assert not t.snapshot.cost_known
    cached_only = ProgressTracker()
    cached_only.on_call(call(cached=True, cost=None))
    assert cached_only.snapshot.cost_known  # a cache hit reached no provider


def test_no_eta_without_an_expected_number_of_calls():
    t = ProgressTracker()
    t.plan(items=5)
    t.on_call(call())
    s = t.snapshot
    assert s.eta_s is None and s.items_done == 0


async def test_meters_report_to_the_observers_of_their_context_only():
    seen: list[CallMeter] = []
    meter = Meter()

    async def work(n: int) -> None:
        for _ in range(n):
            meter.add(call())
            await asyncio.sleep(0)

    with observe_calls(seen.append):
        await asyncio.gather(work(3), work(2))
        await asyncio.to_thread(meter.add, call(cached=True))  # threads inherit the context
    meter.add(call())  # outside: nobody hears it
    other = threading.Thread(target=meter.add, args=(call(),))
    other.start()
    other.join()
    assert len(seen) == 6 and len(meter.records) == 8


def test_plain_display_prints_a_final_line_and_quiet_prints_nothing(capsys):
    snap = ProgressSnapshot(items=4, items_done=4, checks=1, checks_done=1, elapsed_s=3.2)
    with progress_display(terminal=False) as show:
        show(ProgressEvent(EventKind.STAGE_STARTED, snap, "load"))
        show(ProgressEvent(EventKind.MESSAGE, snap, "judging 4 items"))
        show(ProgressEvent(EventKind.FINISHED, snap))
    out = capsys.readouterr()
    assert out.out == "judging 4 items\n"
    assert out.err == "progress: done · items 4/4 · checks 1/1 · elapsed 0:03\n"
    with progress_display(quiet=True) as show:
        show(ProgressEvent(EventKind.FINISHED, snap))
        show(ProgressEvent(EventKind.MESSAGE, snap, "still said"))
    out = capsys.readouterr()
    assert out.err == "" and out.out == "still said\n"


def test_plain_display_throttles_to_the_interval(capsys):
    snap = ProgressSnapshot(items=4)
    with progress_display(terminal=False, interval=0.0) as show:
        show(ProgressEvent(EventKind.CALL_FINISHED, snap))
    assert capsys.readouterr().err.count("progress:") == 1
    with progress_display(terminal=False, interval=3600.0) as show:
        for _ in range(50):
            show(ProgressEvent(EventKind.CALL_FINISHED, snap))
    assert capsys.readouterr().err == ""


def test_describe_names_calls_tokens_cost_and_eta():
    s = ProgressSnapshot(
        items=60,
        items_done=30,
        checks=3,
        checks_done=2,
        calls=60,
        calls_expected=120,
        cached=12,
        errors=1,
        input_tokens=12_345,
        output_tokens=800,
        cost_usd=0.0123,
        cost_known=False,
        stage="score",
        elapsed_s=75,
        eta_s=3700,
    )
    assert progress_line(s) == (
        "score · items 30/60 · checks 2/3 · judge calls 60/120 (cached 12, errors 1) · "
        "tokens 12.3k in / 800 out · cost $0.0123 + unknown · elapsed 1:15 · ETA 1:01:40"
    )


def test_validate_judge_reports_progress_and_hits_the_cache_the_second_time(tmp_path):
    import genjudge
    from tests.llm.loopback import Loopback, blocks, verdict
    from tests.validation.conftest import write_sample

    write_sample(tmp_path / "s", n=40)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(
        Loopback(lambda seen: verdict(reason="ok", score=int(blocks(seen.user)["output"][-1]))).start(), loop
    ).result(10)
    try:
        config = genjudge.ValidationConfig(
            sample=tmp_path / "s",
            dimensions=["quality"],
            rubric="faithfulness",
            judge={
                "provider": "openai",
                "model": "judge-x",
                "base_url": server.base_url,
                "cache_path": str(tmp_path / "c.db"),
            },
            policy={"resamples": 100},
            store=str(tmp_path / "store.db"),
        )
        runs = []
        for _ in range(2):
            events: list[ProgressEvent] = []
            decision = genjudge.validate_judge(config, progress=events.append)
            runs.append(events[-1].snapshot)
            assert isinstance(decision, genjudge.Decision) and decision.dimensions[0].n_items == 40
        first, second = runs
        assert (first.calls, first.calls_expected, first.cached, first.errors) == (40, 40, 0, 0)
        assert first.input_tokens > 0 and first.items_done == 40
        assert (second.calls, second.cached) == (40, 40) and second.input_tokens == 0
        assert len(server.seen) == 40  # the second validation asked nothing
        messages = [e.detail for e in events if e.kind is EventKind.MESSAGE]
        assert messages[0] == "judging 40 items of 'quality' with openai/judge-x, rubric faithfulness"
        assert messages[1].startswith("judge cache: ") and messages[1].endswith("c.db")
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
