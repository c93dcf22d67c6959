"""``genjudge labels rate`` driven as a person drives it: keys on a pseudo-terminal (pexpect)."""

from __future__ import annotations

import io
import json
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pexpect
import pytest

from genjudge.labels import load_sample
from genjudge.labels.journal import order, read_journal
from tests.labels.sheets import SECRET, make_sheet, spawn_rate

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
NOMINAL = ["equivalent", "not_equivalent"]


class Rater:
    """One person at the rating screen."""

    def __init__(self, sheet: Path, name: str) -> None:
        self.log = io.StringIO()
        self.child = spawn_rate(sheet, name)
        self.child.logfile_read = self.log

    def screen(self) -> str:
        """Wait for the next item's screen; its text without colours."""
        self.child.expect(r"keys: 1-\d rate .* q quit")
        return ANSI.sub("", self.child.before + self.child.after)

    def item(self) -> tuple[str, str]:
        """(the item shown, the screen's text)."""
        text = self.screen()
        found = re.findall(r"(?:says thing|text number) (\d+)", text)
        assert len(set(found)) == 1, text
        return f"it{int(found[0]):02d}", text

    def press(self, key: str, expect: str | None = None) -> None:
        self.child.send(key)
        if expect is not None:
            self.child.expect_exact(expect)

    def end(self) -> tuple[int, str]:
        """(exit status, what was printed last) once the program has ended."""
        self.child.expect(pexpect.EOF)
        text = ANSI.sub("", self.child.before)
        self.child.close()
        return self.child.exitstatus, text

    def everything(self) -> str:
        return ANSI.sub("", self.log.getvalue())


@pytest.fixture
def raters() -> Iterator[list[Rater]]:
    made: list[Rater] = []
    yield made
    for r in made:
        if r.child.isalive():
            r.child.kill(signal.SIGKILL)
        r.child.close(force=True)


def start(raters: list[Rater], sheet: Path, name: str) -> Rater:
    r = Rater(sheet, name)
    raters.append(r)
    return r


def ratings(sheet: Path) -> dict[tuple[str, str], str]:
    r = load_sample(sheet, allow_empty=True).ratings
    return {(i, who): str(v) for i, who, v in zip(r["item_id"], r["rater"], r["rating"], strict=True)}


def test_keys_rate_in_the_raters_order_and_the_screen_is_blind(tmp_path: Path, raters: list[Rater]) -> None:
    sheet = make_sheet(tmp_path / "sheet", n=8)
    items = (sheet / "items.jsonl").read_text().splitlines()
    long_text = " ".join(f"word{i}" for i in range(600)) + " END-OF-THE-LONG-TEXT [bold]not markup[/bold]"
    items[0] = items[0].replace('"student says thing 0"', json.dumps("student says thing 0 " + long_text))
    (sheet / "items.jsonl").write_text("\n".join(items) + "\n")
    ana = start(raters, sheet, "ana")
    keys = "12112212"
    shown, expected = [], {}
    for k, key in enumerate(keys):
        item, text = ana.item()
        if k == 0:
            for part in ("TEXT A (teacher)", "TEXT B (student)", "Do the two texts mean the same thing?",
                         "[1] equivalent", "[2] not_equivalent", "0 of 8 rated (0 skipped) — rater ana"):  # fmt: skip
                assert part in text
        assert f"item {k + 1} of 8" in text and f"{k} of 8 rated" in text
        if item == "it00":  # shown whole (wrapped, never cut), and as text, not rich markup
            assert "END-OF-THE-LONG-TEXT [bold]not markup[/bold]" in text
            words = re.findall(r"word(\d+)", text)
            assert words == [str(i) for i in range(600)]
        shown.append(item)
        expected[(item, "ana")] = NOMINAL[int(key) - 1]
        ana.press(key, expect="saved: " + NOMINAL[int(key) - 1])
    status, last = ana.end()
    assert status == 0 and "all 8 items rated — rater ana" in last
    assert shown == order(sheet, "ana")
    assert ratings(sheet) == expected
    seen = ana.everything()
    for hidden in (
        SECRET,
        "secret_column",
        "STRATUM-VERDICT",
        "_stratum",
        "ORIGIN-JUDGE-MODEL",
        "run-ORIGIN",
    ):
        assert hidden not in seen
    # Every item rated: a new start says so and exits 0.
    again = start(raters, sheet, "ana")
    status, last = again.end()
    assert status == 0 and "all 8 items rated" in last


def test_kill_9_loses_nothing_and_the_next_start_resumes(tmp_path: Path, raters: list[Rater]) -> None:
    sheet = make_sheet(tmp_path / "sheet", n=8)
    ana = start(raters, sheet, "ana")
    given = {}
    for key in "212":
        item, _ = ana.item()
        given[(item, "ana")] = NOMINAL[int(key) - 1]
        ana.press(key, expect="saved: ")
    ana.child.kill(signal.SIGKILL)  # no chance to clean up
    ana.child.expect(pexpect.EOF)
    assert ratings(sheet) == given
    again = start(raters, sheet, "ana")
    item, text = again.item()
    assert item == order(sheet, "ana")[3]
    assert "item 4 of 8" in text and "3 of 8 rated (0 skipped) — rater ana" in text
    again.press("q")
    status, last = again.end()
    assert status == 0 and "stopped at item 4 of 8: 3 of 8 rated" in last and "resume" in last
    assert ratings(sheet) == given


def test_back_rerate_skip_offered_again_and_a_note(tmp_path: Path, raters: list[Rater]) -> None:
    sheet = make_sheet(tmp_path / "sheet", n=6)
    sequence = order(sheet, "ana")
    ana = start(raters, sheet, "ana")
    assert ana.item()[0] == sequence[0]
    ana.press("1", "saved: equivalent")
    assert ana.item()[0] == sequence[1]
    ana.press("1", "saved: equivalent")
    assert ana.item()[0] == sequence[2]
    ana.press("b")  # back to the second item, which shows its rating
    item, text = ana.item()
    assert item == sequence[1] and "your rating: equivalent" in text
    ana.press("2", "saved: not_equivalent")  # re-rated: the later rating wins
    assert ana.item()[0] == sequence[2]
    ana.press("s", "skipped")
    assert ana.item()[0] == sequence[3]
    ana.press("n", "note (Enter to save")
    ana.child.sendline("text B drops the date")
    ana.child.expect_exact("note saved")
    item, text = ana.item()
    assert item == sequence[3] and "your note: text B drops the date" in text
    ana.press("1", "saved: equivalent")
    for expected_item, key in zip(sequence[4:], "12", strict=True):
        assert ana.item()[0] == expected_item
        ana.press(key, "saved: ")
    item, text = ana.item()  # every item seen: the skipped one is offered again
    assert item == sequence[2] and "you skipped this item" in text and "5 of 6 rated (1 skipped)" in text
    ana.press("2", "saved: not_equivalent")
    status, last = ana.end()
    assert status == 0 and "all 6 items rated" in last
    assert ratings(sheet) == {
        (sequence[0], "ana"): "equivalent",
        (sequence[1], "ana"): "not_equivalent",
        (sequence[2], "ana"): "not_equivalent",
        (sequence[3], "ana"): "equivalent",
        (sequence[4], "ana"): "equivalent",
        (sequence[5], "ana"): "not_equivalent",
    }
    assert (
        f"{sequence[3]},ana,equivalence,equivalent,text B drops the date"
        in (sheet / "ratings.csv").read_text()
    )
    actions = [e.action.value for e in read_journal(sheet / "journal" / "ana.jsonl")]
    assert actions == ["rate", "rate", "rate", "skip", "note", "rate", "rate", "rate", "rate"]


def test_skipping_again_ends_the_session_and_says_what_is_left(tmp_path: Path, raters: list[Rater]) -> None:
    sheet = make_sheet(tmp_path / "sheet", n=6)
    ben = start(raters, sheet, "ben")
    for key in "s1111s":
        ben.item()
        ben.press(key, "skipped" if key == "s" else "saved: ")
    for _ in range(2):  # both skipped items come back once
        _, text = ben.item()
        assert "you skipped this item" in text
        ben.press("s")
    status, last = ben.end()
    assert status == 0 and "every item seen: 4 of 6 rated (2 skipped) — rater ben" in last


def test_three_raters_in_their_own_orders_give_a_computable_alpha(
    tmp_path: Path, raters: list[Rater]
) -> None:
    import krippendorff

    from genjudge.stats import krippendorff_alpha

    sheet = make_sheet(tmp_path / "sheet", n=6, ordinal=True)
    # The rating each rater gives each item (1-5), keyed by the item's number.
    plan = {"ana": [1, 2, 3, 4, 5, 5], "ben": [1, 2, 4, 4, 5, 4], "chloe": [2, 2, 3, 5, 5, 5]}
    first = start(raters, sheet, "ana")  # a start without rating, then a restart: the same first item
    first_item, text = first.item()
    assert "[1] 1 — contradicts the source" in text and "[3] 3\r\n" in text and "SOURCE" in text
    first.press("q")
    assert first.end()[0] == 0
    shown = {}
    for name, values in plan.items():
        r = start(raters, sheet, name)
        shown[name] = []
        for _ in range(6):
            item, _ = r.item()
            shown[name].append(item)
            r.press(str(values[int(item[2:])]), "saved: ")
        assert r.end()[0] == 0
        assert shown[name] == order(sheet, name)
    assert shown["ana"][0] == first_item
    assert shown["ana"] != shown["ben"] != shown["chloe"] != shown["ana"]
    sample = load_sample(sheet)
    assert sample.raters() == ["ana", "ben", "chloe"]
    _, who, matrix = sample.matrix("faithfulness")
    assert who == ["ana", "ben", "chloe"]
    np.testing.assert_array_equal(matrix, np.array([plan[w] for w in who], dtype=float))
    ours = krippendorff_alpha(matrix, level="ordinal", value_domain=[1, 2, 3, 4, 5]).value
    theirs = krippendorff.alpha(
        reliability_data=matrix, level_of_measurement="ordinal", value_domain=[1, 2, 3, 4, 5]
    )
    assert ours == pytest.approx(theirs, abs=1e-12) and 0 < ours < 1


def test_ctrl_c_keeps_what_was_given_and_exits_130(tmp_path: Path, raters: list[Rater]) -> None:
    sheet = make_sheet(tmp_path / "sheet", n=6)
    ana = start(raters, sheet, "ana")
    item, _ = ana.item()
    ana.press("2", "saved: ")
    ana.item()
    ana.press("\x03")
    status, last = ana.end()
    assert status == 130 and "interrupted: 1 of 6 rated" in last and "Traceback" not in last
    assert ratings(sheet) == {(item, "ana"): "not_equivalent"}
    again = start(raters, sheet, "ana")  # SIGTERM (a closing session manager): the same, exit 143
    again.item()
    again.child.kill(signal.SIGTERM)
    status, last = again.end()
    assert status == 143 and "terminated: 1 of 6 rated" in last and "Traceback" not in last


def test_without_show_every_text_column_but_ids_slices_and_design_columns_is_shown(tmp_path: Path) -> None:
    import json

    from genjudge.labels.journal import open_sheet
    from genjudge.labels.rate import shown_columns

    sheet = make_sheet(tmp_path / "sheet", n=3)
    assert shown_columns(open_sheet(sheet)) == ["text_a", "text_b"]
    manifest = json.loads((sheet / "sample.json").read_text())
    manifest["show"] = []
    (sheet / "sample.json").write_text(json.dumps(manifest))
    # No `show`: the sheet's author did not hide secret_column, so it is a text to rate.
    assert shown_columns(open_sheet(sheet)) == ["secret_column", "text_a", "text_b"]
