"""Model outputs produced elsewhere: one file per model, keyed by the set's ids.

A row has ``id`` and ``output`` (text, a label, or a JSON value for extraction) and optionally
``probs`` (an object of per-class probabilities; in CSV a JSON string, or ``prob.<label>``
columns), ``latency_ms``, ``input_tokens``, ``output_tokens`` and ``cost`` (USD per call).

An id the set does not know, a duplicate id or a malformed field is an :class:`InputError` naming
file, line and field. Ids of the set that have no row are not an error here: they are returned so
the run can record those items as unscored and the report can list them.
"""

from __future__ import annotations

import contextlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genjudge.errors import DuplicateIdError, InputError
from genjudge.io.evalset import normalize_id
from genjudge.io.tables import read_rows

NUMERIC = ("latency_ms", "input_tokens", "output_tokens", "cost")
PROB_TOLERANCE = 1e-3


@dataclass
class ModelOutputs:
    """Outputs of one model, by id, plus the set's ids it lacks."""

    path: Path
    outputs: dict[str, Any]
    probs: dict[str, dict[str, float]] = field(default_factory=dict)
    numbers: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per numeric field, per id."""
    missing: list[str] = field(default_factory=list)
    """Ids of the set with no row in this file, in set order."""


def load_outputs(
    path: Path, set_ids: list[str], *, parse_json: bool = False, labels: bool = False
) -> ModelOutputs:
    """Read one model's outputs and check them against the set's ids.

    ``parse_json``: for extraction, a string output that is valid JSON is decoded (CSV cells
    carry JSON as text); one that is not stays a string and is judged by the checks.
    ``labels``: for classification, an output must be a label (text, a number or a boolean),
    never a JSON object or list.
    """
    path = Path(path)
    known = set(set_ids)
    result = ModelOutputs(path=path, outputs={}, numbers={k: {} for k in NUMERIC})
    lines: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    for line, row in read_rows(path):
        item_id = normalize_id(path, line, row.get("id"))
        if item_id in lines:
            raise DuplicateIdError(
                path, line, "id", f"duplicate id {item_id!r} (first on line {lines[item_id]})"
            )
        lines[item_id] = line
        if item_id not in known:
            unknown.append((line, item_id))
            continue
        if "output" not in row:
            raise InputError(path, line, "output", "missing (use null for a model that produced nothing)")
        output = row["output"]
        if labels and isinstance(output, (dict, list)):
            raise InputError(
                path,
                line,
                "output",
                f"a class label must be text or a number, got a JSON {type(output).__name__}",
            )
        if parse_json and isinstance(output, str):
            with contextlib.suppress(json.JSONDecodeError):
                output = json.loads(output)
        result.outputs[item_id] = output
        probs = _read_probs(path, line, row)
        if probs is not None:
            result.probs[item_id] = probs
        for name in NUMERIC:
            value = row.get(name)
            if value is not None:
                result.numbers[name][item_id] = _number(path, line, name, value)
    if unknown:
        shown = ", ".join(_show_id(i) for _, i in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
        raise InputError(
            path,
            unknown[0][0],
            "id",
            f"{len(unknown)} id(s) not in the evaluation set: {shown}{_normalisation_hint(unknown, known)}",
        )
    result.missing = [i for i in set_ids if i not in lines]
    return result


def _show_id(item_id: str) -> str:
    """An id as the reader must see it: non-ASCII spelled out (``'e\\u0301'``), so that ids that
    differ only by Unicode normalisation do not look the same in the message."""
    return ascii(item_id) if not item_id.isascii() else repr(item_id)


def _normalisation_hint(unknown: list[tuple[int, str]], known: set[str]) -> str:
    import unicodedata

    by_nfc = {unicodedata.normalize("NFC", k): k for k in known}
    for _, item_id in unknown:
        twin = by_nfc.get(unicodedata.normalize("NFC", item_id))
        if twin is not None:
            return (
                f"; {_show_id(item_id)} differs from the set's {_show_id(twin)} only by Unicode "
                "normalisation (NFC / NFD): write the ids the same way in both files"
            )
    return ""


_INTEGER = ("input_tokens", "output_tokens")


def _number(path: Path, line: int, name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise InputError(path, line, name, f"not a number: {str(value).lower()}")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(path, line, name, f"not a number: {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise InputError(path, line, name, f"must be a non-negative number, got {value!r}")
    if name in _INTEGER and not number.is_integer():
        raise InputError(path, line, name, f"a token count must be a whole number, got {value!r}")
    return number


def _read_probs(path: Path, line: int, row: dict[str, Any]) -> dict[str, float] | None:
    raw = row.get("probs")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise InputError(path, line, "probs", "not valid JSON") from None
    if raw is None:
        columns = {k[len("prob.") :]: v for k, v in row.items() if k.startswith("prob.") and v is not None}
        raw = columns or None
    if raw is None:
        return None
    if not isinstance(raw, dict) or not raw:
        raise InputError(path, line, "probs", "must be a non-empty object of class -> probability")
    probs = {str(k): _number(path, line, f"probs.{k}", v) for k, v in raw.items()}
    if any(p > 1.0 for p in probs.values()):
        raise InputError(path, line, "probs", "has values outside [0, 1]")
    total = sum(probs.values())
    if abs(total - 1.0) > PROB_TOLERANCE:
        raise InputError(path, line, "probs", f"sums to {total:.6g}, not 1")
    return probs
