"""``genjudge gate``: hold a stored run against a release policy; exit 0 on pass, 1 on fail."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from genjudge.cli.common import fail_cleanly
from genjudge.redact import redact

GATE_FAILED = 1
"""Exit status of a gate that failed (2 is a usage error, as everywhere)."""

BaselineOption = Annotated[
    str | None,
    typer.Option(
        help="Baseline run id for max_regression rules, or `previous` (the newest earlier run on the same set)."
    ),
]


def register(app: typer.Typer) -> None:
    """Add ``gate`` to ``app``."""
    app.command("gate")(gate)


def decide_and_write(
    store_url: str,
    policy: Any,
    run_id: str,
    baseline: str | None,
    *,
    junit: Path | None = None,
    markdown: Path | None = None,
    html: Path | None = None,
) -> Any:
    """Run the gate (``policy``: a GatePolicy or its file), print its lines, write the files asked for;
    returns the GateResult."""
    from genjudge.api import gate as run_gate
    from genjudge.gating.render import failure_lines, headline, to_html, to_junit, to_markdown

    result = run_gate(policy, run_id, baseline=baseline, store=store_url)
    for path, render in ((junit, to_junit), (markdown, to_markdown), (html, to_html)):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(result), encoding="utf-8")
    for note in result.notes:
        typer.secho(f"note: {note}", fg=typer.colors.YELLOW)
    for line in failure_lines(result):
        typer.secho(line, fg=typer.colors.RED)
    typer.secho(headline(result), fg=typer.colors.GREEN if result.passed else typer.colors.RED, bold=True)
    return result


@fail_cleanly
def gate(
    policy: Annotated[Path, typer.Argument(metavar="POLICY", help="Gate policy file (.yaml / .json).")],
    run: Annotated[str, typer.Option("--run", help="The run to gate (id or unique prefix).")],
    baseline: BaselineOption = None,
    store: Annotated[str | None, typer.Option(help="Store URL or SQLite path.")] = None,
    junit: Annotated[
        Path | None, typer.Option(help="Write JUnit XML here (one test case per metric × slice).")
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option(help="Write the Markdown summary (a PR comment) here.")
    ] = None,
    html: Annotated[Path | None, typer.Option(help="Write the HTML summary here.")] = None,
) -> None:
    """Hold a run against a release policy: exit 0 on pass, 1 on fail, 2 on a usage error."""
    from genjudge.store import resolve_url

    url = resolve_url(store)
    typer.echo(f"store: {redact(url)}", err=True)
    result = decide_and_write(url, policy, run, baseline, junit=junit, markdown=markdown, html=html)
    if not result.passed:
        raise typer.Exit(GATE_FAILED)
