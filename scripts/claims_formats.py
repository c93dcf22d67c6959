"""Claim-question prompt formats on the summaries example (known truth), measured on the embedded judge.

Each format asks the same (context, claim) pairs of ``examples/summaries``: every claim of the
student's summary (``split_claims``) against the teacher's summary (``fid``) and against the source
(``src``), and every claim of the teacher's summary against the student's (``cov``). The answer's
first-token probabilities are read as :mod:`genjudge.judge.claims` reads them and saved per pair to
``--out`` (resumable). ``--summary`` then scores each item two ways and prints, per rule, the AUC of
equivalents (10 reworded + 3 identical) against the wrong summaries, and the most equivalents kept
at a threshold that still catches at least 3 of 4 contradictions, 3 of 4 omissions and 2 of 2
hallucinations:

- ``teacher_both_ways``: the item's lowest p(yes) over ``fid`` and ``cov`` (the ``judge_claims``
  check's derived equivalence);
- ``source_or_teacher``: a student claim counts by the larger of its p(yes) against the teacher and
  against the source (a detail the teacher left out but the source states is not an invention),
  then the lowest over those and ``cov``.

The model is driven directly (llama.cpp's chat endpoint, ``cache_prompt``, greedy, two tokens),
not through the judge's cache, so a format can be changed here without a rubric version.

    python scripts/claims_formats.py three_word --out .genjudge/formats
    python scripts/claims_formats.py few_shot --out .genjudge/formats
    python scripts/claims_formats.py --summary --out .genjudge/formats
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import Counter
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "summaries"
_EXAMPLES = """Examples:
TEXT: The bridge reopened on 4 May after repairs costing $2 million; buses return next week.
CLAIM: Repairs to the bridge cost two million dollars.
ANSWER: yes
TEXT: The bridge reopened on 4 May after repairs costing $2 million; buses return next week.
CLAIM: The bridge reopened on 14 May.
ANSWER: no
TEXT: The bridge reopened on 4 May after repairs costing $2 million; buses return next week.
CLAIM: The repairs were delayed by bad weather.
ANSWER: unknown
TEXT: Version 3 adds dark mode and drops support for Windows 7.
CLAIM: Windows 7 is no longer supported from version 3 on.
ANSWER: yes
TEXT: Version 3 adds dark mode and drops support for Windows 7.
CLAIM: Version 3 adds dark mode and offline sync.
ANSWER: unknown
"""
WORDS = ["yes", "no", "unknown"]


def prompt(fmt: str, context: str, claim: str) -> tuple[str, str]:
    """(system, user) of one question in format ``fmt``."""
    if fmt == "three_word":  # the wording of rubric claim_support v1, without its tags
        system = (
            "You check one claim against a context text. Answer yes if the context states the claim or "
            "directly implies it, no if the context contradicts it (a different fact, number, name, date, "
            "time or polarity), and unknown if the context neither states nor contradicts it. Judge only "
            "against the context. Wording and style do not matter, only meaning.\n\n"
            "Answer with exactly one word: yes, no or unknown."
        )
        return (
            system,
            f"CONTEXT:\n{context}\n\nCLAIM:\n{claim}\n\nIs the claim supported by the context? Answer yes, no or unknown.",
        )
    if fmt == "few_shot":  # short instructions and five worked examples, all in the shared prefix
        system = (
            "You check whether a TEXT supports a CLAIM. Answer yes if the text says the same thing, even in "
            "other words; no if the text says something different (another number, name, date, time, or "
            "the opposite); unknown if the text does not mention it. Answer with one word.\n\n" + _EXAMPLES
        )
        return system, f"TEXT: {context}\nCLAIM: {claim}\nANSWER:"
    raise SystemExit(f"unknown format {fmt!r}: three_word or few_shot")


def probabilities(response: dict[str, Any]) -> dict[str, float] | None:
    """p(yes), p(no), p(unknown) from the first token's alternatives (as genjudge.judge.claims)."""
    content = (response["choices"][0].get("logprobs") or {}).get("content") or []
    first = next((t for t in content if t["token"].strip()), None)
    if first is None:
        return None
    alternatives = {a["token"]: a["logprob"] for a in first.get("top_logprobs", [])}
    alternatives.setdefault(first["token"], first["logprob"])
    mass = dict.fromkeys(WORDS, 0.0)
    for token, logprob in alternatives.items():
        t = token.strip().lower()
        hits = [w for w in WORDS if t and (w.startswith(t) or t.rstrip(".") == w)]
        if len(hits) == 1:
            mass[hits[0]] += math.exp(logprob)
    total = sum(mass.values())
    return {w: m / total for w, m in mass.items()} if total else None


def rows(name: str) -> dict[str, dict[str, Any]]:
    lines = (EXAMPLE / name).read_text().splitlines()
    return {r["id"]: r for r in (json.loads(line) for line in lines if line.strip())}


def ask(fmt: str, out: Path, threads: int) -> None:
    from genjudge.judge.claims import split_claims
    from genjudge.llm.local_model import DEFAULT_MODEL_NAME, ensure_model
    from genjudge.llm.providers.local import load_server

    path = out / f"{fmt}.json"
    done = json.loads(path.read_text()) if path.exists() else {}
    server, _ = load_server(ensure_model(DEFAULT_MODEL_NAME).path, threads=threads, n_ctx=4096)
    teacher, student = rows("teacher.jsonl"), rows("student.jsonl")
    t0, asked = time.perf_counter(), 0
    for item_id, item in rows("set.jsonl").items():
        s, t = student[item_id]["output"], teacher[item_id]["output"]
        for kind, context, claims in (
            ("fid", t, split_claims(s)),
            ("src", item["input"], split_claims(s)),
            ("cov", s, split_claims(t)),
        ):
            for claim in claims:  # one context's claims back to back: its prefix is evaluated once
                key = f"{item_id}|{kind}|{claim}"
                if key in done:
                    continue
                system, user = prompt(fmt, context, claim)
                body = {
                    "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
                    "temperature": 0.0,
                    "max_tokens": 2,
                    "seed": 0,
                    "cache_prompt": True,
                    "logprobs": True,
                    "top_logprobs": 10,
                }
                answer = server.handle_chat_completions(body)
                done[key] = {"p": probabilities(answer), "raw": answer["choices"][0]["message"]["content"]}
                asked += 1
        path.write_text(json.dumps(done))
        print(
            f"{item_id}: {asked} asked, {(time.perf_counter() - t0) / max(asked, 1):.2f} s per claim",
            flush=True,
        )


def item_scores(answers: dict[str, Any], rule: str) -> dict[str, float]:
    per: dict[str, dict[str, list[float]]] = {}
    for key, v in answers.items():
        item_id, kind, _ = key.split("|", 2)
        if v["p"] is None:
            raise SystemExit(f"{key}: no probabilities (rerun the format)")
        per.setdefault(item_id, {}).setdefault(kind, []).append(v["p"]["yes"])
    scores = {}
    for item_id, d in per.items():
        if rule == "teacher_both_ways":
            scores[item_id] = min(d["fid"] + d["cov"])
        else:
            scores[item_id] = min([max(a, b) for a, b in zip(d["fid"], d["src"], strict=True)] + d["cov"])
    return scores


def summary(out: Path) -> None:
    from sklearn.metrics import roc_auc_score

    kinds = json.loads((EXAMPLE / "kinds.json").read_text())
    need = {"contradiction": 3, "omission": 3, "hallucination": 2}
    for path in sorted(out.glob("*.json")):
        answers = json.loads(path.read_text())
        print(f"{path.stem}: {len(answers)} questions")
        for rule in ("teacher_both_ways", "source_or_teacher"):
            s = item_scores(answers, rule)
            if set(s) != set(kinds):
                print(f"  {rule}: {len(s)} of {len(kinds)} items answered so far")
                continue
            good = {i: kinds[i] in ("equivalent", "identical") for i in s}
            auc = roc_auc_score([good[i] for i in s], [s[i] for i in s])
            best: tuple[int, float, Counter[str]] | None = None
            for t in sorted(set(s.values())):
                caught = Counter(kinds[i] for i in s if not good[i] and s[i] < t)
                kept = sum(1 for i in s if good[i] and s[i] >= t)
                if all(caught[k] >= n for k, n in need.items()) and (best is None or kept > best[0]):
                    best = (kept, t, caught)
            said = (
                "none"
                if best is None
                else f"{best[0]} of 13 kept at threshold {best[1]:.3f}, caught {dict(best[2])}"
            )
            print(f"  {rule:18s} AUC {auc:.3f}; best at >= 3/4, 3/4, 2/2 caught: {said}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("format", nargs="?", choices=["three_word", "few_shot"])
    parser.add_argument("--out", type=Path, default=Path(".genjudge/formats"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.summary:
        summary(args.out)
    elif args.format:
        ask(args.format, args.out, args.threads)
    else:
        parser.error("give a format, or --summary")


if __name__ == "__main__":
    main()
