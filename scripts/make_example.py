"""Write the shipped example: support-ticket intent classification, teacher vs student.

Everything here was written for genjudge. Ticket texts are assembled from hand-written templates
and fillers below (no real customers). Model outputs are *simulated*, reproducibly (seed 7): the
teacher answers correctly with a probability that depends on difficulty; the student copies the
teacher most of the time, makes its own mistakes on hard items, and was distilled without enough
fraud reports, so it mostly misses them. Latency, tokens and cost per call are simulated with
the sizes of a 70B teacher and a 3B student in mind. Re-running this script rewrites the files
byte for byte.

``student_v2.jsonl`` is the next release (its own seed, 8): retrained on more hard tickets, it
follows the teacher more often on hard items, but the new data diluted refunds, a business-critical
intent, which it now often confuses: better on the whole, worse where it matters (what
``genjudge compare`` and ``genjudge gate`` are for; see docs/gate.md).

    python scripts/make_example.py            # writes examples/tickets/
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "examples" / "tickets"

INTENTS = {
    "billing": (
        0.26,
        [
            "I was charged {amount} twice on my {month} invoice, can you check?",
            "Why did my bill go up to {amount} this month? Nothing changed on my plan.",
            "The invoice for {month} shows a line called '{fee}' that I do not recognise.",
            "Can I get a copy of my {month} invoice with our VAT number on it?",
        ],
    ),
    "technical": (
        0.24,
        [
            "The app crashes when I open {feature} on my {device}.",
            "Since the update, {feature} takes forever to load on {device}.",
            "I get error {code} every time I try to use {feature}.",
            "{feature} stopped syncing between my {device} and the web version.",
        ],
    ),
    "account": (
        0.18,
        [
            "How do I change the e-mail address on my account?",
            "I can't log in; the password reset link for {feature} never arrives.",
            "Please add my colleague as an admin on our team account.",
            "I want to merge my two accounts, one is linked to my {device}.",
        ],
    ),
    "shipping": (
        0.16,
        [
            "My order {order} has said 'in transit' for {days} days.",
            "The parcel for order {order} arrived damaged, the box was crushed.",
            "Can you ship order {order} to a different address? I moved.",
            "Tracking for {order} shows delivered but nothing came.",
        ],
    ),
    "refund": (
        0.10,
        [
            "I returned order {order} {days} days ago and still have no refund.",
            "I'd like my money back for the {month} renewal, I forgot to cancel.",
            "The refund for {order} was {amount} short of what I paid.",
        ],
    ),
    "cancellation": (
        0.035,
        [
            "Please cancel my subscription at the end of {month}.",
            "How do I close my account and delete my data?",
        ],
    ),
    "fraud_report": (
        0.025,
        [
            "There are purchases on my account I did not make, {amount} last night.",
            "Someone changed my password and my e-mail, I think my account was stolen.",
            "I got a message asking for my card number that claims to be from you. Is it real?",
        ],
    ),
}
FILL = {
    "amount": ["$12.99", "$49.00", "$120.50", "€35", "£18.40", "$7.25"],
    "month": ["January", "March", "June", "August", "October", "December"],
    "fee": ["service adj.", "platform fee", "late charge", "seat add-on"],
    "feature": ["the calendar", "file upload", "the dashboard", "notifications", "search", "export"],
    "device": ["iPhone 14", "Pixel 8", "Windows laptop", "iPad", "MacBook"],
    "code": ["E1042", "503", "SYNC-17", "TIMEOUT-9"],
    "order": ["#A-10293", "#B-55810", "#C-90017", "#A-77120", "#D-31008"],
    "days": ["5", "9", "12", "21"],
}
CHANNELS = ["email", "chat", "phone_transcript"]
CRITICAL = {"fraud_report", "cancellation", "refund"}
N = 400


def _text(rng: random.Random, template: str, channel: str) -> tuple[str, str]:
    text = template.format(**{k: rng.choice(v) for k, v in FILL.items()})
    hard = rng.random() < 0.3
    if hard:  # hard items mix in a second topic or bury the request
        other = rng.choice(
            [
                "Also, your chat bot was no help.",
                "Not sure if this is the right team.",
                "By the way the app looks great.",
                "My colleague had the same issue last week.",
            ]
        )
        text = f"{other} {text}" if rng.random() < 0.5 else f"{text} {other}"
    if channel == "phone_transcript":
        text = "[caller] " + text.replace(".", " ... ").lower()
    return text, "hard" if hard else "easy"


def _answer(rng: random.Random, truth: str, p_correct: float, labels: list[str]) -> str:
    return truth if rng.random() < p_correct else rng.choice([x for x in labels if x != truth])


def _probs(rng: random.Random, answer: str, labels: list[str], confidence: float) -> dict[str, float]:
    rest = (1.0 - confidence) / (len(labels) - 1)
    return {x: round(confidence if x == answer else rest, 4) for x in labels}


def main() -> None:
    rng = random.Random(7)
    labels = sorted(INTENTS)
    weights = [INTENTS[x][0] for x in labels]
    items, teacher, student = [], [], []
    for i in range(N):
        intent = rng.choices(labels, weights)[0]
        channel = rng.choice(CHANNELS)
        text, difficulty = _text(rng, rng.choice(INTENTS[intent][1]), channel)
        item_id = f"t-{i + 1:04d}"
        row = {
            "id": item_id,
            "input": text,
            "reference": intent,
            "channel": channel,
            "difficulty": difficulty,
            "business_critical": "yes" if intent in CRITICAL else "no",
        }
        if i % 97 == 96:  # a few items whose gold label was never collected
            row.pop("reference")
        items.append(row)
        t = _answer(rng, intent, 0.95 if difficulty == "easy" else 0.82, labels)
        if intent == "fraud_report":
            s = _answer(rng, intent, 0.35, labels)
        elif rng.random() < (0.93 if difficulty == "easy" else 0.75):
            s = t
        else:
            s = _answer(rng, intent, 0.5, labels)
        t_lat, s_lat = rng.lognormvariate(6.9, 0.25), rng.lognormvariate(5.3, 0.3)
        t_in, s_in = len(text.split()) * 1.4 + 180, len(text.split()) * 1.4 + 60
        teacher.append(
            {
                "id": item_id,
                "output": t,
                "probs": _probs(rng, t, labels, rng.uniform(0.6, 0.97)),
                "latency_ms": round(t_lat, 1),
                "input_tokens": int(t_in),
                "output_tokens": 3,
                "cost": round(t_in * 0.9e-6 + 3 * 0.9e-6, 8),
            }
        )
        if i == 211:  # the student's batch job lost this one: the report must say so
            continue
        student.append(
            {
                "id": item_id,
                "output": s,
                "probs": _probs(rng, s, labels, rng.uniform(0.45, 0.99)),
                "latency_ms": round(s_lat, 1),
                "input_tokens": int(s_in),
                "output_tokens": 3,
                "cost": round(s_in * 0.06e-6 + 3 * 0.06e-6, 8),
            }
        )
    OUT.mkdir(parents=True, exist_ok=True)
    files = (
        ("set.jsonl", items),
        ("teacher.jsonl", teacher),
        ("student.jsonl", student),
        ("student_v2.jsonl", _release_two(items, teacher, labels)),
    )
    for name, rows in files:
        with (OUT / name).open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    print(f"wrote {len(items)} items to {OUT}")


def _release_two(items: list[dict], teacher: list[dict], labels: list[str]) -> list[dict]:
    """The second student: closer to the teacher on hard tickets, worse on refunds."""
    rng = random.Random(8)
    out = []
    for row, t in zip(items, teacher, strict=True):
        intent, hard = row.get("reference") or t["output"], row["difficulty"] == "hard"
        if intent == "fraud_report":
            s = _answer(rng, intent, 0.35, labels)
        elif intent == "refund":
            s = t["output"] if rng.random() < 0.3 else _answer(rng, intent, 0.1, labels)
        elif rng.random() < (0.96 if not hard else 0.93):
            s = t["output"]
        else:
            s = _answer(rng, intent, 0.5, labels)
        s_in = len(row["input"].split()) * 1.4 + 60
        out.append(
            {
                "id": row["id"],
                "output": s,
                "probs": _probs(rng, s, labels, rng.uniform(0.45, 0.99)),
                "latency_ms": round(rng.lognormvariate(5.25, 0.3), 1),
                "input_tokens": int(s_in),
                "output_tokens": 3,
                "cost": round(s_in * 0.06e-6 + 3 * 0.06e-6, 8),
            }
        )
    return out


if __name__ == "__main__":
    main()
