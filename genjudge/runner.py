"""The run as named stages over one typed context: load → score → aggregate → find → store → report.

Each stage is a function ``async (RunState) -> None`` that reads what earlier stages put on the
:class:`RunState` and adds its own part; :data:`STAGES` lists them in order and :func:`run_async`
runs them, reporting each to the progress tracker. A stage can be run (and tested) on its own by
giving it a state that holds what it needs; asking for a part no earlier stage made is an error
that names the stage to run first.

The state is :class:`~genjudge.run_state.RunState`. The configured confidence level and slices travel on the state: ``RunState.confidence`` reaches the
aggregation, the checks (``RunContext.confidence``), the findings and the report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genjudge.checks.base import RunContext
from genjudge.checks.build import build_checks
from genjudge.engines import Engine, LocalEngine
from genjudge.errors import ConfigError
from genjudge.frame import RARE_CLASS, add_rare_class_slice, build_frame, check_critical
from genjudge.io.evalset import load_frozen
from genjudge.io.outputs import load_outputs
from genjudge.outcome import Attempt, assess, per_example_table
from genjudge.preflight import preflight
from genjudge.progress import ProgressTracker
from genjudge.provenance import hash_inputs, new_run_id, run_record
from genjudge.records import TaskKind
from genjudge.report.model import Report
from genjudge.run_state import RunResult, RunState
from genjudge.slicing import cross_parts, is_critical
from genjudge.store import resolve_url

if TYPE_CHECKING:
    from genjudge.config import RunConfig


__all__ = [
    "RunResult",
    "RunState",
    "STAGES",
    "aggregate_stage",
    "find_stage",
    "load_stage",
    "report_stage",
    "run",
    "run_async",
    "score_stage",
    "store_stage",
]


async def load_stage(state: RunState) -> None:
    """Read the frozen set and both models' outputs; build the checks; check the judge's standing."""
    config = state.config
    evalset, state.manifest = load_frozen(config.set)
    slices = list(config.slices if config.slices is not None else state.manifest.slices)
    slices += [c for c in config.critical if c not in slices]  # critical slices are always measured
    for column in (part for s in slices for part in cross_parts(s)):
        if column not in evalset.columns:
            raise ConfigError(
                f"slice column {column!r} is not in {config.set} (columns: {', '.join(evalset.columns)})"
            )
    if config.cluster is not None:
        if config.cluster not in evalset.columns:
            raise ConfigError(f"cluster column {config.cluster!r} is not in {config.set}")
        from genjudge.stats.bootstrap import cluster_codes

        state.clusters = cluster_codes([r.get(config.cluster) for r in evalset.rows])
    parse_json = config.task is TaskKind.EXTRACTION
    labels = config.task is TaskKind.CLASSIFICATION
    state.teacher = load_outputs(config.teacher, evalset.ids, parse_json=parse_json, labels=labels)
    state.student = load_outputs(config.student, evalset.ids, parse_json=parse_json, labels=labels)
    state.checks = build_checks(config, state.config_dir, _present(state.teacher, state.student))
    from genjudge.harness import harness_summary

    state.harness = harness_summary(
        {"teacher": config.teacher, "student": config.student},
        {side: facts.model_dump() for side, facts in config.model_facts.items()},
        mismatch=config.harness_mismatch,
    )
    # Before anything is written: the judge settings, the store's driver, the report folder.
    preflight(
        config,
        state.store_url,
        (config.report_dir or state.config_dir / "reports") if state.write_report else None,
    )
    from genjudge.validation.in_run import judge_standing, refusal

    state.judge_validation, state.validation_decisions = judge_standing(
        state.specs, config.judge, state.store_url, state.manifest.fingerprint, config.parent_sets
    )
    if config.require_validated_judge and (why := refusal(state.judge_validation)):
        raise ConfigError(why)
    state.frame = build_frame(evalset, slices, state.teacher, state.student)
    check_critical(config.critical, state.frame, config.set)
    state.rare_classes = add_rare_class_slice(state.frame, config.task, config.rare_class_share)
    state.slices = slices + ([RARE_CLASS] if state.rare_classes else [])
    n = len(state.frame)
    state.progress.plan(
        items=n, checks=len(state.checks), calls=sum(_calls_per_item(c) for c in state.checks) * n or None
    )


async def score_stage(state: RunState) -> None:
    """Run every check over the frame on the run's engine (local: concurrently); build the per-example table."""
    frame, instances = state.need("frame"), state.need("checks")
    config = state.config
    ctx = RunContext(
        task=config.task,
        seed=config.bootstrap.seed,
        workdir=state.config_dir / ".genjudge",
        confidence=state.confidence,
        services={"judge_settings": config.judge} if config.judge else {},
    )
    from genjudge.validation.in_run import claim_thresholds

    if thresholds := claim_thresholds(state.validation_decisions or {}):
        ctx.services["claim_thresholds"] = thresholds  # the judge_claims check's calibrated p(yes)

    from genjudge.llm.meter import observe_calls
    from genjudge.store import RunStore

    # Marked in the store from here, so `runs list` shows an interrupted run as such: before the
    # first judge call, so that a run killed with every call in flight is listed as killed.
    state.attempt = Attempt.begin(RunStore(state.store_url), config, ctx.services)
    try:
        with observe_calls(state.progress.on_call):
            state.results = await state.engine.score(frame, instances, ctx, state.progress.check_finished)
    finally:
        for service in ctx.services.values():
            if hasattr(service, "aclose"):
                await service.aclose()
    state.table, state.item_status = per_example_table(frame, instances, state.results)
    state.progress.scoring_finished()


async def aggregate_stage(state: RunState) -> None:
    """Sliced metrics with seeded bootstrap intervals at the configured confidence."""
    from genjudge.aggregate import Settings, aggregate
    from genjudge.aggregate_clusters import clustered_aggregate
    from genjudge.operations import operations_summary

    b, config = state.config.bootstrap, state.config
    settings = Settings(b.resamples, state.confidence, b.seed, config.min_support)
    if state.clusters is None:
        metrics = aggregate(state.need("table"), state.specs, state.need("slices"), settings)
    else:
        metrics = clustered_aggregate(
            state.need("table"), state.specs, state.need("slices"), settings, clusters=state.clusters
        )
    from genjudge.validation.in_run import mark_metrics

    harness = state.harness or {}
    state.operations = operations_summary(
        state.need("frame"),
        seed=b.seed,
        confidence=state.confidence,
        slices=state.need("slices"),
        facts=harness.get("facts"),
    )
    if state.operations is not None and harness.get("records"):
        state.operations["harness"] = {k: harness[k] for k in ("records", "differences")}
    marked = mark_metrics(metrics, state.specs, state.judge_validation or {})
    state.metrics = [
        m.model_copy(update={"critical": True})
        if is_critical(m.slice_column, m.slice_value, config.critical)
        else m
        for m in marked
    ]


async def find_stage(state: RunState) -> None:
    """The report's sentences about the numbers."""
    from genjudge.findings import findings

    config = state.config
    state.findings = findings(
        state.need("metrics"),
        config.findings,
        task=config.task,
        confidence=state.confidence,
        operations=state.operations,
        harness_differences=(state.harness or {}).get("differences", []),
        calibration=_section(state, "calibration"),
    )


async def store_stage(state: RunState) -> None:
    """Make the run record and the report (with the run's own outcome), and commit them to the store.

    When the run writes a report folder the commit happens in :func:`report_stage`, between writing
    the folder under a temporary name and renaming it into place, so the two are one step.
    """
    from genjudge.store import RunStore

    config, manifest = state.config, state.need("manifest")
    run_store = RunStore(state.store_url)
    inputs_hash = hash_inputs(config, manifest.fingerprint)
    now = datetime.now(UTC)
    state.record = run_record(
        config,
        state.config_dir,
        manifest.fingerprint,
        run_id=new_run_id(now),
        created_at=now,
        inputs_hash=inputs_hash,
        same_inputs_as=run_store.find_same_inputs(inputs_hash),
    )
    from genjudge.report.build import build_report

    teacher, student = state.need("teacher"), state.need("student")
    state.report = build_report(
        state.record,
        manifest,
        config,
        state.need("frame"),
        state.need("table"),
        state.need("item_status"),
        state.need("checks"),
        state.need("results"),
        state.need("metrics"),
        state.need("slices"),
        state.rare_classes or [],
        {"teacher": teacher.missing, "student": student.missing},
        state.need("findings"),
        state.operations,
    )
    # The evaluation's own verdict on itself: failed when too many items could not be scored.
    body = assess(state.report.model_dump(mode="json"), state.need("table"), state.specs, config)
    from genjudge.validation.in_run import report_sections

    body["sections"].update(
        report_sections(
            state.judge_validation or {},
            state.validation_decisions or {},
            state.need("table"),
            state.specs,
            state.need("slices"),
            state.confidence,
        )
    )
    from genjudge.report.verdict import compute_verdict

    body["verdict"] = compute_verdict(body).model_dump(mode="json")
    state.report = Report.model_validate(body)
    if not state.write_report:
        commit(state)


def commit(state: RunState) -> None:
    """Save the run, its report and the per-example table in the store: once, in one transaction."""
    from genjudge.store import RunStore

    RunStore(state.store_url).save(
        state.need("record"),
        state.need("report").model_dump(mode="json"),
        state.need("table"),
        list(state.need("item_status")),
        attempt_id=state.attempt.attempt_id if state.attempt is not None else None,
    )


async def report_stage(state: RunState) -> None:
    """Write report.json / .md / .html and the per-example table (unless the run writes no report)."""
    report = state.need("report")
    if not state.write_report:
        return
    from genjudge.report.write import write_all

    folder = state.config.report_dir or (state.config_dir / "reports" / state.need("record").run_id)
    # Written to a temporary folder; the run is committed to the store, then the folder is renamed
    # into place: a report folder exists only for a stored run, and a stored run always has one.
    await asyncio.to_thread(
        write_all,
        report.model_dump(mode="json"),
        state.need("table"),
        folder,
        before_publish=lambda: commit(state),
    )
    state.report_dir = folder


Stage = Callable[[RunState], Awaitable[None]]

STAGES: tuple[tuple[str, Stage], ...] = (
    ("load", load_stage),
    ("score", score_stage),
    ("aggregate", aggregate_stage),
    ("find", find_stage),
    ("store", store_stage),
    ("report", report_stage),
)
"""The stages of a run, in order."""


def run(
    config: RunConfig,
    *,
    config_dir: Path,
    write_report: bool = True,
    store: str | None = None,
    progress: ProgressTracker | None = None,
    engine: Engine | None = None,
) -> RunResult:
    """Synchronous edge of :func:`run_async`."""
    return asyncio.run(
        run_async(
            config,
            config_dir=config_dir,
            write_report=write_report,
            store=store,
            progress=progress,
            engine=engine,
        )
    )


async def run_async(
    config: RunConfig,
    *,
    config_dir: Path,
    write_report: bool = True,
    store: str | None = None,
    progress: ProgressTracker | None = None,
    engine: Engine | None = None,
) -> RunResult:
    """Run the whole evaluation described by ``config``, stage by stage.

    ``engine`` scores the checks (default: :class:`~genjudge.engines.LocalEngine`, this process);
    the same inputs give the same numbers on every engine.
    """
    url = resolve_url(
        store or config.store, base=config_dir if config.store and not store else None, start=config_dir
    )
    state = RunState(
        config,
        config_dir,
        url,
        write_report=write_report,
        progress=progress or ProgressTracker(),
        engine=engine or LocalEngine(),
    )
    for name, stage in STAGES:
        with state.progress.stage(name):
            await stage(state)
    if state.attempt is not None:
        state.attempt.saved()
    state.progress.finished()
    report = state.need("report")
    return RunResult(
        record=state.need("record"),
        report=report.model_dump(mode="json"),
        table=state.need("table"),
        report_dir=state.report_dir,
        model=report,
        store_url=state.store_url,
    )


def _section(state: RunState, check: str) -> dict[str, Any] | None:
    """The report section of the check named ``check`` in this run, if it ran."""
    for instance, result in zip(state.checks or [], state.results or [], strict=False):
        if instance.name == check:
            return result.sections
    return None


def _present(*outputs: Any) -> frozenset[str]:
    """Optional fields every one of ``outputs`` carries for at least one item (they add checks)."""
    fields = {
        "probs": lambda o: o.probs,
        "logprobs": lambda o: o.logprobs,
        "confidence": lambda o: o.confidence,
    }
    return frozenset(name for name, get in fields.items() if all(get(o) for o in outputs))


def _calls_per_item(check: Any) -> int:
    """Judge calls a check expects to make per item (0 for checks without a judge)."""
    hint = getattr(check, "judge_calls_per_item", None)
    return int(hint()) if callable(hint) else 0
