"""Generation monitored with the teacher and the shipped MiniLM encoder: cosine similarity per window,
the score distribution's drift, and the embedding shift test on the inputs."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import numpy as np
import pytest

from tests.llm.loopback import Reply
from tests.monitor.conftest import START, append, cli, human_sample, write_config

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BILLING = ["My invoice for {m} is wrong.", "I was charged twice in {m}.", "Refund the {m} payment please."]
TRAVEL = ["Book a train to {c} on Friday.", "Which hotels near {c} have rooms?", "Cancel my flight to {c}."]
FILL = {"m": ["March", "April", "May", "June", "July"], "c": ["Lyon", "Porto", "Graz", "Turin", "Ghent"]}


def _rows(day, n, templates, rng, first=0, key="m"):
    out = []
    for k in range(n):
        i = first + k
        text = str(rng.choice(templates)).format(**{key: str(rng.choice(FILL[key]))}) + f" (case {i})"
        out.append(
            {
                "id": f"d{day}-{i}",
                "timestamp": (START + timedelta(days=day, minutes=5 * k)).isoformat(),
                "input": text,
                "output": "billing",
                "truth": "billing",
                "channel": "email",
            }
        )
    return out


def test_embedding_shift_alerts_on_a_new_kind_of_input_only(tmp_path):
    rng = np.random.default_rng(0)
    rows = (
        _rows(0, 30, BILLING, rng)
        + _rows(1, 30, BILLING, rng, first=30)
        + _rows(2, 30, TRAVEL, rng, first=60, key="c")
    )
    append(tmp_path / "traffic" / "t.jsonl", rows)
    human_sample(tmp_path / "labels", rows)
    write_config(tmp_path, embedding={"field": "input", "permutations": 200, "max_items": 30})
    result = cli(["monitor", "monitor.yaml"], tmp_path)
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "reports" / "monitor" / "tickets" / "monitor.json").read_text())
    tests = {d["start"][:10]: d for d in data["drift"] if d["kind"] == "embedding"}
    assert tests["2026-11-03"]["p_value"] > 0.01 and tests["2026-11-03"]["level"] == "ok"
    assert tests["2026-11-04"]["p_value"] < 0.01 and tests["2026-11-04"]["level"] == "alert"
    assert "ALERT window 2026-11-04..05: embedding shift p = " in result.output


def test_generation_with_teacher_gives_similarity_per_window_and_score_drift(tmp_path, server):
    server.respond(lambda seen: Reply(content=f"Answer: {seen.user}"))
    rows = []
    for day in range(2):
        for k in range(12):
            i = day * 12 + k
            question = f"How do I reset the password of account {i}?"
            # day 0: the student says what the teacher says; day 1: half of its answers are off topic.
            off = day == 1 and k % 2 == 0
            rows.append(
                {
                    "id": f"g{i}",
                    "timestamp": (START + timedelta(days=day, minutes=k)).isoformat(),
                    "input": question,
                    "output": "The weather in Lisbon is sunny today." if off else f"Answer: {question}",
                    "channel": "chat" if k % 3 else "email",
                }
            )
    append(tmp_path / "traffic" / "g.jsonl", rows)
    write_config(
        tmp_path,
        task="generation",
        labels="__drop__",
        teacher={
            "provider": {
                "provider": "openai",
                "model": "teacher-model",
                "base_url": server.base_url,
                "api_key_env": "GJ_MONITOR_NO_KEY",
            }
        },
        thresholds={"min_n": 5},
    )
    result = cli(["monitor", "monitor.yaml"], tmp_path)
    assert result.exit_code == 0, result.output
    con = sqlite3.connect(tmp_path / "store.db")
    values = dict(
        con.execute(
            "select substr(start, 1, 10), value from monitor_metrics where metric = 'embedding_similarity_score' "
            "and slice_column is null"
        ).fetchall()
    )
    assert values["2026-11-02"] == pytest.approx(1.0, abs=1e-5)  # identical texts
    assert values["2026-11-03"] < 0.8
    rates = dict(
        con.execute(
            "select substr(start, 1, 10), value from monitor_metrics "
            "where metric = 'embedding_similarity_above_threshold_rate' and slice_column is null"
        ).fetchall()
    )
    assert rates == {"2026-11-02": 1.0, "2026-11-03": 0.5}
    drift = [json.loads(d) for (d,) in con.execute("select data from monitor_drift")]
    con.close()
    scores = [d for d in drift if d["kind"] == "scores" and d["statistic"] == "psi"]
    assert len(scores) == 1 and scores[0]["level"] == "alert"
    assert "embedding_similarity_score (student_vs_teacher)" in result.output
