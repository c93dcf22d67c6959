"""Benchmark: reading a stored run's per-example rows back, and comparing two stored runs.

The benchmark's extraction set (``bench_scale.py``'s data: 102 columns, sliced by channel) is
frozen and run twice with ``genjudge run --stream --store``; then, each in a fresh process:

- ``read``: ``RunStore.examples`` as it reads now (a streamed cursor, the table made a batch at a
  time: ``genjudge/store/frames.py``) against the baseline, every row decoded into a list of dicts
  and made into a table at once (how it read before);
- ``compare``: ``genjudge.comparison.compare_runs`` on the two runs with each reader.

Each prints wall time and peak RSS, with the ratio to the baseline, and checks that both readers
give the same table (a hash of every cell and the column types) and the same comparison.

    python scripts/bench_store_read.py 100000
    python scripts/bench_store_read.py 1000000 --only batched   # the baseline needs ~10x the memory
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import make_data


def whole_list_examples(store: Any, run_id: str) -> Any:
    """The baseline reader: every row decoded, then one table."""
    import pandas as pd
    import sqlalchemy as sa

    from genjudge.store.runs import examples

    query = sa.select(examples.c.data).where(examples.c.run_id == run_id).order_by(examples.c.position)
    with store.engine.connect() as conn:
        return pd.DataFrame([json.loads(d) for (d,) in conn.execute(query)])


def child(task: str, reader: str, url: str) -> dict[str, Any]:
    from genjudge.comparison import compare_runs
    from genjudge.store import RunStore

    if reader == "whole":
        RunStore.examples = whole_list_examples  # type: ignore[method-assign]
    store = RunStore(url, create=False)
    ids = [r["run_id"] for r in store.list(10)]
    start = time.perf_counter()
    result: Any = store.examples(ids[0]) if task == "read" else compare_runs(store, ids[1], ids[0])
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the digest below
    digest = hashlib.sha256()
    if task == "read":  # every cell and each column's type, a column at a time
        for name, column in result.items():
            digest.update(f"{name}\x1f{column.dtype}\x1f{column.to_json(default_handler=str)}".encode())
        shape = list(result.shape)
    else:
        digest.update(json.dumps(result.as_json(), sort_keys=True, default=str).encode())
        shape = [len(result.rows)]
    return {
        "task": task,
        "reader": reader,
        "s": round(took, 1),
        "peak_mib": round(peak),
        "shape": shape,
        "digest": digest.hexdigest()[:16],
    }


def measure(task: str, reader: str, url: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", task, reader, url], capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(f"{task} / {reader} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("items", type=int, nargs="?", default=100_000)
    ap.add_argument("--only", choices=["batched", "whole"], default=None, help="measure one reader only")
    ap.add_argument("--keep", type=Path, default=None, help="write the data and store here")
    ap.add_argument("--child", nargs=3, metavar=("TASK", "READER", "URL"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-store-read-") as tmp:
        folder = args.keep or Path(tmp)
        config = make_data(folder, args.items, ["json_structure", "extraction_fields"], slices=True)
        db = folder / "store.db"
        url = f"sqlite:///{db}"
        genjudge = [sys.executable, "-m", "genjudge"]
        subprocess.run(
            [*genjudge, "freeze", str(folder / "set.parquet"), "--stream"], check=True, capture_output=True
        )
        for k in (1, 2):
            start = time.perf_counter()
            run = [
                *genjudge,
                "run",
                str(config),
                "--stream",
                "--store",
                str(db),
                "--out",
                str(folder / f"out{k}"),
                "-q",
            ]
            done = subprocess.run(run, capture_output=True, text=True, check=False)
            if done.returncode not in (0, 1):  # 1: a verdict, still a stored run
                raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
            print(f"stored run {k}: {args.items:,} items in {time.perf_counter() - start:.1f} s", flush=True)
        print(
            f"store: {db.stat().st_size / 1e9:.2f} GB; cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}"
        )
        readers = [args.only] if args.only else ["whole", "batched"]
        for task in ("read", "compare"):
            results = {reader: measure(task, reader, url) for reader in readers}
            for reader, r in results.items():
                base = results.get("whole")
                ratio = (
                    f"  ({r['s'] / base['s']:.2f}x time, {r['peak_mib'] / base['peak_mib']:.2f}x peak)"
                    if base
                    else ""
                )
                print(
                    f"{task:8s} {reader:8s} {r['s']:7.1f} s  peak {r['peak_mib']:6,} MiB  {r['shape']}{ratio}",
                    flush=True,
                )
            if len(results) == 2:
                same = results["whole"]["digest"] == results["batched"]["digest"]
                print(f"{task:8s} same result from both readers: {'yes' if same else 'NO'}", flush=True)


if __name__ == "__main__":
    main()
