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


def summarise(out: Path, *, resamples: int = 2000, seed: int = 0) -> dict[str, Any]:
    """Spearman / Kendall tau-b of each score against the experts, intervals over articles."""
    import numpy as np
    from scipy.stats import kendalltau, spearmanr

    recs = [json.loads(line) for line in out.read_text().splitlines()]
    by: dict[str, dict[str, dict[str, Any]]] = {}
    for r in recs:
        by.setdefault(r["method"], {})[r["item_id"]] = r
    both = sorted(set(by.get("claims", {})) & set(by.get("holistic", {})))
    scores: dict[str, dict[str, float]] = {"claims_mean_p_yes": {}, "claims_supported_share": {}}
    scores.update({"holistic_plain": {}, "holistic_weighted": {}})
    for i in both:
        c = by["claims"][i]["claims"]
        ok = [x for x in c if x["status"] == "ok"]
        if ok:
            if all(x["p_yes"] is not None for x in ok):
                scores["claims_mean_p_yes"][i] = float(np.mean([x["p_yes"] for x in ok]))
            scores["claims_supported_share"][i] = float(np.mean([x["label"] == "supported" for x in ok]))
        h = by["holistic"][i]
        if h["status"] == "ok":
            scores["holistic_weighted"][i] = h["weighted"]
            if h["plain"] is not None:
                scores["holistic_plain"][i] = float(h["plain"])
    common = sorted(set.intersection(*(set(s) for s in scores.values()))) if both else []
    doc_of = {i: by["claims"][i]["doc_id"] for i in common}
    docs = sorted(set(doc_of.values()))
    rng = np.random.default_rng(seed)
    idx_by_doc = {d: [k for k, i in enumerate(common) if doc_of[i] == d] for d in docs}
    expert = np.array([by["claims"][i]["expert"] for i in common])
    result: dict[str, Any] = {
        "summaries": len(common),
        "articles": len(docs),
        "resamples": resamples,
        "seed": seed,
        "wall_s_per_summary": {
            m: float(np.mean([by[m][i]["wall_s_per_summary"] for i in common])) if common else None
            for m in ("claims", "holistic")
        },
        "claims_per_summary": float(np.mean([len(by["claims"][i]["claims"]) for i in common]))
        if common
        else None,
    }
    draws = [
        np.concatenate([idx_by_doc[d] for d in rng.choice(docs, len(docs))]).astype(int)
        for _ in range(resamples)
    ]
    for name, s in scores.items():
        x = np.array([s[i] for i in common])
        entry: dict[str, Any] = {}
        for stat, fn in (("spearman", spearmanr), ("kendall_tau_b", kendalltau)):
            point = float(fn(x, expert)[0])
            boot = [float(fn(x[d], expert[d])[0]) for d in draws]
            boot = [b for b in boot if np.isfinite(b)]
            lo, hi = np.percentile(boot, [2.5, 97.5])
            entry[stat] = [round(point, 3), round(float(lo), 3), round(float(hi), 3)]
        result[name] = entry
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
    args = parser.parse_args()
    if args.summary:
        print(json.dumps(summarise(args.out), indent=2))
        return
    rows = [json.loads(line) for line in args.source.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = sample(rows, docs=args.docs, per_doc=args.per_doc, seed=args.seed)
    print(f"{len(items)} summaries of {len({r['doc_id'] for r in items})} articles", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(run(items, args.out, args.threads, args.methods.split(","), args.claim_rubric))


if __name__ == "__main__":
    main()
