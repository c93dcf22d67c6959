"""A rating sheet built in a test (the i11 sheet format), and a pseudo-terminal driver for the screen."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SECRET = "JUDGE-SAID-EQUIVALENT"


def make_sheet(root: Path, n: int = 8, *, ordinal: bool = False, name: str = "demo sheet") -> Path:
    """A sheet folder with ``n`` items, a header-only ratings.csv and a secret column outside ``show``."""
    root.mkdir(parents=True, exist_ok=True)
    if ordinal:
        dims = {
            "faithfulness": {
                "level": "ordinal",
                "values": [1, 2, 3, 4, 5],
                "names": {"1": "contradicts the source", "5": "fully supported"},
            }
        }
        show, titles = ["source", "output"], {"source": "SOURCE", "output": "OUTPUT"}
    else:
        dims = {
            "equivalence": {
                "level": "nominal",
                "values": ["equivalent", "not_equivalent"],
                "positive": "equivalent",
            }
        }
        show, titles = ["text_a", "text_b"], {"text_a": "TEXT A (teacher)", "text_b": "TEXT B (student)"}
    manifest = {
        "schema_version": 1,
        "name": name,
        "rubric": {
            "id": "equivalence",
            "version": "1",
            "instructions": "Do the two texts mean the same thing?",
        },
        "dimensions": dims,
        "ratings": {"path": "ratings.csv", "layout": "long"},
        "items": "items.jsonl",
        "slices": ["kind"],
        "show": show,
        "titles": titles,
        "origin": {
            "run_id": "run-ORIGIN-RUN-ID",
            "set_fingerprint": "f" * 64,
            "check": "judge_equivalence",
            "metric": "judge_equivalence_rate",
            "column": "judge_equivalence.equivalent",
            "judge": {"provider": "local", "model": "ORIGIN-JUDGE-MODEL"},
        },
        "design": {
            "seed": 0,
            "strata": ["kind", "verdict"],
            "population_size": 3 * n,
            "stratum_sizes": {"kind=a|verdict=equivalent": 3 * n},
            "rounds": [{"round": 1, "n": n, "seed": 0, "drawn_at": "2026-12-02T03:00:00+00:00"}],
        },
    }
    (root / "sample.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    with open(root / "items.jsonl", "w", encoding="utf-8") as fh:
        for i in range(n):
            row: dict[str, Any] = {
                "id": f"it{i:02d}",
                "kind": "a",
                "secret_column": SECRET,
                "_stratum": "kind=a|verdict=STRATUM-VERDICT",
                "_round": 1,
            }
            if ordinal:
                row |= {"source": f"source text number {i}", "output": f"output text number {i}"}
            else:
                row |= {"text_a": f"teacher says thing {i}", "text_b": f"student says thing {i}"}
            fh.write(json.dumps(row) + "\n")
    (root / "ratings.csv").write_text("item_id,rater,dimension,rating,note\n", encoding="utf-8")
    return root


def spawn_rate(sheet: Path, rater: str, *extra: str) -> Any:
    """``python -m genjudge labels rate SHEET --rater RATER`` on a pseudo-terminal (this tree's code)."""
    import pexpect

    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "COLUMNS": "120",
        "LINES": "40",
        "NO_COLOR": "1",
        "TERM": "xterm",
        "PYTHONIOENCODING": "utf-8",
        "LANG": "C.UTF-8",
    }
    return pexpect.spawn(
        sys.executable,
        ["-m", "genjudge", "labels", "rate", str(sheet), "--rater", rater, *extra],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 120),
    )
