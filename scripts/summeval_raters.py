"""Let SummEval's three experts stand in for the raters of a sheet drawn from a SummEval run.

For every item of the sheet, writes the experts' consistency ratings (from ``experts.csv``, written
by ``scripts/summeval_run.py``) into the sheet's ``ratings.csv`` as raters ``expert1..3``, and records
in the sheet's manifest the question the experts actually answered (SummEval's consistency question),
so ``genjudge validate`` warns that it differs from the judge rubric's:

    python scripts/summeval_raters.py labels/summeval-run/sheet labels/summeval-run/experts.csv
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from genjudge.labels.importers import SUMMEVAL_QUESTIONS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sheet", type=Path)
    parser.add_argument("experts", type=Path)
    args = parser.parse_args()
    manifest_path = args.sheet / "sample.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    dimension = next(iter(manifest["dimensions"]))
    ids = {json.loads(line)["id"] for line in (args.sheet / "items.jsonl").read_text().splitlines() if line}
    with args.experts.open(encoding="utf-8") as fh:
        ratings = [r for r in csv.DictReader(fh) if r["item_id"] in ids]
    with (args.sheet / "ratings.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["item_id", "rater", "dimension", "rating", "note"])
        for r in ratings:
            w.writerow([r["item_id"], r["rater"], dimension, r["rating"], ""])
    manifest["rubric"]["instructions"] = (
        f"SummEval consistency (the experts' question, not the rubric's): {SUMMEVAL_QUESTIONS['consistency']} "
        "Rate 1 (worst) to 5 (best)."
    )
    manifest["raters"] = {f"expert{k}": "SummEval expert annotator" for k in (1, 2, 3)}
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"{len(ratings)} expert ratings of {len(ids)} items written to {args.sheet / 'ratings.csv'}")


if __name__ == "__main__":
    main()
