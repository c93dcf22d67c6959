"""word_diff marks exactly the words outside the longest matching blocks, and loses no text."""

from __future__ import annotations

import difflib
import random

from genjudge.report.diff import word_diff


def joined(pieces):
    return "".join(p.text for p in pieces)


def changed_words(pieces):
    return [w for p in pieces if p.changed for w in p.text.split()]


def test_same_text_marks_nothing():
    d = word_diff("the cat sat", "the cat sat")
    assert d.ratio == 1.0 and not any(p.changed for p in d.a + d.b)


def test_a_replaced_and_an_added_word():
    d = word_diff("the cat sat on the mat", "the dog sat on the mat today")
    assert changed_words(d.a) == ["cat"]
    assert changed_words(d.b) == ["dog", "today"]
    assert joined(d.a) == "the cat sat on the mat" and joined(d.b) == "the dog sat on the mat today"


def test_whitespace_alone_marks_nothing():
    d = word_diff("a  b\nc", "a b c")
    assert not any(p.changed for p in d.a + d.b)


def test_empty_and_missing_texts():
    assert word_diff("", "").ratio == 1.0
    d = word_diff("", "new words")
    assert changed_words(d.b) == ["new", "words"] and d.a == []


def test_random_texts_round_trip_and_match_difflib():
    rng = random.Random(7)
    vocab = ["alpha", "beta", "gamma", "delta", "<b>", "&amp;", "x"]
    for _ in range(200):
        a = [rng.choice(vocab) for _ in range(rng.randint(0, 12))]
        b = [rng.choice(vocab) for _ in range(rng.randint(0, 12))]
        ta, tb = " ".join(a), "  ".join(b)
        d = word_diff(ta, tb)
        assert joined(d.a) == ta and joined(d.b) == tb
        m = difflib.SequenceMatcher(None, a, b, autojunk=False)
        kept_a = sum(block.size for block in m.get_matching_blocks())
        assert len(a) - len(changed_words(d.a)) == kept_a
        assert len(b) - len(changed_words(d.b)) == kept_a
        assert abs(d.ratio - m.ratio()) < 1e-12 or not (a or b)
