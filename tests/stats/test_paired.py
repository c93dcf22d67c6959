"""Paired comparisons and multiplicity control against statsmodels and published values."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from genjudge.stats import (
    DegenerateInputError,
    benjamini_hochberg,
    holm,
    items_for_difference,
    items_for_half_width,
    mcnemar_exact,
    paired_difference,
    paired_items_for_difference,
    paired_proportion_difference,
)


def _pairs(a: int, b: int, c: int, d: int) -> tuple[list[int], list[int]]:
    """x / y outcomes for a 2x2 paired table: a both 1, b x only, c y only, d neither."""
    return [1] * (a + b) + [0] * (c + d), [1] * a + [0] * b + [1] * c + [0] * d


@pytest.mark.parametrize("table", [(59, 6, 16, 80), (10, 0, 0, 5), (3, 7, 1, 9), (0, 12, 2, 0)])
def test_mcnemar_exact_matches_statsmodels(table):
    a, b, c, d = table
    x, y = _pairs(*table)
    want = mcnemar(np.array([[a, b], [c, d]]), exact=True).pvalue
    got = mcnemar_exact(x, y)
    assert (got.b, got.c, got.n) == (b, c, sum(table))
    assert got.p_value == pytest.approx(want, abs=1e-12)


def test_newcombe_paired_interval_published_and_never_degenerate():
    # Fagerland, Lydersen & Laake (2017), Statistical Analysis of Contingency Tables, ch. 8 (Cavo et
    # al. 2012): Newcombe square-and-add -0.0621 (-0.1186 to -0.0046).
    r = paired_proportion_difference(*_pairs(59, 6, 16, 80))
    assert (round(r.estimate, 4), round(r.ci_low, 4), round(r.ci_high, 4)) == (-0.0621, -0.1186, -0.0046)
    # Every pair agrees and both runs are always right: the difference is 0 but not known exactly.
    same = paired_proportion_difference([1] * 50, [1] * 50)
    assert same.estimate == 0 and same.ci_low < 0 < same.ci_high
    with pytest.raises(DegenerateInputError, match="0/1"):
        paired_proportion_difference([0, 2], [1, 1])


def test_paired_bootstrap_uses_the_pairing():
    rng = np.random.default_rng(0)
    base = rng.normal(0.7, 0.2, 400)
    x, y = base + 0.02 + rng.normal(0, 0.01, 400), base
    d = paired_difference(x, y, rng=1)
    assert d.ci_low > 0.015 and d.ci_high < 0.025  # paired: tight around 0.02
    # Unpaired, the shared item variation (sd 0.2) would swamp a 0.02 difference.
    assert 2 * 1.96 * np.sqrt(2 * 0.2**2 / 400) > 0.05
    same = paired_difference(x, y, rng=1)
    assert (same.ci_low, same.ci_high) == (d.ci_low, d.ci_high)
    clustered = paired_difference(x, y, rng=1, clusters=np.arange(400) // 4)
    assert clustered.method == "bca_clustered" and clustered.n_clusters == 100
    with pytest.raises(ValueError, match="seed"):
        paired_difference(x, y, rng=None)


def test_holm_and_benjamini_hochberg_match_statsmodels():
    p = np.array([0.001, 0.04, 0.03, 0.2, 0.012, 0.5, 0.049])
    for ours, name in ((holm, "holm"), (benjamini_hochberg, "fdr_bh")):
        reject, adjusted, _, _ = multipletests(p, alpha=0.05, method=name)
        got = ours(p, alpha=0.05)
        assert np.allclose(got.p_adjusted, adjusted, atol=1e-12)
        assert list(got.reject) == list(reject)
    with pytest.raises(DegenerateInputError):
        holm([0.1, 1.5])


def test_sample_sizes_by_hand():
    # Wald at 0.5, +-0.05: 1.96^2 * 0.25 / 0.0025 = 384.1; Jeffreys is slightly narrower there.
    assert 375 <= items_for_half_width(0.5, 0.05) <= 385
    # Near 1 the interval is narrow: far fewer items for the same half-width.
    assert items_for_half_width(0.99, 0.02) < items_for_half_width(0.9, 0.02) / 5
    # (1.96 * sqrt(.09) + 0.8416 * sqrt(.1275))^2 / .05^2 = 315.8
    assert items_for_difference(0.9, 0.05) == 316
    # Connor (1987): (1.96 * sqrt(.1) + 0.8416 * sqrt(.0975))^2 / .05^2 = 311.6
    assert paired_items_for_difference(0.1, 0.05) == 312
