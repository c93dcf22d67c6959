"""The run: frozen set + outputs -> checks -> per-example table -> sliced metrics -> store + report.

One async core (:func:`run_async`) with a thin sync edge (:func:`run`). Checks run concurrently;
the CPU-heavy ones move their work to threads, the judge ones wait on the network.
"""

from __future__ import annotations

import asyncio
import platform
import subprocess
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genjudge import __version__, checks
from genjudge.aggregate import Settings, aggregate
from genjudge.checks.base import CheckResult, MeanMetric, RunContext
from genjudge.config import RunConfig
from genjudge.errors import ConfigError
from genjudge.frame import RARE_CLASS, add_rare_class_slice, build_frame
from genjudge.io.canonical import canonical_json, sha256_file, sha256_text
from genjudge.io.evalset import load_frozen
from genjudge.io.outputs import load_outputs
from genjudge.records import RunRecord, Status, TaskKind
from genjudge.store import RunStore, resolve_url

_PACKAGES = (
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "pyarrow",
    "pydantic",
    "sentence-transformers",
    "openai",
    "anthropic",
)


@dataclass
class RunResult:
    """What a run produced."""

    record: RunRecord
    report: dict[str, Any]
    table: pd.DataFrame
    """The per-example table."""
    report_dir: Path | None


def run(
    config: RunConfig, *, config_dir: Path, write_report: bool = True, store: str | None = None
) -> RunResult:
    """Synchronous edge of :func:`run_async`."""
    return asyncio.run(run_async(config, config_dir=config_dir, write_report=write_report, store=store))


def build_checks(config: RunConfig, base_dir: Path | None = None) -> list[Any]:
    """Instantiate the configured checks; any bad name or option is a ConfigError, before scoring.

    Options are validated with ``context={"base_dir": ...}`` so an option naming a file (a schema,
    a rubric) can resolve a relative path against the config's folder.
    """
    built = []
    for name, options in config.check_specs().items():
        cls = checks.get(name)
        if config.task not in cls.tasks:
            raise ConfigError(f"check {name!r} does not apply to task {config.task.value!r}")
        try:
            opts = cls.Options.model_validate(options, context={"base_dir": base_dir or Path.cwd()})
        except Exception as exc:  # pydantic's message names the field
            raise ConfigError(f"check {name!r}: invalid options: {exc}") from None
        built.append(cls(config.task, opts))
    return built


async def run_async(
    config: RunConfig, *, config_dir: Path, write_report: bool = True, store: str | None = None
) -> RunResult:
    """Run the whole evaluation described by ``config``."""
    evalset, manifest = load_frozen(config.set)
    slices = list(config.slices if config.slices is not None else manifest.slices)
    for column in slices:
        if column not in evalset.columns:
            raise ConfigError(
                f"slice column {column!r} is not in {config.set} (columns: {', '.join(evalset.columns)})"
            )
    instances = build_checks(config, config_dir)
    specs = [spec for c in instances for spec in c.metrics()]
    url = resolve_url(
        store or config.store, base=config_dir if config.store and not store else None, start=config_dir
    )
    validation = judge_validation(specs, config, url)
    refuse_unvalidated(validation, config)
    parse_json = config.task is TaskKind.EXTRACTION
    teacher = load_outputs(config.teacher, evalset.ids, parse_json=parse_json)
    student = load_outputs(config.student, evalset.ids, parse_json=parse_json)

    frame = build_frame(evalset, slices, teacher, student)
    rare = add_rare_class_slice(frame, config.task, config.rare_class_share)
    all_slices = slices + ([RARE_CLASS] if rare else [])

    ctx = RunContext(
        task=config.task,
        seed=config.bootstrap.seed,
        workdir=config_dir / ".genjudge",
        services={"judge_settings": config.judge} if config.judge else {},
    )
    try:
        results = await asyncio.gather(*(c.score(frame, ctx) for c in instances))
    finally:
        for service in ctx.services.values():
            if hasattr(service, "aclose"):
                await service.aclose()

    table, item_status = per_example_table(frame, instances, results)
    settings = Settings(
        config.bootstrap.resamples, config.bootstrap.confidence, config.bootstrap.seed, config.min_support
    )
    metrics = aggregate(table, specs, all_slices, settings)
    metrics = mark_judge_validation(metrics, specs, validation)

    inputs_hash = hash_inputs(config, manifest.fingerprint)
    run_store = RunStore(url)
    now = datetime.now(UTC)
    record = RunRecord(
        run_id=f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}",
        created_at=now,
        genjudge_version=__version__,
        git_revision=git_revision(config_dir),
        python_version=platform.python_version(),
        packages=package_versions(),
        task=config.task,
        set_fingerprint=manifest.fingerprint,
        inputs_hash=inputs_hash,
        config=config.model_dump(mode="json"),
        seed=config.bootstrap.seed,
        same_inputs_as=run_store.find_same_inputs(inputs_hash),
    )
    from genjudge.report.build import build_report

    report = build_report(
        record,
        manifest,
        config,
        frame,
        table,
        item_status,
        instances,
        results,
        metrics,
        all_slices,
        rare,
        {"teacher": teacher.missing, "student": student.missing},
    )
    run_store.save(record, report, table, list(item_status))
    report_dir = None
    if write_report:
        from genjudge.report.write import write_all

        report_dir = config.report_dir or (config_dir / "reports" / record.run_id)
        write_all(report, table, report_dir)
    return RunResult(record=record, report=report, table=table, report_dir=report_dir)


def per_example_table(
    frame: pd.DataFrame, instances: list[Any], results: list[CheckResult]
) -> tuple[pd.DataFrame, np.ndarray]:
    """The frame plus every check's columns, statuses and reasons; and the item-level status.

    An item's status is the worst of its checks' (error > unscored > ok), with the first reason.
    """
    columns: dict[str, Any] = {}
    n = len(frame)
    item_status = np.full(n, Status.OK.value, dtype=object)
    item_reason = np.full(n, None, dtype=object)
    rank = {Status.OK.value: 0, Status.UNSCORED.value: 1, Status.ERROR.value: 2}
    item_rank = np.zeros(n, dtype=np.int8)
    for check, result in zip(instances, results, strict=True):
        if len(result.status) != n or any(len(v) != n for v in result.columns.values()):
            raise RuntimeError(f"check {check.name!r} returned columns of the wrong length")
        columns.update(result.columns)
        columns[f"{check.name}.status"] = result.status
        columns[f"{check.name}.reason"] = result.reason
        check_rank = pd.Series(result.status).map(rank).to_numpy(dtype=np.int8)
        worse = check_rank > item_rank
        item_rank[worse] = check_rank[worse]
        item_status[worse] = result.status[worse]
        item_reason[worse] = [f"{check.name}: {r}" for r in result.reason[worse]]
    extra = pd.DataFrame(columns, index=frame.index)
    table = pd.concat([frame, extra], axis=1)
    table["status"] = item_status
    table["reason"] = item_reason
    return table, item_status


def judge_validation(specs: list, config: RunConfig, store_url: str) -> dict[str, bool]:
    """Per judge rubric the run uses: whether the judge has an accepted validation decision."""
    rubrics = {
        (s.rubric_id, s.rubric_version or "") for s in specs if isinstance(s, MeanMetric) and s.rubric_id
    }
    if not rubrics:
        return {}
    from genjudge.validation import decisions_for

    return decisions_for(config.judge, rubrics, store_url)


def refuse_unvalidated(status: dict[str, bool], config: RunConfig) -> None:
    """With ``require_validated_judge``, stop before scoring when a judge rubric lacks an accepted decision."""
    missing = sorted(r for r, ok in status.items() if not ok)
    if config.require_validated_judge and missing:
        judge = config.judge or {}
        raise ConfigError(
            f"require_validated_judge: the judge {judge.get('provider', 'local')}/{judge.get('model') or 'default'} "
            f"has no accepted validation for rubric(s) {', '.join(missing)}; validate it first "
            "(`genjudge validate`, see docs/validation.md) or drop require_validated_judge"
        )


def mark_judge_validation(metrics: list, specs: list, status: dict[str, bool]) -> list:
    """Mark every judge-based metric validated or unvalidated by its rubric's decision."""
    rubric_of = {s.name: s.rubric_id for s in specs if isinstance(s, MeanMetric) and s.judge_based}
    return [
        m.model_copy(update={"validated": status.get(rubric_of[m.metric], False)})
        if m.metric in rubric_of
        else m
        for m in metrics
    ]


def hash_inputs(config: RunConfig, set_fingerprint: str) -> str:
    """sha256 over what decides the numbers: settings, the set's fingerprint, the output files' bytes."""
    settings = config.model_dump(
        mode="json", exclude={"set", "teacher", "student", "report_dir", "store", "name"}
    )
    body = {
        "settings": settings,
        "set": set_fingerprint,
        "teacher": sha256_file(config.teacher),
        "student": sha256_file(config.student),
    }
    return sha256_text(canonical_json(body))


def git_revision(folder: Path) -> str | None:
    """The git commit of ``folder``'s checkout, if it is one."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def package_versions() -> dict[str, str]:
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions
