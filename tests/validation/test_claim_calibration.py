"""`genjudge validate` on rated claims: p(yes) from the judge (real openai SDK, loopback server with
log-probabilities), the threshold calibrated as sklearn's ROC curve says, the honest numbers, the
decision record, and a following run's `judge_claims` using the calibrated threshold."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import balanced_accuracy_score, roc_auc_score, roc_curve
from sklearn.model_selection import StratifiedKFold
from typer.testing import CliRunner

from genjudge.api import ValidationConfig, run_validation
from genjudge.cli import app
from genjudge.errors import ConfigError, InputError
from genjudge.validation import lookup_decision
from tests.llm.loopback import Reply, blocks
from tests.robustness.conftest import ThreadedLoopback

REPO = Path(__file__).resolve().parents[2]
CONTEXT = "The outage on 3 May lasted 2 hours and hit 9,000 users in 4 regions."


def word_reply(p_yes: float) -> Reply:
    """A one-word answer whose first token's top alternatives give p(yes) = ``p_yes`` exactly
    (the rest split between no and unknown)."""
    probs = {"Yes": p_yes, "No": (1 - p_yes) / 2, "unknown": (1 - p_yes) / 2}
    top = [{"token": t, "logprob": math.log(p), "bytes": None} for t, p in probs.items()]
    word = "Yes" if p_yes >= 0.5 else "No"
    return Reply(content=word, logprobs=[{"token": word, "logprob": math.log(probs[word]), "bytes": None,
                                          "top_logprobs": top}])  # fmt: skip


class ClaimJudge:
    """Answers each claim with the p(yes) the test assigned to it; any other claim (a run's) gets 0.9."""

    def __init__(self, p_of: dict[str, float]) -> None:
        self.p_of = p_of

    def __call__(self, seen):
        return word_reply(self.p_of.get(blocks(seen.user)["claim"], 0.9))


def timid(n: int, seed: int) -> tuple[list[bool], list[float]]:
    """People's verdicts and a timid judge's p(yes): it ranks supported claims higher, rarely over 0.5."""
    rng = np.random.default_rng(seed)
    supported = rng.random(n) < 0.55
    p = np.where(supported, rng.beta(3, 6, n), rng.beta(1.5, 8, n))
    return supported.tolist(), np.clip(np.round(p, 4), 0.001, 0.999).tolist()


def write_claims(
    root: Path,
    supported: list,
    p_yes: list[float],
    *,
    values: list | None = None,
    population: str | None = None,
    context: str = CONTEXT,
    documents: int | None = None,
) -> dict[str, float]:
    """A rated claim sample (one rater) and the judge's p(yes) per claim text."""
    root.mkdir(parents=True, exist_ok=True)
    values = values or ["yes", "no"]
    rows, items, p_of = ["item_id,rater,dimension,rating"], [], {}
    for k, (s, p) in enumerate(zip(supported, p_yes, strict=True)):
        claim = f"Claim number {k} about the outage."
        p_of[claim] = p
        items.append({"id": f"c{k}", "context": context, "claim": claim, "doc": k % (documents or 1)})
        rating = s if not isinstance(s, bool) else values[0] if s else values[1]
        rows.append(f"c{k},ana,supported,{rating}")
    (root / "ratings.csv").write_text("\n".join(rows) + "\n")
    (root / "items.jsonl").write_text("".join(json.dumps(i) + "\n" for i in items))
    manifest = {
        "name": root.name,
        "rubric": {"id": "claim_support", "version": "1"},
        "dimensions": {"supported": {"level": "nominal", "values": values}},
        "ratings": {"path": "ratings.csv"},
        "items": "items.jsonl",
        **({"population": population} if population else {}),
        **({"document": "doc"} if documents else {}),
    }
    (root / "sample.json").write_text(json.dumps(manifest))
    return p_of


@pytest.fixture
def server():
    lb = ThreadedLoopback()
    yield lb
    lb.close()


def config(tmp_path: Path, server, sample: Path, **more) -> ValidationConfig:
    judge = {"provider": "openai", "model": "claim-judge", "base_url": server.base_url}
    return ValidationConfig.build(
        {
            "sample": sample,
            "rubric": "claim_support",
            "dimensions": ["supported"],
            "judge": {**judge, "api_key_env": "GJ_TEST_NO_KEY", "cache_path": str(tmp_path / "cache.db")},
            "policy": {"resamples": 200},
            "store": f"sqlite:///{tmp_path / 'store.db'}",
            **more,
        }
    )


def test_validate_calibrates_the_threshold_sklearn_would_and_reports_it_honestly(tmp_path, server):
    supported, p = timid(80, seed=1)
    server.respond(ClaimJudge(write_claims(tmp_path / "claims", supported, p)))
    out = run_validation(config(tmp_path, server, tmp_path / "claims"))
    d = out.decision
    c = d.claim_threshold
    assert c is not None and len(server.server.seen) == 80
    # the p(yes) the judge returned, read from its log-probabilities, are the assigned ones
    order = sorted(range(80), key=lambda k: f"c{k}")  # the sample's item order: ids sorted as text
    got = out.verdicts.set_index("item_id").loc[[f"c{k}" for k in order], "p_yes"].to_numpy()
    assert got == pytest.approx([p[k] for k in order], abs=1e-9)
    y = np.array(supported)[order]
    # the threshold: Youden's J straight off sklearn's ROC curve (ties: the first = highest threshold)
    fpr, tpr, thr = roc_curve(y, got, drop_intermediate=False)
    j = np.where(np.isfinite(thr), tpr - fpr, -np.inf)
    assert c.threshold == pytest.approx(thr[int(np.argmax(j))])
    assert c.balanced_accuracy_fitted == pytest.approx(balanced_accuracy_score(y, got >= c.threshold))
    assert (c.claims, c.positives, c.negatives) == (80, int(y.sum()), int((~y).sum()))
    # cross-validated: calibrate on 4 folds, apply to the 5th, rebuilt here with sklearn alone
    oof = np.zeros(80, dtype=bool)
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(got, y):
        f, t, th = roc_curve(y[train], got[train], drop_intermediate=False)
        jj = np.where(np.isfinite(th), t - f, -np.inf)
        oof[test] = got[test] >= min(th[int(np.argmax(jj))], 0.999)
    assert c.folds == 5 and c.cross_validated.value == pytest.approx(balanced_accuracy_score(y, oof))
    assert c.cross_validated.value < c.balanced_accuracy_fitted  # the fitted number is optimistic
    assert c.at_half.value == pytest.approx(balanced_accuracy_score(y, got >= 0.5))
    assert c.auc.value == pytest.approx(roc_auc_score(y, got))
    for s in (c.cross_validated, c.at_half, c.auc):
        assert s.ci_low <= s.value <= s.ci_high and s.draws == 200
    # the decision measures the out-of-fold verdicts: its true-positive rate is theirs
    r = d.dimensions[0]
    assert r.level == "nominal" and r.n_items == 80
    assert r.stats["true_positive_rate"].value == pytest.approx(oof[y].mean())
    assert any("optimistic" in line and "cross-validated" in line for line in d.explanation)
    # recorded with the binding: the stored decision holds the threshold
    stored = lookup_decision(
        f"sqlite:///{tmp_path / 'store.db'}", "openai", "claim-judge", "claim_support", "1"
    )
    assert stored is not None and stored.claim_threshold == c
    assert stored.binding.rubric_id == "claim_support" and stored.binding.model == "claim-judge"
    # a second validation is answered from the judge's cache
    run_validation(config(tmp_path, server, tmp_path / "claims", record=False))
    assert len(server.server.seen) == 80


def test_claims_of_one_document_stay_in_one_fold_and_resample_together(tmp_path, server):
    from sklearn.model_selection import StratifiedGroupKFold

    from genjudge.validation.report import to_markdown

    supported, p = timid(90, seed=2)
    server.respond(ClaimJudge(write_claims(tmp_path / "c", supported, p, documents=15)))
    out = run_validation(config(tmp_path, server, tmp_path / "c", record=False))
    c = out.decision.claim_threshold
    assert c.grouped_by == "doc" and c.cross_validated.ci_method == "percentile_documents"
    order = sorted(range(90), key=lambda k: f"c{k}")  # the sample's item order: ids sorted as text
    got = out.verdicts.set_index("item_id").loc[[f"c{k}" for k in order], "p_yes"].to_numpy()
    from genjudge.stats import cluster_codes

    y, docs = np.array(supported)[order], cluster_codes(np.array(order) % 15)  # documents as coded
    oof = np.zeros(90, dtype=bool)
    for train, test in StratifiedGroupKFold(5, shuffle=True, random_state=0).split(got, y, docs):
        assert not set(docs[train]) & set(docs[test])
        f, t, th = roc_curve(y[train], got[train], drop_intermediate=False)
        jj = np.where(np.isfinite(th), t - f, -np.inf)
        oof[test] = got[test] >= th[int(np.argmax(jj))]
    assert c.cross_validated.value == pytest.approx(balanced_accuracy_score(y, oof))
    md = to_markdown(out.decision)
    assert f"## Claim threshold (supported): p(yes) >= {c.threshold:.4g}" in md
    assert "on the claims it was fitted to (optimistic)" in md and "keeping each doc's claims together" in md


@pytest.mark.parametrize(
    ("values", "ratings"),
    [
        (["true", "false"], ["true", "false"]),
        ([1, 0], ["1", "0"]),
        (["supported", "unsupported"], ["supported", "unsupported"]),
        (["yes", "no", "unknown"], ["yes", "unknown"]),  # unknown: not supported
    ],
)
def test_verdict_vocabularies_mean_the_same(tmp_path, server, values, ratings):
    supported = [True, False] * 20
    p = [0.4 if s else 0.1 for s in supported]
    words = [ratings[0] if s else ratings[1] for s in supported]
    server.respond(ClaimJudge(write_claims(tmp_path / "c", words, p, values=values)))
    c = run_validation(config(tmp_path, server, tmp_path / "c", record=False)).decision.claim_threshold
    assert (c.positives, c.negatives, c.cross_validated.value) == (20, 20, 1.0)
    assert c.threshold == pytest.approx(0.4)


def test_a_following_run_uses_the_calibrated_threshold_and_an_explicit_one_wins(tmp_path, server):
    import asyncio

    import yaml

    from genjudge.config import load_config
    from genjudge.runner import run_async

    example = tmp_path / "summaries"
    shutil.copytree(
        REPO / "examples" / "summaries", example, ignore=shutil.ignore_patterns("reports", ".genjudge")
    )
    fingerprint = json.loads((example / "set.jsonl.manifest.json").read_text())["fingerprint"]
    # separable claims: every supported p(yes) over every other, so the out-of-fold verdicts agree
    supported = [k % 2 == 0 for k in range(40)]
    p = [0.3 + 0.004 * k if s else 0.02 + 0.004 * k for k, s in enumerate(supported)]
    p_of = write_claims(example / "claims", supported, p, population=f"set:{fingerprint}")
    server.respond(ClaimJudge(p_of))
    store = f"sqlite:///{example / 'store.db'}"
    judge = {"provider": "openai", "model": "claim-judge", "base_url": server.base_url,
             "api_key_env": "GJ_TEST_NO_KEY", "cache_path": str(tmp_path / "cache.db")}  # fmt: skip
    cfg = ValidationConfig.build(
        {
            "sample": example / "claims",
            "rubric": "claim_support",
            "dimensions": ["supported"],
            "judge": judge,
            "policy": {"resamples": 200},
            "store": store,
        }
    )
    d = run_validation(cfg).decision
    assert d.accepted and d.population.set_fingerprint == fingerprint
    assert d.claim_threshold.threshold == pytest.approx(0.3)  # the lowest supported p(yes)

    def run(checks: dict) -> dict:
        conf = {"task": "generation", "set": "set.jsonl", "teacher": "teacher.jsonl", "student": "student.jsonl",
                "min_support": 8, "bootstrap": {"resamples": 100}, "checks": checks, "judge": judge,
                "store": "store.db"}  # fmt: skip
        (example / "run.yaml").write_text(yaml.safe_dump(conf), encoding="utf-8")
        result = asyncio.run(run_async(load_config(example / "run.yaml"), config_dir=example))
        return result.report

    report = run({"judge_claims": {"against": ["source"], "coverage": False}})
    section = report["sections"]["judge_claims"]
    assert section["threshold"] == d.claim_threshold.threshold
    assert section["threshold_source"] == f"calibrated by validation {d.decision_id}"
    assert section["threshold_decision"] == d.decision_id
    assert report["sections"]["judge_validation"]["rubrics"]["claim_support"]["status"] == "validated"
    # this judge says p(yes) 0.9 on the run's claims: all supported at either threshold
    explicit = run({"judge_claims": {"against": ["source"], "coverage": False, "threshold": 0.95}})
    section = explicit["sections"]["judge_claims"]
    assert (section["threshold"], section["threshold_source"]) == (0.95, "set in the config")
    assert section["claims_checked"]["by_label"].get("supported", 0) == 0  # 0.9 < 0.95: none supported
    assert any("is not the one validation" in n and "calibrated" in n for n in explicit["notes"])


async def test_without_a_decision_the_threshold_is_the_uncalibrated_default(tmp_path):
    from genjudge.checks import get
    from genjudge.checks.base import RunContext
    from genjudge.judge import load_rubric
    from genjudge.records import TaskKind
    from tests.judge.test_claims import frame, number_judge
    from tests.llm.loopback import Loopback, loopback_settings

    lb = await Loopback(number_judge).start()
    cls = get("judge_claims")
    rubric = load_rubric("claim_support")
    try:
        for services, want, decision in [
            ({}, (0.5, "default 0.5, uncalibrated"), None),
            # a threshold calibrated for another rubric text is not this rubric's
            ({"claim_support": {"threshold": 0.2, "decision_id": "d1", "rubric_hash": "other"}},
             (0.5, "default 0.5, uncalibrated"), None),
            ({"claim_support": {"threshold": 0.2, "decision_id": "d1", "rubric_hash": rubric.content_hash}},
             (0.2, "calibrated by validation d1"), "d1"),
        ]:  # fmt: skip
            check = cls(TaskKind.GENERATION, cls.Options(against=["source"], coverage=False))
            ctx = RunContext(
                task=TaskKind.GENERATION,
                seed=0,
                workdir=tmp_path,
                services={
                    "judge_settings": loopback_settings(lb).model_dump(mode="json"),
                    "claim_thresholds": services,
                },
            )
            res = await check.score(frame(), ctx)
            s = res.sections
            assert (s["threshold"], s["threshold_source"], s["threshold_decision"]) == (*want, decision)
            assert any("uncalibrated" in n for n in res.notes) == (decision is None)
            await ctx.services["judge"].aclose()
    finally:
        await lb.stop()


def test_several_raters_decide_by_majority_and_ties_are_left_out(tmp_path, server):
    root = tmp_path / "c"
    supported = [True, False] * 20
    p_of = write_claims(root, supported, [0.4 if s else 0.1 for s in supported])
    more = []
    for k, s in enumerate(supported):
        # ben agrees with ana except on c4 and c5 (1-1: no majority); cem disagrees on c0..c3 (2-1)
        more.append(f"c{k},ben,supported,{'yes' if s != (k in (4, 5)) else 'no'}")
        if k < 4:
            more.append(f"c{k},cem,supported,{'no' if s else 'yes'}")
    with (root / "ratings.csv").open("a") as fh:
        fh.write("\n".join(more) + "\n")
    server.respond(ClaimJudge(p_of))
    d = run_validation(config(tmp_path, server, root, record=False)).decision
    c = d.claim_threshold
    assert (c.claims, c.positives, c.negatives, c.left_out) == (38, 19, 19, {"raters tied": 2})
    assert d.dimensions[0].n_raters == 3 and c.cross_validated.value == 1.0


def test_only_an_accepted_decision_hands_its_threshold_to_a_run(tmp_path, server):
    from genjudge.validation.in_run import claim_thresholds

    supported, p = timid(60, seed=3)
    server.respond(ClaimJudge(write_claims(tmp_path / "c", supported, p)))
    d = run_validation(config(tmp_path, server, tmp_path / "c", record=False)).decision
    assert not d.accepted  # a timid, overlapping judge: agreement under the bar
    assert claim_thresholds({"claim_support": d}) == {}
    accepted = d.model_copy(update={"accepted": True})
    assert claim_thresholds({"claim_support": accepted}) == {
        "claim_support": {
            "threshold": d.claim_threshold.threshold,
            "decision_id": d.decision_id,
            "rubric_hash": d.binding.rubric_hash,
        }
    }


# --- refusals: clear errors, never a traceback, no call wasted -----------------------------------------


def test_a_rating_off_the_declared_verdicts_names_file_line_and_field(tmp_path, server):
    write_claims(tmp_path / "c", [True, False, "maybe", True], [0.5] * 4)
    with pytest.raises(InputError, match=r"ratings\.csv:4: field 'rating': 'maybe' is not one of"):
        run_validation(config(tmp_path, server, tmp_path / "c"))
    # the CLI says the same in one line and exits non-zero
    res = CliRunner().invoke(
        app,
        [
            "validate",
            str(tmp_path / "c"),
            "--rubric",
            "claim_support",
            "-d",
            "supported",
            "--no-store",
            "--provider",
            "openai",
            "--model",
            "m",
            "--base-url",
            server.base_url,
        ],
    )
    assert (
        res.exit_code != 0 and "ratings.csv:4: field 'rating'" in res.output and "Traceback" not in res.output
    )
    assert server.server.seen == []


def test_a_declared_value_that_is_no_claim_verdict_names_the_manifest_field(tmp_path, server):
    write_claims(tmp_path / "c", ["yes", "maybe"], [0.5, 0.5], values=["yes", "maybe"])
    with pytest.raises(
        InputError, match=r"sample\.json: field 'dimensions\.supported\.values': 'maybe' is not a"
    ):
        run_validation(config(tmp_path, server, tmp_path / "c"))


def test_a_claim_without_text_names_the_items_file_line_and_column(tmp_path, server):
    root = tmp_path / "c"
    write_claims(root, [True, False, True], [0.5] * 3)
    lines = (root / "items.jsonl").read_text().splitlines()
    lines[1] = json.dumps({"id": "c1", "context": CONTEXT, "claim": "  "})
    (root / "items.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"items\.jsonl:2: field 'claim': must be a non-empty text"):
        run_validation(config(tmp_path, server, root))
    # the columns may be named otherwise: --field claim=sentence
    with pytest.raises(InputError, match=r"items\.jsonl:1: field 'sentence': missing"):
        run_validation(config(tmp_path, server, root, fields={"claim": "sentence"}))


def test_one_kind_of_verdict_only_is_refused_before_any_call(tmp_path, server):
    write_claims(tmp_path / "c", [True] * 10, [0.5] * 10)
    with pytest.raises(ConfigError, match=r"needs rated claims of both kinds.*10 supported, 0 not"):
        run_validation(config(tmp_path, server, tmp_path / "c"))
    assert server.server.seen == []


def test_a_judge_without_log_probabilities_has_nothing_to_calibrate(tmp_path, server):
    write_claims(tmp_path / "c", [True, False] * 5, [0.5] * 10)
    server.respond(lambda seen: Reply(content="yes"))
    with pytest.raises(ConfigError, match="no p\\(yes\\) on any of the 10 claims"):
        run_validation(config(tmp_path, server, tmp_path / "c"))


def test_a_declared_set_population_needs_the_whole_fingerprint(tmp_path, server):
    write_claims(tmp_path / "c", [True, False] * 3, [0.5] * 6, population="set:abc123")
    with pytest.raises(InputError, match=r"sample\.json: field 'population': 'set:' needs"):
        run_validation(config(tmp_path, server, tmp_path / "c"))
