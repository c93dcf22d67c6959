"""The rating journal: durable events, the rebuilt ratings file, per-rater order (no terminal here)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from genjudge.errors import ConfigError, InputError
from genjudge.labels import load_sample
from genjudge.labels.journal import (
    Action,
    check_rater,
    open_sheet,
    order,
    progress,
    read_journal,
    rebuild,
    record,
    state,
)
from tests.labels.sheets import REPO, make_sheet


def rows(sheet: Path) -> list[tuple[str, str, str, str]]:
    r = load_sample(sheet, allow_empty=True).ratings
    return sorted(zip(r["item_id"], r["rater"], r["dimension"], r["rating"].astype(str), strict=True))


def test_latest_event_wins_skip_and_clear_leave_no_row_notes_are_kept(tmp_path: Path) -> None:
    sheet = make_sheet(tmp_path / "s")
    record(sheet, "ana", "it00", None, "rate", "equivalent")
    record(sheet, "ana", "it00", None, Action.RATE, "not_equivalent")  # re-rated: the later wins
    record(sheet, "ana", "it01", None, Action.RATE, "equivalent")
    record(sheet, "ana", "it01", None, Action.SKIP)  # a skip withdraws the rating
    record(sheet, "ana", "it02", None, Action.NOTE, note="  hard one ")
    record(sheet, "ana", "it02", None, Action.RATE, "equivalent")  # the note goes with it
    record(sheet, "ana", "it03", None, Action.RATE, "equivalent", note="gone")
    record(sheet, "ana", "it03", None, Action.CLEAR)
    assert rows(sheet) == [
        ("it00", "ana", "equivalence", "not_equivalent"),
        ("it02", "ana", "equivalence", "equivalent"),
    ]
    text = (sheet / "ratings.csv").read_text(encoding="utf-8").splitlines()
    assert text == [
        "item_id,rater,dimension,rating,note",
        "it00,ana,equivalence,not_equivalent,",
        "it02,ana,equivalence,equivalent,hard one",
    ]
    st = state(sheet, "ana")
    assert {k: v.action for k, v in st.items()} == {
        "it00": Action.RATE,
        "it01": Action.SKIP,
        "it02": Action.RATE,
    }
    assert st["it02"].note == "hard one"
    assert progress(sheet, "ana") == (2, 1, 8)
    assert len(read_journal(sheet / "journal" / "ana.jsonl")) == 8


def test_ordinal_ratings_keep_the_scale_value(tmp_path: Path) -> None:
    sheet = make_sheet(tmp_path / "s", ordinal=True)
    record(sheet, "ana", "it00", "faithfulness", Action.RATE, "4")  # a key's text: stored as the value 4
    assert read_journal(sheet / "journal" / "ana.jsonl")[0].rating == 4
    assert load_sample(sheet).ratings["value"].tolist() == [4.0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("it00", None, Action.RATE, "maybe"), "not one of"),
        (("it00", None, Action.RATE, None), "not one of"),
        (("it00", None, Action.SKIP, "equivalent"), "carries no rating"),
        (("nope", None, Action.RATE, "equivalent"), "not in the sheet"),
        (("it00", "fluency", Action.RATE, "equivalent"), "not in the sheet"),
        (("it00", None, "vote", "equivalent"), "action 'vote'"),
        (("it00", None, Action.NOTE, None), "needs a note"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_written(tmp_path: Path, args: tuple, message: str) -> None:
    sheet = make_sheet(tmp_path / "s")
    with pytest.raises(ConfigError, match=message):
        record(sheet, "ana", *args)
    assert not (sheet / "journal" / "ana.jsonl").exists()


@pytest.mark.parametrize("name", ["", "a/b", "../x", ".hidden", "ana bob", "ñu", "x" * 65])
def test_bad_rater_names_are_refused(tmp_path: Path, name: str) -> None:
    sheet = make_sheet(tmp_path / "s")
    with pytest.raises(ConfigError, match="rater name"):
        record(sheet, name, "it00", None, Action.RATE, "equivalent")
    assert not (sheet / "journal").exists()
    assert check_rater("ana-2_b.c") == "ana-2_b.c"


def test_bad_rater_name_on_the_command_line_is_one_line_and_exit_2(tmp_path: Path) -> None:
    sheet = make_sheet(tmp_path / "s")
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-m", "genjudge", "labels", "rate", str(sheet), "--rater", "a/b"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "error: rater name 'a/b': use letters, digits, '-', '_' or '.' (starting with a letter or digit, "
        "at most 64 characters)"
    ]
    # Not a terminal: a clear error too (the screen needs a person).
    run = subprocess.run(
        [sys.executable, "-m", "genjudge", "labels", "rate", str(sheet), "--rater", "ana"],
        capture_output=True, text=True, env=env, timeout=60, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert run.returncode == 2 and "needs a terminal" in run.stderr and "Traceback" not in run.stderr


def test_truncated_last_line_is_ignored_with_a_warning_then_cut(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sheet = make_sheet(tmp_path / "s")
    record(sheet, "ana", "it00", None, Action.RATE, "equivalent")
    journal = sheet / "journal" / "ana.jsonl"
    with open(journal, "ab") as fh:  # a kill in the middle of a write
        fh.write(b'{"item_id": "it01", "dimension": "equivalence", "action": "ra')
    with caplog.at_level(logging.WARNING, logger="genjudge"):
        assert [e.item_id for e in read_journal(journal)] == ["it00"]
        open_sheet(sheet)  # the start of a session rebuilds: no crash
    assert "incomplete last line" in caplog.text
    assert rows(sheet) == [("it00", "ana", "equivalence", "equivalent")]
    record(sheet, "ana", "it01", None, Action.RATE, "not_equivalent")  # the partial line is cut first
    assert [e.item_id for e in read_journal(journal)] == ["it00", "it01"]
    assert journal.read_bytes().count(b"\n") == 2


def test_a_damaged_line_inside_a_journal_names_file_and_line(tmp_path: Path) -> None:
    sheet = make_sheet(tmp_path / "s")
    (sheet / "journal").mkdir()
    (sheet / "journal" / "ana.jsonl").write_text(
        '{"item_id": "it00", "dimension": "equivalence", "action": "rate", "rating": "equivalent"}\n'
        "garbage\n"
        '{"item_id": "it01", "dimension": "equivalence", "action": "skip"}\n'
    )
    with pytest.raises(InputError, match=r"ana\.jsonl:2: unreadable journal event"):
        open_sheet(sheet)


def test_a_kill_between_append_and_rebuild_is_repaired_on_open(tmp_path: Path) -> None:
    sheet = make_sheet(tmp_path / "s")
    record(sheet, "ana", "it00", None, Action.RATE, "equivalent")
    (sheet / "ratings.csv").write_text("item_id,rater,dimension,rating,note\n")  # the stale file
    open_sheet(sheet)
    assert rows(sheet) == [("it00", "ana", "equivalence", "equivalent")]


def test_rows_of_raters_without_a_journal_are_kept(tmp_path: Path) -> None:
    sheet = make_sheet(tmp_path / "s")
    (sheet / "ratings.csv").write_text(
        "item_id,rater,dimension,rating,note\nit05,zoe,equivalence,equivalent,on paper\n"
    )
    record(sheet, "ana", "it00", None, Action.RATE, "not_equivalent")
    rebuild(sheet)
    assert rows(sheet) == [
        ("it00", "ana", "equivalence", "not_equivalent"),
        ("it05", "zoe", "equivalence", "equivalent"),
    ]
    assert "it05,zoe,equivalence,equivalent,on paper" in (sheet / "ratings.csv").read_text()


def test_order_is_a_per_rater_permutation_stable_across_opens_and_growth(tmp_path: Path) -> None:
    sheet = make_sheet(tmp_path / "s", n=10)
    ana, ben = order(sheet, "ana"), order(sheet, "ben")
    assert sorted(ana) == sorted(ben) == [f"it{i:02d}" for i in range(10)]
    assert ana != ben
    assert order(open_sheet(sheet), "ana") == ana  # a restart
    other = make_sheet(tmp_path / "other", n=10, name="another sheet")
    assert order(other, "ana") != ana  # the sheet's name is part of the seed
    grown = make_sheet(tmp_path / "grown", n=14)
    assert [i for i in order(grown, "ana") if i in set(ana)] == ana  # growth keeps the order of the rest


def test_several_dimensions_need_one_named(tmp_path: Path) -> None:
    import json

    sheet = make_sheet(tmp_path / "s")
    m = json.loads((sheet / "sample.json").read_text())
    m["dimensions"]["tie"] = {"level": "nominal", "values": [0, 1]}
    (sheet / "sample.json").write_text(json.dumps(m))
    with pytest.raises(ConfigError, match="several dimensions"):
        record(sheet, "ana", "it00", None, Action.RATE, "equivalent")
    record(sheet, "ana", "it00", "tie", Action.RATE, 1)
    assert rows(sheet) == [("it00", "ana", "tie", "1")]


_WRITER = """
import sys
from genjudge.labels.journal import Action, order, record
sheet, rater = sys.argv[1], sys.argv[2]
for item in order(sheet, rater):
    record(sheet, rater, item, None, Action.RATE, "equivalent" if rater == "ana" else "not_equivalent")
"""


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    sheet = make_sheet(tmp_path / "s", n=20)
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(sheet), rater], env=env)
        for rater in ("ana", "ben")
    ]
    for p in procs:
        assert p.wait(timeout=120) == 0
    got = rows(sheet)
    assert len(got) == 40
    assert {(i, r, v) for i, r, _, v in got} == {
        (f"it{k:02d}", r, v) for k in range(20) for r, v in (("ana", "equivalent"), ("ben", "not_equivalent"))
    }
