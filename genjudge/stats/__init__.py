"""Statistics: pure functions over ratings and scores, typed results, seeded resampling.

- :mod:`~genjudge.stats.agreement`: Krippendorff's alpha (every level, missing ratings), Cohen's
  kappa (unweighted / linear / quadratic), Fleiss' kappa, exact and adjacent agreement, confusion
  matrix, true-positive / true-negative rates.
- :mod:`~genjudge.stats.correlation`: Pearson, Spearman, Kendall tau-b, and the item / summary /
  system granularities of summarization meta-evaluation.
- :mod:`~genjudge.stats.bootstrap`: seeded bootstrap over items or clusters, undefined resamples counted.
- :mod:`~genjudge.stats.intervals`: Jeffreys / Wilson intervals of proportions, BCa intervals,
  the design effect of clustered proportions.
- :mod:`~genjudge.stats.paired`: paired differences of two runs on the same items (paired
  bootstrap, McNemar's exact test, Newcombe's interval), Holm and Benjamini-Hochberg.
- :mod:`~genjudge.stats.samplesize`: items needed for a target half-width or a difference to detect.

Undefined input (empty, constant, mismatched) raises :class:`DegenerateInputError`.
"""

from genjudge.stats._inputs import DegenerateInputError
from genjudge.stats.agreement import (
    AgreementResult,
    AlphaResult,
    BinaryRates,
    ConfusionMatrix,
    KappaResult,
    adjacent_agreement,
    binary_rates,
    cohen_kappa,
    confusion_matrix,
    exact_agreement,
    fleiss_kappa,
    krippendorff_alpha,
)
from genjudge.stats.bootstrap import (
    BootstrapDraws,
    BootstrapInterval,
    as_rng,
    bootstrap_ci,
    bootstrap_draws,
    categorical_bootstrap,
    cluster_codes,
    cluster_weight_sums,
    percentile_interval,
)
from genjudge.stats.correlation import (
    CorrelationResult,
    MetaCorrelation,
    correlation,
    item_level_correlation,
    kendall_tau_b,
    pearson,
    spearman,
    summary_level_correlation,
    system_level_correlation,
)

__all__ = [
    "AgreementResult",
    "AlphaResult",
    "BinaryRates",
    "ConfusionMatrix",
    "CorrelationResult",
    "DegenerateInputError",
    "KappaResult",
    "MetaCorrelation",
    "adjacent_agreement",
    "as_rng",
    "binary_rates",
    "bootstrap_ci",
    "categorical_bootstrap",
    "cohen_kappa",
    "confusion_matrix",
    "correlation",
    "exact_agreement",
    "fleiss_kappa",
    "item_level_correlation",
    "kendall_tau_b",
    "krippendorff_alpha",
    "pearson",
    "percentile_interval",
    "spearman",
    "summary_level_correlation",
    "system_level_correlation",
]
