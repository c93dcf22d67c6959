"""Build the SROIE worked example: an evaluation set, teacher and student extractions.

Reads ``../shared/data/sroie/sroie_key_fields.jsonl`` (626 receipts, gold company / date /
address / total) and writes:

- ``examples/sroie/data/set.jsonl`` + its manifest: the evaluation set (id, input = OCR text,
  reference = gold fields, slices ``date_style`` and ``length``). Built here, git-ignored: the
  shared data is never copied into the repository.
- ``examples/sroie/student.jsonl``: the rule-based extractor (``scripts/sroie_rules.py``),
  deterministic.
- ``examples/sroie/teacher.jsonl``: by default (``--teacher rules``) the rule extractor at strength
  ``careful``, and then the student is the same rules at strength ``basic``: both deterministic,
  all 626 receipts. ``--teacher llm`` asks the local judge model instead (Qwen2.5-Coder-1.5B-
  Instruct Q4_K_M through genjudge's LocalProvider, temperature 0, seed 0, JSON-schema-constrained
  output; latency and token counts recorded; resumable: ids already in the file are not asked
  again), on a seeded sample of ``--n`` receipts (default 80), and the student is ``careful``.

Usage::

    python scripts/make_sroie_example.py                      # rules vs rules, all 626 receipts
    python scripts/make_sroie_example.py --teacher llm --n 60 --out examples/sroie_llm   # LLM teacher
    genjudge run examples/sroie/config.yaml
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "examples" / "sroie"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sroie_rules import extract  # noqa: E402

FIELDS = ("company", "date", "address", "total")
SYSTEM = (
    "You read the OCR text of a shop receipt from Malaysia and extract four fields, copied as printed on "
    "the receipt: company (the seller's registered name), date (the purchase date), address (the seller's "
    "address, one line), total (the final amount paid, digits only, no currency). Use null for a field "
    "that is not on the receipt. Answer with JSON only."
)
SCHEMA = {
    "type": "object",
    "properties": {f: {"type": ["string", "null"]} for f in FIELDS},
    "required": list(FIELDS),
    "additionalProperties": False,
}


def date_style(date: str | None) -> str:
    import re

    if not date:
        return "none"
    if re.search(r"[A-Za-z]", date):
        return "month_name"
    return "four_digit_year" if re.search(r"\d{4}", date) else "two_digit_year"


def length_bucket(text: str) -> str:
    lines = sum(1 for line in text.splitlines() if line.strip())
    # Cut points are the terciles of the OCR line counts over all 626 receipts, rounded.
    return "short" if lines < 44 else "medium" if lines < 58 else "long"


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def rule_outputs(receipts: list[dict], strength: str) -> list[dict]:
    # No latency recorded: it is microseconds, and leaving it out keeps the files byte-reproducible.
    return [{"id": r["item_id"], "output": extract(r["ocr_text"], strength)} for r in receipts]


async def llm_outputs(receipts: list[dict], path: Path) -> None:
    """Ask the local model for each receipt not yet in ``path``; append as answers arrive."""
    from genjudge.llm.local_model import ensure_default_model
    from genjudge.llm.providers.local import LocalProvider
    from genjudge.llm.types import ChatRequest

    done = set()
    if path.exists():
        done = {json.loads(line)["id"] for line in path.open(encoding="utf-8") if line.strip()}
    todo = [r for r in receipts if r["item_id"] not in done]
    if not todo:
        return
    model = ensure_default_model()
    provider = LocalProvider(
        "qwen2.5-coder-1.5b-instruct-q4_k_m", model_path=model.path, threads=2, n_ctx=4096
    )
    with path.open("a", encoding="utf-8") as fh:
        for k, r in enumerate(todo, 1):
            request = ChatRequest(
                system=SYSTEM,
                user=f"Receipt OCR text:\n<<<\n{r['ocr_text']}\n>>>",
                max_tokens=200,
                json_schema=SCHEMA,
                schema_name="receipt",
            )
            t0 = time.perf_counter()
            response = await provider.generate(request)
            latency = (time.perf_counter() - t0) * 1000
            try:
                output = json.loads(response.text)
            except (json.JSONDecodeError, TypeError):
                output = response.text  # kept as text: the checks score it as unparsed
            row = {
                "id": r["item_id"],
                "output": output,
                "latency_ms": round(latency, 1),
                "input_tokens": getattr(response, "input_tokens", None),
                "output_tokens": getattr(response, "output_tokens", None),
            }
            fh.write(json.dumps({k2: v for k2, v in row.items() if v is not None}, ensure_ascii=False) + "\n")
            fh.flush()
            print(f"[{k}/{len(todo)}] {r['item_id']} {latency / 1000:.1f}s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument(
        "--n",
        type=int,
        default=None,
        help="receipts (seeded sample); default all 626 with rules, 80 with llm",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--teacher", choices=("llm", "rules"), default="rules")
    ap.add_argument("--out", type=Path, default=OUT, help="folder for data/, teacher.jsonl, student.jsonl")
    args = ap.parse_args()
    out = args.out

    source = args.data / "sroie" / "sroie_key_fields.jsonl"
    if not source.exists():
        sys.exit(f"needs {source} (the public data sets beside the checkout)")
    receipts = [json.loads(line) for line in source.open(encoding="utf-8")]
    n = args.n if args.n is not None else (len(receipts) if args.teacher == "rules" else 80)
    rng = np.random.default_rng(args.seed)
    pick = sorted(rng.choice(len(receipts), size=min(n, len(receipts)), replace=False))
    receipts = [receipts[i] for i in pick]

    set_rows = [
        {
            "id": r["item_id"],
            "input": r["ocr_text"],
            "reference": r["gold"],
            "date_style": date_style(r["gold"].get("date")),
            "length": length_bucket(r["ocr_text"]),
        }
        for r in receipts
    ]
    set_path = out / "data" / "set.jsonl"
    write_jsonl(set_path, set_rows)
    from genjudge.io.evalset import freeze

    freeze(set_path, ["date_style", "length"])

    student_strength = "careful" if args.teacher == "llm" else "basic"
    write_jsonl(out / "student.jsonl", rule_outputs(receipts, student_strength))
    teacher_path = out / "teacher.jsonl"
    if args.teacher == "rules":
        write_jsonl(teacher_path, rule_outputs(receipts, "careful"))
    else:
        if teacher_path.exists():
            # Drop answers for receipts no longer in the sample, so the file matches the set.
            keep = {r["item_id"] for r in receipts}
            rows = [json.loads(line) for line in teacher_path.open(encoding="utf-8") if line.strip()]
            write_jsonl(teacher_path, [row for row in rows if row["id"] in keep])
        asyncio.run(llm_outputs(receipts, teacher_path))
    print(
        f"wrote {set_path} ({len(set_rows)} receipts), {out / 'student.jsonl'} (rules, {student_strength}), "
        f"{teacher_path} ({args.teacher})"
    )


if __name__ == "__main__":
    main()
