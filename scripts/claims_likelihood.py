"""Claims scored by likelihood instead of a question, on the summaries example, with the embedded judge.

A question-free way to check a claim against a context: how much more likely the model finds the
claim's words after reading the context than without it (pointwise mutual information, as in
likelihood-based faithfulness scores). The student's whole summary is forced through llama.cpp's
completion endpoint with a grammar that admits only its exact text, and each token's log-probability
is read from the raw logits (``post_sampling_probs`` off), four ways per item:

- ``S|T`` the student's summary after ``Text: <teacher's summary> ... rewritten in other words:``,
  ``S|src`` the same after the source, ``S|-`` after a prompt with no text;
- ``T|S`` the teacher's summary after the student's, ``T|-`` after no text.

``--summary`` splits each summary into claims (``split_claims``) and prints, per feature, the AUC of
the equivalents (10 reworded + 3 identical) against the wrong summaries, the items' values by kind,
and the most equivalents kept at a threshold that still catches 3 of 4 contradictions, 3 of 4
omissions and 2 of 2 hallucinations:

- ``student_claims``: the lowest, over the student's claims, of the mean PMI per token given the
  teacher's summary (an invented or changed claim should gain little from the context);
- ``teacher_claims``: the same for the teacher's claims given the student's summary (an omitted
  claim should gain nothing);
- ``source_claims``: the student's claims given the source;
- ``lowest_token``: the lowest PMI of a single token of the student's summary given the teacher's
  (a changed number or name should be far less likely once the context states another).

    python scripts/claims_likelihood.py --out .genjudge/likelihood.json
    python scripts/claims_likelihood.py --out .genjudge/likelihood.json --summary
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from claims_formats import EXAMPLE, best_kept, rows, said

WITH_TEXT = "Text: {context}\n\nThe same text, rewritten in other words:\n"
NO_TEXT = "A short text:\n"
KINDS = ("identical", "equivalent", "omission", "contradiction", "hallucination", "injection")
Token = tuple[str, float]


def forced(server: Any, prompt: str, text: str) -> list[Token]:
    """Each token of ``text`` with its log-probability after ``prompt`` (the text forced by a grammar)."""
    body = {
        "prompt": prompt,
        "grammar": "root ::= " + json.dumps(text),
        "n_predict": 1024,
        "temperature": 0.0,
        "n_probs": 1,
        "post_sampling_probs": False,
        "cache_prompt": True,
    }
    choice = server.handle_completions(body)["choices"][0]
    if choice["text"] != text:
        raise SystemExit(f"forced text differs: {choice['text']!r}")
    return [(t["token"], t["logprob"]) for t in choice["logprobs"]["content"]]


def ask(out: Path, threads: int) -> None:
    from genjudge.llm.local_model import DEFAULT_MODEL_NAME, ensure_model
    from genjudge.llm.providers.local import load_server

    done = json.loads(out.read_text()) if out.exists() else {}
    server, _ = load_server(ensure_model(DEFAULT_MODEL_NAME).path, threads=threads, n_ctx=4096)
    teacher, student, items = rows("teacher.jsonl"), rows("student.jsonl"), rows("set.jsonl")
    t0 = time.perf_counter()
    for item_id, item in items.items():
        if item_id in done:
            continue
        s, t = student[item_id]["output"], teacher[item_id]["output"]
        done[item_id] = {
            "S|T": forced(server, WITH_TEXT.format(context=t), s),
            "S|src": forced(server, WITH_TEXT.format(context=item["input"]), s),
            "S|-": forced(server, NO_TEXT, s),
            "T|S": forced(server, WITH_TEXT.format(context=s), t),
            "T|-": forced(server, NO_TEXT, t),
        }
        out.write_text(json.dumps(done))
        print(f"{item_id}: {time.perf_counter() - t0:.1f} s", flush=True)


def starts(tokens: list[Token]) -> list[int]:
    """Where each token's first non-space character lies in the text (the two prompts may split the
    text differently; a token's leading space belongs to the word it starts)."""
    at, pos = [], 0
    for token, _ in tokens:
        at.append(pos + len(token) - len(token.lstrip()))
        pos += len(token)
    return at


def locate(text: str, claim: str, start: int) -> tuple[int, int]:
    """Where ``claim`` lies in ``text`` from ``start``: from its first word to its last, whatever stands
    between them (a claim's closing punctuation is left out of its span)."""
    words = re.findall(r"\w+", claim)
    found = re.compile(r"\W+".join(map(re.escape, words))).search(text, start)
    if found is None:
        raise SystemExit(f"claim not found in its text: {claim!r}")
    return found.start(), found.end()


def claim_pmi(text: str, given: list[Token], alone: list[Token]) -> list[float]:
    """Mean PMI per token of each claim of ``text``: its log-probability with the context less without."""
    from genjudge.judge.claims import split_claims

    # the first token is left out: it follows the prompt's last character, not the text
    placed = {
        side: list(zip(starts(tokens), (lp for _, lp in tokens), strict=True))[1:]
        for side, tokens in (("given", given), ("alone", alone))
    }

    def span(side: str, a: int, b: int) -> tuple[float, int]:
        lps = [lp for at, lp in placed[side] if a <= at < b]
        return sum(lps), len(lps)

    means, pos = [], 0
    for claim in split_claims(text):
        a, b = locate(text, claim, pos)
        pos = b
        with_sum, n = span("given", a, b)
        without_sum, _ = span("alone", a, b)
        means.append((with_sum - without_sum) / max(n, 1))
    return means


def lowest_token(given: list[Token], alone: list[Token]) -> float:
    """The lowest PMI of one token, over the tokens that start at the same character both ways."""
    without = dict(zip(starts(alone), (lp for _, lp in alone), strict=True))
    pmis = [
        lp - without[at]
        for k, (at, (_, lp)) in enumerate(zip(starts(given), given, strict=True))
        if k and at in without
    ]
    return min(pmis, default=0.0)


def summary(out: Path) -> None:
    from sklearn.metrics import roc_auc_score

    kinds = json.loads((EXAMPLE / "kinds.json").read_text())
    answers = json.loads(out.read_text())
    if set(answers) != set(kinds):
        raise SystemExit(f"{len(answers)} of {len(kinds)} items scored so far")
    teacher, student = rows("teacher.jsonl"), rows("student.jsonl")
    features: dict[str, dict[str, float]] = {
        f: {} for f in ("student_claims", "teacher_claims", "source_claims", "lowest_token")
    }
    for i, a in answers.items():
        s, t = student[i]["output"], teacher[i]["output"]
        features["student_claims"][i] = min(claim_pmi(s, a["S|T"], a["S|-"]))
        features["teacher_claims"][i] = min(claim_pmi(t, a["T|S"], a["T|-"]))
        features["source_claims"][i] = min(claim_pmi(s, a["S|src"], a["S|-"]))
        features["lowest_token"][i] = lowest_token(a["S|T"], a["S|-"])
    for name, score in features.items():
        ids = sorted(score)
        auc = roc_auc_score([kinds[i] in ("equivalent", "identical") for i in ids], [score[i] for i in ids])
        best = best_kept(
            kinds, lambda t, score=score: {i: score[i] < t for i in score}, sorted(set(score.values()))
        )
        print(f"{name}: AUC {auc:.3f}; best at >= 3/4, 3/4, 2/2 caught: {said(best)}")
        for kind in KINDS:
            print(f"  {kind:13s} " + " ".join(f"{score[i]:6.2f}" for i in ids if kinds[i] == kind))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(".genjudge/likelihood.json"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.summary:
        summary(args.out)
    else:
        ask(args.out, args.threads)


if __name__ == "__main__":
    main()
