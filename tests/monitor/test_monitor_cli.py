"""``genjudge monitor`` end to end: incremental ingest into a folder appended to between runs,
stored windows and their history, alerts and exit codes, malformed input."""

from __future__ import annotations

import json
import sqlite3

import sqlalchemy as sa
from scipy.stats import beta

from tests.monitor.conftest import append, cli, human_sample, records, write_config


def _project(tmp_path, days=(0, 1), n=20, **settings):
    rows = []
    for day in days:
        day_rows = records(day, n)
        append(tmp_path / "traffic" / f"day{day}.jsonl", day_rows)
        rows += day_rows
    human_sample(tmp_path / "labels", rows)
    return write_config(tmp_path, **settings), rows


def _db(tmp_path, sql, url=None):
    if url is not None:  # any store URL (the store_url fixture): through SQLAlchemy
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.exec_driver_sql(sql)]
        finally:
            engine.dispose()
    con = sqlite3.connect(tmp_path / "store.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_second_run_ingests_only_new_lines_and_history_grows(tmp_path, store_url):
    """On SQLite and on PostgreSQL (the store_url fixture)."""
    _, rows = _project(tmp_path, store=store_url)
    first = cli(["monitor", "monitor.yaml"], tmp_path)
    assert first.exit_code == 0, first.output
    assert "40 new items, 2 of 2 windows recomputed" in first.output
    assert _db(tmp_path, "select count(*) from monitor_windows", store_url) == [(2,)]

    # Traffic keeps coming: more lines in day 1's file, a new file for day 2, and a line still
    # being written (no newline yet), which must wait for the next run.
    more = records(1, 5, first=20) + records(2, 20)
    append(tmp_path / "traffic" / "day1.jsonl", more[:5])
    append(tmp_path / "traffic" / "day2.jsonl", more[5:])
    partial = records(2, 1, first=99)
    append(tmp_path / "traffic" / "day2.jsonl", partial, newline=False)
    human_sample(tmp_path / "labels", rows + more + partial)
    second = cli(["monitor", "monitor.yaml"], tmp_path)
    assert second.exit_code == 0, second.output
    # day 0 unchanged: not recomputed; day 1 grew and day 2 is new.
    assert "25 new items, 2 of 3 windows recomputed" in second.output
    assert _db(tmp_path, "select count(*) from monitor_items", store_url) == [(65,)]
    assert _db(tmp_path, "select count(*) from monitor_windows", store_url) == [(3,)]

    # The half-written line is completed: only it is ingested now; nothing is recomputed but day 2.
    with (tmp_path / "traffic" / "day2.jsonl").open("a") as f:
        f.write("\n")
    third = cli(["monitor", "monitor.yaml"], tmp_path)
    assert "1 new items, 1 of 3 windows recomputed" in third.output
    fourth = cli(["monitor", "monitor.yaml"], tmp_path)
    assert "0 new items, 0 of 3 windows recomputed" in fourth.output
    assert fourth.exit_code == 0

    page = (tmp_path / "reports" / "monitor" / "tickets" / "monitor.html").read_text()
    assert (
        page.count("<svg") >= 3
        and "<script" not in page
        and "http://" not in page.replace("http://www.w3", "")
    )
    data = json.loads((tmp_path / "reports" / "monitor" / "tickets" / "monitor.json").read_text())
    assert [w["items"] for w in data["windows"]] == [20, 25, 21]


def test_window_metrics_are_the_hand_computed_accuracy_with_jeffreys_interval(tmp_path):
    _project(tmp_path, days=(0,), n=20)
    assert cli(["monitor", "monitor.yaml"], tmp_path).exit_code == 0
    got = _db(
        tmp_path,
        "select value, n, ci_low, ci_high from monitor_metrics where metric = 'accuracy_score' "
        "and slice_column is null",
    )
    # ids 0..19, every 5th output wrong (0, 5, 10, 15): 16 of 20 right.
    [(value, n, lo, hi)] = got
    assert (value, n) == (0.8, 20)
    # Jeffreys: the Beta(16.5, 4.5) quantiles.
    assert abs(lo - beta.ppf(0.025, 16.5, 4.5)) < 1e-12
    assert abs(hi - beta.ppf(0.975, 16.5, 4.5)) < 1e-12
    per_slice = dict(
        _db(
            tmp_path,
            "select slice_value, n from monitor_metrics where metric = 'accuracy_score' "
            "and slice_column = 'channel'",
        )
    )
    assert per_slice == {"chat": 4, "email": 16}


def test_slice_mix_shift_alerts_and_fail_on_alert_exits_1(tmp_path):
    rows = records(0, 40, chat_share=0.2) + records(1, 40, first=40, chat_share=0.8)
    append(tmp_path / "traffic" / "t.jsonl", rows)
    human_sample(tmp_path / "labels", rows)
    write_config(tmp_path)
    calm = cli(["monitor", "monitor.yaml"], tmp_path)
    assert calm.exit_code == 0  # alerts are printed; without the flag they do not fail
    # 0.2/0.8 -> 0.8/0.2: PSI = 2 * 0.6 * ln 4 = 1.66
    assert "ALERT window 2026-11-03..04: slice mix PSI 1.66 > 0.25 (channel)" in calm.output
    loud = cli(["monitor", "monitor.yaml", "--fail-on-alert"], tmp_path)
    assert loud.exit_code == 1 and "ALERT window 2026-11-03..04" in loud.output


def test_no_shift_no_alert(tmp_path):
    _project(tmp_path, days=(0, 1, 2))
    result = cli(["monitor", "monitor.yaml", "--fail-on-alert"], tmp_path)
    assert result.exit_code == 0, result.output
    assert "ALERT" not in result.output


def test_malformed_line_names_file_line_and_field_and_stores_nothing(tmp_path):
    _project(tmp_path)
    bad = records(2, 3)
    bad[1]["timestamp"] = "yesterday"
    append(tmp_path / "traffic" / "day2.jsonl", bad)
    result = cli(["monitor", "monitor.yaml"], tmp_path)
    assert result.exit_code == 2
    assert "day2.jsonl:2: field 'timestamp': 'yesterday' is not an ISO 8601 time" in result.output
    assert "Traceback" not in result.output
    assert _db(tmp_path, "select count(*) from sqlite_master where name = 'monitor_items'") == [(1,)]
    assert _db(tmp_path, "select count(*) from monitor_items") == [(0,)]


def test_not_json_and_missing_output_are_clear_errors(tmp_path):
    _project(tmp_path, days=(0,))
    (tmp_path / "traffic" / "x.jsonl").write_text(
        '{"id": "a", "timestamp": "2026-11-02T00:00:00Z", "input": "q"}\n'
    )
    result = cli(["monitor", "monitor.yaml"], tmp_path)
    assert result.exit_code == 2 and "x.jsonl:1: field 'output': missing" in result.output
    (tmp_path / "traffic" / "x.jsonl").write_text("{not json\n")
    result = cli(["monitor", "monitor.yaml"], tmp_path)
    assert result.exit_code == 2 and "x.jsonl:1: not valid JSON" in result.output


def test_rewritten_file_is_refused(tmp_path):
    _project(tmp_path, days=(0,))
    assert cli(["monitor", "monitor.yaml"], tmp_path).exit_code == 0
    path = tmp_path / "traffic" / "day0.jsonl"
    path.write_text(path.read_text().replace("ticket 3 ", "ticket 33 "))
    result = cli(["monitor", "monitor.yaml"], tmp_path)
    assert result.exit_code == 2 and "day0.jsonl: its first" in result.output and "rewritten" in result.output


def test_same_id_with_other_content_is_an_error_a_repeat_is_skipped(tmp_path):
    _, rows = _project(tmp_path, days=(0,))
    append(tmp_path / "traffic" / "again.jsonl", rows[:2])
    ok = cli(["monitor", "monitor.yaml"], tmp_path)
    assert ok.exit_code == 0 and "(2 repeated lines skipped)" in ok.output
    append(tmp_path / "traffic" / "again.jsonl", [{**rows[3], "output": "other"}])
    bad = cli(["monitor", "monitor.yaml"], tmp_path)
    assert bad.exit_code == 2 and "again.jsonl:3: field 'id'" in bad.output


def test_bad_config_is_exit_2(tmp_path):
    _project(tmp_path, days=(0,))
    write_config(tmp_path, window="fortnight")
    result = cli(["monitor", "monitor.yaml"], tmp_path)
    assert result.exit_code == 2 and "window must be like" in result.output
    write_config(tmp_path, labels="__drop__")
    result = cli(["monitor", "monitor.yaml"], tmp_path)
    assert result.exit_code == 2 and "exactly one labeller" in result.output


def test_as_a_real_process_a_bad_line_is_exit_2_on_one_line(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    _project(tmp_path, days=(0,))
    append(
        tmp_path / "traffic" / "day0.jsonl", [{"id": "x", "timestamp": "2026-11-02T01:00:00Z", "input": 3}]
    )
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "genjudge", "monitor", "monitor.yaml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("day0.jsonl:21: field 'input': expected text, got int")
    assert "Traceback" not in proc.stderr


def test_human_raters_split_evenly_leave_the_item_unlabelled(tmp_path):
    rows = records(0, 10)
    append(tmp_path / "traffic" / "t.jsonl", rows)
    human_sample(tmp_path / "labels", rows)
    with (tmp_path / "labels" / "ratings.csv").open("a") as f:
        f.write(f"{rows[0]['id']},second,label,account\n")  # the lead said billing
    write_config(tmp_path)
    assert cli(["monitor", "monitor.yaml"], tmp_path).exit_code == 0
    [(summary,)] = _db(tmp_path, "select summary from monitor_windows")
    summary = json.loads(summary)
    assert summary["labelled"] == 9
    assert summary["unlabelled"] == {"raters split evenly ({'billing': 1, 'account': 1})": 1}


def test_an_item_without_a_slice_value_counts_as_absent_in_the_mix(tmp_path):
    rows = records(0, 20) + records(1, 20, first=20)
    for r in rows[20:30]:
        del r["channel"]
    append(tmp_path / "traffic" / "t.jsonl", rows)
    human_sample(tmp_path / "labels", rows)
    write_config(tmp_path)
    assert cli(["monitor", "monitor.yaml"], tmp_path).exit_code == 0
    data = json.loads((tmp_path / "reports" / "monitor" / "tickets" / "monitor.json").read_text())
    [psi] = [d for d in data["drift"] if d["kind"] == "slice_mix" and d["statistic"] == "psi"]
    # reference: chat 4, email 16, absent 0; current: chat 2, email 8, absent 10 (epsilon for the empty cell)
    from genjudge.stats.drift import population_stability_index

    assert psi["value"] == population_stability_index([10, 2, 8], [0, 4, 16])
    per_slice = _db(tmp_path, "select count(*) from monitor_metrics where slice_value = 'nan'")
    assert per_slice == [(0,)]


def test_a_shift_that_went_away_is_history_not_a_failure(tmp_path):
    rows = records(0, 40) + records(1, 40, first=40, chat_share=0.9) + records(2, 40, first=80)
    append(tmp_path / "traffic" / "t.jsonl", rows)
    human_sample(tmp_path / "labels", rows)
    write_config(tmp_path)
    first = cli(["monitor", "monitor.yaml", "--fail-on-alert"], tmp_path)
    assert first.exit_code == 1 and "ALERT window 2026-11-03..04: slice mix" in first.output  # recomputed now
    again = cli(["monitor", "monitor.yaml", "--fail-on-alert"], tmp_path)
    assert again.exit_code == 0 and "ALERT" not in again.output  # latest window (day 2) is calm
    data = json.loads((tmp_path / "reports" / "monitor" / "tickets" / "monitor.json").read_text())
    assert any(a.startswith("ALERT window 2026-11-03..04") for a in data["alerts"])  # kept as history


def test_changed_thresholds_recompute_every_window_and_the_python_api_agrees(tmp_path):
    from genjudge.monitor import monitor

    _project(tmp_path, days=(0, 1))
    first = monitor(tmp_path / "monitor.yaml")
    assert len(first.recomputed) == 2 and first.new_items == 40 and first.failed is None
    assert monitor(tmp_path / "monitor.yaml").recomputed == []
    write_config(tmp_path, thresholds={"min_n": 5, "psi_alert": 0.5})
    again = monitor(tmp_path / "monitor.yaml")
    assert len(again.recomputed) == 2 and again.new_items == 0
    [psi] = [d for d in again.drift if d["kind"] == "slice_mix" and d["statistic"] == "psi"]
    assert psi["alert"] == 0.5


def test_empty_traffic_is_a_failed_pass(tmp_path):
    (tmp_path / "traffic").mkdir()
    human_sample(tmp_path / "labels", records(0, 1))  # an empty ratings file is itself an input error
    write_config(tmp_path)
    result = cli(["monitor", "monitor.yaml"], tmp_path)
    assert result.exit_code == 1 and "no traffic" in result.output
