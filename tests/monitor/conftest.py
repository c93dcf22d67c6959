"""Fixtures for the monitor: traffic folders written day by day, configs, the CLI, a loopback teacher."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.robustness.conftest import (
    ThreadedLoopback,
    cli,  # noqa: F401  (the real CLI in process, from a folder)
)

START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
LABELS = ["billing", "technical", "account"]


def records(day: int, n: int, *, first: int = 0, chat_share: float = 0.2, wrong_every: int = 5) -> list[dict]:
    """``n`` tickets of day ``day`` (0 = START), ids from ``first``; every ``wrong_every``-th output wrong."""
    out = []
    for k in range(n):
        i = first + k
        label = LABELS[i % 3]
        output = LABELS[(i + 1) % 3] if wrong_every and i % wrong_every == 0 else label
        chat = (k % 10) < round(chat_share * 10)
        out.append(
            {
                "id": f"d{day}-{i}",
                "timestamp": (START + timedelta(days=day, minutes=10 * k)).isoformat(),
                "input": f"ticket {i} about {label}",
                "output": output,
                "truth": label,
                "channel": "chat" if chat else "email",
            }
        )
    return out


def append(path: Path, rows: list[dict], *, newline: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(json.dumps(r) for r in rows) + ("\n" if newline else "")
    with path.open("a", encoding="utf-8") as f:
        f.write(text)


def human_sample(folder: Path, rows: list[dict]) -> Path:
    """A rated sample labelling ``rows`` with their true label (one rater)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "ratings.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "rater", "dimension", "rating"])
        for r in rows:
            w.writerow([r["id"], "lead", "label", r["truth"]])
    manifest = {
        "name": "traffic-labels",
        "rubric": {"id": "topic", "version": "1"},
        "dimensions": {"label": {"level": "nominal", "values": LABELS}},
        "ratings": {"path": "ratings.csv", "layout": "long"},
    }
    (folder / "sample.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def write_config(folder: Path, **settings: Any) -> Path:
    config = {
        "name": "tickets",
        "task": "classification",
        "traffic": ["traffic"],
        "window": "1d",
        "slices": ["channel"],
        "labels": {"path": "labels", "dimension": "label"},
        "embedding": None,
        "resamples": 200,
        "store": "store.db",
        "thresholds": {"min_n": 5},
        **settings,
    }
    config = {k: v for k, v in config.items() if v != "__drop__"}
    path = folder / "monitor.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


@pytest.fixture
def server():
    s = ThreadedLoopback()
    yield s
    s.close()
