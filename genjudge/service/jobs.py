"""Runs as jobs: a request checked and queued at once, then run by a worker from the store.

:func:`prepare` checks a ``POST /v1/runs`` body before anything is queued (a bad config is a 4xx
then, not a failed job later) and returns the job's payload. :func:`materialise` turns a payload
into what :func:`genjudge.api.evaluate_async` takes. An inline job's items are written to a folder
of its own under the service's workdir (``jobs/<job id>``) and frozen there; its judge cache lives
in that folder, so a job resumed after its worker died asks the judge nothing it had been answered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from genjudge.errors import ConfigError
from genjudge.service.guard import check_judge, under_root

__all__ = ["materialise", "prepare"]

_SERVER_KEYS = ("store", "report_dir")
_DATA_KEYS = ("set", "teacher", "student")


def prepare(body: Any, settings: Any) -> dict[str, Any]:
    """The payload of a job for ``body`` (a RunRequest); a ConfigError names what is wrong."""
    from genjudge.api import resolve_config
    from genjudge.checks.build import build_checks

    overrides = dict(body.overrides)
    for key in (*_SERVER_KEYS, *_DATA_KEYS):
        if key in overrides:
            raise ConfigError(f"overrides.{key}: not a key a request may override")
    check_judge(overrides.get("judge"), settings.key_envs, "overrides.judge")
    if body.config_path is not None:
        if body.config is not None or body.data is not None:
            raise ConfigError("give config_path, or config (with data or server paths), not both")
        path = under_root(settings.root, body.config_path, "config_path")
        if not path.is_file():
            raise ConfigError(f"config_path: {body.config_path} is not a file under the service's root")
        from_file, base = resolve_config(path, overrides=overrides)
        _data_under_root(from_file, settings.root)
        build_checks(from_file, base)
        return {"kind": "path", "config_path": str(path), "overrides": overrides}
    if body.config is None:
        raise ConfigError("give config_path (a file on the server) or config")
    config = dict(body.config)
    for key in _SERVER_KEYS:
        if key in config:
            raise ConfigError(f"config.{key}: set by the service, not by a request")
    check_judge(config.get("judge"), settings.key_envs, "config.judge")
    if body.data is not None:
        given = [k for k in _DATA_KEYS if k in config]
        if given:
            raise ConfigError(f"config.{given[0]}: with inline data the service writes the set and outputs")
        columns = {c for item in body.data.items for c in item.columns}
        for name in body.data.slices:
            if name not in columns:
                raise ConfigError(f"data.slices: {name!r} is not a column of the items")
        ids = [item.id for item in body.data.items]
        if len(set(ids)) != len(ids):
            raise ConfigError(f"data.items: duplicate id {next(i for i in ids if ids.count(i) > 1)!r}")
        probe = {**config, **{k: "inline" for k in _DATA_KEYS}}
        cfg, base = resolve_config(probe, config_dir=settings.root, overrides=overrides)
        build_checks(cfg, base)
        return {
            "kind": "inline",
            "config": config,
            "data": body.data.model_dump(mode="json"),
            "overrides": overrides,
        }
    cfg, base = resolve_config(config, config_dir=settings.root, overrides=overrides)
    _data_under_root(cfg, settings.root)
    build_checks(cfg, base)
    return {"kind": "paths", "config": config, "overrides": overrides}


def _data_under_root(config: Any, root: Path) -> None:
    for key in _DATA_KEYS:
        path = under_root(root, getattr(config, key), f"config.{key}")
        if not path.is_file():
            raise ConfigError(f"config.{key}: {getattr(config, key)} is not a file")


def materialise(payload: dict[str, Any], job_id: str, settings: Any) -> tuple[Any, Path, dict[str, Any]]:
    """(config, config folder, overrides) for :func:`genjudge.api.evaluate_async`."""
    overrides = dict(payload.get("overrides") or {})
    kind = payload["kind"]
    if kind == "path":
        path = Path(payload["config_path"])
        return path, path.parent, overrides
    if kind == "paths":
        return payload["config"], Path(settings.root), overrides
    from genjudge.io.evalset import freeze

    folder = Path(settings.workdir) / "jobs" / job_id
    folder.mkdir(parents=True, exist_ok=True)
    data = payload["data"]
    rows: list[dict[str, Any]] = []
    outputs: dict[str, list[dict[str, Any]]] = {"teacher": [], "student": []}
    for item in data["items"]:
        rows.append(
            {"id": item["id"], "input": item["input"], "reference": item["reference"], **item["columns"]}
        )
        for side, lines in outputs.items():
            lines.append({"id": item["id"], "output": item[side]})
    _write_jsonl(folder / "set.jsonl", rows)
    for side, lines in outputs.items():
        _write_jsonl(folder / f"{side}.jsonl", lines)
    freeze(folder / "set.jsonl", list(data["slices"]))
    config = {**payload["config"], "set": "set.jsonl", "teacher": "teacher.jsonl", "student": "student.jsonl"}
    return config, folder, overrides


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    path.write_text(text, encoding="utf-8")
