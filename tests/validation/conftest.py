"""Fixtures: a small synthetic rated sample and the loopback LLM server of tests/llm."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.llm.loopback import Loopback


@pytest.fixture
async def loopback():
    server = await Loopback().start()
    yield server
    await server.stop()


def write_sample(
    root: Path, n: int = 60, raters: int = 3, seed: int = 0, level: str = "ordinal"
) -> tuple[Path, np.ndarray]:
    """n items with a true quality 1-5; each rater is truth +- 1 now and then. Returns (folder, truth)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, 6, size=n)
    rows = ["item_id,rater,dimension,rating"]
    for r in range(raters):
        noisy = np.clip(truth + rng.choice([-1, 0, 0, 0, 1], size=n), 1, 5)
        rows += [f"i{k},r{r},quality,{v}" for k, v in enumerate(noisy)]
    root.mkdir(parents=True, exist_ok=True)
    (root / "ratings.csv").write_text("\n".join(rows) + "\n")
    with (root / "items.jsonl").open("w") as fh:
        for k, t in enumerate(truth):
            fh.write(
                json.dumps(
                    {
                        "id": f"i{k}",
                        "source": f"doc {k}",
                        "output": f"summary of quality {t}",
                        "group": "even" if k % 2 == 0 else "odd",
                    }
                )
                + "\n"
            )
    manifest = {
        "name": "synthetic",
        "rubric": {"id": "quality", "version": "1"},
        "dimensions": {"quality": {"level": level, "values": [1, 2, 3, 4, 5]}},
        "ratings": {"path": "ratings.csv"},
        "items": "items.jsonl",
        "slices": ["group"],
    }
    (root / "sample.json").write_text(json.dumps(manifest))
    return root, truth


def write_verdicts(
    path: Path, values: list, dimension: str = "quality", statuses: list | None = None
) -> Path:
    rows = ["item_id,dimension,value,status,reason"]
    for k, v in enumerate(values):
        st = statuses[k] if statuses else "ok"
        rows.append(f"i{k},{dimension},{'' if st != 'ok' else v},{st},{'' if st == 'ok' else 'refused'}")
    path.write_text("\n".join(rows) + "\n")
    return path
