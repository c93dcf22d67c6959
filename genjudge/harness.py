"""What a run knows about how the outputs were produced: ``genjudge generate``'s settings records,
load tests, and the facts the run config states (``model_facts``).

``genjudge generate`` writes ``<output file>.generation.json`` beside each output file (prompt
template hash, decoding parameters, concurrency, batch size, hardware, model size and memory,
throughput) and ``genjudge loadtest`` writes ``loadtest-<side>.json`` in the same folder. When both
sides have a settings record, every setting that must be identical is compared
(:func:`genjudge.generation.compare_settings`); a difference is a critical finding, or refuses the run
under ``harness_mismatch: refuse``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from genjudge.errors import ConfigError, InputError

__all__ = ["SIDECAR_SUFFIX", "harness_summary", "read_json_record"]

SIDECAR_SUFFIX = ".generation.json"
SIDES = ("teacher", "student")


def read_json_record(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; None when the file does not exist; an InputError naming the file
    when it is not a JSON object."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(path, None, None, f"cannot read it as JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(path, None, None, "expected a JSON object")
    return data


def _facts(
    record: dict[str, Any] | None, configured: dict[str, Any], loadtest: dict[str, Any] | None
) -> dict[str, Any]:
    record = record or {}
    facts: dict[str, Any] = {"loadtest": loadtest}
    if record.get("throughput_calls_per_s") is not None:
        facts["throughput"] = {
            "calls_per_s": record["throughput_calls_per_s"],
            "output_tokens_per_s": record.get("output_tokens_per_s"),
            "concurrency": record.get("concurrency"),
            "source": "genjudge generate",
        }
    if record.get("model_size_bytes") is not None:
        facts["size_bytes"] = record["model_size_bytes"]
        facts["size_source"] = "model file" if record.get("provider") == "local" else "generate settings"
    if record.get("memory_bytes") is not None:
        facts["memory_bytes"] = record["memory_bytes"]
        facts["memory_source"] = record.get("memory_source") or "genjudge generate"
    for key in ("size_bytes", "memory_bytes"):
        if configured.get(key) is not None:  # the run config's statement wins
            facts[key] = configured[key]
            facts[f"{key.split('_')[0]}_source"] = "run config (model_facts)"
    if configured.get("throughput_calls_per_s") is not None:
        facts["throughput"] = {
            "calls_per_s": configured["throughput_calls_per_s"],
            "output_tokens_per_s": None,
            "concurrency": None,
            "source": "run config (model_facts)",
        }
    return facts


def harness_summary(
    outputs: dict[str, Path], model_facts: dict[str, dict[str, Any]], *, mismatch: str = "warn"
) -> dict[str, Any]:
    """Each side's settings record (or None), the settings that differ, and the facts for the
    operations summary. Raises ConfigError on a difference when ``mismatch`` is ``refuse``."""
    records = {side: read_json_record(Path(str(outputs[side]) + SIDECAR_SUFFIX)) for side in SIDES}
    loadtests = {
        side: read_json_record(Path(outputs[side]).parent / f"loadtest-{side}.json") for side in SIDES
    }
    differences: list[str] = []
    if records["teacher"] is not None and records["student"] is not None:
        from genjudge.generation import compare_settings

        differences = compare_settings(records["teacher"], records["student"])
    if differences and mismatch == "refuse":
        raise ConfigError(
            "teacher and student were generated under different settings (harness_mismatch: refuse): "
            + "; ".join(differences)
        )
    return {
        "records": records,
        "differences": differences,
        "facts": {side: _facts(records[side], model_facts.get(side, {}), loadtests[side]) for side in SIDES},
    }
