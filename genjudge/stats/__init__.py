"""Statistics: pure functions over ratings and scores, typed results, seeded resampling.

- :mod:`~genjudge.stats.agreement`: Krippendorff's alpha (every level, missing ratings), Cohen's
  kappa (unweighted / linear / quadratic), Fleiss' kappa, exact and adjacent agreement, confusion
  matrix, true-positive / true-negative rates.
- :mod:`~genjudge.stats.correlation`: Pearson, Spearman, Kendall tau-b, and the item / summary /
  system granularities of summarization meta-evaluation.
- :mod:`~genjudge.stats.bootstrap`: seeded bootstrap over items or clusters, undefined resamples counted.
- :mod:`~genjudge.stats.intervals`: Jeffreys / Wilson intervals of proportions, BCa intervals,
  the design effect of clustered proportions.
- :mod:`~genjudge.stats.grouped`: summary / system-level correlations with documents / systems resampled.
- :mod:`~genjudge.stats.paired`: paired differences of two runs on the same items (paired
  bootstrap, McNemar's exact test, Newcombe's interval), Holm and Benjamini-Hochberg.
- :mod:`~genjudge.stats.samplesize`: items needed for a target half-width or a difference to detect.
- :mod:`~genjudge.stats.ppi`: prediction-powered inference: the mean human rating from a stratified
  human sample and a judge on every item (stratified PPI++), next to the judge's and the humans' own.
- :mod:`~genjudge.stats.ppi_budget`: more human labels for a target interval width or an acceptance bar.

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
from genjudge.stats.grouped import (
    GroupedInterval,
    summary_level_interval,
    summary_level_values,
    system_level_interval,
)
from genjudge.stats.intervals import (
    CIMethod,
    bca_interval,
    design_effect,
    jeffreys_interval,
    mean_acceleration,
    wilson_interval,
)
from genjudge.stats.paired import (
    MultipleTests,
    PairedDifference,
    PairedTest,
    benjamini_hochberg,
    holm,
    mcnemar_exact,
    paired_difference,
    paired_proportion_difference,
)
from genjudge.stats.ppi import (
    Estimator,
    MeanEstimate,
    PPIComparison,
    SliceComparisons,
    StratumPart,
    Tuning,
    ppi_by_slice,
    ppi_mean,
)
from genjudge.stats.ppi_budget import allocate, labels_for_decision, labels_for_width, projected_width
from genjudge.stats.samplesize import (
    half_width,
    items_for_difference,
    items_for_half_width,
    paired_items_for_difference,
)

__all__ = [
    "AgreementResult",
    "AlphaResult",
    "BinaryRates",
    "BootstrapDraws",
    "BootstrapInterval",
    "CIMethod",
    "ConfusionMatrix",
    "CorrelationResult",
    "DegenerateInputError",
    "Estimator",
    "GroupedInterval",
    "KappaResult",
    "MeanEstimate",
    "MetaCorrelation",
    "MultipleTests",
    "PPIComparison",
    "PairedDifference",
    "PairedTest",
    "SliceComparisons",
    "StratumPart",
    "Tuning",
    "adjacent_agreement",
    "allocate",
    "as_rng",
    "bca_interval",
    "benjamini_hochberg",
    "binary_rates",
    "bootstrap_ci",
    "bootstrap_draws",
    "categorical_bootstrap",
    "cluster_codes",
    "cluster_weight_sums",
    "cohen_kappa",
    "confusion_matrix",
    "correlation",
    "design_effect",
    "exact_agreement",
    "fleiss_kappa",
    "half_width",
    "holm",
    "item_level_correlation",
    "items_for_difference",
    "items_for_half_width",
    "jeffreys_interval",
    "kendall_tau_b",
    "krippendorff_alpha",
    "labels_for_decision",
    "labels_for_width",
    "mcnemar_exact",
    "mean_acceleration",
    "paired_difference",
    "paired_items_for_difference",
    "paired_proportion_difference",
    "pearson",
    "percentile_interval",
    "ppi_by_slice",
    "ppi_mean",
    "projected_width",
    "spearman",
    "summary_level_correlation",
    "summary_level_interval",
    "summary_level_values",
    "system_level_correlation",
    "system_level_interval",
    "wilson_interval",
]
