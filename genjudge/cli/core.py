"""Commands of the evaluation core: freeze, run, runs list / show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from genjudge.cli.common import fail_cleanly
from genjudge.redact import redact

runs_app = typer.Typer(help="Read the history of runs from the store.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the core commands to ``app``."""
    app.command()(freeze)
    app.command("run")(run_command)
    app.add_typer(runs_app, name="runs")


@fail_cleanly
def freeze(
    set_path: Annotated[
        Path, typer.Argument(metavar="SET", help="Evaluation set: .jsonl, .csv or .parquet.")
    ],
    slice_: Annotated[
        list[str] | None, typer.Option("--slice", "-s", help="A slice column (repeat for several).")
    ] = None,
    stream: Annotated[
        bool,
        typer.Option(
            "--stream", help="Read the set a chunk at a time: the same manifest, in bounded memory."
        ),
    ] = False,
    chunk_rows: Annotated[
        int, typer.Option("--chunk-rows", min=1, help="Rows per chunk with --stream.")
    ] = 50_000,
) -> None:
    """Fingerprint an evaluation set and write SET.manifest.json beside it."""
    from genjudge.api import freeze as do_freeze
    from genjudge.io.evalset import manifest_path

    manifest = do_freeze(set_path, slice_ or [], stream=stream, chunk_rows=chunk_rows)
    typer.echo(f"froze {set_path}: {manifest.rows} rows, fingerprint {manifest.fingerprint}")
    typer.echo(f"slices: {', '.join(manifest.slices) or 'none'}; manifest: {manifest_path(set_path)}")


@fail_cleanly
def run_command(
    config_path: Annotated[
        Path | None,
        typer.Argument(
            metavar="[CONFIG]", help="Run config (.yaml, .yml or .toml); or give the flags below."
        ),
    ] = None,
    task: Annotated[
        str | None, typer.Option(help="Without CONFIG: classification, extraction or generation.")
    ] = None,
    set_path: Annotated[
        Path | None, typer.Option("--set", help="Without CONFIG: the frozen evaluation set.")
    ] = None,
    teacher: Annotated[Path | None, typer.Option(help="Without CONFIG: the teacher's outputs.")] = None,
    student: Annotated[Path | None, typer.Option(help="Without CONFIG: the student's outputs.")] = None,
    slice_: Annotated[
        list[str] | None,
        typer.Option("--slice", "-s", help="Slice column (repeatable; overrides the manifest's)."),
    ] = None,
    min_support: Annotated[int | None, typer.Option(help="Minimum slice size to trust (default 30).")] = None,
    store: Annotated[
        str | None,
        typer.Option(help="Store URL or SQLite path (default .genjudge/genjudge.db, or $GENJUDGE_STORE)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Report folder (default reports/<run id> beside the config).")
    ] = None,
    resamples: Annotated[int | None, typer.Option(help="Bootstrap resamples (overrides the config).")] = None,
    seed: Annotated[int | None, typer.Option(help="Bootstrap seed (overrides the config).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    gate: Annotated[
        Path | None,
        typer.Option(
            help="Then hold the run against this gate policy (gate.md/.xml/.html in the report folder)."
        ),
    ] = None,
    baseline: Annotated[
        str | None, typer.Option(help="With --gate: the baseline run id, or `previous`.")
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="Where the checks' per-item work runs: local (this process) or ray (a Ray cluster, "
            "with the ray extra installed; see docs/scale.md)."
        ),
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="With --engine ray: the cluster to join (auto, host:6379, ray://host:10001); "
            "default $RAY_ADDRESS, else a local cluster for the run."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="With --engine ray: parallel tasks (and the local cluster's CPUs)."),
    ] = None,
    stream: Annotated[
        bool,
        typer.Option(
            "--stream",
            help="Read the set and outputs a chunk at a time (bounded memory): row-wise checks only; "
            "stored with --store, the config's store:, $GENJUDGE_STORE or --gate (docs/scale.md).",
        ),
    ] = False,
    chunk_rows: Annotated[
        int | None, typer.Option(help="With --stream: items per chunk (default 50,000).")
    ] = None,
) -> None:
    """Score the student against the teacher and the reference; write the report and store the run."""
    from genjudge.api import evaluate
    from genjudge.cli.progress import progress_display
    from genjudge.cli.summary import print_summary
    from genjudge.errors import ConfigError

    if baseline is not None and gate is None:
        raise ConfigError("--baseline goes with --gate POLICY")
    if engine != "ray" and (ray_address is not None or workers is not None):
        raise ConfigError("--ray-address and --workers go with --engine ray")
    if chunk_rows is not None and not stream:
        raise ConfigError("--chunk-rows goes with --stream")
    if stream and engine != "local":
        raise ConfigError("--stream runs in this process: not with --engine")
    from genjudge.engines import make_engine

    engine_options = {"address": ray_address, "workers": workers} if engine == "ray" else {}
    run_engine = make_engine(engine, **engine_options)  # an unknown name fails before the run
    policy = None
    if gate is not None:  # checked before the run, not after it
        from genjudge.gating import load_policy

        policy = load_policy(gate)
    flags = {"task": task, "set": set_path, "teacher": teacher, "student": student}
    bootstrap = {k: v for k, v in (("resamples", resamples), ("seed", seed)) if v is not None}
    overrides: dict = {
        k: v
        for k, v in {"slices": slice_, "min_support": min_support, "bootstrap": bootstrap or None}.items()
        if v is not None
    }
    if out is not None:
        overrides["report_dir"] = str(out.resolve())
    if config_path is not None:
        if any(v is not None for v in flags.values()):
            raise ConfigError("give either CONFIG or --task/--set/--teacher/--student, not both")
        source: object = config_path
    else:
        absent = [f"--{k}" for k, v in flags.items() if v is None]
        if absent:
            raise ConfigError(f"without CONFIG, {', '.join(absent)} must be given")
        source = {k: str(v) for k, v in flags.items()}
    if stream:
        # A gate reads the stored run: a gated streamed run is stored, in the default store if none is named.
        result = evaluate(
            source,  # type: ignore[arg-type]
            overrides=overrides,
            store=store,
            stream=True,
            chunk_rows=chunk_rows,
            stored=policy is not None,
        )
    else:
        with progress_display(quiet=quiet) as progress:
            result = evaluate(source, overrides=overrides, store=store, progress=progress, engine=run_engine)  # type: ignore[arg-type]
    print_summary(result.report.model_dump(mode="json"), result.report_dir)
    if stream and result.store_url is None:
        typer.echo(
            "store: none (a streamed run is stored only with --store, the config's store: or $GENJUDGE_STORE)"
        )
    else:
        typer.echo(f"store: {redact(result.store_url or '')}")
    outcome = result.report.outcome or {}
    from genjudge.cli.common import EXIT_RUN_FAILED

    if outcome.get("status") == "failed":
        typer.secho(f"run failed: {outcome['why']}", err=True, fg=typer.colors.RED)
    if policy is not None and result.report_dir is not None:
        from genjudge.cli.gate import GATE_FAILED, decide_and_write

        folder = result.report_dir
        files = {
            k: folder / f"gate.{ext}" for k, ext in (("junit", "xml"), ("markdown", "md"), ("html", "html"))
        }
        verdict = decide_and_write(result.store_url or "", policy, result.record.run_id, baseline, **files)
        typer.echo(f"gate: {folder}/gate.md (also gate.xml, gate.html)")
        if not verdict.passed:
            raise typer.Exit(GATE_FAILED)
    if outcome.get("status") == "failed":
        raise typer.Exit(EXIT_RUN_FAILED)


@runs_app.command("list")
@fail_cleanly
def runs_list(
    store: Annotated[str | None, typer.Option(help="Store URL or SQLite path.")] = None,
    limit: Annotated[int, typer.Option(help="How many runs, newest first.")] = 20,
) -> None:
    """List stored runs, newest first."""
    from rich.console import Console
    from rich.table import Table

    from genjudge.store import RunStore, resolve_url
    from genjudge.store.runs import sqlite_path

    url = resolve_url(store)
    if (path := sqlite_path(url)) is not None and not path.is_file():
        typer.echo(f"no runs stored yet (no store at {path})")
        return
    typer.echo(f"store: {redact(url)}", err=True)
    run_store = RunStore(url, create=False)
    rows = run_store.list(limit)
    unfinished = run_store.unfinished(limit)
    if (rows or unfinished) and not Console().is_terminal:
        # Piped: one tab-separated line per run, nothing truncated (the whole id comes first).
        for r in rows:
            head = ",".join(
                f"{k}={v['value']:.3f}" for k, v in r["headline"].items() if v["value"] is not None
            )
            cells = [r["run_id"], r["created_at"][:19], r["name"] or "", r["task"], str(r["items"])]
            typer.echo("\t".join([*cells, r["set_fingerprint"], r.get("state") or "done", head]))
        for u in unfinished:
            cells = [u["run_id"], u["started_at"][:19], u["name"] or "", u["task"], "", ""]
            typer.echo("\t".join([*cells, u["status"], u["note"] or ""]))
        return
    table = Table("created", "name", "task", "items", "set", "state", "headline")
    table.add_column("run id", no_wrap=True)
    for r in rows:
        head = ", ".join(
            f"{k}={v['value']:.3f}" for k, v in list(r["headline"].items())[:3] if v["value"] is not None
        )
        state = r.get("state") or "done"
        table.add_row(
            r["created_at"][:19], r["name"] or "", r["task"], str(r["items"]), r["set_fingerprint"][:12],
            state, head, r["run_id"],
        )  # fmt: skip
    for u in unfinished:  # runs that started and were never stored (see genjudge.store.runs)
        table.add_row(
            u["started_at"][:19], u["name"] or "", u["task"], "", "", u["status"], u["note"] or "", u["run_id"]
        )  # fmt: skip
    console = Console() if Console().is_terminal else Console(width=200)
    console.print(table if rows or unfinished else "no runs stored yet")


@runs_app.command("show")
@fail_cleanly
def runs_show(
    run_id: Annotated[str, typer.Argument(help="Run id (a unique prefix is enough).")],
    store: Annotated[str | None, typer.Option(help="Store URL or SQLite path.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole report as JSON.")] = False,
) -> None:
    """Show one stored run: its summary, or with --json its whole report."""
    from genjudge.cli.summary import print_summary
    from genjudge.store import RunStore, resolve_url

    url = resolve_url(store)
    typer.echo(f"store: {redact(url)}", err=True)
    _, report = RunStore(url, create=False).get(run_id)
    if as_json:
        typer.echo(json.dumps(report, indent=1, ensure_ascii=False))
    else:
        print_summary(report, None)
