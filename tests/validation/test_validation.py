"""The gate: statistics bundle, policy outcomes, direction, store and lookup, CLI, imported judges."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from genjudge.cli import app
from genjudge.labels import load_sample
from genjudge.validation import Policy, decide, lookup_decision, read_verdicts, save_decision
from genjudge.validation.bundle import loo_agreement
from genjudge.validation.report import to_markdown
from tests.validation.conftest import write_sample, write_verdicts

FAST = Policy(resamples=100)


def _truth(n: int = 60, seed: int = 0) -> np.ndarray:
    """The true qualities write_sample draws first from the same seed."""
    return np.random.default_rng(seed).integers(1, 6, size=n)


def _decide(tmp_path, values, statuses=None, policy=FAST, **kw):
    root, truth = write_sample(tmp_path / "s", **kw)
    sample = load_sample(root)
    v = read_verdicts(write_verdicts(tmp_path / "v.csv", values, statuses=statuses), sample)
    d = decide(
        sample,
        v,
        judge_provider="test",
        judge_model="m",
        rubric_id="quality",
        rubric_version="1",
        verdicts_source="imported",
        policy=policy,
    )
    return d, truth


def test_a_judge_that_knows_the_truth_is_accepted_firmly(tmp_path):
    truth = _truth()
    d, _ = _decide(tmp_path, truth.tolist())
    r = d.dimensions[0]
    assert d.accepted and r.outcome == "firm", r.reason
    # Knowing the truth, the judge beats the noisy humans' own ceiling
    assert r.primary.value > r.ceiling.value
    assert r.primary.ci_low <= r.primary.value <= r.primary.ci_high
    assert r.stats["alpha_delta"].value > 0  # adding it as a rater raises alpha


def test_a_random_judge_is_rejected_and_the_words_say_so(tmp_path):
    values = np.random.default_rng(5).integers(1, 6, size=60).tolist()
    d, _ = _decide(tmp_path, values)
    r = d.dimensions[0]
    assert not d.accepted and r.outcome == "rejected"
    assert r.primary.ci_low < 0.3
    assert any("quality: rejected" in line for line in d.explanation)
    assert r.stats["alpha_delta"].value < 0


def test_a_lenient_judge_is_named_lenient(tmp_path):
    truth = _truth()
    d, _ = _decide(tmp_path, np.minimum(truth + 1, 5).tolist())
    r = d.dimensions[0]
    assert r.direction == "too lenient"
    assert r.stats["bias"].ci_low > 0
    assert any("too lenient" in line for line in d.explanation)
    assert r.worst_items and r.worst_items[0].gap > 0


def test_too_few_items_is_insufficient_not_accepted(tmp_path):
    root, truth = write_sample(tmp_path / "s", n=20)
    sample = load_sample(root)
    v = read_verdicts(write_verdicts(tmp_path / "v.csv", truth.tolist()), sample)
    d = decide(
        sample,
        v,
        judge_provider="t",
        judge_model="m",
        rubric_id="q",
        rubric_version="1",
        verdicts_source="x",
        policy=FAST,
    )
    assert d.level == "insufficient" and not d.accepted


def test_many_unscored_verdicts_reject_even_a_perfect_judge(tmp_path):
    truth = _truth()
    statuses = ["unscored" if k % 5 == 0 else "ok" for k in range(60)]  # 20% unscored
    d, _ = _decide(tmp_path, truth.tolist(), statuses=statuses)
    r = d.dimensions[0]
    assert (r.n_items, r.n_unscored) == (48, 12)
    assert r.outcome == "rejected" and "unscored" in r.reason


def test_leave_one_out_by_hand():
    # Two humans, nominal: consensus of the other = the other human. Judge copies human 0.
    from genjudge.labels import Scale

    h = np.array([[0, 1, 0, 1, 1, 0], [0, 1, 1, 1, 0, 0]], dtype=float)
    j = h[0].copy()
    judge, ceiling = loo_agreement(h, j, Scale(level="nominal", values=[0, 1]))
    # ceiling = alpha(h0, h1) twice; judge = mean(alpha(j, h1), alpha(j, h0)) = mean(ceiling, 1)
    from genjudge.stats import krippendorff_alpha

    a01 = krippendorff_alpha(h, level="nominal").value
    assert ceiling == pytest.approx(a01)
    assert judge == pytest.approx((a01 + 1.0) / 2)


def test_decisions_are_stored_and_bound_to_model_and_rubric_version(tmp_path, store_url):
    """On SQLite and on PostgreSQL (the store_url fixture)."""
    truth = _truth()
    d, _ = _decide(tmp_path, truth.tolist())
    url = store_url
    assert lookup_decision(url, "test", "m", "quality", "1") is None
    save_decision(url, d)
    got = lookup_decision(url, "test", "m", "quality", "1")
    assert got is not None and got.accepted and got.decision_id == d.decision_id
    assert got.sample_fingerprint == d.sample_fingerprint
    assert lookup_decision(url, "test", "m", "quality", "2") is None  # new rubric version: not validated
    assert lookup_decision(url, "test", "other-model", "quality", "1") is None
    # a later rejection replaces the earlier acceptance
    worse, _ = _decide(tmp_path / "b", np.random.default_rng(1).integers(1, 6, size=60).tolist())
    save_decision(url, worse)
    assert lookup_decision(url, "test", "m", "quality", "1").accepted is False
    assert "ACCEPTED" in to_markdown(d)


def test_seeded_intervals_are_reproducible(tmp_path):
    truth = _truth()
    a, _ = _decide(tmp_path, np.clip(truth + np.random.default_rng(2).integers(-1, 2, 60), 1, 5).tolist())
    b, _ = _decide(tmp_path, np.clip(truth + np.random.default_rng(2).integers(-1, 2, 60), 1, 5).tolist())
    assert a.dimensions[0].primary == b.dimensions[0].primary


def test_cli_imports_pandalm_and_validates_released_judges(shared_data, tmp_path):
    runner = CliRunner()
    out = tmp_path / "pl"
    res = runner.invoke(
        app,
        [
            "labels",
            "import-pandalm",
            str(shared_data / "pandalm" / "pandalm_testset_pairs.jsonl"),
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "tie (nominal, 3 raters): alpha among the humans 0.825" in res.output
    url = f"sqlite:///{tmp_path / 'g.db'}"
    res = runner.invoke(
        app,
        [
            "validate",
            str(out),
            "--verdicts",
            str(out / "verdicts" / "gpt35_judge.csv"),
            "--judge-model",
            "gpt-3.5-turbo",
            "--judge-provider",
            "openai",
            "--rubric-id",
            "pandalm",
            "--rubric-version",
            "wang-2023",
            "--resamples",
            "100",
            "--store",
            url,
            "--strict",
            "--report",
            str(tmp_path / "r.md"),
        ],
    )
    assert res.exit_code == 1, res.output  # not accepted
    # Imported verdicts are bound to the file and the declared producer, never to the live judge.
    assert lookup_decision(url, "openai", "gpt-3.5-turbo", "pandalm", "wang-2023") is None
    d = lookup_decision(url, "imported", "openai/gpt-3.5-turbo", "pandalm", "wang-2023")
    assert d is not None and not d.accepted
    assert (
        d.producer == "openai/gpt-3.5-turbo" and d.verdicts_fingerprint and d.binding.provider == "imported"
    )
    assert d.population.in_words() == "external: PandaLM"
    by = {r.dimension: r for r in d.dimensions}
    # 25 'garbage' verdicts are unscored, not turned into a label
    assert (by["preference"].n_items, by["preference"].n_unscored) == (974, 25)
    # against the majority: exact agreement and Cohen's kappa
    assert by["preference"].stats["exact_agreement"].value == pytest.approx(0.7156, abs=5e-4)
    assert by["preference"].stats["cohen_kappa"].value == pytest.approx(0.4929, abs=5e-4)
    assert by["tie"].direction == "too harsh"  # calls "equally good" less often than humans
    assert "Judge validation: NOT ACCEPTED" in (tmp_path / "r.md").read_text()
    res = runner.invoke(app, ["validations", "--store", url])
    assert "openai/gpt-3.5-turbo pandalm@wang-2023" in res.output


async def test_judge_path_through_the_real_sdk_and_loopback(tmp_path, loopback):
    """genjudge validate's judge path: the openai SDK against the loopback server."""
    import json

    from genjudge.judge import JudgeSettings
    from genjudge.validation.judging import pick_items, run_judge
    from tests.llm.loopback import Reply, blocks, verdict

    root, truth = write_sample(tmp_path / "s", n=40)
    sample = load_sample(root)

    def responder(seen):
        text = blocks(seen.user)["output"]
        if text.endswith("3"):
            return Reply(content="I'm sorry, I cannot rate this.")  # a refusal: unscored, never a score
        return verdict(reason="as written", score=int(text[-1]))

    loopback.responder = responder
    settings = JudgeSettings(
        provider="openai", model="judge-x", base_url=loopback.base_url, cache_path=tmp_path / "c.db"
    )
    ids = pick_items(sample, "quality", None, 0)
    frame, rubric, meter = await run_judge(sample, settings, "faithfulness", "quality", ids)
    refused = int((truth == 3).sum())
    assert (frame["status"] == "unscored").sum() == refused
    assert meter["requests"] == 40
    d = decide(
        sample,
        frame,
        judge_provider="openai",
        judge_model="judge-x",
        rubric_id=rubric.id,
        rubric_version=rubric.version,
        verdicts_source="judge run",
        policy=FAST,
        judge_cost=meter,
    )
    r = d.dimensions[0]
    assert r.n_unscored == refused and r.n_items == 40 - refused
    assert r.outcome == "rejected" and "unscored" in r.reason  # ~20% refusals break the 10% limit
    # a re-run is answered from the cache
    frame2, _, meter2 = await run_judge(sample, settings, "faithfulness", "quality", ids)
    assert meter2["cached"] == 40 and frame2["value"].equals(frame["value"])
    assert json.loads(d.model_dump_json())["rubric_id"] == "faithfulness"


def test_cli_validate_runs_the_judge_from_a_config(tmp_path):
    """`genjudge validate --config` end to end: the openai SDK against the loopback server, which
    runs on its own loop in a thread because the command runs its own event loop."""
    import asyncio
    import threading

    from tests.llm.loopback import Loopback, blocks, verdict

    _root, _ = write_sample(tmp_path / "s", n=40)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    # The judge answers the true quality plus one point (capped at 5): too lenient.
    server = asyncio.run_coroutine_threadsafe(
        Loopback(
            lambda seen: verdict(reason="ok", score=min(5, int(blocks(seen.user)["output"][-1]) + 1))
        ).start(),
        loop,
    ).result(10)
    try:
        url = f"sqlite:///{tmp_path / 'store.db'}"
        (tmp_path / "v.yaml").write_text(
            "sample: s\ndimensions: [quality]\nrubric: faithfulness\nlimit: 40\n"
            f"judge: {{provider: openai, model: judge-x, base_url: '{server.base_url}', cache_path: c.db}}\n"
            f"policy: {{resamples: 100}}\nstore: '{url}'\n"
        )
        res = CliRunner().invoke(
            app, ["validate", "--config", str(tmp_path / "v.yaml"), "--json", str(tmp_path / "d.json")]
        )
        assert res.exit_code == 0, res.output
        assert "judging 40 items of 'quality' with openai/judge-x, rubric faithfulness" in res.output
        d = lookup_decision(url, "openai", "judge-x", "faithfulness", "1")
        assert d is not None and d.verdicts_source == "judge run"
        r = d.dimensions[0]
        assert r.n_items == 40 and r.direction == "too lenient"
        # every verdict is truth + 1 (capped at 5): bias = mean(min(t+1, 5) - consensus)
        assert r.stats["bias"].value > 0.5
        assert d.judge_cost["requests"] == 40 and d.judge_cost["input_tokens"] > 0
        assert len(server.seen) == 40
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def test_meta_evaluation_and_verdicts_on_a_subset(tmp_path):
    import json

    import scipy.stats

    root, truth = write_sample(tmp_path / "s", n=60)
    manifest = json.loads((root / "sample.json").read_text())
    manifest.update(document="group", system="group")
    (root / "sample.json").write_text(json.dumps(manifest))
    values = truth.tolist()[:40]  # the judge was asked about 40 of the 60 items
    write_verdicts(tmp_path / "v.csv", values)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    res = CliRunner().invoke(
        app,
        [
            "validate",
            str(root),
            "--verdicts",
            str(tmp_path / "v.csv"),
            "--resamples",
            "100",
            "--store",
            url,
            "--judge-model",
            "m",
            "--only-verdict-items",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "verdicts cover 40 of 60 rated items; validating on those" in res.output
    d = lookup_decision(url, "imported", "m", "quality", "1")
    assert d.sample_name == "synthetic (subset: the 40 of 60 items with a verdict)"
    assert "validated on a subset of the rated sample" in d.explanation[0]
    r = d.dimensions[0]
    assert (r.n_items, r.n_unscored) == (40, 0)
    sample = load_sample(root)
    assert (
        d.sample_fingerprint == sample.subset([f"i{k}" for k in range(40)]).fingerprint != sample.fingerprint
    )
    # summary level: Kendall tau-b per document (even / odd items), averaged
    _, _, h = sample.matrix("quality", [f"i{k}" for k in range(40)])
    mean = h.mean(axis=0)
    want = np.mean([scipy.stats.kendalltau(truth[:40][k::2], mean[k::2]).statistic for k in (0, 1)])
    assert r.stats["summary_level_kendall"].value == pytest.approx(want)


def test_items_missing_from_the_verdicts_count_as_unscored(tmp_path):
    """A perfect judge whose file leaves out 30 of 100 items is over the 10 % unscored limit: the
    omitted items are not cut from the sample (that takes --only-verdict-items, named in the decision)."""
    root, truth = write_sample(tmp_path / "s", n=100)
    write_verdicts(tmp_path / "v.csv", truth.tolist()[:70])
    url = f"sqlite:///{tmp_path / 'store.db'}"
    res = CliRunner().invoke(
        app,
        [
            "validate",
            str(root),
            "--verdicts",
            str(tmp_path / "v.csv"),
            "--resamples",
            "100",
            "--store",
            url,
            "--judge-model",
            "m",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "verdicts cover 70 of 100 rated items; the others count as unscored" in res.output
    d = lookup_decision(url, "imported", "m", "quality", "1")
    r = d.dimensions[0]
    assert not d.accepted and r.outcome == "rejected"
    assert (r.n_items, r.n_unscored, r.unscored_reasons) == (70, 30, {"no verdict": 30})
    assert d.sample_name == "synthetic" and d.sample_fingerprint == load_sample(root).fingerprint
    assert "30 unscored, 30 with no verdict" in d.explanation[0]
    # asked for explicitly, the 70 judged items are validated, and the decision says it is a subset
    res = CliRunner().invoke(
        app,
        [
            "validate",
            str(root),
            "--verdicts",
            str(tmp_path / "v.csv"),
            "--resamples",
            "100",
            "--store",
            url,
            "--judge-model",
            "m",
            "--only-verdict-items",
        ],
    )
    d = lookup_decision(url, "imported", "m", "quality", "1")
    assert d.accepted and d.sample_name == "synthetic (subset: the 70 of 100 items with a verdict)"


def _two_dimensions(root):
    """Add a dimension 'style' (a copy of quality's ratings) to a written sample."""
    import json

    ratings = (root / "ratings.csv").read_text().splitlines()
    (root / "ratings.csv").write_text(
        "\n".join(ratings + [r.replace(",quality,", ",style,") for r in ratings[1:]]) + "\n"
    )
    manifest = json.loads((root / "sample.json").read_text())
    manifest["dimensions"]["style"] = manifest["dimensions"]["quality"]
    (root / "sample.json").write_text(json.dumps(manifest))


def test_a_dimension_without_verdicts_is_insufficient_not_skipped(tmp_path):
    root, truth = write_sample(tmp_path / "s")
    _two_dimensions(root)
    sample = load_sample(root)
    v = read_verdicts(write_verdicts(tmp_path / "v.csv", truth.tolist()), sample)  # quality only
    d = decide(
        sample,
        v,
        judge_provider="test",
        judge_model="m",
        rubric_id="quality",
        rubric_version="1",
        verdicts_source="imported",
        policy=FAST,
    )
    by = {r.dimension: r for r in d.dimensions}
    assert by["quality"].outcome == "firm"
    assert (by["style"].outcome, by["style"].reason, by["style"].n_unscored) == (
        "insufficient",
        "no verdicts",
        60,
    )
    assert not d.accepted and d.level == "insufficient"
    assert "style: insufficient" in to_markdown(d)
    # naming the dimension validates that one only (the CLI's -d quality)
    d = decide(
        sample,
        v,
        judge_provider="test",
        judge_model="m",
        rubric_id="quality",
        rubric_version="1",
        verdicts_source="imported",
        policy=FAST,
        dimensions=["quality"],
    )
    assert d.accepted and [r.dimension for r in d.dimensions] == ["quality"]
    res = CliRunner().invoke(
        app,
        [
            "validate",
            str(root),
            "--verdicts",
            str(tmp_path / "v.csv"),
            "-d",
            "style",
            "--resamples",
            "100",
            "--no-store",
            "--strict",
        ],
    )
    assert res.exit_code == 1 and "style: insufficient" in res.output, res.output


def _rare_positives(root, n=40, positives=2, raters=3):
    """A binary nominal dimension: ``positives`` items all raters call 1, the rest 0."""
    import json

    root.mkdir(parents=True)
    rows = ["item_id,rater,dimension,rating"]
    rows += [f"i{k},r{r},ok,{int(k < positives)}" for r in range(raters) for k in range(n)]
    (root / "ratings.csv").write_text("\n".join(rows) + "\n")
    (root / "sample.json").write_text(
        json.dumps(
            {
                "name": "rare",
                "rubric": {"id": "ok", "version": "1"},
                "dimensions": {"ok": {"level": "nominal", "values": [0, 1], "positive": 1}},
                "ratings": {"path": "ratings.csv"},
            }
        )
    )
    return root


def test_undefined_bootstrap_draws_make_the_gate_insufficient(tmp_path):
    """40 items, 2 positives: a resample misses both with probability (38/40)^40 = 0.13, and there
    alpha is undefined (one value only). An interval over the other draws is conditional: not a pass."""
    sample = load_sample(_rare_positives(tmp_path / "s"))
    path = tmp_path / "v.csv"
    path.write_text("item_id,dimension,value\n" + "".join(f"i{k},ok,{int(k < 2)}\n" for k in range(40)))
    d = decide(
        sample,
        read_verdicts(path, sample),
        judge_provider="test",
        judge_model="m",
        rubric_id="ok",
        rubric_version="1",
        verdicts_source="imported",
        policy=Policy(resamples=200),
    )
    r = d.dimensions[0]
    p = r.primary
    assert p.value == pytest.approx(1.0) and p.draws == 200
    # exactly the resamples of the seeded generator that miss both positives (14 of 200 for seed 0)
    rng = np.random.default_rng(0)
    assert p.undefined_draws == sum(bool((rng.integers(0, 40, size=40) >= 2).all()) for _ in range(200)) == 14
    assert r.outcome == "insufficient" and not d.accepted
    assert f"undefined on {p.undefined_draws} of 200 bootstrap resamples" in r.reason
    assert f"(undefined on {p.undefined_draws} of 200 resamples)" in to_markdown(d)


def test_a_named_judge_provider_needs_the_judges_rubric(tmp_path):
    root, truth = write_sample(tmp_path / "s")
    write_verdicts(tmp_path / "v.csv", truth.tolist())
    args = [
        "validate",
        str(root),
        "--verdicts",
        str(tmp_path / "v.csv"),
        "--resamples",
        "100",
        "--no-store",
        "--judge-provider",
        "openai",
        "--judge-model",
        "gpt-x",
        "--json",
        str(tmp_path / "d.json"),
    ]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2 and "need --rubric-id and --rubric-version" in res.output
    res = CliRunner().invoke(app, [*args, "--rubric-id", "faithfulness", "--rubric-version", "3"])
    assert res.exit_code == 0, res.output
    assert "openai/gpt-x, rubric faithfulness@3" in res.output


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ({"firm": 0.6}, "tentative"),
        ({"min_ceiling": 1.5}, "min_ceiling"),
        ({"min_ceiling": -0.1}, "min_ceiling"),
    ],
)
def test_policy_refuses_inconsistent_bars(bad, why):
    with pytest.raises(ValueError, match=why):
        Policy(**bad)


def test_a_store_path_in_a_config_is_relative_to_the_config(tmp_path, monkeypatch):
    _root, truth = write_sample(tmp_path / "cfg" / "s")
    write_verdicts(tmp_path / "cfg" / "v.csv", truth.tolist())
    (tmp_path / "cfg" / "v.yaml").write_text(
        "sample: s\nverdicts: v.csv\nstore: out/g.db\njudge_model: m\npolicy: {resamples: 100}\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GENJUDGE_STORE", raising=False)
    res = CliRunner().invoke(app, ["validate", "--config", str(tmp_path / "cfg" / "v.yaml")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "cfg" / "out" / "g.db").exists() and not (tmp_path / "out").exists()
    assert (
        lookup_decision(f"sqlite:///{tmp_path / 'cfg' / 'out' / 'g.db'}", "imported", "m", "quality", "1")
        is not None
    )
