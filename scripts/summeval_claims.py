"""Claim-level vs holistic faithfulness of the embedded judge on SummEval (expert consistency).

A fixed stratified sample: ``--docs`` articles drawn with ``--seed``; from each, ``--per-doc``
summaries, up to half of them drawn from those whose experts' mean consistency is below 5 and the
rest from those at 5 (82% of SummEval's summaries are rated 5; a plain draw would hold almost no
unfaithful ones). Articles are visited in the drawn order and, within one, every summary's claims
are checked back to back, so the article's prefix is evaluated once (llama.cpp's prompt cache).

Per article: the claim-level judge (each claim of each summary against the article, one word,
p(yes) from the log-probabilities), then the holistic ``faithfulness`` rubric (1-5, one call per
summary). One JSON line per summary and method goes to ``--out`` as it is done, so a partial run
can be summarised (``--summary``): Spearman and Kendall tau-b between each score and the experts'
mean consistency, with 95% percentile intervals over articles resampled with replacement.

    python scripts/summeval_claims.py ../shared/data/summeval/summeval_per_annotator_1200.jsonl \
        --out .genjudge/summeval_claims.jsonl
    python scripts/summeval_claims.py ../shared/data/summeval/summeval_per_annotator_1200.jsonl \
        --out .genjudge/summeval_claims.jsonl --summary
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any


def sample(rows: list[dict[str, Any]], *, docs: int, per_doc: int, seed: int) -> list[dict[str, Any]]:
    """The fixed stratified sample (see the module docstring), grouped by article in drawn order."""
    rng = random.Random(seed)
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_doc.setdefault(r["doc_id"], []).append(r)
    ids = sorted(by_doc)
    rng.shuffle(ids)
    out = []
    for d in ids[:docs]:
        group = sorted(by_doc[d], key=lambda r: r["system_id"])
        low = [r for r in group if r["expert_mean"]["consistency"] < 5]
        high = [r for r in group if r["expert_mean"]["consistency"] >= 5]
        take_low = rng.sample(low, min(len(low), per_doc // 2))
        take_high = rng.sample(high, min(len(high), per_doc - len(take_low)))
        if len(take_low) + len(take_high) < per_doc:
            rest = [r for r in low if r not in take_low]
            take_low += rng.sample(rest, per_doc - len(take_low) - len(take_high))
        out.extend(sorted(take_low + take_high, key=lambda r: r["system_id"]))
    return out


async def run(
    items: list[dict[str, Any]], out: Path, threads: int, methods: list[str], claim_rubric: str
) -> None:
    from genjudge.judge import Judge, JudgeSettings, load_rubric
    from genjudge.judge.claims import split_claims

    done: set[tuple[str, str]] = set()
    if out.exists():
        for line in out.read_text().splitlines():
            rec = json.loads(line)
            done.add((rec["item_id"], rec["method"]))
    settings = JudgeSettings(
        provider="local",
        threads=threads,
        cache_path=str(out.with_suffix(".cache.sqlite")),
        logprob_weighting=True,
        timeout_s=1800,
    )
    rubric = load_rubric("faithfulness")
    docs: dict[str, list[dict[str, Any]]] = {}
    for r in items:
        docs.setdefault(r["doc_id"], []).append(r)
    async with Judge(settings) as judge:
        with out.open("a") as f:
            for doc, group in docs.items():
                source = group[0]["source"]
                if "claims" in methods:
                    todo = [r for r in group if (r["item_id"], "claims") not in done]
                    t0 = time.perf_counter()
                    claims = [split_claims(r["summary"]) for r in todo]
                    pairs = [(source, c) for cs in claims for c in cs]
                    verdicts = await judge.verify_claims(pairs, rubric=claim_rubric)
                    wall = time.perf_counter() - t0
                    k = 0
                    for r, cs in zip(todo, claims, strict=True):
                        vs = verdicts[k : k + len(cs)]
                        k += len(cs)
                        rec = {
                            "item_id": r["item_id"],
                            "doc_id": doc,
                            "method": "claims",
                            "rubric": claim_rubric,
                            "expert": r["expert_mean"]["consistency"],
                            "claims": [
                                {
                                    "claim": v.claim,
                                    "label": v.label,
                                    "p_yes": v.p_yes,
                                    "status": v.status.value,
                                }
                                for v in vs
                            ],
                            "wall_s_per_summary": wall / max(len(todo), 1),
                            "cached_tokens": [v.cached_tokens for v in vs],
                            "input_tokens": [v.input_tokens for v in vs],
                        }
                        f.write(json.dumps(rec) + "\n")
                    f.flush()
                if "holistic" in methods:
                    todo = [r for r in group if (r["item_id"], "holistic") not in done]
                    t0 = time.perf_counter()
                    vs = await judge.grade(rubric, [{"source": source, "output": r["summary"]} for r in todo])
                    wall = time.perf_counter() - t0
                    for r, v in zip(todo, vs, strict=True):
                        plain = None
                        if v.raw:
                            try:
                                plain = json.loads(v.raw).get("score")
                            except (ValueError, AttributeError):
                                plain = None
                        rec = {
                            "item_id": r["item_id"],
                            "doc_id": doc,
                            "method": "holistic",
                            "expert": r["expert_mean"]["consistency"],
                            "status": v.status.value,
                            "weighted": v.value,
                            "plain": plain,
                            "wall_s_per_summary": wall / max(len(todo), 1),
                        }
                        f.write(json.dumps(rec) + "\n")
                    f.flush()
                print(doc, "done", flush=True)


def _correlations(x: Any, expert: Any, draws: list[Any]) -> dict[str, list[float]]:
    """Spearman and Kendall tau-b of ``x`` against ``expert``, with 95% percentile intervals over ``draws``."""
    import numpy as np
    from scipy.stats import kendalltau, spearmanr

    entry: dict[str, list[float]] = {}
    for stat, fn in (("spearman", spearmanr), ("kendall_tau_b", kendalltau)):
        point = float(fn(x, expert)[0])
        boot = [float(fn(x[d], expert[d])[0]) for d in draws]
        boot = [b for b in boot if np.isfinite(b)]
        lo, hi = np.percentile(boot, [2.5, 97.5])
        entry[stat] = [round(point, 3), round(float(lo), 3), round(float(hi), 3)]
    return entry


def _article_draws(doc_of: list[str], resamples: int, seed: int) -> list[Any]:
    """Resamples of the summaries' positions, whole articles drawn with replacement."""
    import numpy as np

    rng = np.random.default_rng(seed)
    docs = sorted(set(doc_of))
    idx_by_doc = {d: [k for k, x in enumerate(doc_of) if x == d] for d in docs}
    return [
        np.concatenate([idx_by_doc[d] for d in rng.choice(docs, len(docs))]).astype(int)
        for _ in range(resamples)
    ]


def summarise(outs: list[Path], *, resamples: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Spearman / Kendall tau-b of each score against the experts over every summary it has, with
    intervals over articles; then, on the summaries every score has, each score again and the
    difference claim-level minus holistic (Spearman), resampled together."""
    import numpy as np
    from scipy.stats import spearmanr

    by: dict[str, dict[str, dict[str, Any]]] = {}
    for out in outs:
        for line in out.read_text().splitlines():
            r = json.loads(line)
            by.setdefault(r["method"], {})[r["item_id"]] = r
    scores: dict[str, dict[str, float]] = {"claims_mean_p_yes": {}, "claims_supported_share": {}}
    scores.update({"holistic_plain": {}, "holistic_weighted": {}})
    meta: dict[str, tuple[str, float]] = {}  # item -> (article, experts' mean consistency)
    for i, rec in by.get("claims", {}).items():
        meta[i] = (rec["doc_id"], rec["expert"])
        ok = [x for x in rec["claims"] if x["status"] == "ok"]
        if ok:
            if all(x["p_yes"] is not None for x in ok):
                scores["claims_mean_p_yes"][i] = float(np.mean([x["p_yes"] for x in ok]))
            scores["claims_supported_share"][i] = float(np.mean([x["label"] == "supported" for x in ok]))
    for i, h in by.get("holistic", {}).items():
        meta[i] = (h["doc_id"], h["expert"])
        if h["status"] == "ok":
            scores["holistic_weighted"][i] = h["weighted"]
            if h["plain"] is not None:
                scores["holistic_plain"][i] = float(h["plain"])
    result: dict[str, Any] = {"resamples": resamples, "seed": seed, "each_over_its_own_summaries": {}}
    for m in ("claims", "holistic"):
        if by.get(m):
            result[f"{m}_wall_s_per_summary"] = round(
                float(np.mean([r["wall_s_per_summary"] for r in by[m].values()])), 2
            )
    if by.get("claims"):
        result["claims_per_summary"] = round(
            float(np.mean([len(r["claims"]) for r in by["claims"].values()])), 2
        )
    for name, s in scores.items():
        items = sorted(s)
        if len(items) < 3:
            continue
        draws = _article_draws([meta[i][0] for i in items], resamples, seed)
        x, expert = np.array([s[i] for i in items]), np.array([meta[i][1] for i in items])
        result["each_over_its_own_summaries"][name] = {
            "summaries": len(items),
            "articles": len({meta[i][0] for i in items}),
            **_correlations(x, expert, draws),
        }
    common = sorted(set.intersection(*(set(s) for s in scores.values())))
    if len(common) >= 3:
        draws = _article_draws([meta[i][0] for i in common], resamples, seed)
        expert = np.array([meta[i][1] for i in common])
        paired: dict[str, Any] = {"summaries": len(common), "articles": len({meta[i][0] for i in common})}
        for name, s in scores.items():
            paired[name] = _correlations(np.array([s[i] for i in common]), expert, draws)
        c = np.array([scores["claims_mean_p_yes"][i] for i in common])
        h = np.array([scores["holistic_weighted"][i] for i in common])
        point = float(spearmanr(c, expert)[0] - spearmanr(h, expert)[0])
        boot = [float(spearmanr(c[d], expert[d])[0] - spearmanr(h[d], expert[d])[0]) for d in draws]
        lo, hi = np.percentile([b for b in boot if np.isfinite(b)], [2.5, 97.5])
        paired["spearman_claims_mean_p_yes_minus_holistic_weighted"] = [
            round(point, 3),
            round(float(lo), 3),
            round(float(hi), 3),
        ]
        result["paired_on_summaries_with_every_score"] = paired
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--out", type=Path, default=Path(".genjudge/summeval_claims.jsonl"))
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--per-doc", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--methods", default="claims,holistic")
    parser.add_argument(
        "--claim-rubric", default="claim_support", help="claim_support or claim_support_binary"
    )
    parser.add_argument("--summary", action="store_true", help="summarise what --out holds so far")
    parser.add_argument(
        "--also",
        type=Path,
        action="append",
        default=[],
        help="with --summary: more result files (another method's)",
    )
    args = parser.parse_args()
    if args.summary:
        print(json.dumps(summarise([args.out, *args.also]), indent=2))
        return
    rows = [json.loads(line) for line in args.source.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = sample(rows, docs=args.docs, per_doc=args.per_doc, seed=args.seed)
    print(f"{len(items)} summaries of {len({r['doc_id'] for r in items})} articles", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(run(items, args.out, args.threads, args.methods.split(","), args.claim_rubric))


if __name__ == "__main__":
    main()
