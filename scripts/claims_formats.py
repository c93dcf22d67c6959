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

Two formats ask each claim of its best-aligned claims only, not of the whole text: ``aligned``
(the ``few_shot`` question, the two claims of the other text most like it by all-MiniLM-L6-v2 cosine)
and ``pair`` ("do statements A and B give the same facts?", B the one most like it).

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
from collections.abc import Callable, Iterable
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
_BRIDGE = "TEXT: The bridge reopened on 4 May after repairs costing $2 million; buses return next week.\n"
_MENTION_EXAMPLES = (
    "Examples:\n"
    f"{_BRIDGE}CLAIM: Repairs to the bridge cost two million dollars.\nANSWER: yes\n"
    f"{_BRIDGE}CLAIM: The bridge reopened on 14 May.\nANSWER: yes\n"
    f"{_BRIDGE}CLAIM: Cyclists must use the new lane.\nANSWER: no\n"
    "TEXT: Version 3 adds dark mode and drops support for Windows 7.\n"
    "CLAIM: Windows 7 is no longer supported from version 3 on.\nANSWER: yes\n"
    "TEXT: Version 3 adds dark mode.\nCLAIM: Version 3 drops support for Windows 7.\nANSWER: no\n"
)
_CONFLICT_EXAMPLES = (
    "Examples:\n"
    f"{_BRIDGE}CLAIM: Repairs to the bridge cost two million dollars.\nANSWER: no\n"
    f"{_BRIDGE}CLAIM: The bridge reopened on 14 May.\nANSWER: yes\n"
    f"{_BRIDGE}CLAIM: Cyclists must use the new lane.\nANSWER: no\n"
    "TEXT: Trains now run from Leeds to York.\nCLAIM: Trains now run from York to Leeds.\nANSWER: yes\n"
)
WORDS = ["yes", "no", "unknown"]
FORMATS = ("three_word", "few_shot", "mention", "conflict", "aligned", "pair")
# Formats whose context is not the whole other text but its claims most like the claim asked about
# (all-MiniLM-L6-v2 cosine, kept in their order), and how many of those claims each reads.
ALIGNED = {"aligned": 2, "pair": 1}


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
    if fmt == "mention":  # does the text mention the claim's point at all (coverage), not whether it agrees
        system = (
            "You check whether a TEXT mentions the point made by a CLAIM. Answer yes if the text talks about "
            "the same point (the same event, feature, change, group or figure), even in other words, in less "
            "detail, or with a different number; answer no if the text says nothing about that point. Answer "
            "with one word.\n\n" + _MENTION_EXAMPLES
        )
        return system, f"TEXT: {context}\nCLAIM: {claim}\nANSWER:"
    if fmt == "conflict":  # does the text give another value for the claim's point; yes means a conflict
        system = (
            "You compare a CLAIM with a TEXT. Answer yes if the text gives a different fact for the same "
            "point: another number, amount, date, time, name, place, or the opposite role or direction. "
            "Answer no if the text agrees with the claim or does not mention the point. Other wording does "
            "not matter. Answer with one word.\n\n" + _CONFLICT_EXAMPLES
        )
        return system, f"TEXT: {context}\nCLAIM: {claim}\nANSWER:"
    if fmt == "aligned":  # the few_shot question, asked of the two best-aligned claims only
        return prompt("few_shot", context, claim)
    if fmt == "pair":  # two short statements side by side: the best-aligned claim is B
        system = (
            "You compare two statements, A and B. Answer yes if A and B give the same facts, even in other "
            "words or with less detail in B; answer no if they disagree on any number, amount, date, time, "
            "name, place, role or direction, or if A states something B does not. Answer with one word."
        )
        return system, f"A: {claim}\nB: {context}\nANSWER:"
    raise SystemExit(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")


def aligned(claim: str, others: list[str], k: int, encoder: Any) -> str:
    """The ``k`` claims of ``others`` most like ``claim`` by cosine, joined in their own order."""
    import numpy as np

    vectors = encoder.encode([claim, *others], normalize_embeddings=True)
    best = sorted(int(j) for j in np.argsort(-(vectors[1:] @ vectors[0]), kind="stable")[:k])
    return " ".join(others[j] for j in best)


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
    encoder = None
    if fmt in ALIGNED:
        from genjudge.embed.encoder import load_model

        encoder = load_model()
    teacher, student = rows("teacher.jsonl"), rows("student.jsonl")
    t0, asked = time.perf_counter(), 0
    for item_id, item in rows("set.jsonl").items():
        s, t = student[item_id]["output"], teacher[item_id]["output"]
        for kind, context, claims in (
            ("fid", t, split_claims(s)),
            ("src", item["input"], split_claims(s)),
            ("cov", s, split_claims(t)),
        ):
            others = split_claims(context) if encoder is not None else []  # the context's claims, once
            for claim in claims:  # one context's claims back to back: its prefix is evaluated once
                key = f"{item_id}|{kind}|{claim}"
                if key in done:
                    continue
                if encoder is not None:
                    system, user = prompt(fmt, aligned(claim, others, ALIGNED[fmt], encoder), claim)
                else:
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


def item_scores(answers: dict[str, Any], rule: str, word: str = "yes") -> dict[str, float]:
    """Each item's score under ``rule``: high for an equivalent. ``word`` is the answer that means the
    claim holds (``no`` for the ``conflict`` format, whose yes means another value)."""
    per: dict[str, dict[str, list[float]]] = {}
    for key, v in answers.items():
        item_id, kind, _ = key.split("|", 2)
        if v["p"] is None:
            raise SystemExit(f"{key}: no probabilities (rerun the format)")
        per.setdefault(item_id, {}).setdefault(kind, []).append(v["p"][word])
    scores = {}
    for item_id, d in per.items():
        if rule == "teacher_both_ways":
            scores[item_id] = min(d["fid"] + d["cov"])
        else:
            scores[item_id] = min([max(a, b) for a, b in zip(d["fid"], d["src"], strict=True)] + d["cov"])
    return scores


NEED = {"contradiction": 3, "omission": 3, "hallucination": 2}


def best_kept(
    kinds: dict[str, str], flagged: Callable[[float], dict[str, bool]], thresholds: Iterable[float]
) -> tuple[int, float, Counter[str]] | None:
    """The most equivalents kept at a threshold that still catches ``NEED`` of each wrong kind."""
    best: tuple[int, float, Counter[str]] | None = None
    good = {i: kinds[i] in ("equivalent", "identical") for i in kinds}
    for t in thresholds:
        flags = flagged(t)
        caught = Counter(kinds[i] for i in kinds if not good[i] and flags[i])
        kept = sum(1 for i in kinds if good[i] and not flags[i])
        if all(caught[k] >= n for k, n in NEED.items()) and (best is None or kept > best[0]):
            best = (kept, t, caught)
    return best


def said(best: tuple[int, float, Counter[str]] | None) -> str:
    return (
        "none" if best is None else f"{best[0]} of 13 kept at threshold {best[1]:.3f}, caught {dict(best[2])}"
    )


def summary(out: Path) -> None:
    from sklearn.metrics import roc_auc_score

    kinds = json.loads((EXAMPLE / "kinds.json").read_text())
    both: dict[str, dict[str, float]] = {}
    for path in sorted(out.glob("*.json")):
        answers = json.loads(path.read_text())
        word = "no" if path.stem == "conflict" else "yes"
        print(f"{path.stem}: {len(answers)} questions")
        for rule in ("teacher_both_ways", "source_or_teacher"):
            s = item_scores(answers, rule, word)
            if set(s) != set(kinds):
                print(f"  {rule}: {len(s)} of {len(kinds)} items answered so far")
                continue
            if rule == "teacher_both_ways" and path.stem in ("mention", "conflict"):
                both[path.stem] = s
            auc = roc_auc_score([kinds[i] in ("equivalent", "identical") for i in s], [s[i] for i in s])
            best = best_kept(kinds, lambda t, s=s: {i: s[i] < t for i in s}, sorted(set(s.values())))
            print(f"  {rule:18s} AUC {auc:.3f}; best at >= 3/4, 3/4, 2/2 caught: {said(best)}")
    if len(both) == 2:  # an item fails when either question fails it: every pair of thresholds
        m, c = both["mention"], both["conflict"]
        best, pair = None, (0.0, 0.0)
        for b in [*sorted(set(c.values())), 1.01]:
            found = best_kept(
                kinds, lambda a, b=b: {i: m[i] < a or c[i] < b for i in m}, [*sorted(set(m.values())), 1.01]
            )
            if found is not None and (best is None or found[0] > best[0]):
                best, pair = found, (found[1], b)
        print(f"mention or conflict (teacher_both_ways): {said(best)}; conflict threshold {pair[1]:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("format", nargs="?", choices=FORMATS)
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
