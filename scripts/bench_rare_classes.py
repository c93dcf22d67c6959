"""Benchmark: what the rare classes' first pass costs a streamed classification run.

examples/tickets repeated to ``N`` items (ids made unique; nothing is random), frozen
with ``genjudge freeze --stream``, then ``genjudge run CONFIG --stream`` (``exact_match``, chunks of
``--chunk-rows``) in fresh processes, alternating, ``--repeat`` times each:

- ``off``: ``rare_class_share: 0`` (no rare-class slice, no first pass);
- ``on``: ``rare_class_share: 0.05``, every item with a reference (the first pass reads the set alone);
- ``on, some without``: the same, the 1% of items without a reference kept as examples/tickets has
  them (the first pass reads the set again with both output files).

Prints each wall time, each run's rare classes, and the ratio of the medians to ``off``.

    python scripts/bench_rare_classes.py 300000
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

TICKETS = Path(__file__).resolve().parents[1] / "examples" / "tickets"


def write(folder: Path, n: int) -> None:
    """``set.jsonl`` (1% without a reference), ``set-every.jsonl`` (the teacher's label filled in), outputs."""
    rows = {name: [json.loads(x) for x in (TICKETS / name).read_text().splitlines()] for name in
            ("set.jsonl", "teacher.jsonl", "student.jsonl")}  # fmt: skip
    teacher = {r["id"]: r["output"] for r in rows["teacher.jsonl"]}
    files = {name: (folder / name).open("w") for name in (*rows, "set-every.jsonl")}
    for k in range(n):
        for name, source in rows.items():
            row = {**source[k % len(source)], "id": f"t{k:08d}"}
            files[name].write(json.dumps(row) + "\n")
            if name == "set.jsonl":
                every = {**row, "reference": row.get("reference") or teacher[source[k % len(source)]["id"]]}
                files["set-every.jsonl"].write(json.dumps(every) + "\n")
    for f in files.values():
        f.close()
    for name in ("set.jsonl", "set-every.jsonl"):
        subprocess.run(
            ["genjudge", "freeze", str(folder / name), "--stream"], check=True, capture_output=True
        )


def config(folder: Path, name: str, set_name: str, share: float) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(
        f"task: classification\nset: {set_name}\nteacher: teacher.jsonl\nstudent: student.jsonl\n"
        f"rare_class_share: {share}\nchecks: {{exact_match: {{}}}}\nbootstrap: {{resamples: 200, seed: 0}}\n"
    )
    return path


def timed(path: Path, out: Path, chunk_rows: int) -> tuple[float, list[str]]:
    t0 = time.perf_counter()
    subprocess.run(
        ["genjudge", "run", str(path), "--stream", "--chunk-rows", str(chunk_rows), "-q", "--out", str(out)],
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - t0
    return wall, json.loads((out / "report.json").read_text())["set"]["rare_classes"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("items", type=int, nargs="?", default=300_000)
    ap.add_argument("--chunk-rows", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write(folder, args.items)
        runs = {
            "off": config(folder, "off", "set-every.jsonl", 0.0),
            "on": config(folder, "on", "set-every.jsonl", 0.05),
            "on, some without": config(folder, "without", "set.jsonl", 0.05),
        }
        walls: dict[str, list[float]] = {name: [] for name in runs}
        for k in range(args.repeat):
            for name, path in runs.items():
                wall, rare = timed(path, folder / f"out-{k}-{len(walls[name])}-{path.stem}", args.chunk_rows)
                walls[name].append(wall)
                print(f"{name:17s} {wall:6.1f} s  rare classes {rare}", flush=True)
        base = statistics.median(walls["off"])
        for name, values in walls.items():
            print(
                f"{name:17s} median {statistics.median(values):6.1f} s  {statistics.median(values) / base:.2f}x off"
            )


if __name__ == "__main__":
    main()
