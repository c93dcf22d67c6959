"""``genjudge monitor CONFIG``: one pass of production monitoring, for cron or CI.

Alerts are printed for the windows this pass recomputed and for the latest window (the current
state); older windows' alerts are history, on the page. Exit status: 0 done (alerts printed but not
fatal); 1 with ``--fail-on-alert`` when such a window breaches a threshold, or when the pass could
not do its job (e.g. the teacher labelled too few items); 2 for bad input or configuration (the
message names file, line and field).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genjudge.cli.common import EXIT_RUN_FAILED, fail_cleanly
from genjudge.redact import redact


def register(app: typer.Typer) -> None:
    """Add the ``monitor`` command to ``app``."""
    app.command("monitor")(monitor_command)


@fail_cleanly
def monitor_command(
    config_path: Annotated[Path, typer.Argument(metavar="CONFIG", help="Monitor config (.yaml).")],
    store: Annotated[
        str | None, typer.Option(help="Store URL or SQLite path (default: the config's, else the project's).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder for monitor.html and monitor.json (default: <config folder>/reports/monitor/<name>)."
        ),
    ] = None,
    fail_on_alert: Annotated[
        bool,
        typer.Option(
            "--fail-on-alert",
            help="Exit 1 when a recomputed or the latest window breaches a drift threshold.",
        ),
    ] = False,
) -> None:
    """Ingest new traffic, label it, compute sliced metrics and drift per window, and alert."""
    import asyncio

    from genjudge.monitor import alert_lines, load_monitor_config
    from genjudge.monitor.core import monitor_async
    from genjudge.monitor.page import terminal_table, write_outputs

    config, base = load_monitor_config(config_path)
    result = asyncio.run(monitor_async(config, base, store=store))
    typer.echo(f"store: {redact(result.store_url or '')}", err=True)
    typer.echo(
        f"monitor {result.name}: {result.new_items} new items"
        + (f" ({result.duplicates} repeated lines skipped)" if result.duplicates else "")
        + f", {len(result.recomputed)} of {len(result.windows)} windows recomputed"
        + (
            f"; teacher: {result.labelled_now} labelled, {result.teacher_attempts} calls sent, "
            f"{result.teacher_cache_hits} from cache"
            if config.teacher is not None
            else ""
        )
    )
    for reason, count in sorted(result.label_failures.items()):
        typer.echo(f"  unlabelled: {count} x {reason}")
    typer.echo(terminal_table(result))
    folder = out or base / "reports" / "monitor" / config.name
    html, js = write_outputs(result, config, folder)
    typer.echo(f"wrote {html} and {js}")
    for line in alert_lines(result, levels=("warn",)):
        typer.echo(line)
    alerts = alert_lines(result)
    for line in alerts:
        typer.secho(line, fg=typer.colors.RED)
    if result.failed:
        typer.secho(
            f"error: the monitor could not do its job: {result.failed}", err=True, fg=typer.colors.RED
        )
        raise typer.Exit(EXIT_RUN_FAILED)
    if alerts and fail_on_alert:
        raise typer.Exit(1)
