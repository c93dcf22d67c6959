"""Teacher labelling through the real openai SDK against the loopback server: retries on 429 / 500,
answers stored and cached (a re-run asks nothing twice), garbage left unlabelled, a teacher that
cannot answer fails the pass with exit 1 and loses nothing."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter

from tests.llm.loopback import Reply
from tests.monitor.conftest import append, cli, records, write_config

TEACHER_LABELS = ["billing", "technical", "account"]


def teacher_config(tmp_path, base_url, **provider):
    return write_config(
        tmp_path,
        labels="__drop__",
        reference_field="truth",
        teacher={
            "labels": TEACHER_LABELS,
            "provider": {
                "provider": "openai",
                "model": "teacher-model",
                "base_url": base_url,
                "api_key_env": "GJ_MONITOR_NO_KEY",
                "concurrency": 4,
                "max_attempts": 4,
                "backoff_initial_s": 0.01,
                "backoff_max_s": 0.05,
                **provider,
            },
        },
    )


def topic(seen) -> str:
    return re.search(r"about (\w+)", seen.user).group(1)


def test_teacher_labels_with_429_and_500_then_success_and_no_second_call(tmp_path, server):
    faults = Counter()

    def responder(seen):
        if "ticket 7 " in seen.user and faults["t7"] < 2:
            faults["t7"] += 1
            return Reply(status=429, headers={"Retry-After": "0"}) if faults["t7"] == 1 else Reply(status=500)
        return Reply(content=topic(seen))

    server.respond(responder)
    append(tmp_path / "traffic" / "a.jsonl", records(0, 20) + records(1, 20, first=20))
    teacher_config(tmp_path, server.base_url)
    first = cli(["monitor", "monitor.yaml"], tmp_path)
    assert first.exit_code == 0, first.output
    assert "teacher: 40 labelled, 42 calls sent, 0 from cache" in first.output
    assert len(server.prompts()) == 42 and server.counts()["ticket 7 about technical"] == 3
    con = sqlite3.connect(tmp_path / "store.db")
    agree = con.execute(
        "select start, value, n from monitor_metrics where metric = 'agreement_rate' and slice_column is null "
        "order by start"
    ).fetchall()
    # every 5th output is wrong; the teacher is always right: 16 of 20 agree in each window.
    assert [(v, n) for _, v, n in agree] == [(0.8, 20), (0.8, 20)]
    subjects = {r[0] for r in con.execute("select distinct subject from monitor_metrics")}
    assert subjects == {"student_vs_teacher", "student"}  # student: accuracy against the references
    con.close()

    # More traffic: only the 5 new inputs reach the teacher.
    append(tmp_path / "traffic" / "a.jsonl", records(1, 5, first=40))
    second = cli(["monitor", "monitor.yaml"], tmp_path)
    assert "teacher: 5 labelled, 5 calls sent, 0 from cache" in second.output
    assert len(server.prompts()) == 47

    # A lost store: everything is ingested and labelled again, every answer from the call cache.
    (tmp_path / "store.db").unlink()
    third = cli(["monitor", "monitor.yaml"], tmp_path)
    assert third.exit_code == 0
    assert "teacher: 45 labelled, 0 calls sent, 45 from cache" in third.output
    assert len(server.prompts()) == 47


def test_unusable_answers_stay_unlabelled_and_are_asked_again(tmp_path, server):
    server.respond(
        lambda seen: Reply(content="I think it's about money" if "ticket 3 " in seen.user else topic(seen))
    )
    append(tmp_path / "traffic" / "a.jsonl", records(0, 10))
    teacher_config(tmp_path, server.base_url)
    first = cli(["monitor", "monitor.yaml"], tmp_path)
    assert first.exit_code == 0
    assert (
        'unlabelled: 1 x teacher answered "I think it\'s about money", not one of the labels' in first.output
    )
    server.respond(lambda seen: Reply(content=topic(seen)))
    second = cli(["monitor", "monitor.yaml"], tmp_path)
    assert "teacher: 1 labelled, 1 calls sent" in second.output


def test_a_teacher_that_cannot_answer_fails_the_pass_and_loses_nothing(tmp_path, server):
    server.respond(lambda seen: Reply(status=500))
    append(tmp_path / "traffic" / "a.jsonl", records(0, 10))
    teacher_config(tmp_path, server.base_url, max_attempts=2)
    failed = cli(["monitor", "monitor.yaml"], tmp_path)
    assert failed.exit_code == 1
    assert "the monitor could not do its job: the teacher labelled 0 of 10 items" in failed.output
    server.respond(lambda seen: Reply(content=topic(seen)))
    healed = cli(["monitor", "monitor.yaml"], tmp_path)
    assert healed.exit_code == 0
    assert "0 new items" in healed.output and "teacher: 10 labelled, 10 calls sent" in healed.output
