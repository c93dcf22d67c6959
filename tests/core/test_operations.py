"""What the student saves: percent saved with a paired bootstrap interval that covers what it claims."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genjudge.operations import operations_summary


def _frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    teacher_cost = rng.lognormal(-7.0, 0.4, n)
    return pd.DataFrame(
        {
            "teacher_latency_ms": rng.lognormal(6.9, 0.3, n),
            "student_latency_ms": rng.lognormal(5.3, 0.3, n),
            "teacher_cost": teacher_cost,
            "student_cost": teacher_cost * rng.uniform(0.5, 1.1, n),  # paired: long prompts cost both more
            **{
                f"{s}_{k}": np.full(n, np.nan)
                for s in ("teacher", "student")
                for k in ("input_tokens", "output_tokens")
            },
        }
    )


def test_saved_interval_is_seeded_and_holds_the_point_estimate():
    frame = _frame(np.random.default_rng(0), 300)
    one, two = operations_summary(frame, seed=4), operations_summary(frame, seed=4)
    assert one["saved_ci"] == two["saved_ci"]
    for key in ("latency_p50", "cost_per_1k_calls"):
        low, high = one["saved_ci"][key]
        assert low < one["saved_pct"][key] < high


def test_saved_cost_interval_covers_the_true_saving():
    # True saving of the mean cost: 1 - E[uniform(0.5, 1.1)] = 20%.
    rng = np.random.default_rng(11)
    sims, hits = 300, 0
    for i in range(sims):
        ci = operations_summary(_frame(rng, 150), seed=i)["saved_ci"]["cost_per_1k_calls"]
        hits += ci[0] <= 20.0 <= ci[1]
    coverage = hits / sims
    # 95% nominal; the percentile bootstrap of a ratio runs a little under at n=150. Monte Carlo
    # standard error at 300 simulations is about 1.3 points.
    assert coverage == pytest.approx(0.95, abs=0.04)


def test_latency_percentiles_carry_order_statistic_intervals_and_slices_their_own():
    rng = np.random.default_rng(5)
    frame = _frame(rng, 240)
    frame["channel"] = np.where(np.arange(240) < 200, "email", "chat")
    frame.loc[frame.channel == "chat", "student_latency_ms"] *= 3.0  # the student is slow on chat
    ops = operations_summary(frame, seed=1, slices=["channel"])
    lat = ops["student"]["latency_ms"]
    for name, q in (("p50", 0.5), ("p95", 0.95)):
        low, high = lat[f"{name}_ci"]
        assert low <= lat[name] <= high
        assert lat[name] == pytest.approx(np.quantile(frame.student_latency_ms, q))
    by = {s["value"]: s for s in ops["by_slice"]}
    assert set(by) == {"chat", "email"} and by["chat"]["n"] == 40
    chat, email = by["chat"], by["email"]
    assert chat["student"]["latency_ms"]["p50"] == pytest.approx(
        np.median(frame.student_latency_ms[frame.channel == "chat"])
    )
    # P99 of 40 calls cannot be bounded above at 95%: the bound is open, not invented
    assert chat["student"]["latency_ms"]["p99_ci"][1] is None
    assert chat["saved_pct"]["latency_p50"] < email["saved_pct"]["latency_p50"]
    low, high = chat["saved_ci"]["latency_p50"]
    assert low <= chat["saved_pct"]["latency_p50"] <= high


def test_model_facts_give_size_memory_and_throughput_savings():
    frame = _frame(np.random.default_rng(2), 50)
    facts = {
        "teacher": {"size_bytes": 1_000, "memory_bytes": 4_000, "throughput": {"calls_per_s": 2.0}},
        "student": {"size_bytes": 250, "memory_bytes": 1_000, "throughput": {"calls_per_s": 5.0}},
    }
    ops = operations_summary(frame, facts=facts)
    assert ops["saved_pct"]["model_size"] == pytest.approx(75.0)
    assert ops["saved_pct"]["memory"] == pytest.approx(75.0)
    assert ops["gained_pct"]["throughput"] == pytest.approx(150.0)
    assert ops["student"]["model"]["size_bytes"] == 250
