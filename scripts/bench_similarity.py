"""Benchmark: genjudge's embedding-similarity check against a bare ``model.encode``.

5,000 (teacher, student) pairs = 10,000 texts, of which 30% are repeats of other texts in the
set (7,000 distinct texts). Texts are real: SummEval summaries, references and article
sentences, then PandaLM instructions and responses (``../shared/data``). In one process, with the same loaded model and the same batch size:

1. bare:      ``model.encode(<the 7,000 distinct texts>, batch_size=B)`` in a worker thread like
              the check (the floor: no dedup bookkeeping, no cache, no cosine); one main-thread
              timing is printed for reference;
2. genjudge:  ``EmbeddingSimilarity.score`` on the 5,000-row frame with an empty cache
              (hashing, dedup, cache writes, token counting, cosines included);
3. cached:    the same call again on the filled cache (no model call).

Bare and genjudge are timed ``--rounds`` times each in ABBA order and the minimum of each is
compared (the CPU may be shared; the minimum is the least disturbed run).

Targets: genjudge / bare <= 1.10, cached / bare < 0.05. Usage::

    python scripts/bench_similarity.py [--pairs 5000] [--batch-size 64] [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]


def real_texts(data: Path, n_unique: int) -> list[str]:
    """Distinct real texts: SummEval summaries, references and article sentences, then PandaLM
    instructions, inputs and responses, then the sentences of those, in file order."""
    summeval = data / "summeval" / "summeval_per_annotator_1200.jsonl"
    pandalm = data / "pandalm" / "pandalm_testset_pairs.jsonl"
    for path in (summeval, pandalm):
        if not path.exists():
            sys.exit(f"needs {path} (the public data sets beside the checkout)")
    rows = [json.loads(line) for line in summeval.open(encoding="utf-8")]
    pairs = [json.loads(line) for line in pandalm.open(encoding="utf-8")]
    docs = {r["doc_id"]: r["source"] for r in rows}
    pools = [
        [r["summary"] for r in rows],
        [ref for r in rows for ref in r["references"]],
        [s for d in docs.values() for s in _sentences(d)],
        [
            p[k]
            for p in pairs
            for k in ("response1", "response2", "instruction", "input")
            if isinstance(p.get(k), str)
        ],
    ]
    # Then the sentences of those texts, so the set reaches the size asked for with real text only.
    pools.append([s for pool in (pools[0], pools[1], pools[3]) for t in pool for s in _sentences(t)])
    seen: dict[str, None] = {}
    for pool in pools:
        for text in pool:
            text = " ".join(text.split())
            if text and text not in seen:
                seen[text] = None
                if len(seen) == n_unique:
                    return list(seen)
    sys.exit(f"only {len(seen)} distinct texts available, need {n_unique}")


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 6]


def build_frame(texts: list[str], pairs: int, repeat_share: float, seed: int) -> pd.DataFrame:
    """2 * pairs slots: the distinct texts once each, the rest repeats of them, shuffled."""
    rng = np.random.default_rng(seed)
    slots = 2 * pairs
    n_unique = len(texts)
    repeats = rng.integers(0, n_unique, size=slots - n_unique)
    order = rng.permutation(np.concatenate([np.arange(n_unique), repeats]))
    picked = [texts[i] for i in order]
    return pd.DataFrame(
        {
            "id": [f"p{i}" for i in range(pairs)],
            "input": "",
            "reference": None,
            "teacher": picked[:pairs],
            "student": picked[pairs:],
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=5000)
    ap.add_argument("--repeat-share", type=float, default=0.30)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--rounds", type=int, default=2, help="timings per side, in ABBA order; the minimum is reported"
    )
    args = ap.parse_args()

    from genjudge.checks.base import RunContext
    from genjudge.checks.embedding_similarity import EmbeddingSimilarity, EmbeddingSimilarityOptions
    from genjudge.embed import load_model
    from genjudge.records import TaskKind

    n_unique = round(2 * args.pairs * (1 - args.repeat_share))
    texts = real_texts(args.data, n_unique)
    frame = build_frame(texts, args.pairs, args.repeat_share, args.seed)
    distinct = pd.unique(pd.concat([frame["teacher"], frame["student"]])).tolist()
    assert len(distinct) == n_unique

    load_start = os.getloadavg()[0]
    model = load_model("default")
    model.encode(texts[:64], batch_size=args.batch_size)  # warm-up: threads, allocator, kernels

    check = EmbeddingSimilarity(TaskKind.GENERATION, EmbeddingSimilarityOptions(batch_size=args.batch_size))

    def bare_main() -> float:
        t0 = time.perf_counter()
        model.encode(distinct, batch_size=args.batch_size)
        return time.perf_counter() - t0

    def bare_once() -> float:
        # In a worker thread, as the check runs it: on a loaded machine torch's OpenMP pool runs
        # markedly faster off the main thread, which would otherwise flatter genjudge.
        return asyncio.run(asyncio.to_thread(bare_main))

    def ours_once(workdir: Path) -> tuple[float, object]:
        # A fresh context each time: a new run that finds only what is on disk.
        ctx = RunContext(task=TaskKind.GENERATION, seed=0, workdir=workdir)
        t0 = time.perf_counter()
        result = asyncio.run(check.score(frame, ctx))
        return time.perf_counter() - t0, result

    # ABBA order (bare, genjudge, genjudge, bare) and the minimum of each: the CPU is shared, and a
    # load change between two single timings would otherwise land on one side only.
    bare_times, ours_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.rounds):
            first_bare = k % 2 == 0
            if first_bare:
                bare_times.append(bare_once())
            t, first = ours_once(Path(tmp) / f"run{k}")
            ours_times.append(t)
            if not first_bare:
                bare_times.append(bare_once())
        cached, again = ours_once(Path(tmp) / "run0")
    main_thread = bare_main()
    bare, ours = min(bare_times), min(ours_times)
    enc1, enc2 = first.sections["encoding"], again.sections["encoding"]
    col = "embedding_similarity.student_vs_teacher.cosine"
    assert np.allclose(first.columns[col], again.columns[col])
    print(
        f"pairs={args.pairs} texts={2 * args.pairs} distinct={n_unique} batch_size={args.batch_size} "
        f"torch_threads={__import__('torch').get_num_threads()} load1_start={load_start:.2f} load1_end={os.getloadavg()[0]:.2f}"
    )
    print(
        f"raw timings (s): bare {[round(t, 2) for t in bare_times]}, genjudge {[round(t, 2) for t in ours_times]}"
    )
    print(f"bare model.encode on the main thread (for reference): {main_thread:.2f} s")
    print(f"bare model.encode (distinct texts, worker thread): {bare:.2f} s")
    print(
        f"genjudge similarity, empty cache:   {ours:.2f} s  ratio {ours / bare:.3f}  (encoded {enc1['encoded_now']})"
    )
    print(
        f"genjudge similarity, cached re-run: {cached:.3f} s  ratio {cached / bare:.4f}  (encoded {enc2['encoded_now']})"
    )


if __name__ == "__main__":
    main()
