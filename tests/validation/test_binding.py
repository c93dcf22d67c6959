"""What a decision is bound to, and how a run's judge numbers are marked: validated (this judge as
called, this rubric's content, this set), validated elsewhere (another population), unvalidated."""

from __future__ import annotations

import numpy as np
import pytest

from genjudge.judge import JudgeSettings, load_rubric
from genjudge.labels import load_sample
from genjudge.validation import (
    Policy,
    Population,
    PopulationKind,
    Standing,
    bind_judge,
    decide,
    read_verdicts,
    run_standing,
    save_decision,
)
from tests.validation.conftest import write_sample, write_verdicts

SET = "a" * 64
JUDGE = {"provider": "openai", "model": "m1", "base_url": "http://127.0.0.1:9/v1"}
FLUENCY = load_rubric("fluency")
RUBRICS = [("fluency", str(FLUENCY.version), FLUENCY.content_hash)]


def _record(tmp_path, url, *, judge=JUDGE, population=None, values=None, name="s"):
    root, truth = write_sample(tmp_path / name)
    sample = load_sample(root)
    v = read_verdicts(
        write_verdicts(tmp_path / f"{name}.csv", (truth if values is None else values).tolist()), sample
    )
    population = population or Population(
        kind=PopulationKind.RUN, name="run", set_fingerprint=SET, run_id="r1"
    )
    d = decide(
        sample,
        v,
        binding=bind_judge(JudgeSettings.model_validate(judge), FLUENCY),
        population=population,
        verdicts_source="judge run",
        policy=Policy(resamples=100),
    )
    save_decision(url, d)
    return d


def test_validated_only_for_this_judge_rubric_content_and_set(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    standing, _ = run_standing(JUDGE, RUBRICS, url, SET)
    assert standing["fluency"].status is Standing.UNVALIDATED
    assert standing["fluency"].reason.startswith(
        "no validation decision for openai/m1 at http://127.0.0.1:9/v1"
    )

    d = _record(tmp_path, url)
    assert d.accepted
    standing, decisions = run_standing(JUDGE, RUBRICS, url, SET)
    assert (
        standing["fluency"].status is Standing.VALIDATED and decisions["fluency"].decision_id == d.decision_id
    )

    # Another set: the same decision is evidence from elsewhere only, unless the run declares a parent.
    other_set = "b" * 64
    standing, decisions = run_standing(JUDGE, RUBRICS, url, other_set)
    assert standing["fluency"].status is Standing.VALIDATED_ELSEWHERE and not decisions
    assert run_standing(JUDGE, RUBRICS, url, other_set, [SET[:12]])[0]["fluency"].status is Standing.VALIDATED
    too_short = run_standing(JUDGE, RUBRICS, url, other_set, [SET[:8]])[0]["fluency"]
    assert too_short.status is Standing.VALIDATED_ELSEWHERE  # a parent is named by 12 characters or more

    # Every verdict-changing setting is part of the instrument.
    for change in ({"temperature": 0.7}, {"model": "m2"}, {"base_url": "http://127.0.0.1:8/v1"},
                   {"logprob_weighting": True}, {"max_tokens": 64}):  # fmt: skip
        s = run_standing({**JUDGE, **change}, RUBRICS, url, SET)[0]["fluency"]
        assert s.status is Standing.UNVALIDATED, change
    s = run_standing({**JUDGE, "temperature": 0.7}, RUBRICS, url, SET)[0]["fluency"]
    assert "temperature 0.7 here, 0.0 there" in s.reason
    # Settings that do not change a verdict (timeouts, concurrency) leave it validated.
    assert run_standing({**JUDGE, "timeout_s": 5, "concurrency": 2}, RUBRICS, url, SET)[0]["fluency"].status \
        is Standing.VALIDATED  # fmt: skip
    # An edited rubric text under the same version is another instrument.
    edited = [("fluency", str(FLUENCY.version), "0" * 64)]
    s = run_standing(JUDGE, edited, url, SET)[0]["fluency"]
    assert s.status is Standing.UNVALIDATED and "rubric hash" in s.reason


def test_external_population_is_validated_elsewhere_and_a_rejection_here_wins(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    _record(tmp_path, url, population=Population(kind=PopulationKind.EXTERNAL, name="SummEval"), name="ext")
    s = run_standing(JUDGE, RUBRICS, url, SET)[0]["fluency"]
    assert s.status is Standing.VALIDATED_ELSEWHERE and s.population == "external: SummEval"
    noise = np.random.default_rng(3).integers(1, 6, size=60)
    rejected = _record(tmp_path, url, values=noise, name="here")
    assert not rejected.accepted
    s = run_standing(JUDGE, RUBRICS, url, SET)[0]["fluency"]
    assert s.status is Standing.UNVALIDATED and s.reason.startswith("rejected")


def test_a_decision_recorded_before_binding_validates_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    d = _record(tmp_path, url)
    save_decision(url, d.model_copy(update={"decision_id": "legacy", "binding": None, "population": None}))
    # a newer legacy decision beside the bound one: the bound one still counts
    assert run_standing(JUDGE, RUBRICS, url, SET)[0]["fluency"].decision_id == d.decision_id
    # a legacy one alone validates nothing
    url2 = f"sqlite:///{tmp_path / 'store2.db'}"
    save_decision(url2, d.model_copy(update={"binding": None, "population": None}))
    s = run_standing(JUDGE, RUBRICS, url2, SET)[0]["fluency"]
    assert s.status is Standing.UNVALIDATED and "predate binding" in s.reason


def test_every_version_of_a_rubric_id_must_be_validated(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    _record(tmp_path, url)
    two = [*RUBRICS, ("fluency", "99", FLUENCY.content_hash)]
    assert run_standing(JUDGE, two, url, SET)[0]["fluency"].status is Standing.UNVALIDATED


def test_a_slice_where_the_judge_fails_is_flagged(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    root, truth = write_sample(tmp_path / "s", n=120)
    values = truth.copy()
    odd = np.arange(values.size) % 2 == 1  # the sample's slice `group`: odd items
    values[odd] = np.random.default_rng(5).integers(1, 6, size=int(odd.sum()))
    sample = load_sample(root)
    v = read_verdicts(write_verdicts(tmp_path / "v.csv", values.tolist()), sample)
    d = decide(
        sample,
        v,
        binding=bind_judge(JudgeSettings.model_validate(JUDGE), FLUENCY),
        population=Population(kind=PopulationKind.RUN, name="run", set_fingerprint=SET, run_id="r1"),
        verdicts_source="judge run",
        policy=Policy(tentative=0.3, firm=0.5, resamples=200),
    )
    assert d.accepted
    save_decision(url, d)
    s = run_standing(JUDGE, RUBRICS, url, SET)[0]["fluency"]
    assert s.status is Standing.VALIDATED
    assert [(f.column, f.value) for f in s.failing_slices] == [("group", "odd")]
    assert "under the tentative bar 0.3" in s.failing_slices[0].reason


@pytest.mark.parametrize("declared", ["imported", "local"])
def test_imported_verdicts_never_validate_a_live_judge(tmp_path, declared):
    """The humans' own labels imported as verdicts "of" the local judge do not validate it."""
    from typer.testing import CliRunner

    from genjudge.cli import app

    root, truth = write_sample(tmp_path / "s")
    verdicts = write_verdicts(tmp_path / "v.csv", truth.tolist())
    url = f"sqlite:///{tmp_path / 'store.db'}"
    args = ["validate", str(root), "--verdicts", str(verdicts), "--store", url, "--resamples", "100"]
    if declared == "local":
        args += ["--judge-provider", "local", "--judge-model", "qwen2.5-coder-1.5b-instruct-q4_k_m",
                 "--rubric-id", "fluency", "--rubric-version", str(FLUENCY.version)]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "ACCEPTED" in res.output
    local = {"provider": "local", "model": "qwen2.5-coder-1.5b-instruct-q4_k_m"}
    s = run_standing(local, RUBRICS, url, SET)[0]["fluency"]
    assert s.status is Standing.UNVALIDATED
    assert s.judge.startswith("local/qwen2.5-coder-1.5b-instruct-q4_k_m")


def test_validate_warns_when_the_humans_answered_another_question(tmp_path):
    import json

    from genjudge.validation.sources import questions

    root, _ = write_sample(tmp_path / "s")
    manifest = json.loads((root / "sample.json").read_text())
    equivalence = load_rubric("equivalence")
    # PandaLM's annotators were asked which response is better, or whether they are equally good.
    manifest["rubric"]["instructions"] = "Which response is better: 1, 2, or are they equally good (tie)?"
    (root / "sample.json").write_text(json.dumps(manifest))
    q = questions(equivalence, load_sample(root))
    assert q["human_question"].startswith("Which response is better")
    assert q["rubric_question"] == equivalence.instructions.strip()
    assert len(q["warnings"]) == 1 and "different question" in q["warnings"][0]
    # The rubric's own words (a sheet drawn by `labels sample`): nothing to warn about.
    manifest["rubric"] = {"id": "equivalence", "version": "1", "instructions": equivalence.instructions,
                          "content_hash": equivalence.content_hash}  # fmt: skip
    (root / "sample.json").write_text(json.dumps(manifest))
    assert questions(equivalence, load_sample(root))["warnings"] == []
    # Silence about the question is a warning too.
    manifest["rubric"] = {"id": "quality", "version": "1"}
    (root / "sample.json").write_text(json.dumps(manifest))
    assert (
        "does not say what the humans were asked" in questions(equivalence, load_sample(root))["warnings"][0]
    )
