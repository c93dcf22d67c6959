"""``genjudge compare``: two runs on the same frozen set, item by item."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from genjudge.cli.common import fail_cleanly
from genjudge.redact import redact


def register(app: typer.Typer) -> None:
    """Add ``compare`` to ``app``."""
    app.command("compare")(compare)


@fail_cleanly
def compare(
    run_a: Annotated[str | None, typer.Argument(help="Baseline run id (a unique prefix is enough).")] = None,
    run_b: Annotated[str | None, typer.Argument(help="Candidate run id.")] = None,
    latest: Annotated[
        int | None,
        typer.Option(help="Instead of ids: the newest run against the N-th newest (2 = the one before)."),
    ] = None,
    name: Annotated[str | None, typer.Option(help="With --latest: only runs of this config name.")] = None,
    store: Annotated[str | None, typer.Option(help="Store URL or SQLite path.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Folder for compare.md, compare.json and compare.html.")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="What to print: md, json or html.")] = "md",
    adjust: Annotated[
        str, typer.Option(help="Multiplicity control across the table: holm (family-wise) or bh (FDR).")
    ] = "holm",
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap intervals.")] = 0,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            help="Compare only metrics matching this pattern (repeat; '*' for all). Default: all but the "
            "calibration and distribution-distance diagnostics."
        ),
    ] = None,
) -> None:
    """Compare run B with run A on the same set: per metric and slice, B − A with its interval and test."""
    from genjudge.api import compare as run_compare
    from genjudge.comparison.render import to_html, to_markdown
    from genjudge.errors import ConfigError
    from genjudge.store import resolve_url

    if output_format not in ("md", "json", "html"):
        raise ConfigError(f"--format must be md, json or html, not {output_format!r}")
    url = resolve_url(store)
    c = run_compare(
        run_a, run_b, latest_n=latest, name=name, store=url, adjust=adjust, seed=seed, metrics=metric
    )
    typer.echo(f"store: {redact(url)}", err=True)
    renderers = {
        "md": to_markdown,
        "json": lambda c: json.dumps(c.as_json(), indent=1, ensure_ascii=False) + "\n",
        "html": to_html,
    }
    # Only what is printed or written is rendered.
    texts = {ext: render(c) for ext, render in renderers.items() if out is not None or ext == output_format}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for ext, text in texts.items():
            (out / f"compare.{ext}").write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}/compare.md, compare.json, compare.html", err=True)
    typer.echo(texts[output_format], nl=False)
