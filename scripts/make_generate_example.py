#!/usr/bin/env python3
"""Write examples/generate/set.jsonl: 56 tickets of examples/tickets/set.jsonl, 8 per intent.

The first 8 items of each intent in file order (deterministic); then freeze the set with
``genjudge freeze examples/generate/set.jsonl``.

    python scripts/make_generate_example.py && genjudge freeze examples/generate/set.jsonl
"""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PER_CLASS = 8


def main() -> None:
    rows = [json.loads(line) for line in (REPO / "examples/tickets/set.jsonl").read_text().splitlines()]
    taken: dict[str, int] = {}
    chosen = []
    for row in rows:
        label = row.get("reference")
        if label is None:  # a few items have no reference: the demo measures accuracy on all
            continue
        if taken.get(label, 0) < PER_CLASS:
            taken[label] = taken.get(label, 0) + 1
            chosen.append(row)
    out = REPO / "examples/generate/set.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen), encoding="utf-8")
    print(f"{out}: {len(chosen)} items, {taken}")


if __name__ == "__main__":
    main()
