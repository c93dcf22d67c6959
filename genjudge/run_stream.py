"""A streamed run (``genjudge run CONFIG --stream``): the row-wise checks over a set too large for
memory, a chunk at a time, and a report built from the running statistics.

The report is the local run's :class:`~genjudge.report.model.Report` (``report.json`` and
``report.md``), with every number it can make from those statistics: the metrics on the whole set
and on every slice (equal to the local run's, :mod:`genjudge.engines.stream_stats`), the headline,
the findings, the counts by status and reason, the slice sizes, the missing outputs (the first
10,000 ids per model; all counted), the run's outcome and the verdict. The per-example table
(``examples.parquet`` and ``examples.csv``, the local run's columns) is written a chunk at a time
(:mod:`genjudge.report.examples_stream`), and ``report.html`` shows the worst examples per slice
value, kept as the chunks come (:class:`~genjudge.report.worst.StreamedWorst`). A run given a
store is committed to it with its per-example rows, staged in files as the chunks come
(:mod:`genjudge.store.staged`), so ``genjudge compare``, ``gate`` and ``runs`` read it as a local
run. A classification set's labels are read once before the pass, so that its rare classes get the
local run's ``rare_class`` slice. The whole-set sections of ``exact_match``, ``format_rules`` and
``json_structure`` are the local run's, folded in a chunk at a time; what a streamed run does not make
(docs/scale.md): the other checks' whole-set sections. The set must be frozen; its manifest's fingerprint is
recorded and its row count checked, its content is not re-hashed (that needs every row sorted by id).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from genjudge.aggregate import Settings
from genjudge.engines.stream import MISSING_IDS_KEPT, StreamedRun, stream_rare_classes, stream_rates
from genjudge.errors import ConfigError, FingerprintMismatchError
from genjudge.frame import RARE_CLASS
from genjudge.io.freeze_stream import manifest_head
from genjudge.outcome import reason_kinds, record_outcome
from genjudge.preflight import preflight
from genjudge.provenance import hash_inputs, new_run_id, run_record
from genjudge.records import RunRecord, SetManifest
from genjudge.redact import scrub
from genjudge.report.build import headline_numbers, run_settings
from genjudge.report.examples_stream import ExamplesWriter
from genjudge.report.markdown import render_markdown
from genjudge.report.model import Report
from genjudge.report.page import render_html
from genjudge.report.verdict import compute_verdict
from genjudge.report.worst import SliceExamples, StreamedWorst
from genjudge.report.write import publish_folder
from genjudge.slicing import critical_values, cross_parts, is_critical

if TYPE_CHECKING:
    from genjudge.config import RunConfig
    from genjudge.outcome import Attempt
    from genjudge.store.staged import StagedRows

__all__ = ["DEFAULT_CHUNK_ROWS", "Pass", "StreamedResult", "run_streamed"]

DEFAULT_CHUNK_ROWS = 50_000
"""Items per chunk of a streamed run (``--chunk-rows``)."""


@dataclass
class StreamedResult:
    """What :func:`run_streamed` made: the report, its folder and the pass's running statistics."""

    report: Report
    report_dir: Path | None
    stream: StreamedRun
    store_url: str | None = None
    """The store the run was committed to; None when it was not stored."""


def run_streamed(
    config: RunConfig,
    *,
    config_dir: Path,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    write_report: bool = True,
    store: str | None = None,
    stored: bool = False,
) -> StreamedResult:
    """Score ``config``'s row-wise checks over its set a chunk at a time; build and write the report.

    The run is stored when a store is named (``store``, the config's ``store:`` or
    ``$GENJUDGE_STORE``), or in the default store with ``stored``: its per-example rows are staged
    in files as the chunks come and committed with the run in one transaction at the end
    (:mod:`genjudge.store.staged`)."""
    if chunk_rows < 1:
        raise ConfigError(f"--chunk-rows must be at least 1, got {chunk_rows}")
    manifest = manifest_head(config.set)
    slices = list(config.slices if config.slices is not None else manifest.slices)
    slices += [c for c in config.critical if c not in slices]
    for column in (part for s in slices for part in cross_parts(s)):
        if column not in manifest.columns:
            raise ConfigError(
                f"slice column {column!r} is not in {config.set} (columns: {', '.join(manifest.columns)})"
            )
    if config.cluster is not None:
        raise ConfigError(
            f"cluster: {config.cluster!r}: a streamed run resamples items, not clusters (the cluster "
            "bootstrap needs the whole set); run it without --stream"
        )
    url = stream_store_url(config, config_dir, store, stored=stored)
    folder = config.report_dir or None
    preflight(config, url, (folder or config_dir / "reports") if write_report else None)
    rare = stream_rare_classes(config, chunk_rows=chunk_rows)
    now = datetime.now(UTC)
    run_id = new_run_id(now)
    pass_ = Pass(
        config,
        config_dir,
        manifest,
        slices + ([RARE_CLASS] if rare else []),
        chunk_rows,
        now,
        run_id,
        store_url=url,
        rare_classes=rare,
    )
    if not write_report:
        workdir = config_dir / ".genjudge"  # beside the run's caches: a large set's rows need room
        if url is not None:
            workdir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(
            prefix="stream-", dir=workdir if url is not None else None
        ) as staging:
            run = pass_.stream(staging=Path(staging))
            report = pass_.report(run)
            pass_.commit(report)
        return StreamedResult(report=report, report_dir=None, stream=run, store_url=url)
    made: list[tuple[Report, StreamedRun]] = []

    def fill(tmp: Path) -> None:
        # The per-example files are written into the folder as the chunks come: the folder is
        # published only once the pass and the report are whole and the run is stored.
        worst = StreamedWorst(pass_.slices)

        def on_chunk(table: pd.DataFrame) -> None:
            examples.add(table)
            worst.add(table)

        with ExamplesWriter(tmp) as examples:
            run = pass_.stream(on_chunk=on_chunk, staging=tmp / ".staged")
            report = pass_.report(run)
        write_report_files(report.model_dump(mode="json"), tmp, worst.result())
        pass_.commit(report)
        shutil.rmtree(tmp / ".staged", ignore_errors=True)
        made.append((report, run))

    folder = folder or (config_dir / "reports" / run_id)
    publish_folder(folder, fill)
    report, run = made[0]
    return StreamedResult(report=report, report_dir=folder, stream=run, store_url=url)


def stream_store_url(
    config: RunConfig, config_dir: Path, store: str | None, *, stored: bool = False
) -> str | None:
    """The store a streamed run is committed to: the one named by ``store``, the config or
    ``$GENJUDGE_STORE``, else with ``stored`` the default one (resolved as a local run resolves
    them); None when none is named and ``stored`` is false."""
    if not (stored or store or config.store or os.environ.get("GENJUDGE_STORE")):
        return None
    from genjudge.store import resolve_url

    return resolve_url(
        store or config.store, base=config_dir if config.store and not store else None, start=config_dir
    )


@dataclass
class Pass:
    """One streamed pass over a set, and the report made from its statistics."""

    config: RunConfig
    config_dir: Path
    manifest: SetManifest
    slices: list[str]
    chunk_rows: int
    created_at: datetime
    run_id: str
    store_url: str | None = None
    """Where the run is committed (None: not stored)."""
    rare_classes: list[str] = field(default_factory=list)
    """The set's rare classes (``slices`` ends with ``rare_class`` when there are any)."""
    same_inputs_as: str | None = None
    attempt: Attempt | None = None
    staged: StagedRows | None = None
    inputs_hash: str | None = None

    def stream(
        self, on_chunk: Callable[[pd.DataFrame], None] | None = None, *, staging: Path | None = None
    ) -> StreamedRun:
        """Score the set a chunk at a time; refuse it if its row count is not its manifest's.

        A stored run is marked in the store first (``runs list`` shows it as running, then as
        failed or killed if it stops), and its per-example rows are staged under ``staging``."""
        config, manifest = self.config, self.manifest
        if self.store_url is not None:
            if staging is None:
                raise ValueError("a stored streamed run stages its rows: give staging")
            from genjudge.outcome import Attempt
            from genjudge.store import RunStore
            from genjudge.store.staged import StagedRows

            self.same_inputs_as = RunStore(self.store_url).find_same_inputs(self._inputs_hash())
            self.attempt = Attempt.begin(RunStore(self.store_url), config, {})
            self.staged = StagedRows(staging)
            on_chunk = _both(on_chunk, self.staged.add)
        run = stream_rates(
            config,
            config_dir=self.config_dir,
            chunk_rows=self.chunk_rows,
            slices=self.slices,
            on_chunk=on_chunk,
            rare=self.rare_classes,
        )
        if run.items != manifest.rows:
            raise FingerprintMismatchError(
                f"{config.set} has {run.items} rows, its manifest {manifest.rows}: it changed since it was "
                f"frozen. Refusing the run; re-freeze it as a new set if the change is intended."
            )
        return run

    def report(self, run: StreamedRun) -> Report:
        """The report of a finished pass: metrics, findings, outcome and verdict."""
        config, manifest = self.config, self.manifest
        _check_critical(config, run)
        b = config.bootstrap
        settings = Settings(b.resamples, b.confidence, b.seed, config.min_support)
        metrics = [
            m.model_copy(update={"critical": True})
            if is_critical(m.slice_column, m.slice_value, config.critical)
            else m
            for m in run.metric_values(settings)
        ]
        from genjudge.findings import findings

        found = findings(metrics, config.findings, task=config.task, confidence=b.confidence, operations=None)
        record = run_record(
            config,
            self.config_dir,
            manifest.fingerprint,
            run_id=self.run_id,
            created_at=self.created_at,
            inputs_hash=self._inputs_hash(),
            same_inputs_as=self.same_inputs_as,
        )
        body = _body(config, manifest, record, run, metrics, self.slices, self.chunk_rows, self.rare_classes)
        body["findings"] = [f.model_dump(mode="json") for f in found]
        _outcome(body, run, config)
        body["verdict"] = compute_verdict(body).model_dump(mode="json")
        return Report.model_validate(body)

    def commit(self, report: Report) -> None:
        """Store the run, its report and its staged per-example rows in one transaction (when stored)."""
        if self.store_url is None or self.staged is None:
            return
        from genjudge.store import RunStore

        staged = self.staged
        RunStore(self.store_url).save_rows(
            report.run,
            report.model_dump(mode="json"),
            staged.rows,
            attempt_id=self.attempt.attempt_id if self.attempt is not None else None,
        )
        if self.attempt is not None:
            self.attempt.saved()

    def _inputs_hash(self) -> str:
        """The run's inputs hash (it reads both output files whole: made once)."""
        if self.inputs_hash is None:
            self.inputs_hash = hash_inputs(self.config, self.manifest.fingerprint)
        return self.inputs_hash


def _both(
    first: Callable[[pd.DataFrame], None] | None, second: Callable[[pd.DataFrame], None]
) -> Callable[[pd.DataFrame], None]:
    def call(table: pd.DataFrame) -> None:
        if first is not None:
            first(table)
        second(table)

    return call


def _check_critical(config: RunConfig, run: StreamedRun) -> None:
    """A ``critical:`` value the set lacks is refused, as the local run refuses it."""
    for column, declared in config.critical.items():
        values: dict[str, int] = run.slice_sizes.get(column, {})
        if not {str(v).casefold() for v in values} & critical_values(declared):
            raise ConfigError(
                f"critical: {column}={declared!r} matches no item of {config.set} "
                f"(values there: {', '.join(sorted(map(str, values)))})"
            )


def _status_counts(counts: dict[str, int], reasons: dict[str, int]) -> dict[str, Any]:
    return {
        "ok": counts.get("ok", 0),
        "unscored": counts.get("unscored", 0),
        "error": counts.get("error", 0),
        "reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])),
    }


def _body(
    config: RunConfig,
    manifest: SetManifest,
    record: RunRecord,
    run: StreamedRun,
    metrics: list[Any],
    slices: list[str],
    chunk_rows: int,
    rare_classes: list[str],
) -> dict[str, Any]:
    """The report's fields, as :func:`genjudge.report.build.build_report` fills them."""
    streamed = f"Streamed run: {run.items} items in {run.chunks} chunks of up to {chunk_rows}"
    if run.unsummarized:
        streamed += f"; the whole-set sections of {', '.join(run.unsummarized)} are not made (docs/scale.md)"
    notes = [*run.notes, streamed + "."]
    for side, count in run.missing.items():
        if count > MISSING_IDS_KEPT:
            notes.append(
                f"{count} items have no {side} output; missing_outputs lists the first {MISSING_IDS_KEPT}."
            )
    return {
        "run": record.model_dump(mode="json"),
        "set": {
            "path": str(config.set),
            "fingerprint": manifest.fingerprint,
            "rows": manifest.rows,
            "slices": slices,
            "rare_classes": rare_classes,
        },
        "settings": run_settings(config),
        "counts": {
            "items": run.items,
            **_status_counts(dict(run.item_status), dict(run.item_reasons)),
            "by_check": {name: _status_counts(run.status[name], run.reasons[name]) for name in run.status},
        },
        "missing_outputs": run.missing_ids,
        "headline": headline_numbers(config.task, metrics),
        "metrics": [m.model_dump(mode="json") for m in metrics],
        "slices": [
            {"column": column, "value": value, "n": n, "too_small": n < config.min_support}
            for column in slices
            for value, n in sorted(run.slice_sizes[column].items())
        ],
        "sections": {
            **run.sections,
            "stream": {"chunks": run.chunks, "chunk_rows": chunk_rows, "missing_outputs": dict(run.missing)},
        },
        "notes": notes,
        "operations": None,
        "item_columns": [
            {
                "metric": spec.name,
                "subject": spec.subject,
                "family": spec.family.value,
                "column": spec.column,
                "status_column": f"{spec.column.split('.')[0]}.status",
                "judge_based": spec.judge_based,
            }
            for spec in run.specs
        ],
    }


def _outcome(body: dict[str, Any], run: StreamedRun, config: RunConfig) -> None:
    """``outcome`` and ``unscored_bounds`` with their findings, by the rule of :func:`genjudge.outcome.assess`."""
    record_outcome(
        body,
        failed=run.failed,
        items=run.items,
        reasons=reason_kinds(dict(run.failure_kinds)),
        bounds=run.unscored_bounds(),
        max_failure_share=float(config.max_failure_share),
        material_gap=config.findings.material_gap,
    )


def write_report_files(
    report: dict[str, Any], folder: Path, worst: tuple[str | None, list[SliceExamples]]
) -> None:
    """``report.json``, ``report.md`` and ``report.html`` (with ``worst``, the worst examples per
    slice value) into ``folder`` (the folder being filled before it is published)."""
    text = json.dumps(report, indent=1, ensure_ascii=False)
    (folder / "report.json").write_text(scrub(text) + "\n", encoding="utf-8")
    (folder / "report.md").write_text(scrub(render_markdown(report)), encoding="utf-8")
    (folder / "report.html").write_text(scrub(render_html(report, worst=worst)), encoding="utf-8")
