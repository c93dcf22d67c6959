"""Calibrate a claim rubric's p(yes) threshold on rated claims, and say honestly how well it does.

The threshold is fitted on every rated claim (:func:`~.claim_threshold.calibrate_threshold`,
Youden's J). Its balanced accuracy on those same claims is optimistic, so the procedure itself is
cross-validated: stratified k-fold (``k = min(5, claims of the rarer class)``, shuffled with the
policy's seed); in each fold the threshold is calibrated on the other folds and applied to the
held-out claims, and the balanced accuracy of these out-of-fold verdicts is the estimate of what a
run at a calibrated threshold gets (Hastie, Tibshirani & Friedman 2009, *The Elements of Statistical
Learning*, §7.10.2: every step of fitting, threshold choice included, goes inside the loop). Next to
it: the balanced accuracy at the uncalibrated 0.5 and the AUC of p(yes) (threshold-free ranking),
each with a seeded percentile bootstrap interval over claims (for the cross-validated number the
out-of-fold verdicts are held fixed: the interval is of their accuracy, not of refitting).

Balanced accuracy = (TPR + TNR) / 2 (Brodersen et al. 2010), undefined without both classes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from genjudge.stats import DegenerateInputError, bootstrap_ci
from genjudge.validation.claim_threshold import calibrate_threshold
from genjudge.validation.policy import Policy
from genjudge.validation.records import ClaimThreshold, StatValue

MAX_FOLDS = 5


def balanced_accuracy(supported: np.ndarray, predicted: np.ndarray) -> float:
    """(TPR + TNR) / 2 of boolean ``predicted`` against boolean ``supported``.

    >>> balanced_accuracy(np.array([True, True, False, False]), np.array([True, False, False, False]))
    0.75
    """
    y, p = np.asarray(supported, dtype=bool), np.asarray(predicted, dtype=bool)
    if y.all() or not y.any():
        raise DegenerateInputError("balanced accuracy needs both supported and unsupported claims")
    return float((p[y].mean() + (~p[~y]).mean()) / 2)


def roc_auc(supported: np.ndarray, p_yes: np.ndarray) -> float:
    """Area under the ROC curve of ``p_yes`` (:func:`sklearn.metrics.roc_auc_score`)."""
    from sklearn.metrics import roc_auc_score

    y = np.asarray(supported, dtype=bool)
    if y.all() or not y.any():
        raise DegenerateInputError("AUC needs both supported and unsupported claims")
    return float(roc_auc_score(y, p_yes))


def out_of_fold(
    p_yes: np.ndarray, supported: np.ndarray, seed: int, groups: np.ndarray | None = None
) -> tuple[np.ndarray, list[float], int]:
    """(verdict per claim from the threshold calibrated without its fold, the fold thresholds, k).

    With ``groups`` (the claims' documents) a document's claims stay in one fold
    (:class:`sklearn.model_selection.StratifiedGroupKFold`).
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    y = np.asarray(supported, dtype=bool)
    rarer = int(min(y.sum(), (~y).sum()))
    if rarer < 2:
        raise DegenerateInputError(
            f"cross-validating the threshold needs at least 2 supported and 2 unsupported claims "
            f"(has {int(y.sum())} and {int((~y).sum())})"
        )
    k = min(MAX_FOLDS, rarer)
    if groups is not None:
        k = min(k, int(np.unique(groups).size))
        splits = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed).split(p_yes, y, groups)
    else:
        splits = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(p_yes, y)
    verdict = np.zeros(y.size, dtype=bool)
    thresholds = []
    for train, test in splits:
        if y[train].all() or not y[train].any():
            raise DegenerateInputError(
                "a cross-validation fold leaves one kind of claim out of its training part: rate claims of "
                "both kinds on more documents"
            )
        t = calibrate_threshold(p_yes[train].tolist(), y[train].tolist()).threshold
        thresholds.append(t)
        verdict[test] = p_yes[test] >= t
    return verdict, thresholds, k


def _stat(
    name: str, f: Callable[[np.ndarray], float], n: int, policy: Policy, groups: np.ndarray | None
) -> StatValue:
    try:
        value = f(np.arange(n))
    except DegenerateInputError as exc:
        return StatValue(name=name, value=None, n=n, reason=str(exc))
    ci = bootstrap_ci(
        f, n, resamples=policy.resamples, confidence=policy.confidence, rng=policy.seed, clusters=groups
    )
    return StatValue(
        name=name,
        value=value,
        ci_low=ci.low,
        ci_high=ci.high,
        n=n,
        undefined_draws=ci.undefined,
        draws=ci.resamples,
        ci_method="percentile" if groups is None else "percentile_documents",
    )


def calibrate_claims(
    dimension: str,
    p_yes: np.ndarray,
    supported: np.ndarray,
    policy: Policy,
    left_out: dict[str, int] | None = None,
    groups: np.ndarray | None = None,
    grouped_by: str | None = None,
) -> tuple[ClaimThreshold, np.ndarray]:
    """The calibrated threshold with its honest numbers, and the out-of-fold verdict of each claim.

    ``p_yes`` and ``supported`` (booleans) cover the claims that have both; ``groups`` (optional)
    their documents: folds keep a document's claims together and the intervals resample documents.
    Raises DegenerateInputError when a class is absent or has fewer than 2 claims.
    """
    p = np.asarray(p_yes, dtype=float)
    y = np.asarray(supported, dtype=bool)
    cal = calibrate_threshold(p.tolist(), y.tolist())
    oof, thresholds, k = out_of_fold(p, y, policy.seed, groups)
    n = y.size
    record = ClaimThreshold(
        dimension=dimension,
        threshold=cal.threshold,
        claims=n,
        positives=cal.positives,
        negatives=cal.negatives,
        left_out={k_: v for k_, v in (left_out or {}).items() if v},
        balanced_accuracy_fitted=cal.balanced_accuracy,
        tpr=cal.tpr,
        tnr=cal.tnr,
        cross_validated=_stat(
            "balanced_accuracy_cross_validated", lambda i: balanced_accuracy(y[i], oof[i]), n, policy, groups
        ),
        at_half=_stat(
            "balanced_accuracy_at_0.5", lambda i: balanced_accuracy(y[i], p[i] >= 0.5), n, policy, groups
        ),
        auc=_stat("auc", lambda i: roc_auc(y[i], p[i]), n, policy, groups),
        folds=k,
        seed=policy.seed,
        fold_thresholds=thresholds,
        grouped_by=grouped_by if groups is not None else None,
    )
    return record, oof


def in_words(c: ClaimThreshold) -> list[str]:
    """The calibration in sentences (the decision's explanation starts with them)."""
    from genjudge.formatting import format_number

    def ci(s: StatValue) -> str:
        if s.value is None:
            return f"undefined ({s.reason})"
        return f"{format_number(s.value)} [{format_number(s.ci_low)}, {format_number(s.ci_high)}]"

    left = ", ".join(f"{n} {why}" for why, n in c.left_out.items())
    grouped = f", by {c.grouped_by} (a document's claims kept together)" if c.grouped_by else ""
    return [
        f"{c.dimension}: p(yes) threshold calibrated to {c.threshold:.4g} (Youden's J on {c.claims} rated claims: "
        f"{c.positives} supported, {c.negatives} not{'; left out: ' + left if left else ''}).",
        f"{c.dimension}: balanced accuracy {format_number(c.balanced_accuracy_fitted)} at {c.threshold:.4g} on the "
        f"claims it was fitted to (optimistic); cross-validated (calibrated on the other folds, applied to each "
        f"held-out fold; {c.folds}-fold stratified{grouped}, seed {c.seed}) {ci(c.cross_validated)}; at the "
        f"uncalibrated 0.5 {ci(c.at_half)}; AUC of p(yes) {ci(c.auc)}.",
        f"{c.dimension}: the agreement statistics are of the out-of-fold verdicts (each claim labelled at the "
        "threshold calibrated without it).",
    ]
