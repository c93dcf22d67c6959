"""Divergences: hand values, scipy's entropy and jensenshannon, symmetry, zeros, and the top-k token
distance (identical outputs, the common prefix, the "other" bucket, a lower bound of the true values)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy

from genjudge.stats import (
    SMOOTHING,
    DegenerateInputError,
    align_distributions,
    js_divergence,
    kl_divergence,
    token_distance,
    top_choice_differs,
    total_variation,
)

P = np.array([[0.5, 0.5], [0.9, 0.1]])
Q = np.array([[0.9, 0.1], [0.5, 0.5]])


def test_hand_values():
    # KL([.5,.5] || [.9,.1]) = .5 ln(.5/.9) + .5 ln(.5/.1) = .5 ln(25/9) = ln(5/3) = 0.510826
    # KL([.9,.1] || [.5,.5]) = .9 ln 1.8 + .1 ln .2 = 0.529014 - 0.160944 = 0.368064
    np.testing.assert_allclose(kl_divergence(P, Q, eps=0), [math.log(5 / 3), 0.368064], atol=1e-6)
    np.testing.assert_allclose(kl_divergence(P, Q), [math.log(5 / 3), 0.368064], rtol=1e-5)
    # TV = .5 (.4 + .4) = .4 both ways
    np.testing.assert_allclose(total_variation(P, Q), [0.4, 0.4])
    # JS([.5,.5], [1,0]): m = [.75,.25]; KL(p||m) = .5 (log2(2/3) + 1) = .207519, KL(q||m) = log2(4/3) = .415037
    #   JS = (.207519 + .415037) / 2 = .311278
    assert js_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0]))[0] == pytest.approx(0.311278, abs=1e-6)
    assert js_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0]))[0] == 1.0
    # row 2: a tie [.5, .5] reads as class 0 (np.argmax), as does [.6, .4]
    assert top_choice_differs(np.array([[0.2, 0.8], [0.5, 0.5]]), np.array([[0.6, 0.4]] * 2)).tolist() == [
        1.0,
        0.0,
    ]


def test_against_scipy():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(5), 50)
    q = rng.dirichlet(np.ones(5), 50)
    # the smoothing moves KL by ~k eps / q_min relative: under 1e-3 for these rows
    np.testing.assert_allclose(kl_divergence(p, q), entropy(p, q, axis=1), rtol=1e-3)
    smoothed = lambda x: (x + SMOOTHING) / (1 + 5 * SMOOTHING)  # noqa: E731
    np.testing.assert_allclose(kl_divergence(p, q), entropy(smoothed(p), smoothed(q), axis=1), rtol=1e-12)
    np.testing.assert_allclose(js_divergence(p, q), jensenshannon(p, q, base=2, axis=1) ** 2, atol=1e-12)
    p[:10, 0] = 0.0
    p[:10] /= p[:10].sum(axis=1, keepdims=True)
    np.testing.assert_allclose(js_divergence(p, q), jensenshannon(p, q, base=2, axis=1) ** 2, atol=1e-12)


def test_symmetry_and_identity():
    rng = np.random.default_rng(1)
    p, q = rng.dirichlet(np.ones(4), 20), rng.dirichlet(np.ones(4), 20)
    np.testing.assert_allclose(js_divergence(p, q), js_divergence(q, p), atol=1e-15)
    np.testing.assert_allclose(total_variation(p, q), total_variation(q, p), atol=1e-15)
    assert not np.allclose(kl_divergence(p, q), kl_divergence(q, p))
    np.testing.assert_allclose(kl_divergence(p, p), 0.0, atol=1e-15)
    np.testing.assert_allclose(js_divergence(p, p), 0.0, atol=1e-15)


def test_zeros_smoothed_for_kl_and_fine_for_js():
    p, q = np.array([[0.5, 0.5, 0.0]]), np.array([[1.0, 0.0, 0.0]])
    assert kl_divergence(p, q, eps=0)[0] == math.inf
    kl = kl_divergence(p, q)[0]
    # .5 ln(.5 / 1) + .5 ln((.5 + eps) / eps) ~ 0.5 ln(0.5e6) - 0.5 ln 2 ~ 6.21
    assert kl == pytest.approx(0.5 * math.log(0.5 / 1e-6) - 0.5 * math.log(2), rel=1e-4)
    assert 0 < js_divergence(p, q)[0] < 1


def test_align_distributions():
    labels, p, q, ok = align_distributions(
        [{"b": 0.7, "a": 0.3}, None, {"c": 1.0}],
        [{"a": 1.0}, {"a": 1.0}, {"b": 0.5, "c": 0.5}],
    )
    assert labels == ["a", "b", "c"] and ok.tolist() == [True, False, True]
    assert p[0].tolist() == [0.3, 0.7, 0.0] and q[2].tolist() == [0.0, 0.5, 0.5]
    assert np.isnan(p[1]).all() and np.isnan(q[1]).all()
    assert total_variation(p[ok], q[ok]).tolist() == pytest.approx([0.7, 0.5])
    with pytest.raises(DegenerateInputError, match="same length"):
        align_distributions([None], [])


def _step(token: str, top: dict[str, float]) -> dict[str, object]:
    return {"token": token, "logprob": math.log(top[token]), "top": {t: math.log(v) for t, v in top.items()}}


def test_token_distance_identical_outputs_are_zero():
    seq = [_step("a", {"a": 0.6, "b": 0.3}), _step("c", {"c": 0.9, "d": 0.05})]
    d = token_distance(seq, seq)
    assert d is not None and d.positions == 2
    assert d.kl == pytest.approx(0.0, abs=1e-12) and d.js == pytest.approx(0.0, abs=1e-12) and d.tv == 0.0
    # mass outside the top-k: (0.1 + 0.05) / 2 on each side
    assert d.missing_mass == pytest.approx(0.075) and d.unshared_mass == pytest.approx(0.075)


def test_token_distance_stops_after_the_first_difference():
    same = {"x": 0.5, "y": 0.5}
    teacher = [_step("x", same), _step("x", same), _step("x", {"x": 0.9, "y": 0.1}), _step("x", same)]
    student = [_step("x", same), _step("x", same), _step("y", {"x": 0.1, "y": 0.9}), _step("y", same)]
    student.append(_step("y", same))
    d = token_distance(teacher, student)
    # common prefix m = 2; positions 0, 1 (TV 0) and 2 (TV .8): mean .8 / 3
    assert d is not None and d.positions == 3
    assert d.tv == pytest.approx(0.8 / 3)
    assert d.top_differs == pytest.approx(1 / 3)  # the top choices part at position 2 only
    assert token_distance(teacher[:1], student) is not None
    assert token_distance(teacher[:1], student).positions == 1  # type: ignore[union-attr]
    assert token_distance([], student) is None


def test_token_distance_other_bucket():
    # teacher [a .6, b .3 | other .1]; student [a .5, b .2 | other .3]
    # TV = .5 (.1 + .1 + .2) = .2; missing (.1 + .3) / 2 = .2
    d = token_distance([_step("a", {"a": 0.6, "b": 0.3})], [_step("a", {"a": 0.5, "b": 0.2})])
    assert d is not None
    assert d.tv == pytest.approx(0.2) and d.missing_mass == pytest.approx(0.2)
    assert d.kl == pytest.approx(kl_divergence(np.array([0.6, 0.3, 0.1]), np.array([0.5, 0.2, 0.3]))[0])
    assert d.js == pytest.approx(js_divergence(np.array([0.6, 0.3, 0.1]), np.array([0.5, 0.2, 0.3]))[0])


def test_token_in_one_list_only_goes_to_other():
    # teacher top {a .6, b .3}, student top {a .5, c .4}: only a is shared.
    # teacher [a .6 | .4], student [a .5 | .5]: TV = .1; unshared (.4 + .5) / 2 = .45; missing (.1 + .1) / 2
    d = token_distance([_step("a", {"a": 0.6, "b": 0.3})], [_step("a", {"a": 0.5, "c": 0.4})])
    assert d is not None
    assert d.tv == pytest.approx(0.1) and d.unshared_mass == pytest.approx(0.45)
    assert d.missing_mass == pytest.approx(0.1)


def test_sampled_token_joins_its_top_list():
    teacher = [{"token": "z", "logprob": math.log(0.2), "top": {"a": math.log(0.7)}}]
    student = [{"token": "z", "logprob": math.log(0.2), "top": {"a": math.log(0.7), "z": math.log(0.2)}}]
    d = token_distance(teacher, student)
    assert d is not None and d.tv == pytest.approx(0.0, abs=1e-12) and d.missing_mass == pytest.approx(0.1)


def test_token_distance_never_exceeds_the_true_distance():
    rng = np.random.default_rng(2)
    vocab = [f"t{i}" for i in range(40)]
    for _ in range(30):
        p, q = rng.dirichlet(np.full(40, 0.3)), rng.dirichlet(np.full(40, 0.3))
        top_p = {vocab[i]: p[i] for i in np.argsort(-p)[:5]}
        top_q = {vocab[i]: q[i] for i in np.argsort(-q)[:5]}
        first = vocab[int(np.argmax(p))]
        d = token_distance([_step(first, top_p)], [_step(first, {**top_q, first: q[vocab.index(first)]})])
        assert d is not None
        assert d.kl <= entropy(p, q) + 1e-9
        assert d.tv <= 0.5 * np.abs(p - q).sum() + 1e-12
        assert d.js <= jensenshannon(p, q, base=2) ** 2 + 1e-12


def test_malformed_token_entries_are_refused():
    with pytest.raises(DegenerateInputError, match="student position 0"):
        token_distance([_step("a", {"a": 0.5})], [{"logprob": -1.0}])
    with pytest.raises(DegenerateInputError, match="not <= 0"):
        token_distance([{"token": "a", "logprob": 0.5, "top": {}}], [_step("a", {"a": 0.5})])
    with pytest.raises(DegenerateInputError, match="past 1"):
        token_distance([_step("a", {"a": 0.7, "b": 0.7})], [_step("a", {"a": 0.5})])
    # past 1 by rounding only: renormalised
    d = token_distance([_step("a", {"a": 0.6, "b": 0.4005})], [_step("a", {"a": 0.6, "b": 0.4})])
    assert d is not None and d.missing_mass == 0.0


def test_rows_must_be_distributions_of_one_shape():
    with pytest.raises(DegenerateInputError, match="same shape"):
        total_variation(np.array([0.5, 0.5]), np.array([0.2, 0.3, 0.5]))
    with pytest.raises(DegenerateInputError, match="sums to"):
        js_divergence(np.array([0.5, 0.6]), np.array([0.5, 0.5]))
