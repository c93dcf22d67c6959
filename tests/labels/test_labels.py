"""The rated-sample format: long and wide readers, fingerprint, errors, importers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from genjudge.errors import ConfigError, DuplicateIdError, InputError
from genjudge.labels import import_pandalm, import_summeval, load_sample
from genjudge.validation.bundle import consensus

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "human_labels" / "example"


def _manifest(tmp: Path, layout: str, path: str, **extra) -> None:
    m = {
        "name": "t",
        "rubric": {"id": "r", "version": "1"},
        "dimensions": {"quality": {"level": "ordinal", "values": [1, 2, 3]}},
        "ratings": {"path": path, "layout": layout, **extra},
    }
    (tmp / "sample.json").write_text(json.dumps(m))


def test_long_and_wide_layouts_read_the_same_ratings(tmp_path):
    (tmp_path / "long.csv").write_text(
        "item_id,rater,dimension,rating\na,r1,quality,1\na,r2,quality,2\nb,r1,quality,3\nb,r2,quality,\n"
    )
    (tmp_path / "wide.csv").write_text("item_id,text,r1_quality,r2_quality\na,x,1,2\nb,y,3,\n")
    _manifest(tmp_path, "long", "long.csv")
    long = load_sample(tmp_path)
    _manifest(tmp_path, "wide", "wide.csv")
    wide = load_sample(tmp_path)
    assert long.fingerprint == wide.fingerprint
    ids, raters, m = wide.matrix("quality")
    assert (ids, raters) == (["a", "b"], ["r1", "r2"])
    assert np.array_equal(m, np.array([[1, 3], [2, np.nan]]), equal_nan=True)


def test_fingerprint_ignores_row_order_and_sees_any_edit(tmp_path):
    rows = ["a,r1,quality,1", "a,r2,quality,2", "b,r1,quality,3"]
    header = "item_id,rater,dimension,rating\n"
    _manifest(tmp_path, "long", "r.csv")
    (tmp_path / "r.csv").write_text(header + "\n".join(rows) + "\n")
    first = load_sample(tmp_path).fingerprint
    (tmp_path / "r.csv").write_text(header + "\n".join(reversed(rows)) + "\n")
    assert load_sample(tmp_path).fingerprint == first
    (tmp_path / "r.csv").write_text(
        header + "\n".join(rows).replace("b,r1,quality,3", "b,r1,quality,2") + "\n"
    )
    assert load_sample(tmp_path).fingerprint != first


@pytest.mark.parametrize(
    ("row", "field", "problem"),
    [
        ("a,r1,quality,7", "rating", "not one of"),
        ("a,r1,depth,1", "dimension", "not declared"),
        ("a,,quality,1", "rater", "missing"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path, row, field, problem):
    _manifest(tmp_path, "long", "r.csv")
    (tmp_path / "r.csv").write_text(f"item_id,rater,dimension,rating\nb,r1,quality,1\n{row}\n")
    with pytest.raises(InputError, match=problem) as err:
        load_sample(tmp_path)
    assert (err.value.line, err.value.field) == (3, field)


@pytest.mark.parametrize("raw", ["nan", "inf", "-Infinity"])
def test_nan_and_inf_are_not_ratings_on_an_interval_scale(tmp_path, raw):
    m = {
        "name": "t",
        "rubric": {"id": "r", "version": "1"},
        "dimensions": {"q": {"level": "interval"}},
        "ratings": {"path": "r.csv"},
    }
    (tmp_path / "sample.json").write_text(json.dumps(m))
    (tmp_path / "r.csv").write_text(f"item_id,rater,dimension,rating\na,r1,q,2.5\nb,r1,q,{raw}\n")
    with pytest.raises(InputError, match=f"{raw!r} is not a finite number") as err:
        load_sample(tmp_path)
    assert (err.value.line, err.value.field) == (3, "rating")


@pytest.mark.parametrize("level", ["interval", "ratio"])
def test_scale_code_refuses_booleans_nan_and_inf(level):
    from genjudge.labels import Scale

    scale = Scale(level=level)
    assert scale.code("2.5") == 2.5
    for raw in (True, np.bool_(False), "nan", float("inf"), "-inf"):
        with pytest.raises(ValueError, match=re.escape(repr(raw))):
            scale.code(raw)


def test_duplicate_rating_is_refused(tmp_path):
    _manifest(tmp_path, "long", "r.csv")
    (tmp_path / "r.csv").write_text("item_id,rater,dimension,rating\na,r1,quality,1\na,r1,quality,2\n")
    with pytest.raises(DuplicateIdError):
        load_sample(tmp_path)


def test_scale_level_is_declared_not_guessed(tmp_path):
    m = {
        "name": "t",
        "rubric": {"id": "r", "version": "1"},
        "dimensions": {"q": {"level": "ordinal"}},
        "ratings": {"path": "r.csv"},
    }
    (tmp_path / "sample.json").write_text(json.dumps(m))
    with pytest.raises(ConfigError, match="must list its values"):
        load_sample(tmp_path)


def test_the_shipped_example_loads():
    s = load_sample(EXAMPLE)
    assert s.dimensions == ["faithfulness"]
    assert len(s.item_ids()) == 6 and s.raters() == ["ana", "ben", "chloe"]
    assert set(s.items["s1"]) >= {"source", "output"}


def test_summeval_import_matches_the_source(shared_data, tmp_path):
    import_summeval(
        shared_data / "summeval" / "summeval_per_annotator_1200.jsonl", tmp_path / "se", raters="all"
    )
    s = load_sample(tmp_path / "se")
    assert len(s.item_ids()) == 1200 and len(s.raters()) == 8
    assert len(s.ratings) == 1200 * 8 * 4
    first = s.ratings[
        (s.ratings.item_id == "dm-test-8764fb95bfad8ee849274873a92fb8d6b400eee2|M8")
        & (s.ratings.rater == "expert1")
    ]
    # expert_annotations[0] of the first row: coherence 3, consistency 4, fluency 5, relevance 2
    assert dict(zip(first.dimension, first.value, strict=False)) == {
        "coherence": 3,
        "consistency": 4,
        "fluency": 5,
        "relevance": 2,
    }
    # the wide CSV holds the same ratings (it has no articles, so only the ratings are compared)
    import_summeval(
        shared_data / "summeval" / "summeval_per_annotator_1200_wide.csv", tmp_path / "w", raters="all"
    )
    w = load_sample(tmp_path / "w")
    key = ["item_id", "rater", "dimension"]
    assert w.ratings.sort_values(key)["value"].tolist() == s.ratings.sort_values(key)["value"].tolist()


def test_pandalm_import_reproduces_majority_counts(shared_data, tmp_path):
    import_pandalm(shared_data / "pandalm" / "pandalm_testset_pairs.jsonl", tmp_path / "pl")
    s = load_sample(tmp_path / "pl")
    _, _, h = s.matrix("preference")
    cons = consensus(h, s.scale("preference"))
    values, counts = np.unique(cons[~np.isnan(cons)], return_counts=True)
    # published majority labels 105 / 422 / 472 (no three-way split among 999 pairs)
    assert dict(zip(values.tolist(), counts.tolist(), strict=False)) == {0.0: 105, 1.0: 422, 2.0: 472}
    gpt = (tmp_path / "pl" / "verdicts" / "gpt35_judge.csv").read_text().splitlines()
    # 25 'garbage' verdicts x 2 dimensions are unscored, never a label
    assert sum(",unscored," in line for line in gpt) == 50


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_summeval_fractional_rating_is_refused_not_truncated(tmp_path, suffix):
    # A rating of 4.5 used to be imported as 4; it is refused naming the file, line and field.
    src = tmp_path / f"se{suffix}"
    if suffix == ".csv":
        src.write_text("item_id,doc_id,system_id,expert1_coherence\na|M1,a,M1,3\nb|M1,b,M1,4.5\n")
        field = "expert1_coherence"
    else:
        rows = [
            {"item_id": "a|M1", "expert_annotations": [{"coherence": 3}]},
            {"item_id": "b|M1", "expert_annotations": [{"coherence": 4.5}]},
        ]
        src.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
        field = "expert_annotations"
    with pytest.raises(InputError) as err:
        import_summeval(src, tmp_path / "out", dimensions=("coherence",))
    assert err.value.line == 3 - (suffix == ".jsonl") and err.value.field == field
    assert "4.5" in str(err.value) and "whole" in str(err.value)
