"""Model outputs produced elsewhere: one file per model, keyed by the set's ids.

A row has ``id`` and ``output`` (text, a label, or a JSON value for extraction) and optionally
``probs`` (an object of per-class probabilities; in CSV a JSON string, or ``prob.<label>``
columns), ``latency_ms``, ``input_tokens``, ``output_tokens`` and ``cost`` (USD per call); and as
``genjudge generate`` writes them: ``confidence`` (the model's probability that its output is
right, in [0, 1]: what calibration reads for text and JSON outputs), ``logprobs`` (per generated token ``{"token", "logprob",
"top": {token: logprob}}``), ``error`` (why the call produced no output), ``probs_mass`` (the share of
the top-k mass behind ``probs``) and ``finish_reason``.

An id the set does not know, a duplicate id or a malformed field is an :class:`InputError` naming
file, line, field and the item's id. A probability vector must hold finite, non-negative values
summing to 1 within ``PROB_TOLERANCE``. Ids of the set that have no row are not an error here: they are returned so
the run can record those items as unscored and the report can list them.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterable
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
    logprobs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Per id: the generated tokens' log-probabilities, where the file carries them."""
    confidence: dict[str, float] = field(default_factory=dict)
    """Per id: the model's stated probability that its output is right."""
    errors: dict[str, str] = field(default_factory=dict)
    """Per id: why the model produced no output (a row with ``output: null`` and ``error``)."""
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
    return outputs_from_rows(path, read_rows(path), set_ids, parse_json=parse_json, labels=labels)


def outputs_from_rows(
    path: Path,
    rows: Iterable[tuple[int, dict[str, Any]]],
    set_ids: list[str],
    *,
    parse_json: bool = False,
    labels: bool = False,
) -> ModelOutputs:
    """:func:`load_outputs` over ``(line, row)`` pairs already read from ``path`` (one chunk of it when
    a large file is streamed: :mod:`genjudge.io.chunks`); ``set_ids``: the ids those rows may name."""
    known = set(set_ids)
    result = ModelOutputs(path=path, outputs={}, numbers={k: {} for k in NUMERIC})
    lines: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    for line, row in rows:
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
        probs = _read_probs(path, line, row, item_id)
        if probs is not None:
            result.probs[item_id] = probs
        if row.get("confidence") is not None:
            stated = _number(path, line, "confidence", row["confidence"])
            if stated > 1.0:
                raise InputError(path, line, "confidence", f"item {item_id!r}: {stated!r} is outside [0, 1]")
            result.confidence[item_id] = stated
        if (tokens := _read_logprobs(path, line, row.get("logprobs"), item_id)) is not None:
            result.logprobs[item_id] = tokens
        error = row.get("error")
        if error is not None:
            if output is not None:
                raise InputError(path, line, "error", f"item {item_id!r}: an error row must have output null")
            result.errors[item_id] = str(error)
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


def _decoded(path: Path, line: int, name: str, raw: Any, where: str) -> Any:
    """A field that a CSV cell carries as JSON text, decoded (other values pass unchanged)."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise InputError(path, line, name, f"{where}: not valid JSON") from None


def _read_probs(path: Path, line: int, row: dict[str, Any], item_id: str) -> dict[str, float] | None:
    where = f"item {item_id!r}"
    raw = _decoded(path, line, "probs", row.get("probs"), where)
    if raw is None:
        columns = {k[len("prob.") :]: v for k, v in row.items() if k.startswith("prob.") and v is not None}
        raw = columns or None
    if raw is None:
        return None
    if not isinstance(raw, dict) or not raw:
        raise InputError(path, line, "probs", f"{where}: must be a non-empty object of class -> probability")
    probs: dict[str, float] = {}
    for k, v in raw.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise InputError(path, line, f"probs.{k}", f"{where}: not a number: {v!r}")
        try:
            p = float(v)
        except ValueError:
            raise InputError(path, line, f"probs.{k}", f"{where}: not a number: {v!r}") from None
        if math.isnan(p):
            raise InputError(path, line, f"probs.{k}", f"{where}: NaN is not a probability")
        if p < 0.0 or p > 1.0:
            raise InputError(path, line, f"probs.{k}", f"{where}: {v!r} is outside [0, 1]")
        probs[str(k)] = p
    total = math.fsum(probs.values())
    if abs(total - 1.0) > PROB_TOLERANCE:
        raise InputError(
            path, line, "probs", f"{where}: sums to {total:.6g}, not 1 (tolerance {PROB_TOLERANCE:g})"
        )
    return probs


def _read_logprobs(path: Path, line: int, raw: Any, item_id: str) -> list[dict[str, Any]] | None:
    """Per-token log-probabilities: a list of ``{"token": str, "logprob": number <= 0, "top": {...}}``."""
    if raw is None:
        return None
    where = f"item {item_id!r}"
    raw = _decoded(path, line, "logprobs", raw, where)
    if not isinstance(raw, list):
        raise InputError(path, line, "logprobs", f"{where}: must be a list of tokens")
    tokens: list[dict[str, Any]] = []
    for i, tok in enumerate(raw):
        field_name = f"logprobs[{i}]"
        if not isinstance(tok, dict) or not isinstance(tok.get("token"), str):
            raise InputError(path, line, field_name, f"{where}: must be an object with a string 'token'")
        top = tok.get("top") or {}
        if not isinstance(top, dict):
            raise InputError(
                path, line, f"{field_name}.top", f"{where}: must be an object of token -> logprob"
            )
        values = {"logprob": tok.get("logprob"), **{f"top.{k}": v for k, v in top.items()}}
        for name, value in values.items():
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not ok or not math.isfinite(value) or value > 1e-6:
                raise InputError(
                    path, line, f"{field_name}.{name}", f"{where}: a log-probability must be a number <= 0"
                )
        tokens.append({"token": tok["token"], "logprob": float(tok["logprob"]), "top": dict(top)})
    return tokens
