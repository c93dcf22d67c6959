"""The monitor config: the documented example validates, windows align, a date-range reference."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from genjudge.errors import ConfigError
from genjudge.monitor import load_monitor_config
from genjudge.monitor.core import span_label
from genjudge.monitor.traffic import parse_time, window_of
from tests.monitor.conftest import append, cli, human_sample, records, write_config

DOC = Path(__file__).resolve().parents[2] / "docs" / "monitoring.md"


def test_the_documented_config_is_valid(tmp_path):
    [block] = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    (tmp_path / "monitor.yaml").write_text(block, encoding="utf-8")
    config, base = load_monitor_config(tmp_path / "monitor.yaml")
    assert config.window == "week" and config.teacher is not None and base == tmp_path
    assert config.teacher.provider["cache_path"] == str(
        tmp_path / ".genjudge" / "monitor-teacher-cache.sqlite"
    )
    assert config.traffic == [tmp_path / "traffic"]


def test_bad_provider_settings_name_the_field(tmp_path):
    (tmp_path / "m.yaml").write_text(
        "name: m\ntask: classification\ntraffic: [t]\nteacher: {provider: {provider: openai, modle: x}}\n"
    )
    with pytest.raises(ConfigError, match=r"m.yaml: field 'teacher.provider.modle'"):
        load_monitor_config(tmp_path / "m.yaml")


@pytest.mark.parametrize(
    ("ts", "window", "start", "end"),
    [
        ("2026-11-04T13:00:00Z", "1d", "2026-11-04T00:00:00+00:00", "2026-11-05T00:00:00+00:00"),
        ("2026-11-04T13:00:00+02:00", "6h", "2026-11-04T06:00:00+00:00", "2026-11-04T12:00:00+00:00"),
        ("2026-11-04T13:00:00", "week", "2026-11-02T00:00:00+00:00", "2026-11-09T00:00:00+00:00"),
        ("2026-11-08T23:59:59Z", "week", "2026-11-02T00:00:00+00:00", "2026-11-09T00:00:00+00:00"),
    ],
)
def test_windows(ts, window, start, end):
    s, e = window_of(parse_time(ts), window)
    assert (s.isoformat(), e.isoformat()) == (start, end)


def test_span_labels():
    assert span_label("2026-11-02T00:00:00+00:00", "2026-11-09T00:00:00+00:00") == "2026-11-02..09"
    assert span_label("2026-11-30T00:00:00+00:00", "2026-12-07T00:00:00+00:00") == "2026-11-30..2026-12-07"
    assert (
        span_label("2026-11-02T06:00:00+00:00", "2026-11-02T12:00:00+00:00")
        == "2026-11-02T06:00..2026-11-02T12:00"
    )
    assert datetime(2026, 11, 2, tzinfo=UTC) == parse_time("2026-11-02")


def test_a_date_range_reference_compares_every_window(tmp_path):
    rows = records(0, 20) + records(1, 20, first=20) + records(2, 20, first=40, chat_share=0.9)
    append(tmp_path / "traffic" / "t.jsonl", rows)
    human_sample(tmp_path / "labels", rows)
    write_config(tmp_path, reference={"start": "2026-11-02T00:00:00Z", "end": "2026-11-04T00:00:00Z"})
    result = cli(["monitor", "monitor.yaml"], tmp_path)
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "reports" / "monitor" / "tickets" / "monitor.json").read_text())
    assert not any(w["reference"] for w in data["windows"])
    mix = {d["start"][:10]: d for d in data["drift"] if d["kind"] == "slice_mix" and d["statistic"] == "psi"}
    assert set(mix) == {"2026-11-02", "2026-11-03", "2026-11-04"}
    assert mix["2026-11-02"]["n_reference"] == 40 and mix["2026-11-02"]["level"] == "ok"
    assert mix["2026-11-04"]["level"] == "alert"
