"""Build an evaluation run over SummEval summaries (for the validation loop on real human ratings).

Writes, under OUT (default ``labels/summeval-run``, which git ignores: the public data is not copied
into the repository):

- ``set.jsonl``: one item per (document, system) pair: ``id`` (SummEval's ``doc_id|system_id``),
  ``input`` (the article), ``reference`` and the slice ``system_id``; frozen (``set.jsonl.manifest.json``);
- ``teacher.jsonl`` (the reference summary) and ``student.jsonl`` (the system's summary);
- ``genjudge.yaml``: the local judge grading the student's summaries with the ``faithfulness`` rubric;
- ``experts.csv``: SummEval's three experts' consistency ratings of every item, long layout
  (``item_id,rater,dimension,rating``), to stand in for raters of a sheet drawn from the run.

Then ``genjudge run OUT/genjudge.yaml`` scores it (docs/validation.md has the whole loop).

    python scripts/summeval_run.py ../shared/data/summeval/summeval_per_annotator_1200.jsonl \
        --out labels/summeval-run --docs 40 --systems M8,M10,M11,M20
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
from pathlib import Path

CONFIG = """\
# SummEval summaries graded by the local judge (faithfulness: is every claim supported by the article?).
name: summeval-faithfulness
task: generation
set: set.jsonl
teacher: teacher.jsonl
student: student.jsonl
checks:
  judge_rubric:
    rubrics: [faithfulness]
    sides: [student]
judge:
  provider: local
  threads: 2
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="summeval_per_annotator_1200.jsonl")
    parser.add_argument("--out", type=Path, default=Path("labels/summeval-run"))
    parser.add_argument("--docs", type=int, default=40, help="documents (the first N in file order)")
    parser.add_argument("--systems", default="M8,M10,M11,M20", help="comma-separated SummEval system ids")
    args = parser.parse_args()

    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    rows = [json.loads(line) for line in args.source.read_text(encoding="utf-8").splitlines() if line.strip()]
    docs: list[str] = []
    for r in rows:
        if r["doc_id"] not in docs:
            docs.append(r["doc_id"])
    keep_docs = set(docs[: args.docs])
    chosen = [r for r in rows if r["doc_id"] in keep_docs and r["system_id"] in systems]
    chosen.sort(key=lambda r: (docs.index(r["doc_id"]), systems.index(r["system_id"])))
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    def write(name: str, objs: list[dict]) -> None:
        with (out / name).open("w", encoding="utf-8") as f:
            for o in objs:
                f.write(json.dumps(o, ensure_ascii=False) + "\n")

    write(
        "set.jsonl",
        [
            {
                "id": r["item_id"],
                "input": r["source"],
                "reference": r["reference"],
                "system_id": r["system_id"],
            }
            for r in chosen
        ],
    )
    write("teacher.jsonl", [{"id": r["item_id"], "output": r["reference"]} for r in chosen])
    write("student.jsonl", [{"id": r["item_id"], "output": r["summary"]} for r in chosen])
    (out / "genjudge.yaml").write_text(CONFIG, encoding="utf-8")
    with (out / "experts.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "rater", "dimension", "rating"])
        for r in chosen:
            ann = r["expert_annotations"]
            ann = ast.literal_eval(ann) if isinstance(ann, str) else ann
            for k, a in enumerate(ann, 1):
                w.writerow([r["item_id"], f"expert{k}", "consistency", a["consistency"]])
    from genjudge.io.evalset import freeze

    freeze(out / "set.jsonl", slices=["system_id"])
    print(f"{len(chosen)} items ({len(keep_docs)} documents x {len(systems)} systems) in {out}")


if __name__ == "__main__":
    main()
