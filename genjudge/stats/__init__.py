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
- :mod:`~genjudge.stats.calibration`: reliability bins, top-label ECE / MCE, Brier and NLL per item,
  temperature scaling with a cross-validated before / after.
- :mod:`~genjudge.stats.divergence`: KL (smoothed), Jensen-Shannon and total variation between teacher
  and student distributions, per item or over the top-k token log-probabilities of two generations.
- :mod:`~genjudge.stats.quantiles`: a quantile with its distribution-free order-statistic interval.

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
from genjudge.stats.calibration import (
    MIN_CV_ITEMS,
    ReliabilityBin,
    TemperatureFit,
    apply_temperature,
    binary_probs,
    brier_per_item,
    cross_validated_temperature,
    expected_calibration_error,
    fit_temperature,
    max_calibration_error,
    nll_per_item,
    reliability_bins,
    top_label,
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
from genjudge.stats.divergence import (
    SMOOTHING,
    TokenDistance,
    align_distributions,
    js_divergence,
    kl_divergence,
    token_distance,
    top_choice_differs,
    total_variation,
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
from genjudge.stats.quantiles import QuantileInterval, quantile_interval
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
    "MIN_CV_ITEMS",
    "MeanEstimate",
    "MetaCorrelation",
    "MultipleTests",
    "PPIComparison",
    "PairedDifference",
    "PairedTest",
    "QuantileInterval",
    "ReliabilityBin",
    "SMOOTHING",
    "SliceComparisons",
    "StratumPart",
    "TemperatureFit",
    "TokenDistance",
    "Tuning",
    "adjacent_agreement",
    "align_distributions",
    "allocate",
    "apply_temperature",
    "as_rng",
    "bca_interval",
    "benjamini_hochberg",
    "binary_probs",
    "binary_rates",
    "bootstrap_ci",
    "bootstrap_draws",
    "brier_per_item",
    "categorical_bootstrap",
    "cluster_codes",
    "cluster_weight_sums",
    "cohen_kappa",
    "confusion_matrix",
    "correlation",
    "cross_validated_temperature",
    "design_effect",
    "exact_agreement",
    "expected_calibration_error",
    "fit_temperature",
    "fleiss_kappa",
    "half_width",
    "holm",
    "item_level_correlation",
    "items_for_difference",
    "items_for_half_width",
    "jeffreys_interval",
    "js_divergence",
    "kendall_tau_b",
    "kl_divergence",
    "krippendorff_alpha",
    "labels_for_decision",
    "labels_for_width",
    "max_calibration_error",
    "mcnemar_exact",
    "mean_acceleration",
    "nll_per_item",
    "paired_difference",
    "paired_items_for_difference",
    "paired_proportion_difference",
    "pearson",
    "percentile_interval",
    "ppi_by_slice",
    "ppi_mean",
    "projected_width",
    "quantile_interval",
    "reliability_bins",
    "spearman",
    "summary_level_correlation",
    "summary_level_interval",
    "summary_level_values",
    "system_level_correlation",
    "system_level_interval",
    "token_distance",
    "top_choice_differs",
    "top_label",
    "total_variation",
    "wilson_interval",
]
