"""Benchmark: scoring a large extraction set locally and on Ray, and streaming a very large one.

Data are generated on the fly into a temporary folder (seeded): receipts with four gold fields
(``company``, ``address``, ``date`` as text, ``total`` as a number) and teacher / student outputs
with every kind the checks meet (objects, JSON strings, fenced JSON, prose, dropped and extra
fields, wrong types, ~1% missing rows). The set is Parquet (row groups of 100,000), the outputs JSONL.
The checks are ``json_structure`` (with a schema) and ``extraction_fields`` (the four fields).

Two measurements:

1. ``--items N`` (default 20,000): the set is frozen, then each configuration runs in a fresh
   process: ``local`` (today's engine) and ``ray`` with 1 and 2 workers (``--workers``) on a local
   Ray cluster of that many CPUs. Timed: the load stage, the score stage (the part the engine
   changes: per-item work plus each check's whole-set summary on the driver, and the per-example
   table) and the driver's peak RSS (``resource.getrusage``; Ray's workers are other processes).
   Every configuration must produce the same per-example numbers (a checksum is compared). The
   growth with workers is fitted as T(w) = a + b / w on the two Ray points (Amdahl: ``a`` is what the
   driver does alone, ``b`` the work split over workers) and printed for more workers: a model, not a
   measurement; it leaves out the network and the object store of a real cluster.
2. ``--stream N``: the row-wise checks over the set a chunk at a time (``genjudge.engines.stream``):
   time and peak RSS, which must not grow with N (``--chunk-rows``, default 50,000).
3. ``--stream-cli N``: the user's command, ``genjudge run run.yaml --stream``, on a set with a slice
   column (``channel``, 4 values) frozen first: the whole process's peak RSS
   (``resource.getrusage(RUSAGE_CHILDREN)`` in a process whose one child is the command), its wall
   time, the report's numbers of items, metrics and slices, and the per-example files it wrote
   (rows and sizes). The set is frozen a chunk at a time (``genjudge freeze --stream``).
4. ``--freeze N``: freezing the set (with its ``channel`` slice), the whole-set reader against
   ``--stream`` (chunks of ``--chunk-rows``), each in a fresh process: wall time and peak RSS, and
   whether the two manifests are equal but for ``created_at``.

Aggregation, findings, store and report are the same for every engine and are not timed here.

Usage::

    python scripts/bench_scale.py --items 1000000 --workers 1 2
    python scripts/bench_scale.py --stream 10000000 --checks json_structure
    python scripts/bench_scale.py --stream-cli 1000000 --checks json_structure,extraction_fields
    python scripts/bench_scale.py --freeze 2000000
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMPANIES = ["ACME TRADING SDN BHD", "BETA MART", "CORA BAKERY & CAFE", "DELTA HARDWARE", "ECHO BOOKS"]
STREETS = ["JALAN AMPANG", "JALAN BUKIT BINTANG", "LORONG 3", "TAMAN MELATI", "JALAN IPOH"]
SCHEMA = {
    "type": "object",
    "properties": {
        "company": {"type": "string", "minLength": 1},
        "address": {"type": "string"},
        "date": {"type": "string", "pattern": "^[0-9]{2}/[0-9]{2}/[0-9]{4}$"},
        "total": {"type": "string", "pattern": "^[0-9]+[.][0-9]{2}$"},
    },
    "required": ["company", "date", "total"],
    "additionalProperties": False,
}
FIELDS = {"company": "text", "address": "text", "date": "text", "total": "number"}


def _output(gold: dict[str, str], rng: random.Random) -> object:
    pred = dict(gold)
    roll = rng.random()
    if roll < 0.1:
        pred["company"] = pred["company"].title()
    elif roll < 0.15:
        pred.pop("address")
    elif roll < 0.18:
        pred["extra"] = "x"
    elif roll < 0.22:
        pred["total"] = float(pred["total"])  # the schema wants a string
    kind = rng.random()
    if kind < 0.08:
        return "```json\n" + json.dumps(pred) + "\n```"
    if kind < 0.11:
        return f"The total is {pred.get('total')}"
    if kind < 0.3:
        return json.dumps(pred)
    return pred


CHANNELS = ["email", "chat", "phone", "fax"]


def make_data(folder: Path, n: int, checks: list[str], seed: int = 0, slices: bool = False) -> Path:
    """Write set.parquet, teacher.jsonl, student.jsonl and run.yaml for ``n`` items; the config's path.

    ``slices``: the set has a ``channel`` column (drawn with its own generator, so the other values
    are those of a set without it) and the run config slices by it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng, channel_rng = random.Random(seed), random.Random(seed + 1)
    folder.mkdir(parents=True, exist_ok=True)
    columns = [("id", pa.string()), ("input", pa.string()), ("reference", pa.string())]
    schema = pa.schema(columns + ([("channel", pa.string())] if slices else []))
    with (
        pq.ParquetWriter(folder / "set.parquet", schema) as writer,
        (folder / "teacher.jsonl").open("w", encoding="utf-8") as teacher,
        (folder / "student.jsonl").open("w", encoding="utf-8") as student,
    ):
        for start in range(0, n, 100_000):
            ids, inputs, refs = [], [], []
            for i in range(start, min(n, start + 100_000)):
                gold = {
                    "company": rng.choice(COMPANIES),
                    "address": f"{rng.randint(1, 300)} {rng.choice(STREETS)}",
                    "date": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(10, 24)}",
                    "total": f"{rng.randint(1, 900)}.{rng.randint(0, 99):02d}",
                }
                ids.append(f"r{i}")
                inputs.append(f"receipt {i}: {gold['company']} {gold['address']} TOTAL {gold['total']}")
                refs.append(json.dumps(gold))  # CSV / Parquet carry a JSON reference as text
                for handle, share in ((teacher, 0.005), (student, 0.01)):
                    if rng.random() > share:
                        handle.write(json.dumps({"id": f"r{i}", "output": _output(gold, rng)}) + "\n")
            data = {"id": ids, "input": inputs, "reference": refs}
            if slices:
                data["channel"] = [channel_rng.choice(CHANNELS) for _ in ids]
            writer.write_table(pa.table(data, schema=schema))
    options = {
        "json_structure": {"schema": SCHEMA},
        "extraction_fields": {"fields": {k: {"kind": v} for k, v in FIELDS.items()}, "resamples": 100},
    }
    config = {
        "task": "extraction",
        "set": "set.parquet",
        "teacher": "teacher.jsonl",
        "student": "student.jsonl",
        "checks": {name: options[name] for name in checks},
        "bootstrap": {"resamples": 100, "seed": 0},
        **({"slices": ["channel"]} if slices else {}),
    }
    (folder / "run.yaml").write_text(json.dumps(config, indent=1), encoding="utf-8")  # JSON is YAML
    return folder / "run.yaml"


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(config_path: Path, engine: str, workers: int) -> dict[str, object]:
    """One configuration in this (fresh) process: load and score stages, peak RSS, a checksum."""
    import numpy as np

    from genjudge.config import load_config
    from genjudge.engines import make_engine
    from genjudge.runner import RunState, load_stage, score_stage
    from genjudge.store import resolve_url

    out: dict[str, object] = {"engine": engine, "workers": workers if engine == "ray" else None}
    if engine == "ray":
        import ray

        start = time.perf_counter()
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        out["cluster_start_s"] = round(time.perf_counter() - start, 2)
    config = load_config(config_path)
    store = resolve_url(str(config_path.parent / f"bench-{engine}-{workers}.db"))
    run_engine = make_engine(engine, **({"workers": workers} if engine == "ray" else {}))
    state = RunState(config, config_path.parent, store, write_report=False, engine=run_engine)
    for name, stage in (("load", load_stage), ("score", score_stage)):
        start = time.perf_counter()
        asyncio.run(stage(state))
        out[f"{name}_s"] = round(time.perf_counter() - start, 2)
    if engine == "ray":
        out.update({f"{k}_s": round(v, 2) for k, v in run_engine.timings.items()})  # type: ignore[attr-defined]
    table = state.need("table")
    numeric = table.select_dtypes("number")
    out["checksum"] = float(np.nansum(numeric.to_numpy(dtype=float) * np.arange(1, numeric.shape[1] + 1)))
    out["items"] = len(table)
    out["statuses"] = {k: int(v) for k, v in table["status"].value_counts().items()}
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def stream(config_path: Path, chunk_rows: int) -> dict[str, object]:
    """The streamed pass in this (fresh) process: time, peak RSS and a few rates."""
    from genjudge.config import load_config
    from genjudge.engines.stream import stream_rates

    before = peak_rss_mb()
    start = time.perf_counter()
    run = stream_rates(load_config(config_path), config_dir=config_path.parent, chunk_rows=chunk_rows)
    return {
        "items": run.items,
        "chunks": run.chunks,
        "stream_s": round(time.perf_counter() - start, 2),
        "peak_rss_mb_before": round(before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "status": run.status,
        "rates": {f"{r.check}.{r.subject}.{r.name}": r.value for r in run.rates[:6]},
    }


def cli(config_path: Path, chunk_rows: int) -> dict[str, object]:
    """``genjudge run CONFIG --stream`` as this process's one child: its wall time and peak RSS."""
    out = config_path.parent / "report-stream"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "genjudge", "run", str(config_path), "--stream", "-q"]
    command += ["--chunk-rows", str(chunk_rows), "--out", str(out)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"genjudge run --stream failed ({done.returncode}):\n{done.stderr[-4000:]}")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {
        "items": report["counts"]["items"],
        "chunks": report["sections"]["stream"]["chunks"],
        "metrics": len(report["metrics"]),
        "slices": [f"{s['column']}={s['value']} ({s['n']})" for s in report["slices"]],
        "counts": {k: report["counts"][k] for k in ("ok", "unscored", "error")},
        "headline": {
            k: round(v["value"], 4) for k, v in report["headline"].items() if v["value"] is not None
        },
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        **_examples(out),
    }


def _examples(folder: Path) -> dict[str, object]:
    """The per-example files a streamed run wrote: rows (from the Parquet footer) and sizes."""
    parquet = folder / "examples.parquet"
    if not parquet.exists():
        return {"examples": "not written"}
    import pyarrow.parquet as pq

    return {
        "examples_rows": pq.ParquetFile(parquet).metadata.num_rows,
        "examples_parquet_mb": round(parquet.stat().st_size / 2**20, 1),
        "examples_csv_mb": round((folder / "examples.csv").stat().st_size / 2**20, 1),
    }


def compare_freezes(set_path: Path, chunk_rows: int) -> None:
    """Freeze ``set_path`` whole, then streamed, each in a fresh process; print both and whether the
    manifests are equal but for their ``created_at`` line."""
    manifest = Path(str(set_path) + ".manifest.json")
    texts = {}
    for mode in ("whole", "stream"):
        manifest.unlink(missing_ok=True)
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        result = _child(["--freeze-child", str(set_path), mode, "--chunk-rows", str(chunk_rows)])
        print(json.dumps({"mode": mode, **result}), flush=True)
        digest = hashlib.sha256()
        with manifest.open("rb") as handle:
            for line in handle:
                if b'"created_at"' not in line:
                    digest.update(line)
        texts[mode] = digest.hexdigest()
    print(f"manifests equal but for created_at: {texts['whole'] == texts['stream']}")


def _child(args: list[str]) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bench_scale {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=20_000, help="items for local vs Ray")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="Ray workers to measure")
    ap.add_argument("--stream", type=int, default=None, help="instead: stream this many items")
    ap.add_argument(
        "--stream-cli", type=int, default=None, help="instead: genjudge run --stream on this many"
    )
    ap.add_argument("--chunk-rows", type=int, default=50_000)
    ap.add_argument("--checks", default="json_structure,extraction_fields")
    ap.add_argument("--keep", type=Path, default=None, help="write the data here (default: a temp folder)")
    ap.add_argument("--one", nargs=3, metavar=("CONFIG", "ENGINE", "WORKERS"), help=argparse.SUPPRESS)
    ap.add_argument("--streamed", nargs=2, metavar=("CONFIG", "CHUNK_ROWS"), help=argparse.SUPPRESS)
    ap.add_argument("--cli", nargs=2, metavar=("CONFIG", "CHUNK_ROWS"), help=argparse.SUPPRESS)
    ap.add_argument(
        "--freeze", type=int, default=None, help="instead: freeze this many items, whole and streamed"
    )
    ap.add_argument("--freeze-child", nargs=2, metavar=("SET", "MODE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cli:
        print(json.dumps(cli(Path(args.cli[0]), int(args.cli[1]))))
        return
    if args.freeze_child:
        from genjudge.api import freeze

        path, mode = Path(args.freeze_child[0]), args.freeze_child[1]
        start = time.perf_counter()
        manifest = freeze(path, ["channel"], stream=mode == "stream", chunk_rows=args.chunk_rows)
        took = round(time.perf_counter() - start, 1)
        print(json.dumps({"rows": manifest.rows, "freeze_s": took, "peak_rss_mb": round(peak_rss_mb(), 1)}))
        return
    if args.one:
        print(json.dumps(one(Path(args.one[0]), args.one[1], int(args.one[2]))))
        return
    if args.streamed:
        print(json.dumps(stream(Path(args.streamed[0]), int(args.streamed[1]))))
        return
    checks = [c.strip() for c in args.checks.split(",") if c.strip()]
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        folder = args.keep or Path(tmp)
        n = args.freeze or args.stream_cli or args.stream or args.items
        start = time.perf_counter()
        config = make_data(folder, n, checks, slices=bool(args.stream_cli or args.freeze))
        print(f"data: {n:,} items generated in {time.perf_counter() - start:.1f} s ({folder})", flush=True)
        print(f"cpus: {os.cpu_count()}, load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if args.freeze:
            compare_freezes(folder / "set.parquet", args.chunk_rows)
            return
        if args.stream_cli:
            frozen = _child(["--freeze-child", str(folder / "set.parquet"), "stream"])
            print(json.dumps(frozen), flush=True)
            print(f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            print(json.dumps(_child(["--cli", str(config), str(args.chunk_rows)]), indent=1))
            return
        if args.stream:
            result = _child(["--streamed", str(config), str(args.chunk_rows)])
            print(json.dumps(result, indent=1))
            return
        from genjudge.api import freeze

        start = time.perf_counter()
        freeze(folder / "set.parquet")
        print(f"freeze: {time.perf_counter() - start:.1f} s", flush=True)
        results = [_child(["--one", str(config), "local", "1"])]
        print(json.dumps(results[-1]), flush=True)
        for w in args.workers:
            results.append(_child(["--one", str(config), "ray", str(w)]))
            print(json.dumps(results[-1]), flush=True)
        report(results)


def report(results: list[dict[str, object]]) -> None:
    """The table, the equality check and the workers model."""
    checksums = {r["checksum"] for r in results}
    same = len(checksums) == 1 and len({json.dumps(r["statuses"]) for r in results}) == 1
    header = ("engine", "workers", "load s", "score s", "cluster s", "summarize s", "start s", "driver MiB")
    keys = (
        "engine",
        "workers",
        "load_s",
        "score_s",
        "cluster_s",
        "summarize_s",
        "cluster_start_s",
        "peak_rss_mb",
    )
    print("\n" + "".join(f"{h:>12}" for h in header))
    for r in results:
        print("".join(f"{r.get(k) if r.get(k) is not None else '-':>12}" for k in keys))
    print(
        "(score = the whole score stage; cluster = its Ray part; start = starting the local cluster, apart)"
    )
    print(f"same per-item numbers on every engine: {same}")
    ray_runs = sorted((r for r in results if r["engine"] == "ray"), key=lambda r: int(r["workers"]))  # type: ignore[arg-type]
    if len(ray_runs) >= 2:
        # The cluster part (blocks out, per-item work, rows back) is fitted as c + d / w on the two
        # measured worker counts; the rest of the score stage is the driver's, serial (Amdahl).
        (w1, c1), (w2, c2) = ((int(r["workers"]), float(r["cluster_s"])) for r in ray_runs[:2])  # type: ignore[arg-type]
        serial = float(ray_runs[0]["score_s"]) - c1  # type: ignore[arg-type]
        d = (c1 - c2) / (1 / w1 - 1 / w2)
        c = c1 - d / w1
        if (
            c < 0 or d < 0
        ):  # more than a halving (or a slowdown) from w1 to w2: the machine's load, not the work
            print(f"the two cluster times ({c1:.1f} s, {c2:.1f} s) do not fit c + d/w with c, d >= 0: noisy")
            c, d = (0.0, c2 * w2) if c < 0 else (min(c1, c2), 0.0)
        print(
            f"model: score(w) = driver {serial:.1f} s + cluster (c + d/w), c = {c:.1f} s, d = {d:.1f} s "
            f"(fitted on w = {w1}, {w2}; the driver part is prepare + summarize + the table)"
        )
        for w in (4, 8, 16, 32, 64):
            print(f"  predicted score stage at {w:>2} workers: {serial + c + d / w:.1f} s")
    if not same:
        raise SystemExit("the engines disagree")


if __name__ == "__main__":
    main()
