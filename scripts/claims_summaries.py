"""The summaries example (known truth) under claim-level judging: which wrong summaries are caught.

Runs the ``judge_claims`` check (the student's claims against the teacher's output, the teacher's
claims against the student's: the derived equivalence) with the embedded local judge on
``examples/summaries``, and counts, per kind of ``kinds.json``, the items judged equivalent. Writes
every item's claims, p(yes) and verdicts to ``--out`` (JSON), so that the counts at another
threshold can be read without a model call (``--from-out``).

    python scripts/claims_summaries.py --out .genjudge/summaries_claims.json --threads 1
    python scripts/claims_summaries.py --from-out .genjudge/summaries_claims.json --threshold 0.3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "summaries"


def frame() -> Any:
    import pandas as pd

    def read(name: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in (EXAMPLE / name).read_text().splitlines() if line.strip()]

    items = read("set.jsonl")
    teacher = {r["id"]: r["output"] for r in read("teacher.jsonl")}
    student = {r["id"]: r["output"] for r in read("student.jsonl")}
    return pd.DataFrame(
        {
            "id": [r["id"] for r in items],
            "input": [r["input"] for r in items],
            "reference": [r.get("reference") for r in items],
            "teacher": [teacher.get(r["id"]) for r in items],
            "student": [student.get(r["id"]) for r in items],
        }
    )


async def score(threads: int, against: list[str], cache: Path, rubric: str) -> dict[str, Any]:
    from genjudge.checks import get
    from genjudge.checks.base import RunContext
    from genjudge.records import TaskKind

    cls = get("judge_claims")
    check = cls(TaskKind.GENERATION, cls.Options(against=against, coverage=True, rubric=rubric))
    ctx = RunContext(
        task=TaskKind.GENERATION,
        seed=0,
        workdir=cache.parent,
        services={
            "judge_settings": {
                "provider": "local",
                "threads": threads,
                "cache_path": str(cache),
                "timeout_s": 1800,
            }
        },
    )
    df = frame()
    t0 = time.perf_counter()
    res = await check.score(df, ctx)
    wall = time.perf_counter() - t0
    await ctx.services["judge"].aclose()
    per_item = {}
    for i, item_id in enumerate(df["id"]):
        per_item[item_id] = {
            "status": res.status[i],
            "reason": res.reason[i],
            "claims": res.columns["judge_claims.claims"][i],
            "teacher_claims": res.columns["judge_claims.teacher_claims"][i],
        }
    return {"wall_s": wall, "section": res.sections, "items": per_item}


async def probabilities(cache: Path, threads: int, out: dict[str, Any], rubric: str) -> None:
    """Every claim's p(yes) / p(no) / p(unknown), re-read from the judge's cache (no new calls)."""
    from genjudge.judge import Judge, JudgeSettings

    df = frame()
    by_id = {r: i for i, r in enumerate(df["id"])}
    settings = JudgeSettings(provider="local", threads=threads, cache_path=str(cache), timeout_s=1800)
    async with Judge(settings) as judge:
        for item_id, rec in out["items"].items():
            i = by_id[item_id]
            if rec["claims"] is None:
                continue
            student, teacher = df["student"].iat[i], df["teacher"].iat[i]
            fid = await judge.verify_claims([(teacher, c) for c in rec["claims"]], rubric=rubric)
            cov = await judge.verify_claims([(student, c) for c in rec["teacher_claims"]], rubric=rubric)
            rec["fidelity"] = [[v.claim, v.p_yes, v.p_no, v.p_unknown, v.raw] for v in fid]
            rec["coverage"] = [[v.claim, v.p_yes, v.p_no, v.p_unknown, v.raw] for v in cov]


def verdicts(out: dict[str, Any], threshold: float, min_share: float) -> dict[str, Any]:
    """Per kind: items judged equivalent at ``threshold`` (p(yes)) and ``min_share``."""
    kinds = json.loads((EXAMPLE / "kinds.json").read_text())
    judged: dict[str, bool | None] = {}
    for item_id, rec in out["items"].items():
        if "fidelity" not in rec:
            judged[item_id] = None
            continue

        def label(p: list[Any]) -> str:
            _, yes, no, unk, _ = p
            if yes >= threshold:
                return "supported"
            if unk is None:
                return "unsupported"
            return "contradicted" if no >= unk else "unverifiable"

        fid = [label(p) for p in rec["fidelity"]]
        cov = [label(p) for p in rec["coverage"]]
        share = min(fid.count("supported") / len(fid), cov.count("supported") / len(cov))
        judged[item_id] = "contradicted" not in fid and share >= min_share
    table: dict[str, Counter[str]] = {}
    for item_id, kind in kinds.items():
        v = judged.get(item_id)
        table.setdefault(kind, Counter())[
            "unscored" if v is None else ("equivalent" if v else "not_equivalent")
        ] += 1
    return {k: dict(c) for k, c in sorted(table.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(".genjudge/summaries_claims.json"))
    parser.add_argument("--from-out", type=Path, default=None, help="re-read a previous --out, no model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--min-share", type=float, default=0.8)
    parser.add_argument("--rubric", default="claim_support", help="claim_support or claim_support_binary")
    args = parser.parse_args()
    if args.from_out is not None:
        out = json.loads(args.from_out.read_text())
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        cache = args.out.with_suffix(".cache.sqlite")
        out = asyncio.run(score(args.threads, ["teacher"], cache, args.rubric))
        asyncio.run(probabilities(cache, args.threads, out, args.rubric))
        out["rubric"] = args.rubric
        args.out.write_text(json.dumps(out, indent=1, default=str))
    print(f"wall {out['wall_s']:.0f} s; claims {out['section']['claims_checked']}")
    print(json.dumps(verdicts(out, args.threshold, args.min_share), indent=1))


if __name__ == "__main__":
    main()
