"""One monitor pass: ingest what is new, label it, recompute the windows that changed, store, alert.

A window is recomputed only when the hash of everything its numbers depend on changed: its items
and their labels, the reference window's, and the config's settings that shape metrics and drift.
All that the pass learnt (file offsets, new items, labels, windows) is stored in one transaction
before the outcome is judged, so a failed pass loses nothing and the next resumes from it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genjudge.checks.base import RunContext
from genjudge.io.canonical import canonical_json
from genjudge.monitor.config import MonitorConfig
from genjudge.monitor.drift import drift_name, window_drift
from genjudge.monitor.labelling import human_labels, teacher_labels
from genjudge.monitor.metrics import item_frame, window_metrics
from genjudge.monitor.traffic import ingest, parse_time, window_of
from genjudge.store.windows import WindowStore

__all__ = ["MonitorResult", "alert_lines", "monitor_async", "span_label"]

_SHAPING = (
    "task",
    "slices",
    "window",
    "reference",
    "thresholds",
    "embedding",
    "similarity_threshold",
    "seed",
    "resamples",
    "confidence",
    "input_field",
    "output_field",
    "reference_field",
    "teacher",
    "labels",
)


@dataclass
class MonitorResult:
    """What a pass did and what the stored history now holds."""

    name: str
    store_url: str
    new_items: int
    duplicates: int
    labelled_now: int
    label_failures: dict[str, int]
    """Reason -> items of this pass left unlabelled."""
    teacher_attempts: int
    teacher_cache_hits: int
    recomputed: list[str]
    windows: list[dict[str, Any]]
    """Per window, oldest first: start, end, summary."""
    metrics: list[dict[str, Any]]
    drift: list[dict[str, Any]]
    failed: str | None = None
    """Why the pass could not do its job (exit 1), else None."""
    notes: list[str] = field(default_factory=list)

    @property
    def current(self) -> set[str]:
        """Starts of the windows this pass speaks for: those it recomputed, and the latest."""
        latest = {self.windows[-1]["start"]} if self.windows else set()
        return set(self.recomputed) | latest

    @property
    def alerts(self) -> list[dict[str, Any]]:
        """Alert rows of the current windows (older windows' alerts are history: on the page)."""
        return [d for d in self.drift if d["level"] == "alert" and d["start"] in self.current]


def span_label(start: str, end: str) -> str:
    """``2026-11-02..09`` for whole days in one month; full times otherwise."""
    s, e = datetime.fromisoformat(start), datetime.fromisoformat(end)
    if s.hour == s.minute == e.hour == e.minute == 0:
        if (s.year, s.month) == (e.year, e.month):
            return f"{s:%Y-%m-%d}..{e:%d}"
        return f"{s:%Y-%m-%d}..{e:%Y-%m-%d}"
    return f"{s:%Y-%m-%dT%H:%M}..{e:%Y-%m-%dT%H:%M}"


def alert_lines(
    result: MonitorResult, *, levels: tuple[str, ...] = ("alert",), history: bool = False
) -> list[str]:
    """``ALERT window 2026-11-02..09: slice mix PSI 0.31 > 0.25 (channel)`` per breached threshold,
    for the current windows (:attr:`MonitorResult.current`), or every stored one with ``history``."""
    out = []
    for d in sorted(result.drift, key=lambda d: (d["start"], d["kind"], d.get("column") or "")):
        if d["level"] not in levels or not (history or d["start"] in result.current):
            continue
        what = drift_name(d["kind"])
        where = f" ({d['column']})" if d.get("column") else ""
        if d["statistic"] == "mmd2":
            test = f"p = {d['p_value']:.3g} < {d['alert']:g} (MMD^2 {d['value']:.3g}, n {d['n_reference']} vs {d['n_current']})"
        else:
            name = "PSI" if d["statistic"] == "psi" else "JS distance"
            test = f"{name} {d['value']:.2f} > {d[d['level']]:g}"
        out.append(f"{d['level'].upper()} window {span_label(d['start'], d['end'])}: {what} {test}{where}")
    return out


def _hash(*parts: Any) -> str:
    return hashlib.sha256(canonical_json(list(parts)).encode()).hexdigest()


def _config_hash(config: MonitorConfig) -> str:
    shaping = config.model_dump(mode="json", include=set(_SHAPING))
    if config.teacher is not None:
        # Which teacher answers matters; how hard it is pushed (concurrency, retries, cache) does not.
        p = config.teacher.provider
        shaping["teacher"] = [config.teacher.prompt, config.teacher.labels, p.get("provider"), p.get("model")]
    return _hash(shaping)


def _cache_dir(config: MonitorConfig) -> Path:
    """The config's cache folder (set when the config is loaded; ``.genjudge`` otherwise)."""
    return config.cache_dir if config.cache_dir is not None else Path(".genjudge")


def _encoder(config: MonitorConfig) -> Any:
    if config.embedding is None:
        return None
    from genjudge.embed import EmbeddingCache, Encoder

    encoder = Encoder(config.embedding.model, cache=EmbeddingCache(_cache_dir(config) / "embeddings.sqlite"))

    def encode(texts: list[str]) -> np.ndarray:
        return encoder.encode(texts).embeddings

    return encode


async def monitor_async(config: MonitorConfig, base: Path, *, store: str | None = None) -> MonitorResult:
    """Run one pass of the monitor ``config`` (its relative paths already resolved against ``base``)."""
    from genjudge.store import resolve_url

    url = resolve_url(store or config.store, base=base, start=base)
    ws = WindowStore(url, config.name)
    stored = ws.items()
    got = ingest(config, ws.files(), {r["item_id"]: r["data"] for r in stored})
    rows = stored + [{**r, "label": None, "label_error": None} for r in got.new_items]
    rows.sort(key=lambda r: (r["timestamp"], r["item_id"]))

    labels: dict[str, tuple[str | None, str | None]] = {}
    failures: Counter[str] = Counter()
    attempts = hits = 0
    human = None
    failed = None
    if config.teacher is not None:
        todo = [(r["item_id"], json.loads(r["data"])[config.input_field]) for r in rows if r["label"] is None]
        outcome = await teacher_labels(config.teacher, config.task, todo)
        labels, attempts, hits = outcome.labels, outcome.attempts, outcome.cache_hits
        for r in rows:
            if r["item_id"] in labels:
                r["label"], r["label_error"] = labels[r["item_id"]]
        failures.update(err[:160] for _, err in labels.values() if err)
        done = sum(1 for lab, _ in labels.values() if lab is not None)
        if todo and done / len(todo) < config.teacher.min_labelled_share:
            failed = (
                f"the teacher labelled {done} of {len(todo)} items, under min_labelled_share = "
                f"{config.teacher.min_labelled_share:g}; reasons: {dict(failures)}"
            )
    else:
        human = human_labels(config.labels, config.task)  # type: ignore[arg-type]

    frame = item_frame(config, rows, human)
    frame["window"] = [r["window_start"] for r in rows]
    by_window = {start: part for start, part in frame.groupby("window", sort=True)}
    if isinstance(config.reference, str):
        ref_key = next(iter(by_window), None)
        reference = by_window.get(ref_key) if ref_key else None
    else:
        lo, hi = parse_time(config.reference.start.isoformat()), parse_time(config.reference.end.isoformat())
        stamps = pd.to_datetime(frame["timestamp"], utc=True)
        reference = frame[(stamps >= lo) & (stamps < hi)] if len(frame) else None
        ref_key = None
    if reference is not None and len(reference) == 0:
        reference = None

    def content(part: pd.DataFrame) -> str:
        cols = ["id", "input", "student", "reference", "label"]
        return _hash(
            [[None if pd.isna(v) else str(v) for v in row] for row in part[cols].itertuples(index=False)]
        )

    ref_hash = content(reference) if reference is not None else ""
    cfg_hash = _config_hash(config)
    previous = ws.windows()
    ctx = RunContext(
        task=config.task, seed=config.seed, workdir=_cache_dir(config), confidence=config.confidence
    )
    encode = _encoder(config)
    computed = []
    ref_table = None
    for start, part in by_window.items():
        end = window_of(datetime.fromisoformat(start), config.window)[1].isoformat()
        h = _hash(content(part), ref_hash, cfg_hash)
        if start in previous and previous[start]["content_hash"] == h:
            continue
        table, metric_rows = await window_metrics(config, part, ctx)
        is_ref = start == ref_key
        if reference is not None and ref_table is None:
            ref_table = (await window_metrics(config, reference, ctx))[0]
        drift_rows = (
            [] if is_ref or ref_table is None else window_drift(config, start, ref_table, table, encode)
        )
        reasons = Counter(r for r in part["label_reason"].tolist() if isinstance(r, str))
        summary = {
            "items": len(part),
            "labelled": int(part["label"].notna().sum()),
            "unlabelled": dict(reasons),
            "reference": is_ref,
        }
        computed.append(
            {
                "start": start,
                "end": end,
                "content_hash": h,
                "computed_at": datetime.now(UTC).isoformat(),
                "summary": summary,
                "metrics": metric_rows,
                "drift": drift_rows,
            }
        )
    ws.save(file_states=got.file_states, new_items=got.new_items, labels=labels, computed=computed)
    if not rows:
        failed = failed or "no traffic: the configured files hold no records"
    now = datetime.now(UTC).isoformat()
    windows = [
        {"start": w["start"], "end": w["end"], **json.loads(w["summary"]), "partial": w["end"] > now}
        for w in sorted(ws.windows().values(), key=lambda w: w["start"])
    ]
    return MonitorResult(
        name=config.name,
        store_url=url,
        new_items=len(got.new_items),
        duplicates=got.duplicates,
        labelled_now=sum(1 for lab, _ in labels.values() if lab is not None),
        label_failures=dict(failures),
        teacher_attempts=attempts,
        teacher_cache_hits=hits,
        recomputed=[w["start"] for w in computed],
        windows=windows,
        metrics=ws.metrics(),
        drift=ws.drift(),
        failed=failed,
    )
