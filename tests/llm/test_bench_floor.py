"""scripts/bench_judge.py's ideal client, the floor its fault-mix row is read against."""

from __future__ import annotations

import importlib.util
import math
import random
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_judge.py"


def bench():
    spec = importlib.util.spec_from_file_location("bench_judge", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_faults_the_ideal_is_the_floor():
    b = bench()
    for n, c in [(500, 50), (500, 500), (7, 3)]:
        wall = b.ideal_wall(n, c, 0.2, p429=0.0, p500=0.0, retry_after=1.0, seed=0)
        assert wall == pytest.approx(math.ceil(n / c) * 0.2)


def test_one_item_waits_one_retry_after_per_429_drawn_before_its_answer():
    # One item, one slot: the mock's draws for it are random.Random(seed).random() in order; each
    # below p429 is a 429 (one 1.0 s wait), each in [p429, p429 + p500) a 500 (retried at once),
    # the first other one the answer (0.2 s).
    b = bench()
    for seed in range(30):
        draws, waits = random.Random(seed), 0
        while (r := draws.random()) < 0.5:
            waits += r < 0.3
        wall = b.ideal_wall(1, 1, 0.2, p429=0.3, p500=0.2, retry_after=1.0, seed=seed)
        assert wall == pytest.approx(waits * 1.0 + 0.2), seed


def test_faults_that_never_end_are_refused():
    with pytest.raises(ValueError, match="p429"):
        bench().ideal_wall(1, 1, 0.2, p429=0.8, p500=0.2, retry_after=1.0, seed=0)
