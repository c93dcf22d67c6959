"""The measures behind docs/judge.md's tried-and-not-kept claim formats: scripts/claims_formats.py's
threshold search and scripts/claims_likelihood.py's per-claim PMI, on hand-worked numbers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def script(name: str) -> ModuleType:
    sys.path.insert(0, str(SCRIPTS))  # claims_likelihood imports claims_formats beside it
    try:
        spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(SCRIPTS))


TEXT = "Alpha rose; beta fell. Gamma held."
# the text forced after the context, and after no text: split into tokens differently; the first
# token of each (right after the prompt) is left out of every measure
GIVEN = [("Alpha", -9.0), (" rose", -1.0), (";", -0.5), (" beta", -2.0), (" fell", -1.0), (".", -3.0),
         (" Gamma", -3.0), (" held", -0.5), (".", -0.2)]  # fmt: skip
ALONE = [
    ("Al", -5.0),
    ("pha", -1.0),
    (" rose;", -2.0),
    (" beta fell", -4.0),
    (".", -0.5),
    (" Gamma held.", -6.0),
]


def test_a_claim_is_found_by_its_words():
    lik = script("claims_likelihood")
    # found by its words whatever separates them; the span ends at its last word
    assert lik.locate(TEXT, "Alpha rose, beta fell.", 0) == (0, 21)
    assert lik.locate(TEXT, "Gamma held.", 21) == (23, 33)
    with pytest.raises(SystemExit, match="not found"):
        lik.locate(TEXT, "Delta held.", 0)


def test_per_claim_pmi_adds_each_claims_tokens_whatever_the_split():
    lik = script("claims_likelihood")
    assert lik.starts(GIVEN) == [0, 6, 10, 12, 17, 21, 23, 29, 33]
    # claim 1 [0, 21): given -1 - 0.5 - 2 - 1 = -4.5 over 4 tokens; alone -1 - 2 - 4 = -7
    # claim 2 [23, 33): given -3 - 0.5 = -3.5 over 2 tokens; alone -6
    assert lik.claim_pmi(TEXT, GIVEN, ALONE) == pytest.approx([(-4.5 + 7.0) / 4, (-3.5 + 6.0) / 2])


def test_the_lowest_token_pmi_compares_tokens_that_start_at_the_same_character():
    lik = script("claims_likelihood")
    # same starts: 6 (-1 vs -2), 12 (-2 vs -4), 21 (-3 vs -0.5), 23 (-3 vs -6)
    assert lik.lowest_token(GIVEN, ALONE) == pytest.approx(-2.5)


def test_the_threshold_search_keeps_the_most_equivalents_that_still_catch_enough():
    formats = script("claims_formats")
    good = {f"g{k}": 0.9 for k in range(13)} | {"g0": 0.1, "g1": 0.2}
    wrong = {
        "o1": 0.15,
        "o2": 0.3,
        "o3": 0.3,
        "o4": 0.95,
        "c1": 0.3,
        "c2": 0.3,
        "c3": 0.3,
        "c4": 0.95,
        "h1": 0.3,
        "h2": 0.3,
    }
    names = {"g": "equivalent", "o": "omission", "c": "contradiction", "h": "hallucination"}
    scores = good | wrong
    kinds = {i: names[i[0]] for i in scores}
    best = formats.best_kept(
        kinds, lambda t: {i: scores[i] < t for i in scores}, sorted(set(scores.values()))
    )
    # below 0.3 one omission is caught; below 0.9 three of each wrong kind, and 11 of 13 kept; below 0.95 none kept
    assert best is not None
    assert best[:2] == (11, 0.9)
    assert dict(best[2]) == {"omission": 3, "contradiction": 3, "hallucination": 2}
    assert "11 of 13 kept at threshold 0.900" in formats.said(best)
    assert formats.said(None) == "none"


def test_an_aligned_context_is_the_claims_most_like_the_claim_in_their_own_order():
    from genjudge.embed.encoder import load_model

    formats = script("claims_formats")
    others = [
        "The office moved to Leeds in May.",
        "Quarterly sales grew by twelve percent.",
        "The chief executive resigned after the audit.",
        "Revenue reached 4.1 billion dollars.",
    ]
    encoder = load_model()
    claim = "Revenue rose 12% to $4.1 billion."
    assert formats.aligned(claim, others, 1, encoder) == others[3]
    # the two most alike, joined in the order the text gives them, not by similarity
    assert formats.aligned(claim, others, 2, encoder) == f"{others[1]} {others[3]}"
    assert formats.aligned("The CEO stepped down.", others, 1, encoder) == others[2]
