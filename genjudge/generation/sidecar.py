"""The settings sidecar of a generated file, and what must match between teacher and student.

``<out>/<side>.jsonl.generation.json`` records how the side's outputs were made: the provider and
model (its identity redacted), the templates and their hash, the parameters, the concurrency, the
post-processing, the machine, the model's size and memory, and the measured pace. A comparison of
the teacher with the student is fair only where the settings that shape or time the answers are
the same; :func:`compare_settings` lists those that differ.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from genjudge.io.canonical import sha256_text

__all__ = ["compare_settings", "hardware", "sidecar_path", "template_sha256", "write_atomic"]

SHARED_KEYS = (
    "prompt_template_sha256",
    "params",
    "concurrency",
    "batch_size",
    "postprocess",
    "hardware",
    "set_fingerprint",
)
"""Settings both sides must share for a fair comparison (not provider, model, size, timings)."""


def sidecar_path(outputs: Path) -> Path:
    """The sidecar of an outputs file: ``teacher.jsonl`` -> ``teacher.jsonl.generation.json``."""
    return outputs.with_name(outputs.name + ".generation.json")


def template_sha256(system: str, user: str) -> str:
    """sha256 of the two templates, joined so that moving text between them changes it."""
    return sha256_text(json.dumps([system, user]))


def hardware(*, local: bool, threads: int | None = None, n_ctx: int | None = None) -> dict[str, Any]:
    """The machine genjudge ran on; for a local model also its threads and context length.

    ``runs_on`` says whether the model ran here (``this machine``) or behind an endpoint
    (``remote server``, whose hardware genjudge cannot see).
    """
    info: dict[str, Any] = {
        "runs_on": "this machine" if local else "remote server",
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
    }
    if local:
        info.update(threads=threads, n_ctx=n_ctx)
    return info


def _flatten(value: Any, prefix: str) -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flatten(inner, f"{prefix}.{key}"))
        return out or {prefix: {}}
    return {prefix: value}


def _show(value: Any) -> str:
    return "absent" if value is _ABSENT else json.dumps(value, ensure_ascii=False)


_ABSENT = object()


def compare_settings(teacher: Mapping[str, Any], student: Mapping[str, Any]) -> list[str]:
    """The differences, one sentence each, between two sidecars in what must be identical.

    Compared: the prompt templates' hash, the parameters, the concurrency, the batch size, the
    post-processing, the hardware and the set's fingerprint; not the provider, model, identity,
    size or timings, which differ by design.

    >>> compare_settings({"concurrency": 8, "params": {"temperature": 0.0}},
    ...                  {"concurrency": 4, "params": {"temperature": 0.0}})
    ['concurrency: teacher 8, student 4']
    """
    found = []
    for key in SHARED_KEYS:
        left = _flatten(teacher[key], key) if key in teacher else {key: _ABSENT}
        right = _flatten(student[key], key) if key in student else {key: _ABSENT}
        if left == right:
            continue
        for name in sorted(left.keys() | right.keys()):
            a, b = left.get(name, _ABSENT), right.get(name, _ABSENT)
            if a != b:
                found.append(f"{name}: teacher {_show(a)}, student {_show(b)}")
    return found


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``: a reader (or a killed
    writer) sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
