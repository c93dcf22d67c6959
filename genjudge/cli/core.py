"""Commands of the evaluation core: freeze, run, runs list / show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from genjudge.cli.common import fail_cleanly

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
) -> None:
    """Fingerprint an evaluation set and write SET.manifest.json beside it."""
    from genjudge.io.evalset import freeze as do_freeze
    from genjudge.io.evalset import manifest_path

    manifest = do_freeze(set_path, slice_ or [])
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
) -> None:
    """Score the student against the teacher and the reference; write the report and store the run."""
    from genjudge.cli.summary import print_summary
    from genjudge.config import config_from_dict, load_config
    from genjudge.errors import ConfigError
    from genjudge.runner import run

    flags = {"task": task, "set": set_path, "teacher": teacher, "student": student}
    overrides: dict = {
        k: v for k, v in {"slices": slice_, "min_support": min_support}.items() if v is not None
    }
    if out is not None:
        overrides["report_dir"] = str(out.resolve())
    if config_path is not None:
        if any(v is not None for v in flags.values()):
            raise ConfigError("give either CONFIG or --task/--set/--teacher/--student, not both")
        config = load_config(config_path, overrides)
        config_dir = config_path.resolve().parent
    else:
        absent = [f"--{k}" for k, v in flags.items() if v is None]
        if absent:
            raise ConfigError(f"without CONFIG, {', '.join(absent)} must be given")
        config_dir = Path.cwd()
        config = config_from_dict(
            {**{k: str(v) for k, v in flags.items()}, **overrides}, base=config_dir, source="flags"
        )
    if resamples is not None or seed is not None:
        bootstrap = config.bootstrap.model_copy(
            update={k: v for k, v in (("resamples", resamples), ("seed", seed)) if v is not None}
        )
        config = config.model_copy(update={"bootstrap": bootstrap})
    result = run(config, config_dir=config_dir, store=store)
    print_summary(result.report, result.report_dir)
    from genjudge.store import resolve_url

    base = config_dir if config.store and not store else None
    typer.echo(f"store: {resolve_url(store or config.store, base=base, start=config_dir)}")


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

    url = resolve_url(store)
    typer.echo(f"store: {url}", err=True)
    rows = RunStore(url).list(limit)
    console = Console()
    if rows and not console.is_terminal:
        # Piped: one tab-separated line per run, nothing truncated (the whole id comes first).
        for r in rows:
            head = ",".join(
                f"{k}={v['value']:.3f}" for k, v in r["headline"].items() if v["value"] is not None
            )
            cells = [r["run_id"], r["created_at"][:19], r["name"] or "", r["task"], str(r["items"])]
            typer.echo("\t".join([*cells, r["set_fingerprint"], head]))
        return
    table = Table("created", "name", "task", "items", "set", "headline")
    table.add_column("run id", no_wrap=True)
    for r in rows:
        head = ", ".join(
            f"{k}={v['value']:.3f}" for k, v in list(r["headline"].items())[:3] if v["value"] is not None
        )
        table.add_row(
            r["created_at"][:19],
            r["name"] or "",
            r["task"],
            str(r["items"]),
            r["set_fingerprint"][:12],
            head,
            r["run_id"],
        )
    console.print(table if rows else "no runs stored yet")


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
    typer.echo(f"store: {url}", err=True)
    _, report = RunStore(url).get(run_id)
    if as_json:
        typer.echo(json.dumps(report, indent=1, ensure_ascii=False))
    else:
        print_summary(report, None)
