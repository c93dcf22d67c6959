"""A seeded synthetic extraction set with every kind of output the row-wise checks meet."""

from __future__ import annotations

import json
import random
from pathlib import Path

from genjudge.api import freeze

COMPANIES = ["Acme Trading", "Beta Mart", "Cora Bakery", "Delta Hardware", "Echo Books"]


def _noisy(value: str, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.1:
        return value.upper()
    if roll < 0.15:
        return value[:-1]
    return value


def _output(fields: dict[str, str | None], rng: random.Random) -> object:
    """A student or teacher output: an object, fenced JSON, prose, a wrong type, or a dropped field."""
    roll = rng.random()
    pred = {k: (_noisy(v, rng) if v else v) for k, v in fields.items()}
    if roll < 0.08:
        pred.pop("total", None)
    elif roll < 0.12:
        pred["extra"] = "x"
    elif roll < 0.16:
        pred["total"] = 9.5  # the schema wants a string
    kind = rng.random()
    if kind < 0.1:
        return "```json\n" + json.dumps(pred) + "\n```"
    if kind < 0.15:
        return f"The company is {pred.get('company')}"
    if kind < 0.3:
        return json.dumps(pred)
    return pred


def write_extraction_set(folder: Path, n: int = 240, seed: int = 0, fields: bool = False) -> Path:
    """Set, teacher and student files and a run config in ``folder``; returns the config's path."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows, teacher, student = [], [], []
    for i in range(n):
        gold = {
            "company": rng.choice(COMPANIES),
            "date": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2019",
            "total": f"{rng.randint(1, 300)}.{rng.randint(0, 99):02d}",
        }
        if rng.random() < 0.05:
            gold["address"] = f"{rng.randint(1, 99)} Jalan {rng.choice('ABC')}"
        rows.append(
            {
                "id": f"r{i}",
                "input": f"receipt {i}",
                "reference": gold if rng.random() > 0.03 else None,
                "store": rng.choice(["north", "south", "east"]),
            }
        )
        if rng.random() > 0.02:
            teacher.append({"id": f"r{i}", "output": _output(gold, rng)})
        if rng.random() > 0.04:
            student.append({"id": f"r{i}", "output": _output(gold, rng)})
    for name, data in (("set.jsonl", rows), ("teacher.jsonl", teacher), ("student.jsonl", student)):
        (folder / name).write_text("".join(json.dumps(r) + "\n" for r in data), encoding="utf-8")
    freeze(folder / "set.jsonl", ["store"])
    config = folder / "run.yaml"
    config.write_text(
        """task: extraction
set: set.jsonl
teacher: teacher.jsonl
student: student.jsonl
min_support: 5
bootstrap: {resamples: 200, seed: 3}
checks:
  exact_match: {}
  extraction_fields: {resamples: 100%s}
  json_structure:
    schema:
      type: object
      properties: {company: {type: string}, date: {type: string}, total: {type: string, pattern: "^[0-9]+[.][0-9]{2}$"}}
      required: [company, date, total]
      additionalProperties: false
  format_rules:
    rules:
      - {name: short, kind: length, unit: chars, max: 90}
      - {name: no_prose, kind: regex, pattern: "The company", must_match: false}
      - {name: keys, kind: required_fields, fields: [company, total]}
"""
        % (", fields: {company: {kind: text}, date: {kind: date}, total: {kind: number}}" if fields else ""),
        encoding="utf-8",
    )
    return config
