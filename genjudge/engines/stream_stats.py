"""Running per-slice statistics of a mean metric, a chunk at a time, that give the local run's numbers.

The local aggregation (:mod:`genjudge.aggregate`) picks an interval by what a slice's values are:

- values in at most ``MAX_CATEGORIES`` (64) distinct numbers over the slicing: the counts per value
  are sufficient (the Jeffreys interval for 0/1 values, else the multinomial BCa bootstrap);
- more distinct values and at most ``RESAMPLE_LIMIT`` (100,000) items in the group: the BCa
  bootstrap over the group's values, in row order;
- more items than that: the bootstrap's normal limit, from the count, mean and sum of squares.

:class:`SliceMeans` keeps exactly what those need and no more: per group the counts per value (while
the slicing has at most 64 distinct values), the values themselves while the group has at most
100,000 (as 1-byte codes while they are categorical, 8-byte floats after) and the count, mean and
sum of squared deviations (merged per chunk, Chan et al. 1979). Memory per (metric, slicing) is at
most 100,000 values per group plus 64 counts per group, whatever the set's size. At the end the
same functions as the local run (with the same seeded generators) make the numbers, so a streamed
run equals the local one: to the bit for proportions, category counts and groups up to 100,000
items, to rounding (about 1e-15) for the normal limit of larger groups.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

# The local run's own thresholds and interval functions: one definition of which interval a
# number gets, so the streamed run cannot drift from it.
from genjudge.aggregate import (
    MAX_CATEGORIES,
    RESAMPLE_LIMIT,
    Settings,
    _categorical_mean,
    _continuous_mean,
    _rng,
)
from genjudge.checks.base import MeanMetric
from genjudge.records import MetricValue
from genjudge.stats.intervals import CIMethod

__all__ = ["SliceMeans"]


@dataclass
class _Group:
    """One group (slice value) of a slicing: what its interval needs."""

    items: int = 0
    """Rows in the group (scored or not)."""
    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    """Sum of squared deviations from the mean."""
    counts: np.ndarray = field(default_factory=lambda: np.zeros(MAX_CATEGORIES + 1, dtype=np.int64))
    """Scored rows per value code (while the slicing is categorical)."""
    kept: list[np.ndarray] | None = field(default_factory=list)
    """The group's values in row order (codes or floats) while it has at most RESAMPLE_LIMIT."""

    def merge_moments(self, x: np.ndarray) -> None:
        """Chan's parallel update of (n, mean, M2) with the values ``x``."""
        k = len(x)
        if not k:
            return
        mean_b = float(x.mean())
        m2_b = float(((x - mean_b) ** 2).sum())
        total = self.n + k
        delta = mean_b - self.mean
        self.mean += delta * k / total
        self.m2 += m2_b + delta * delta * self.n * k / total
        self.n = total


class SliceMeans:
    """One mean metric on every group of one slicing (``column`` None: the whole set), chunk by chunk."""

    def __init__(self, spec: MeanMetric, column: str | None) -> None:
        self.spec = spec
        self.column = column
        self.groups: dict[str | None, _Group] = {}
        self.codes: dict[float, int] | None = {}
        """Value -> code over the slicing's scored rows; None once it holds over MAX_CATEGORIES."""

    def add(self, values: np.ndarray, labels: np.ndarray | None) -> None:
        """One chunk: the metric's per-item values and each row's group (None: in no group)."""
        x = np.asarray(values, dtype=float)
        if labels is None:
            parts: list[tuple[str | None, np.ndarray]] = [(None, np.ones(len(x), dtype=bool))]
        else:
            codes, uniques = pd.factorize(pd.Series(labels, dtype=object), use_na_sentinel=True)
            parts = [(str(u), codes == i) for i, u in enumerate(uniques)]
        finite = np.isfinite(x)
        for label, member in parts:
            group = self.groups.setdefault(label, _Group())
            group.items += int(member.sum())
            xs = x[member & finite]
            self._add_group(group, xs)

    def _add_group(self, group: _Group, xs: np.ndarray) -> None:
        stored: np.ndarray = xs
        if self.codes is not None:
            local, inverse = np.unique(xs, return_inverse=True)
            for v in local.tolist():
                self.codes.setdefault(v, len(self.codes))
            if len(self.codes) > MAX_CATEGORIES:
                self._to_continuous()
            else:
                mapped = np.array([self.codes[v] for v in local.tolist()], dtype=np.uint8)
                stored = mapped[inverse] if len(xs) else np.zeros(0, np.uint8)
                group.counts += np.bincount(stored, minlength=len(group.counts))[: len(group.counts)]
        if group.kept is not None:
            if group.n + len(xs) > RESAMPLE_LIMIT:
                group.kept = None  # the local run takes the normal limit here: the moments suffice
            else:
                group.kept.append(stored)
        group.merge_moments(xs)

    def _to_continuous(self) -> None:
        """Past MAX_CATEGORIES distinct values: the codes kept so far become the values they stand for."""
        assert self.codes is not None
        table = np.zeros(max(self.codes.values()) + 1)
        for value, code in self.codes.items():
            table[code] = value
        for group in self.groups.values():
            if group.kept is not None:
                group.kept = [table[k] if k.dtype == np.uint8 else k for k in group.kept]
        self.codes = None

    def metric_values(self, settings: Settings) -> list[MetricValue]:
        """The metric on every group, as :func:`genjudge.aggregate.aggregate` gives it."""
        spec = self.spec
        labels = sorted(k for k in self.groups if k is not None)
        order: list[str | None] = [None] if self.column is None else list(labels)
        uniques: np.ndarray | None = None
        if self.codes is not None:
            keys = sorted(self.codes)
            uniques = np.array(keys, dtype=float)
            position = np.array([self.codes[k] for k in keys], dtype=np.int64)
        out = []
        for value in order:
            group = self.groups.get(value, _Group())
            rng = _rng(settings, spec.name, spec.subject, spec.column, self.column, value)
            if uniques is not None:
                counts = group.counts[position]
                point, (lo, hi), method = _categorical_mean(counts, uniques, group.n, settings, rng)
            elif group.kept is not None:
                parts = group.kept
                x = np.concatenate(parts).astype(float) if parts else np.zeros(0)
                point, (lo, hi), method = _continuous_mean(x, settings, rng)
            else:
                point, (lo, hi), method = _normal_limit(group, settings)
            out.append(
                MetricValue(
                    metric=spec.name,
                    family=spec.family,
                    subject=spec.subject,
                    slice_column=self.column,
                    slice_value=value,
                    value=point,
                    n=group.n,
                    n_unscored=group.items - group.n,
                    ci_low=lo,
                    ci_high=hi,
                    ci_method=method if group.n else None,
                    too_small=group.n < settings.min_support,
                )
            )
        return out


def _normal_limit(group: _Group, settings: Settings) -> tuple[float, tuple[float, float], str]:
    """The local run's interval past RESAMPLE_LIMIT items: mean ± z * s / sqrt(n), s with ddof 0."""
    half = float(norm.ppf(0.5 + settings.confidence / 2)) * math.sqrt(group.m2 / group.n) / math.sqrt(group.n)
    return group.mean, (group.mean - half, group.mean + half), CIMethod.NORMAL.value
