"""``genjudge generate`` and ``genjudge loadtest``: teacher and student through one harness."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from genjudge.cli.common import EXIT_RUN_FAILED, fail_cleanly


def register(app: typer.Typer) -> None:
    """Add ``generate`` and ``loadtest`` to ``app``."""
    app.command("generate")(generate_command)
    app.command("loadtest")(loadtest_command)


def _money(cost: float | None) -> str:
    return "unknown" if cost is None else f"${cost:.4f}"


def _num(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:.3g}{unit}" if value < 100 else f"{value:.0f}{unit}"


@fail_cleanly
def generate_command(
    config_path: Annotated[Path, typer.Argument(metavar="CONFIG", help="Generate config (.yaml or .toml).")],
    side: Annotated[str, typer.Option(help="teacher, student or both.")] = "both",
    limit: Annotated[int | None, typer.Option(help="Only the set's first N rows.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Send the set's inputs to the teacher and the student the same way; write their outputs."""
    from genjudge.cli.progress import progress_display
    from genjudge.errors import ConfigError
    from genjudge.generation import generate

    if side not in ("teacher", "student", "both"):
        raise ConfigError(f"--side must be teacher, student or both, got {side!r}")
    sides = ("teacher", "student") if side == "both" else (side,)
    with progress_display(quiet=quiet) as progress:
        result = generate(config_path, sides=sides, limit=limit, progress=progress)
    for r in result.sides.values():
        typer.echo(f"{r.side}: {r.path} (settings: {r.settings_path.name})")
        typer.echo(
            f"  rows {r.rows} · calls {r.calls} · errors {r.errors} · resumed {r.cached} · "
            f"wall {_num(r.wall_s, ' s')} · {_num(r.calls_per_s)} calls/s · "
            f"tokens {r.input_tokens} in / {r.output_tokens} out · cost {_money(r.cost_usd)}"
        )
    for difference in result.differences:
        typer.secho(f"warning: teacher and student differ: {difference}", err=True, fg=typer.colors.YELLOW)
    if result.errors:
        typer.secho(
            f"{result.errors} call(s) failed after their retries: their rows carry `error`; "
            "run the same command again to retry only those",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(EXIT_RUN_FAILED)


@fail_cleanly
def loadtest_command(
    config_path: Annotated[Path, typer.Argument(metavar="CONFIG", help="Generate config (.yaml or .toml).")],
    budget_ms: Annotated[float, typer.Option(help="Latency budget: P95 must stay within it.")],
    side: Annotated[str, typer.Option(help="teacher or student.")] = "student",
    levels: Annotated[str, typer.Option(help="Concurrency levels, comma-separated.")] = "1,2,4,8,16",
    requests: Annotated[int, typer.Option(help="Calls per level (the set's rows cycled).")] = 40,
    max_seconds: Annotated[float, typer.Option(help="Stop once the test has run this long.")] = 120.0,
) -> None:
    """Throughput at a latency budget: the highest rate whose P95 latency stays within it."""
    from genjudge.errors import ConfigError
    from genjudge.generation import loadtest

    try:
        steps = [int(x) for x in levels.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"--levels must be integers separated by commas, got {levels!r}") from None
    result = loadtest(
        config_path,
        side=side,
        budget_ms=budget_ms,
        levels=steps,
        requests=requests,
        max_seconds=max_seconds,
    )
    typer.echo(
        f"{'concurrency':>11} {'requests':>8} {'errors':>6} {'wall s':>7} {'rate/s':>7} {'p50 ms':>8} {'p95 ms':>8}"
    )
    for lv in result.levels:
        mark = " *" if lv is result.best else ""
        typer.echo(
            f"{lv.concurrency:>11} {lv.requests:>8} {lv.errors:>6} {lv.wall_s:>7.2f} {lv.rate_per_s:>7.2f} "
            f"{_num(lv.p50_ms):>8} {_num(lv.p95_ms):>8}{mark}"
        )
    best = result.best
    if best is None:
        typer.echo(f"best: none: no level kept P95 within {budget_ms:g} ms without errors")
    else:
        typer.echo(
            f"best: {best.rate_per_s:g} calls/s at concurrency {best.concurrency} (P95 {best.p95_ms:g} ms "
            f"<= {budget_ms:g} ms)"
        )
    typer.echo(f"stopped: {result.stopped}")
    typer.echo(f"written: {result.path}")
