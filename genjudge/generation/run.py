"""``generate``: the frozen set's inputs through teacher and student, the same way, into the two
output files ``genjudge run`` reads.

The sides run one after the other (teacher, then student), never at once, so that each side's
latency is measured without the other model competing for the machine or the network. Every
answer is committed to a journal (``<out>/.genjudge/generate.db``) as it arrives, with its measured
latency and tokens; a killed run started again resumes from it and makes only the calls not yet
journaled. Failed calls are not journaled, so a re-run retries them. The output files and their
settings sidecars are written at the end of each side, atomically.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from genjudge._version import __version__
from genjudge.errors import ConfigError
from genjudge.generation.client import OpenedSide, open_side
from genjudge.generation.config import SIDES, GenerateConfig, load_generate_config
from genjudge.generation.labels import label_for, label_probs
from genjudge.generation.requests import render_requests
from genjudge.generation.sidecar import compare_settings, sidecar_path, template_sha256, write_atomic
from genjudge.io.evalset import load_frozen
from genjudge.llm.cache import CallCache, cache_key
from genjudge.llm.meter import CallMeter, observe_calls
from genjudge.llm.types import ChatRequest, ChatResponse
from genjudge.progress import ProgressCallback, ProgressTracker
from genjudge.redact import redact_obj

__all__ = ["GenerateResult", "SideResult", "generate", "generate_async", "journal_path"]


@dataclass(frozen=True)
class SideResult:
    """What one side's generation did (also in its settings sidecar)."""

    side: str
    path: Path
    """The outputs file (``<out>/<side>.jsonl``)."""
    settings_path: Path
    rows: int
    calls: int
    """Calls made by this invocation (not resumed)."""
    cached: int
    """Rows resumed from the journal."""
    errors: int
    """Rows whose call failed after its retries (they carry ``error``)."""
    wall_s: float | None
    """Wall time of the calls this invocation made; None when every row was resumed."""
    calls_per_s: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    """Cost of this invocation's calls; None when the model's price is unknown."""
    settings: dict[str, Any] = field(repr=False)
    """The sidecar's content."""


@dataclass(frozen=True)
class GenerateResult:
    """The sides generated, and the settings in which teacher and student differ."""

    out: Path
    sides: dict[str, SideResult]
    differences: list[str]
    """:func:`~genjudge.generation.sidecar.compare_settings` of the two sidecars (when both exist)."""

    @property
    def errors(self) -> int:
        """Failed rows over every side generated."""
        return sum(s.errors for s in self.sides.values())


def journal_path(config: GenerateConfig) -> Path:
    """The journal of finished calls: ``<out>/.genjudge/generate.db``."""
    return config.out / ".genjudge" / "generate.db"


def _key(side: OpenedSide, request: ChatRequest, item_id: str) -> str:
    provider = side.client.provider
    return cache_key(
        {
            "side": side.name,
            "provider": provider.name,
            "model": provider.model,
            "identity": side.client.identity,
            "request": request.model_dump(mode="json"),
            "id": item_id,
        }
    )


def _entry(meter: CallMeter, response: ChatResponse | None, error: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "latency_ms": round(meter.latency_ms, 3),
        "input_tokens": meter.input_tokens,
        "output_tokens": meter.output_tokens,
        "cost": meter.cost_usd,
    }
    if response is None:
        return {**entry, "error": error or "no answer"}
    return {**entry, "response": response.model_dump(mode="json")}


def _record(config: GenerateConfig, item_id: str, entry: dict[str, Any]) -> dict[str, Any]:
    """The output row of one item from its journal entry (post-processing applied here)."""
    row: dict[str, Any] = {"id": item_id, "output": None}
    row.update({k: entry.get(k) for k in ("latency_ms", "input_tokens", "output_tokens", "cost")})
    if "response" not in entry:
        return {**row, "finish_reason": None, "error": entry["error"]}
    resp = ChatResponse.model_validate(entry["response"])
    post = config.postprocess
    text = resp.text.strip() if post.strip else resp.text
    row["output"] = label_for(resp.text, post.labels) if post.labels else text
    row["finish_reason"] = resp.finish_reason
    if resp.refusal:
        row["refusal"] = resp.refusal
    if config.params.logprobs and resp.logprobs:
        row["logprobs"] = [t.model_dump(mode="json") for t in resp.logprobs]
        if post.labels:
            first = resp.logprobs[0]
            probs, mass = label_probs({**first.top, first.token: first.logprob}, post.labels)
            if probs is not None:
                row["probs"] = probs
            row["probs_mass"] = mass
    return row


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


async def _run_side(
    config: GenerateConfig,
    name: str,
    rows: Sequence[dict[str, Any]],
    requests: Sequence[ChatRequest],
    journal: CallCache,
    tracker: ProgressTracker,
    fingerprint: str,
    limit: int | None,
) -> SideResult:
    started_at = _now()
    side = await open_side(config, name)
    entries: list[dict[str, Any] | None] = [None] * len(rows)
    try:
        keys = [_key(side, req, row["id"]) for req, row in zip(requests, rows, strict=True)]
        for i, key in enumerate(keys):
            hit = journal.get(key)
            if hit is not None and "response" in hit:
                entries[i] = hit
                tracker.on_call(
                    CallMeter(0.0, hit.get("input_tokens"), hit.get("output_tokens"), 0.0, True, 0, True)
                )
        todo = [i for i, e in enumerate(entries) if e is None]

        async def one(i: int) -> None:
            out = await side.client.call(requests[i], extra={"id": rows[i]["id"]})
            entry = _entry(out.meter, out.response, out.error)
            if out.response is not None:
                journal.put(keys[i], entry)  # committed now: a kill after this line keeps it
            entries[i] = entry

        start = time.perf_counter()
        with observe_calls(tracker.on_call):
            done = await asyncio.gather(*(one(i) for i in todo), return_exceptions=True)
        wall = time.perf_counter() - start if todo else None
        for outcome in done:
            if isinstance(outcome, BaseException):
                raise outcome  # the provider refused the credentials: the run stops
    finally:
        await side.client.aclose()
    records = [_record(config, row["id"], e) for row, e in zip(rows, entries, strict=True) if e is not None]
    made = [entries[i] for i in todo]
    errors = sum("error" in r for r in records)
    out_tokens = sum(e.get("output_tokens") or 0 for e in made if e and "response" in e)
    in_tokens = sum(e.get("input_tokens") or 0 for e in made if e and "response" in e)
    costs = [e.get("cost") for e in made if e]
    cost = None if any(c is None for c in costs) else round(sum(c or 0.0 for c in costs), 8)
    path = config.out / f"{name}.jsonl"
    s = side.settings
    settings: dict[str, Any] = {
        "side": name,
        "provider": s.provider,
        "model": s.model_name,
        "model_identity": redact_obj(side.client.identity),
        "prompt_template_sha256": template_sha256(config.prompt.system, config.prompt.user),
        "system_template": config.prompt.system,
        "user_template": config.prompt.user,
        "params": config.params.model_dump(mode="json"),
        "concurrency": side.concurrency,
        "batch_size": 1,
        "postprocess": config.postprocess.model_dump(mode="json"),
        "hardware": side.hardware,
        "model_size_bytes": side.model_size_bytes,
        "memory_bytes": side.memory_bytes,
        "memory_source": side.memory_source,
        "rows": len(records),
        "limit": limit,
        "calls": len(todo),
        "errors": errors,
        "cached": len(rows) - len(todo),
        "wall_s": None if wall is None else round(wall, 4),
        "throughput_calls_per_s": None if not wall else round(len(todo) / wall, 3),
        "output_tokens_per_s": None if not wall else round(out_tokens / wall, 3),
        "input_tokens": in_tokens,
        "output_tokens": out_tokens,
        "cost": cost,
        "set_fingerprint": fingerprint,
        "genjudge_version": __version__,
        "started_at": started_at,
        "finished_at": _now(),
    }
    body = "".join(json.dumps(r, ensure_ascii=False, allow_nan=False) + "\n" for r in records)
    write_atomic(path, body)
    write_atomic(sidecar_path(path), json.dumps(settings, indent=1, ensure_ascii=False) + "\n")
    return SideResult(
        side=name,
        path=path,
        settings_path=sidecar_path(path),
        rows=len(records),
        calls=len(todo),
        cached=len(rows) - len(todo),
        errors=errors,
        wall_s=settings["wall_s"],
        calls_per_s=settings["throughput_calls_per_s"],
        input_tokens=in_tokens,
        output_tokens=out_tokens,
        cost_usd=cost,
        settings=settings,
    )


def _differences(out: Path) -> list[str]:
    found = [sidecar_path(out / f"{side}.jsonl") for side in SIDES]
    if not all(p.is_file() for p in found):
        return []
    teacher, student = (json.loads(p.read_text(encoding="utf-8")) for p in found)
    return compare_settings(teacher, student)


async def generate_async(
    config: GenerateConfig | Path | str | dict[str, Any],
    *,
    sides: Sequence[str] = SIDES,
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> GenerateResult:
    """Generate the outputs of ``sides`` (teacher, then student) for the set's rows (the first
    ``limit`` of them). Raises ConfigError / InputError before any call for a bad config or set."""
    cfg = load_generate_config(config)
    wanted = [s for s in SIDES if s in sides]
    unknown = sorted(set(sides) - set(SIDES))
    if unknown or not wanted:
        raise ConfigError(f"unknown side(s) {', '.join(unknown) or '(none)'}: teacher and/or student")
    if limit is not None and limit < 1:
        raise ConfigError(f"limit must be at least 1, got {limit}")
    evalset, manifest = load_frozen(cfg.set)
    rows = evalset.rows[:limit] if limit else evalset.rows
    requests = render_requests(cfg, evalset, rows)
    tracker = ProgressTracker(progress)
    n = len(rows) * len(wanted)
    tracker.plan(items=n, calls=n, calls_label="model calls")
    journal = CallCache(journal_path(cfg))
    results: dict[str, SideResult] = {}
    try:
        for name in wanted:
            with tracker.stage(f"generate {name}"):
                results[name] = await _run_side(
                    cfg, name, rows, requests, journal, tracker, manifest.fingerprint, limit
                )
    finally:
        journal.close()
    tracker.finished()
    return GenerateResult(out=cfg.out, sides=results, differences=_differences(cfg.out))


def generate(
    config: GenerateConfig | Path | str | dict[str, Any],
    *,
    sides: Sequence[str] = SIDES,
    limit: int | None = None,
    progress: ProgressCallback | None = None,
) -> GenerateResult:
    """Blocking edge over :func:`generate_async` (not from inside a running event loop)."""
    return asyncio.run(generate_async(config, sides=sides, limit=limit, progress=progress))
