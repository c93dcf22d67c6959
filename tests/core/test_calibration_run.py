"""Calibration and distribution distance in a run: the probabilities of the output rows are used.

A synthetic three-class set where the teacher's probabilities are calibrated (labels drawn from
them) and the student's are the same logits sharpened by 2.5 (overconfident): the run must report
ECE, Brier and NLL for both models on every slice, find the student poorly calibrated, recover a
temperature near 2.5 by cross-validation, and give per-item distances that match scipy.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.special import softmax
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss, log_loss

from genjudge.config import config_from_dict
from genjudge.io.evalset import freeze
from genjudge.runner import run_async

LABELS = ["a", "b", "c"]
N = 600
TRUE_T = 2.5


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calib")
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 1.2, (N, 3)) + 2.2 * np.eye(3)[rng.integers(0, 3, N)]
    p_teacher = softmax(logits, axis=1)
    p_student = softmax(logits * TRUE_T, axis=1)
    y = np.array([rng.choice(3, p=p) for p in p_teacher])
    groups = np.where(np.arange(N) % 3 == 0, "x", "y")
    _write(
        folder / "set.jsonl",
        [{"id": f"i{i}", "input": f"q{i}", "reference": LABELS[y[i]], "group": groups[i]} for i in range(N)],
    )
    freeze(folder / "set.jsonl", ["group"])
    for side, p in (("teacher", p_teacher), ("student", p_student)):
        rows = []
        for i in range(N):
            probs = {label: round(float(v), 6) for label, v in zip(LABELS, p[i], strict=True)}
            probs[LABELS[int(np.argmax(p[i]))]] += round(1.0 - sum(probs.values()), 6)
            rows.append({"id": f"i{i}", "output": LABELS[int(np.argmax(p[i]))], "probs": probs})
        _write(folder / f"{side}.jsonl", rows)
    config = config_from_dict(
        {
            "task": "classification",
            "set": "set.jsonl",
            "teacher": "teacher.jsonl",
            "student": "student.jsonl",
        },
        base=folder,
    )
    result = await_run(config, folder)
    files = {
        side: [json.loads(line)["probs"] for line in (folder / f"{side}.jsonl").read_text().splitlines()]
        for side in ("teacher", "student")
    }
    matrices = {
        side: np.array([[r[label] for label in LABELS] for r in rows]) for side, rows in files.items()
    }
    return result, matrices, y, groups


def await_run(config, folder):
    import asyncio

    return asyncio.run(run_async(config, config_dir=folder, write_report=True, store=str(folder / "s.db")))


def _metric(report, name, subject, column=None, value=None):
    return next(
        m
        for m in report["metrics"]
        if m["metric"] == name
        and m["subject"] == subject
        and m["slice_column"] == column
        and m["slice_value"] == value
        and m.get("label") is None
    )


def _ece(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """ECE from scikit-learn's reliability curve: bin counts re-derived with its own bin edges."""
    conf, correct = p.max(axis=1), (p.argmax(axis=1) == y).astype(float)
    prob_true, prob_pred = calibration_curve(correct, conf, n_bins=bins, strategy="uniform")
    ids = np.searchsorted(np.linspace(0, 1, bins + 1)[1:-1], conf)
    counts = np.bincount(ids, minlength=bins)
    counts = counts[counts > 0]
    return float(np.sum(counts / len(conf) * np.abs(prob_true - prob_pred)))


def test_calibration_numbers_match_sklearn_on_every_slice(run):
    result, m, y, groups = run
    report = result.report
    for subject in ("student", "teacher"):
        p = m[subject]
        assert _metric(report, "expected_calibration_error", subject)["value"] == pytest.approx(
            _ece(p, y), abs=1e-9
        )
        onehot = np.eye(3)[y]
        brier = _metric(report, "brier_score_loss", subject)["value"]
        assert brier == pytest.approx(np.mean(np.sum((p - onehot) ** 2, axis=1)), rel=1e-9)
        assert _metric(report, "log_loss", subject)["value"] == pytest.approx(
            log_loss(y, p, labels=[0, 1, 2]), rel=1e-6
        )
        for g in ("x", "y"):
            rows = groups == g
            cell = _metric(report, "expected_calibration_error", subject, "group", g)
            assert cell["n"] == rows.sum()
            assert cell["value"] == pytest.approx(_ece(p[rows], y[rows]), abs=1e-9)
            assert cell["ci_low"] <= cell["value"] <= cell["ci_high"]
    # binary check of the Brier relation on one class: sklearn's binary Brier is per-class squared error
    assert brier_score_loss(y == 0, m["student"][:, 0]) > 0
    student = _metric(report, "expected_calibration_error", "student")
    teacher = _metric(report, "expected_calibration_error", "teacher")
    assert student["ci_low"] > teacher["ci_high"]  # the overconfident student is clearly worse


def test_temperature_is_recovered_and_offered(run):
    result, *_ = run
    fits = result.report["sections"]["calibration"]["temperature"]
    assert fits["student"]["temperature"] == pytest.approx(TRUE_T, abs=0.4)
    assert fits["teacher"]["temperature"] == pytest.approx(1.0, abs=0.2)
    assert fits["student"]["ece_after"] < fits["student"]["ece_before"] / 2
    found = [f for f in result.report["findings"] if f["code"] == "poor_calibration"]
    assert len(found) == 1 and found[0]["message"].startswith("Poor calibration. The student's expected")
    assert f"T = {fits['student']['temperature']:.2f}" in found[0]["message"]


def test_distribution_distance_matches_scipy(run):
    result, m, *_ = run
    table = result.table
    t, s = m["teacher"], m["student"]
    js = jensenshannon(t, s, base=2, axis=1) ** 2
    assert table["distribution_distance.js"].to_numpy() == pytest.approx(js, abs=1e-6)
    tv = 0.5 * np.abs(t - s).sum(axis=1)
    assert table["distribution_distance.tv"].to_numpy() == pytest.approx(tv, abs=1e-9)
    differs = (t.argmax(axis=1) != s.argmax(axis=1)).mean()
    assert _metric(result.report, "top_choice_differs_rate", "student_vs_teacher")["value"] == pytest.approx(
        differs
    )
    kl = _metric(result.report, "kl_divergence", "student_vs_teacher")
    assert kl["value"] > 0 and kl["ci_low"] < kl["value"] < kl["ci_high"]


def test_page_shows_the_reliability_diagram(run):
    result, *_ = run
    html = (result.report_dir / "report.html").read_text()
    assert 'id="calibration"' in html and 'aria-label="reliability diagram"' in html
    assert "Recalibration by temperature scaling" in html
    md = (result.report_dir / "report.md").read_text()
    assert "## Calibration, student and teacher" in md


def test_a_stated_confidence_is_calibrated_for_generation(tmp_path):
    """Text outputs with ``confidence``: right = matches the reference as exact_match compares them,
    and the confidence is the two-class distribution [1 - c, c] over (wrong, right)."""
    from genjudge.config import DEFAULT_CHECKS
    from genjudge.records import TaskKind

    rng = np.random.default_rng(8)
    n = 300
    true_p = rng.uniform(0.3, 0.95, n)
    right = rng.uniform(size=n) < true_p
    stated = 1 / (1 + np.exp(-np.log(true_p / (1 - true_p)) * 2.0))  # overconfident: logit x 2
    _write(
        tmp_path / "set.jsonl",
        [{"id": f"g{i}", "input": f"q{i}", "reference": f"Answer {i}."} for i in range(n)],
    )
    freeze(tmp_path / "set.jsonl")
    student = [
        {
            "id": f"g{i}",
            "output": f"answer {i}." if right[i] else f"Something else {i}.",
            "confidence": round(float(stated[i]), 6),
        }
        for i in range(n)
    ]
    _write(tmp_path / "student.jsonl", student)
    _write(tmp_path / "teacher.jsonl", [{"id": f"g{i}", "output": f"Answer {i}."} for i in range(n)])
    base = {"task": "generation", "set": "set.jsonl", "teacher": "teacher.jsonl", "student": "student.jsonl"}
    assert "calibration" not in config_from_dict(base, base=tmp_path).check_specs(frozenset({"logprobs"}))
    specs = config_from_dict(base, base=tmp_path).check_specs(frozenset({"confidence"}))
    assert list(specs) == [*DEFAULT_CHECKS[TaskKind.GENERATION], "calibration"]
    config = config_from_dict({**base, "checks": ["exact_match", "calibration"]}, base=tmp_path)
    result = await_run(config, tmp_path)
    c = np.array([r["confidence"] for r in student])
    top, hit = np.maximum(c, 1 - c), ((c > 0.5) == right).astype(float)  # the two-class top label
    ece = _metric(result.report, "expected_calibration_error", "student")
    assert ece["n"] == n and ece["value"] == pytest.approx(
        _ece(np.column_stack([1 - c, c]), right.astype(int))
    )
    assert ece["value"] == pytest.approx(
        sum(
            (m.sum() / n) * abs(hit[m].mean() - top[m].mean())
            for b in range(10)
            if (m := np.searchsorted(np.linspace(0, 1, 11)[1:-1], top) == b).any()
        )
    )
    brier = _metric(result.report, "brier_score_loss", "student")["value"]
    assert brier == pytest.approx(np.mean(2 * (c - right) ** 2))  # multiclass Brier on two classes
    fit = result.report["sections"]["calibration"]["temperature"]["student"]
    assert fit["temperature"] == pytest.approx(2.0, abs=0.5) and fit["ece_after"] < fit["ece_before"]
    # the teacher states no confidence: it has no calibration numbers, and no item is unscored for it
    assert "teacher" not in result.report["sections"]["calibration"]["temperature"]
    assert result.report["counts"]["by_check"]["calibration"]["ok"] == n
