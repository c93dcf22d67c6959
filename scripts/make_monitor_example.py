"""Write examples/monitor: four weeks of made-up support-ticket traffic, with human labels.

Seeded (``--seed``, default 7), so the files are the same on every run. Weeks 1-2 are the
reference mix; from week 3 chat traffic grows from 20% to 60% of tickets, a new kind of ticket
(refund requests after a price change) appears, and the student mislabels many of them, so the
monitor sees a slice-mix shift, an input (embedding) shift and a drop in accuracy on chat.

    python scripts/make_monitor_example.py            # writes examples/monitor/traffic and labels
"""

from __future__ import annotations

import argparse
import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1] / "examples" / "monitor"

TEMPLATES = {
    "billing": [
        "I was charged twice for my {plan} plan this month.",
        "My invoice for {month} shows the wrong amount.",
        "Why did my card get declined when paying for {plan}?",
        "Please send me a copy of the {month} invoice.",
    ],
    "technical": [
        "The app crashes when I open the {feature} page.",
        "I cannot upload files larger than {size} MB.",
        "The {feature} screen stays blank after the update.",
        "Sync fails with error code {code} on my laptop.",
    ],
    "account": [
        "How do I change the email address on my account?",
        "I forgot my password and the reset link expired.",
        "Please add a second admin to our {plan} workspace.",
        "I want to close my account and delete my data.",
    ],
}
REFUND = [
    "The new {plan} price is too high, I want a refund for this month.",
    "You raised the price of {plan} without notice; refund the difference please.",
    "Cancel my {plan} upgrade and refund me, the price change was not announced.",
]
FILL = {
    "plan": ["Basic", "Team", "Pro", "Enterprise"],
    "month": ["March", "April", "May", "June"],
    "feature": ["reports", "calendar", "settings", "export"],
    "size": ["50", "100", "250"],
    "code": ["E102", "E217", "E503"],
}
CHANNELS = ["email", "chat", "phone"]


def text(rng: np.random.Generator, template: str) -> str:
    return template.format(**{k: str(rng.choice(v)) for k, v in FILL.items()})


def make(seed: int, per_day: int, days: int) -> None:
    rng = np.random.default_rng(seed)
    start = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
    traffic, labels = ROOT / "traffic", ROOT / "labels"
    traffic.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    ratings = []
    n = 0
    for day in range(days):
        shifted = day >= 14
        chat = 0.2 + 0.4 * min(1.0, max(0.0, (day - 13) / 7)) if shifted else 0.2
        mix = [(1 - chat) * 0.6, chat, (1 - chat) * 0.4]
        rows = []
        for _ in range(per_day):
            n += 1
            channel = str(rng.choice(CHANNELS, p=mix))
            refund = shifted and rng.random() < 0.3
            label = "billing" if refund else str(rng.choice(list(TEMPLATES), p=[0.4, 0.4, 0.2]))
            body = text(rng, str(rng.choice(REFUND if refund else TEMPLATES[label])))
            # The student: 92% right in general, but refund tickets read like account closures.
            wrong = rng.random() < (0.55 if refund else 0.08)
            output = str(rng.choice([x for x in TEMPLATES if x != label])) if wrong else label
            ts = start + timedelta(days=day, seconds=int(rng.integers(0, 86400)))
            rows.append(
                {
                    "id": f"t{n:05d}",
                    "timestamp": ts.isoformat().replace("+00:00", "Z"),
                    "input": body,
                    "output": output,
                    "channel": channel,
                    "language": str(rng.choice(["en", "de"], p=[0.8, 0.2])),
                    "latency_ms": round(float(rng.gamma(4.0, 30.0)), 1),
                }
            )
            ratings.append(
                {"item_id": f"t{n:05d}", "rater": "support-lead", "dimension": "label", "rating": label}
            )
        rows.sort(key=lambda r: r["timestamp"])
        day_file = traffic / f"{(start + timedelta(days=day)):%Y-%m-%d}.jsonl"
        day_file.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with (labels / "ratings.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["item_id", "rater", "dimension", "rating"])
        w.writeheader()
        w.writerows(ratings)
    manifest = {
        "schema_version": 1,
        "name": "support-traffic-labels",
        "description": "Made-up support tickets labelled by a support lead (scripts/make_monitor_example.py).",
        "rubric": {
            "id": "ticket-topic",
            "version": "1",
            "instructions": "Which team should answer the ticket?",
        },
        "dimensions": {"label": {"level": "nominal", "values": sorted(TEMPLATES)}},
        "ratings": {"path": "ratings.csv", "layout": "long"},
        "population": "sampled production traffic, examples/monitor/traffic",
    }
    (labels / "sample.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--per-day", type=int, default=20)
    parser.add_argument("--days", type=int, default=28)
    args = parser.parse_args()
    make(args.seed, args.per_day, args.days)


if __name__ == "__main__":
    main()
