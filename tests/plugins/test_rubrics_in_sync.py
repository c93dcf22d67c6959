"""The shipped rubrics cannot drift: rubrics/ (the checkout's) and genjudge/data/rubrics/ (the package's)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_rubrics_and_the_packaged_copy_are_identical():
    checkout = {p.name: p.read_bytes() for p in (REPO / "rubrics").glob("*.toml")}
    packaged = {p.name: p.read_bytes() for p in (REPO / "genjudge" / "data" / "rubrics").glob("*.toml")}
    assert checkout, "no rubrics found"
    assert sorted(checkout) == sorted(packaged), "rubrics/ and genjudge/data/rubrics/ hold different files"
    differ = sorted(name for name in checkout if checkout[name] != packaged[name])
    assert not differ, f"edit rubrics/<name>.toml and copy it to genjudge/data/rubrics/: {differ} differ"


def test_every_shipped_rubric_loads():
    from genjudge.judge.rubric import available_rubrics, load_rubric

    names = available_rubrics()
    assert names == sorted(p.stem for p in (REPO / "rubrics").glob("*.toml"))
    for name in names:
        assert load_rubric(name).id == name
