"""How far a student's predicted distribution is from its teacher's: KL, Jensen-Shannon, total variation.

Rows ``p`` (teacher) and ``q`` (student) are (n, k) arrays over the same classes; a single
distribution is one row. :func:`align_distributions` builds them from per-item ``{class: prob}``
dicts, and :func:`token_distance` compares the top-k token log-probabilities of two generations.

KL is infinite wherever the student gives 0 to a class the teacher does not, which one unlucky
rounding makes happen; so both rows are smoothed as ``(x + eps) / (1 + k eps)`` (``eps =``
:data:`SMOOTHING`) before KL. JS and TV are bounded and need no smoothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from genjudge.stats._inputs import DegenerateInputError, as_prob_rows

__all__ = [
    "SMOOTHING",
    "TokenDistance",
    "align_distributions",
    "js_divergence",
    "kl_divergence",
    "token_distance",
    "top_choice_differs",
    "total_variation",
]

SMOOTHING = 1e-6
"""Mass added to every class before KL, so one class the student rounds to 0 costs at most ~14 nats."""


@dataclass(frozen=True)
class TokenDistance:
    """Next-token distances of a student's generation from its teacher's, averaged over positions."""

    kl: float
    """Mean KL(teacher || student) in nats (smoothed as :func:`kl_divergence`)."""
    js: float
    """Mean Jensen-Shannon divergence, base 2."""
    tv: float
    """Mean total variation distance."""
    positions: int
    """Positions compared: the common token prefix and the first position where the outputs differ."""
    missing_mass: float
    """Mean over positions of the mass outside each side's own top-k list, both sides averaged."""
    unshared_mass: float
    """Mean over positions of the mass outside the tokens both lists show (the "other" bucket), both
    sides averaged: the part of the distributions the distances cannot see."""
    top_differs: float = 0.0
    """Share of the positions compared where the two sides' most probable tokens differ."""


def kl_divergence(p: np.ndarray, q: np.ndarray, *, eps: float = SMOOTHING) -> np.ndarray:
    """``KL(p || q) = sum_k p_k ln(p_k / q_k)`` per row, in nats, both rows smoothed first.

    Smoothing is ``(x + eps) / (1 + k eps)`` on each row; ``eps=0`` gives the raw KL (``inf`` where
    ``q_k = 0 < p_k``). Kullback & Leibler (1951).

    >>> kl_divergence(np.array([0.5, 0.5]), np.array([0.9, 0.1]), eps=0).round(4).tolist()
    [0.5108]
    """
    from scipy.special import rel_entr

    a, b = _rows(p, q)
    k = a.shape[1]
    a, b = (a + eps) / (1 + k * eps), (b + eps) / (1 + k * eps)
    return np.asarray(rel_entr(a, b).sum(axis=1))


def js_divergence(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen-Shannon divergence per row, base 2, in [0, 1]: ``(KL(p || m) + KL(q || m)) / 2``, ``m = (p + q) / 2``.

    Symmetric and finite with zeros; it is the square of scipy's ``jensenshannon(p, q, base=2)``
    (a distance). Lin (1991), IEEE Trans. Inf. Theory 37:145-151.

    >>> js_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0])).tolist()
    [1.0]
    """
    from scipy.special import rel_entr

    a, b = _rows(p, q)
    m = (a + b) / 2
    js = (rel_entr(a, m).sum(axis=1) + rel_entr(b, m).sum(axis=1)) / (2 * math.log(2))
    return np.asarray(np.clip(js, 0.0, 1.0))


def total_variation(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Total variation distance per row, ``0.5 sum_k |p_k - q_k|`` in [0, 1].

    >>> total_variation(np.array([0.5, 0.5]), np.array([0.9, 0.1])).round(6).tolist()
    [0.4]
    """
    a, b = _rows(p, q)
    return np.asarray(0.5 * np.abs(a - b).sum(axis=1))


def top_choice_differs(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """1.0 per row where the most probable classes differ (ties: the first class, as ``np.argmax``)."""
    a, b = _rows(p, q)
    return np.asarray(a.argmax(axis=1) != b.argmax(axis=1), dtype=float)


def align_distributions(
    p: list[dict[str, float] | None], q: list[dict[str, float] | None]
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Per-item ``{class: prob}`` dicts as ``(labels, P, Q, ok)`` over the same sorted classes.

    ``labels`` is the sorted union of every dict's classes; a class absent from a dict is 0 there.
    ``ok`` marks the items where both sides have a dict; the other items' rows are NaN so that
    forgetting ``P[ok]`` fails loudly instead of comparing an empty row.

    >>> labels, P, Q, ok = align_distributions([{"yes": 1.0}, None], [{"no": 0.4, "yes": 0.6}, {"no": 1.0}])
    >>> labels, P[0].tolist(), Q[0].tolist(), ok.tolist()
    (['no', 'yes'], [0.0, 1.0], [0.4, 0.6], [True, False])
    """
    if len(p) != len(q):
        raise DegenerateInputError(f"p and q must have the same length, got {len(p)} and {len(q)}")
    labels = sorted({c for d in (*p, *q) if d is not None for c in d})
    index = {c: j for j, c in enumerate(labels)}
    ok = np.array([a is not None and b is not None for a, b in zip(p, q, strict=True)], dtype=bool)
    return labels, _matrix(p, ok, index), _matrix(q, ok, index), ok


def token_distance(
    teacher: Sequence[Mapping[str, Any]], student: Sequence[Mapping[str, Any]]
) -> TokenDistance | None:
    """KL / JS / TV between the next-token distributions of two generations from the same prompt.

    Each generation is a list of ``{"token": str, "logprob": float, "top": {token: logprob}}`` (the
    shape of OpenAI-style logprobs); the sampled token joins its side's ``top`` if missing. Two
    next-token distributions are comparable only while both are conditioned on the same prefix, so
    the positions compared are ``0..m``, ``m`` the length of the common token prefix (position ``m``,
    where the tokens first differ, is still conditioned on the same prefix), stopping at the shorter
    output. None when either output is empty.

    At each position both distributions are coarsened to the same buckets: one per token that
    appears in *both* top-k lists, and one "other" bucket with the rest of each side's mass,
    ``1 - sum(exp(shared))``. Only there is each side's mass known: a token in the teacher's list but
    not the student's has an unknown student probability (below the student's k-th). Both vectors are
    then the true distributions mapped through one partition of the vocabulary, and by the
    data-processing inequality (KL, JS and TV are f-divergences, jointly convex, so the smoothing
    mixture does not raise them either) the values here can only **under-estimate** the true
    distances; ``unshared_mass`` says how much mass the comparison cannot see. Filling a token missing
    from one list with 0 there would not be a bound at all: two identical distributions whose top-1
    lists differ would look far apart. A side whose top-k masses sum past 1 by rounding (up to 1e-3)
    is renormalised; more is an error.
    """
    t_steps = [_step(x, "teacher", i) for i, x in enumerate(teacher)]
    s_steps = [_step(x, "student", i) for i, x in enumerate(student)]
    shorter = min(len(t_steps), len(s_steps))
    if shorter == 0:
        return None
    m = 0
    while m < shorter and t_steps[m][0] == s_steps[m][0]:
        m += 1
    positions = min(m + 1, shorter)
    kl, js, tv, missing, unshared, differs = [], [], [], [], [], []
    for (_, t_top), (_, s_top) in zip(t_steps[:positions], s_steps[:positions], strict=True):
        differs.append(float(max(t_top, key=t_top.__getitem__) != max(s_top, key=s_top.__getitem__)))
        shared = sorted(t_top.keys() & s_top.keys())
        p_known = [t_top[tok] for tok in shared]
        q_known = [s_top[tok] for tok in shared]
        p = np.array([[*p_known, max(0.0, 1.0 - sum(p_known))]])
        q = np.array([[*q_known, max(0.0, 1.0 - sum(q_known))]])
        kl.append(float(kl_divergence(p, q)[0]))
        js.append(float(js_divergence(p, q)[0]))
        tv.append(float(total_variation(p, q)[0]))
        missing.append((max(0.0, 1.0 - sum(t_top.values())) + max(0.0, 1.0 - sum(s_top.values()))) / 2)
        unshared.append(float(p[0, -1] + q[0, -1]) / 2)
    return TokenDistance(
        kl=float(np.mean(kl)),
        js=float(np.mean(js)),
        tv=float(np.mean(tv)),
        positions=positions,
        missing_mass=float(np.mean(missing)),
        unshared_mass=float(np.mean(unshared)),
        top_differs=float(np.mean(differs)),
    )


def _rows(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = as_prob_rows(p, "p"), as_prob_rows(q, "q")
    if a.shape != b.shape:
        raise DegenerateInputError(f"p and q must have the same shape, got {a.shape} and {b.shape}")
    return a, b


def _matrix(dicts: list[dict[str, float] | None], ok: np.ndarray, index: dict[str, int]) -> np.ndarray:
    out = np.full((len(dicts), len(index)), np.nan)
    for i in np.flatnonzero(ok):
        out[i] = 0.0
        for c, v in (dicts[i] or {}).items():
            out[i, index[c]] = v
    return out


def _step(entry: Mapping[str, Any], side: str, i: int) -> tuple[str, dict[str, float]]:
    """A position's sampled token and its top-k probabilities (the sampled token included)."""
    try:
        token, logprob = entry["token"], float(entry["logprob"])
        top = {str(t): float(lp) for t, lp in (entry.get("top") or {}).items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DegenerateInputError(
            f"{side} position {i}: needs 'token', 'logprob' and a 'top' mapping ({exc!r})"
        ) from None
    top.setdefault(str(token), logprob)
    probs: dict[str, float] = {}
    for tok, lp in top.items():
        if math.isnan(lp) or lp > 1e-6:
            raise DegenerateInputError(f"{side} position {i}: log-probability {lp} for {tok!r} is not <= 0")
        probs[tok] = math.exp(min(lp, 0.0))
    total = math.fsum(probs.values())
    if total > 1.0 + 1e-3:
        raise DegenerateInputError(f"{side} position {i}: top-k probabilities sum to {total:.6g}, past 1")
    if total > 1.0:
        probs = {tok: v / total for tok, v in probs.items()}
    return str(token), probs
