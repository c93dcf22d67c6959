"""Field normalisation: whitespace, case, numbers, dates."""

from __future__ import annotations

import pytest

from genjudge.extraction import FieldSpec, normalize

TEXT, NUMBER, DATE = FieldSpec(), FieldSpec(kind="number"), FieldSpec(kind="date")


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        ("  ACME   Sdn\tBhd ", TEXT, "acme sdn bhd"),
        ("ＡＣＭＥ", TEXT, "acme"),  # full-width letters fold under NFKC
        ("Mr. D.I.Y. (Johor)", FieldSpec(strip_punctuation=True), "mr d i y johor"),
        ("RM 1,234.50", NUMBER, "1234.5"),
        ("$9.00", NUMBER, "9"),
        ("9", NUMBER, "9"),
        ("0.00", NUMBER, "0"),
        ("1.234,50", FieldSpec(kind="number", decimal_comma=True), "1234.5"),
        ("n/a", NUMBER, "n/a"),  # not a number: falls back to text
        ("25/12/2018", DATE, "2018-12-25"),
        ("12-01-19", DATE, "2019-01-12"),  # day first by default
        ("03 MAR 2018", DATE, "2018-03-03"),
        ("2018-03-03", DATE, "2018-03-03"),
        ("03/04/2018", FieldSpec(kind="date", date_formats=("%m/%d/%Y",)), "2018-03-04"),
        ("sometime", DATE, "sometime"),
        ("  x ", FieldSpec(kind="exact"), "x"),
        (None, TEXT, None),
        ("   ", NUMBER, None),
        (9.5, NUMBER, "9.5"),
    ],
)
def test_normalize(value, spec, expected):
    assert normalize(value, spec) == expected


def test_the_old_spelling_is_a_deprecated_alias():
    import genjudge.extraction

    with pytest.warns(DeprecationWarning, match="normalize"):
        assert genjudge.extraction.normalise is normalize
