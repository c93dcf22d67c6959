"""Findings per slice: weak slices, grouped by pattern, and slices too small to trust.

A slice is *weak* on a metric when it is worse than the whole set by at least the material gap and
its interval lies wholly on the bad side of the whole-set value. Cases are grouped by slice (the
metrics weak there, largest gap first) and by pattern:

- ``weak_critical_slice`` (critical): a slice the run config declares critical;
- ``hard_slice``: the teacher is weak there too, so the slice is hard, not under-distilled;
- ``weak_slice``: the rest. "Good aggregate" is said only when every case's whole-set value is
  good (at least ``low_quality`` on a 0-1 scale); "the teacher holds up" only where the teacher's
  numbers on that slice are known and not weak.
"""

from __future__ import annotations

from collections.abc import Iterable

from genjudge.config import FindingThresholds
from genjudge.findings._common import Finding, gap, grouped, higher_is_better, overall, quote
from genjudge.findings._common import value as value_of
from genjudge.records import Family, MetricValue

FAMILIES = (Family.QUALITY, Family.FIDELITY, Family.STRUCTURE)
METRICS_PER_CASE = 2


def comparable(m: MetricValue) -> bool:
    """A slice value the weak-slice rule reads: the student's (or the pair's) quality, fidelity or
    structure number, not a per-class one and not a macro average (it runs over the classes a
    slice holds, so it does not compare with the whole set), nor a binned calibration error (its
    upward bias grows as the items get fewer, so a slice looks worse than the whole set by its size
    alone; Brier and log loss, plain means, do compare)."""
    return (
        m.family in FAMILIES
        and m.subject != "teacher"
        and m.label is None
        and not m.metric.startswith("macro_")
        and not m.metric.endswith("_calibration_error")
    )


def weak_gap(m: MetricValue, whole: MetricValue, material_gap: float) -> float | None:
    """The weak-slice rule: how far the slice value ``m`` is worse than the whole-set value ``whole``
    when that is at least ``material_gap`` and ``m``'s interval lies wholly on the bad side of it;
    None otherwise (and for a slice too small to trust). The report's heat map marks the same cells."""
    if m.too_small or m.value is None or m.ci_low is None or m.ci_high is None or whole.value is None:
        return None
    clear = m.ci_high < whole.value if higher_is_better(m.metric) else m.ci_low > whole.value
    g = gap(whole, m)
    return g if clear and g >= material_gap else None


def _weak(
    metrics: list[MetricValue], m: MetricValue, t: FindingThresholds
) -> tuple[float, MetricValue] | None:
    """(gap, whole-set value) when ``m`` (a slice value) is weak against the whole set."""
    whole = overall(metrics, m.metric, m.subject)
    if whole is None or (g := weak_gap(m, whole, t.material_gap)) is None:
        return None
    return g, whole


def _teacher_state(
    metrics: list[MetricValue], column: str, value_: str | None, t: FindingThresholds
) -> str | None:
    """``weak`` / ``fine`` for the teacher's own numbers on a slice; None when it has none there."""
    mine = [
        m
        for m in metrics
        if m.subject == "teacher" and m.slice_column == column and m.slice_value == value_ and m.label is None
        and m.family in FAMILIES and not m.metric.startswith("macro_") and m.value is not None and not m.too_small
    ]  # fmt: skip
    if not mine:
        return None
    return "weak" if any(_weak(metrics, m, t) for m in mine) else "fine"


def _good(whole: MetricValue, t: FindingThresholds) -> bool:
    v = value_of(whole)
    if not 0.0 <= v <= 1.0:
        return False
    return v >= t.low_quality if higher_is_better(whole.metric) else v <= 1.0 - t.low_quality


def weak_slices(metrics: list[MetricValue], t: FindingThresholds) -> Iterable[Finding]:
    """Slices (large enough to trust) whose interval lies wholly on the bad side of the whole set."""
    found: dict[tuple[str, str | None], list[tuple[float, MetricValue, MetricValue]]] = {}
    critical: set[tuple[str, str | None]] = set()
    for m in metrics:
        if m.slice_column is None or not comparable(m) or (weak := _weak(metrics, m, t)) is None:
            continue
        found.setdefault((m.slice_column, m.slice_value), []).append((weak[0], m, weak[1]))
        if m.critical:
            critical.add((m.slice_column, m.slice_value))
    groups: dict[str, list[tuple[float, str]]] = {}
    all_good = True
    holds_up = False
    for (column, value_), cases in found.items():
        cases.sort(key=lambda c: -c[0])
        teacher = _teacher_state(metrics, column, value_, t)
        code = (
            "weak_critical_slice" if (column, value_) in critical
            else "hard_slice" if teacher == "weak"
            else "weak_slice"
        )  # fmt: skip
        shown = [
            f"{m.metric} ({m.subject}) {quote(m)} against {quote(whole)} overall" for _, m, whole in cases
        ]
        more = len(shown) - METRICS_PER_CASE
        text = f"{column}={value_}: {'; '.join(shown[:METRICS_PER_CASE])}"
        text += f" (+{more} more metric{'s' if more > 1 else ''})" if more > 0 else ""
        if code == "weak_slice":
            all_good &= all(_good(whole, t) for _, _, whole in cases)
            if teacher == "fine":
                text += "; the teacher holds up there"
                holds_up = True
        groups.setdefault(code, []).append((cases[0][0], text))
    if found_cases := groups.get("weak_critical_slice"):
        yield grouped("weak_critical_slice", "critical", "Weak on a slice declared critical", found_cases)
    if found_cases := groups.get("weak_slice"):
        lead = (
            "Good aggregate, weak on some slices"
            if all_good
            else "Weaker on some slices than on the whole set"
        )
        if holds_up:
            lead += (
                " (where the teacher holds up, the usual cause is a coverage gap in the distillation data)"
            )
        yield grouped("weak_slice", "warning", lead, found_cases)
    if found_cases := groups.get("hard_slice"):
        yield grouped(
            "hard_slice",
            "info",
            "Hard for both models: the teacher is weak on these slices too, so more distillation will not fix them",
            found_cases,
        )


def small_slices(metrics: list[MetricValue], t: FindingThresholds) -> Iterable[Finding]:
    """Name the slices too small to trust, once each, with the metrics that fall under the minimum."""
    small: dict[tuple[str, str], dict[str, int]] = {}
    total: dict[tuple[str, str], int] = {}
    for m in metrics:
        if m.slice_column is None or m.label is not None:
            continue
        key = (m.slice_column, m.slice_value or "")
        total[key] = total.get(key, 0) + 1
        if m.too_small:
            small.setdefault(key, {}).setdefault(m.metric, m.n)
    parts = []
    for (column, value), by_metric in sorted(small.items()):
        n = min(by_metric.values())
        if len(by_metric) == total[(column, value)] or len(by_metric) > 3:
            parts.append(f"{column}={value} (n={n})")
        else:
            parts.append(f"{column}={value} (n={n} for {', '.join(sorted(by_metric))})")
    if parts:
        yield Finding(
            code="small_slices",
            severity="info",
            message=f"Too small to trust (under the minimum support), shown but not to be relied on: {'; '.join(parts)}.",
        )


PROPORTION_METHODS = ("jeffreys", "jeffreys_clustered")
MAX_NAMED_SLICES = 8


def sample_size(metrics: list[MetricValue], t: FindingThresholds) -> Iterable[Finding]:
    """Slices too small for the question the report asks of them: telling a gap of
    ``material_gap`` needs an interval no wider than ± that gap. For each slice whose widest
    proportion interval is wider, say how many items it would need at its observed rate (scaled
    by the observed design effect when items are clustered)."""
    from genjudge.stats.samplesize import half_width, items_for_half_width

    target = t.material_gap
    worst: dict[tuple[str, str], tuple[int, MetricValue, float]] = {}
    for m in metrics:
        if (
            m.slice_column is None
            or m.label is not None
            or m.ci_method not in PROPORTION_METHODS
            or m.value is None
            or m.ci_low is None
            or m.ci_high is None
            or m.subject == "teacher"
            or not 0 < target < 0.5
        ):
            continue
        width = (m.ci_high - m.ci_low) / 2
        if width <= target:
            continue
        iid = half_width(m.value, m.n)
        inflation = max(1.0, (width / iid) ** 2) if iid > 0 else 1.0
        needed = int(items_for_half_width(m.value, target) * inflation + 0.999)
        key = (m.slice_column, m.slice_value or "")
        if key not in worst or needed > worst[key][0]:
            worst[key] = (needed, m, width)
    if not worst:
        return
    ranked = sorted(worst.items(), key=lambda kv: (-kv[1][0], kv[0]))
    parts = [
        f"{column}={value} (n={m.n}: {m.metric} {m.value:.3f} ± {width:.3f}, needs about {needed:,} items)"
        for (column, value), (needed, m, width) in ranked[:MAX_NAMED_SLICES]
    ]
    more = len(ranked) - MAX_NAMED_SLICES
    tail = f"; and {more} more slice(s)" if more > 0 else ""
    yield Finding(
        code="sample_size",
        severity="info",
        message=(
            f"Too small to tell a {target:.2f} gap (their 95% interval is wider than ± {target:.2f}): "
            f"{'; '.join(parts)}{tail}."
        ),
    )
