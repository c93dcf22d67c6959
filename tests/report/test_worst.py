"""Worst examples: lowest primary score first per slice value, best-scored and unscored items left out."""

from __future__ import annotations

import pandas as pd

from genjudge.report.worst import CLIP, CLIP_LINES, score_column, worst_examples


def table():
    return pd.DataFrame(
        {
            "id": [f"i{k}" for k in range(8)],
            "input": ["q"] * 8,
            "teacher": ["a b c"] * 8,
            "student": ["a x c"] * 8,
            "reference": ["a b c", None, "a b c", "a b c", "a b c", "a b c", "a b c", "a b c"],
            "lang": ["en", "en", "en", "en", "de", "de", "de", "fr"],
            "exact_match.agree": [0.0, 1.0, 0.0, None, 1.0, 0.0, 1.0, 1.0],
            "embedding_similarity.student_vs_teacher.cosine": [0.9, 1.0, 0.2, 0.1, 1.0, 0.5, 1.0, 1.0],
        }
    )


def test_the_primary_score_is_the_first_listed():
    assert score_column(table()) == "embedding_similarity.student_vs_teacher.cosine"
    assert score_column(table().drop(columns=["embedding_similarity.student_vs_teacher.cosine"])) == (
        "exact_match.agree"
    )
    assert score_column(pd.DataFrame({"id": ["a"]})) is None


def test_lowest_first_per_value_best_and_unscored_left_out():
    column, groups = worst_examples(
        table().drop(columns=["embedding_similarity.student_vs_teacher.cosine"]), ["lang"]
    )
    assert column == "exact_match.agree"
    by_value = {g.value: g for g in groups}
    assert [e.id for e in by_value["en"].examples] == ["i0", "i2"]  # i3 unscored, i1 at the best score
    assert by_value["en"].n_below_best == 2
    assert [e.id for e in by_value["de"].examples] == ["i5"]
    assert by_value["fr"].examples == [] and by_value["fr"].n_below_best == 0


def test_the_later_scores_break_ties():
    _, groups = worst_examples(table(), ["lang"], per_value=1)
    assert {g.value: [e.id for e in g.examples] for g in groups} == {"de": ["i5"], "en": ["i3"], "fr": []}


def test_teacher_and_student_differ_on_the_changed_word_and_a_missing_reference_is_none():
    _, groups = worst_examples(table(), ["lang"])
    en = {e.id: e for e in next(g for g in groups if g.value == "en").examples}
    assert [p.text for p in en["i0"].teacher.pieces if p.changed] == ["b"]
    assert [p.text for p in en["i0"].student.pieces if p.changed] == ["x"]
    frame = table()
    frame.loc[1, "exact_match.agree"] = 0.0
    _, groups = worst_examples(
        frame.drop(columns=["embedding_similarity.student_vs_teacher.cosine"]), ["lang"]
    )
    assert next(e for e in groups[1].examples if e.id == "i1").reference is None


def test_long_texts_are_clipped_with_the_full_text_kept():
    frame = table()
    frame["input"] = "word " * 200
    _, groups = worst_examples(frame, ["lang"])
    text = groups[0].examples[0].input
    assert text.clipped is not None and "".join(p.text for p in text.pieces) == "word " * 200
    assert len("".join(p.text for p in text.clipped)) == CLIP + 1  # + the ellipsis


def test_many_short_lines_are_clipped_by_lines():
    frame = table()
    frame["input"] = "line\n" * 40
    _, groups = worst_examples(frame, ["lang"])
    text = groups[0].examples[0].input
    assert text.clipped is not None
    assert "".join(p.text for p in text.clipped).count("\n") == CLIP_LINES - 1


def random_table(rng, n: int) -> pd.DataFrame:
    """Scores on a coarse grid (many ties, some missing), two slice columns (one with gaps), and
    columns a per-example table has besides."""
    score = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0, None], size=n, p=[0.1, 0.15, 0.15, 0.15, 0.4, 0.05])
    return pd.DataFrame(
        {
            "id": [f"x{k:05d}" for k in rng.permutation(n)],
            "input": [f"input {k}" for k in range(n)],
            "teacher": ["a b c"] * n,
            "student": [rng.choice(["a b c", "a x c", "y"]) for _ in range(n)],
            "reference": ["a b c"] * n,
            "lang": rng.choice(["en", "de", "fr", "ja"], size=n),
            "store": pd.array(rng.choice(["north", "south", None], size=n), dtype=object),
            "extraction_fields.student_vs_teacher.f1": score,
            "exact_match.agree": rng.choice([0.0, 1.0], size=n),
            "status": ["ok"] * n,
        }
    )


def test_the_streamed_worst_examples_equal_the_whole_tables():
    """StreamedWorst fed chunk by chunk gives worst_examples of the whole table: the same items in
    the same order per slice value, the same counts below the best score, whatever the chunk size
    (a chunk's best score below the set's, ties across chunks, a value first met late)."""
    import numpy as np

    from genjudge.report.worst import StreamedWorst

    for seed in range(12):
        rng = np.random.default_rng(seed)
        whole = random_table(rng, int(rng.integers(1, 400)))
        if seed == 3:  # the set's only best score comes in its last chunk
            whole["extraction_fields.student_vs_teacher.f1"] = whole[
                "extraction_fields.student_vs_teacher.f1"
            ].where(whole["extraction_fields.student_vs_teacher.f1"] < 1.0, 0.75)
            whole.loc[len(whole) - 1, "extraction_fields.student_vs_teacher.f1"] = 1.0
        if seed == 4:  # a slice value met only in the last chunk
            whole.loc[len(whole) - 1, "lang"] = "zz"
        expected = worst_examples(whole, ["lang", "store", "absent"], per_value=3)
        for size in (1, 7, 64, 1000) if len(whole) <= 80 else (7, 64, 1000):
            streamed = StreamedWorst(["lang", "store", "absent"], per_value=3)
            for start in range(0, len(whole), size):
                streamed.add(whole.iloc[start : start + size].reset_index(drop=True))
            assert streamed.result() == expected, (seed, size)
            assert streamed.kept is None or len(streamed.kept) <= 3 * (4 + 3)  # bounded per slice value
    assert [(g.column, g.value) for g in expected[1]][:2] == [("lang", "de"), ("lang", "en")]


def test_the_streamed_worst_examples_of_a_set_with_no_score():
    from genjudge.report.worst import StreamedWorst

    streamed = StreamedWorst(["lang"])
    streamed.add(
        table().drop(columns=["exact_match.agree", "embedding_similarity.student_vs_teacher.cosine"])
    )
    assert streamed.result() == (None, [])
    unscored = (
        table()
        .assign(**{"exact_match.agree": None})
        .drop(columns=["embedding_similarity.student_vs_teacher.cosine"])
    )
    expected = worst_examples(unscored, ["lang"])
    streamed = StreamedWorst(["lang"])
    streamed.add(unscored)
    assert streamed.result() == expected and expected[0] == "exact_match.agree"
    assert all(g.n_below_best == 0 and not g.examples for g in expected[1])
