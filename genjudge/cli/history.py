"""``genjudge validations [list | show ID]``: the recorded judge validation decisions.

Each command names the store it read (on stderr, so piped output stays clean).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from genjudge.cli.common import fail_cleanly
from genjudge.redact import redact

validations_app = typer.Typer(
    help="Recorded judge validation decisions (a bare `genjudge validations` lists them).",
    invoke_without_command=True,
)

StoreOption = Annotated[
    str | None,
    typer.Option(help="Store URL or SQLite path (default: the project's .genjudge/genjudge.db)."),
]


def register(app: typer.Typer) -> None:
    """Add the ``validations`` group to ``app``."""
    app.add_typer(validations_app, name="validations")


def store_url(store: str | None) -> str:
    """The store a listing command reads, announced on stderr."""
    from genjudge.store import resolve_url

    url = resolve_url(store)
    typer.echo(f"store: {redact(url)}", err=True)
    return url


@validations_app.callback()
def _default(ctx: typer.Context, store: StoreOption = None) -> None:
    if ctx.invoked_subcommand is None:
        validations_list(store)


@validations_app.command("list")
@fail_cleanly
def validations_list(store: StoreOption = None) -> None:
    """List recorded decisions, newest first: id, time, verdict, judge, rubric, sample, alpha."""
    from genjudge.validation import list_decisions

    decisions = list_decisions(store_url(store))
    if not decisions:
        typer.echo("no validation decisions stored yet")
    for d in decisions:
        dims = ", ".join(
            f"{r.dimension} {r.primary.value:.3f}" if r.primary.value is not None else r.dimension
            for r in d.dimensions
        )
        typer.echo(
            f"{d.decision_id} {d.created_at:%Y-%m-%d %H:%M} {'accepted' if d.accepted else 'not accepted'} "
            f"({d.level}) {d.judge_provider}/{d.judge_model} {d.rubric_id}@{d.rubric_version} "
            f"{d.sample_name} [{dims}] on {d.population.in_words() if d.population else 'an unrecorded population'}"
        )


@validations_app.command("show")
@fail_cleanly
def validations_show(
    decision_id: Annotated[str, typer.Argument(help="Decision id (a unique prefix is enough).")],
    store: StoreOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole decision record as JSON.")] = False,
) -> None:
    """Print one recorded decision again: the verdict, the statistics, the explanation."""
    from genjudge.validation import get_decision
    from genjudge.validation.report import to_markdown

    decision = get_decision(store_url(store), decision_id)
    if as_json:
        typer.echo(json.dumps(json.loads(decision.model_dump_json()), indent=2, ensure_ascii=False))
    else:
        typer.echo(to_markdown(decision))
