"""Commands of judge validation: ``genjudge labels ...`` (import and inspect rated samples),
``genjudge validate`` (run or import a judge's verdicts, decide, record) and ``genjudge validations``
(the recorded decisions)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from genjudge.cli.common import fail_cleanly
from genjudge.redact import redact

labels_app = typer.Typer(
    help="Import and inspect human-rated samples (see human_labels/README.md).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add the validation commands to ``app``."""
    app.add_typer(labels_app, name="labels")
    app.command("validate")(validate)


@labels_app.command("import-summeval")
@fail_cleanly
def import_summeval(
    source: Annotated[
        Path, typer.Argument(help="summeval_per_annotator_1200.jsonl (with articles) or the _wide.csv.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the rated sample into.")],
    raters: Annotated[str, typer.Option(help="expert (3), turker (5) or all.")] = "expert",
    dimensions: Annotated[
        str, typer.Option(help="Comma-separated SummEval dimensions.")
    ] = "coherence,consistency,fluency,relevance",
) -> None:
    """Import SummEval's ratings as a genjudge rated sample."""
    from genjudge.labels import import_summeval as do_import
    from genjudge.labels import load_sample

    do_import(
        source, out, raters=raters, dimensions=tuple(d.strip() for d in dimensions.split(",") if d.strip())
    )
    _describe(load_sample(out), out)


@labels_app.command("import-pandalm")
@fail_cleanly
def import_pandalm(
    source: Annotated[Path, typer.Argument(help="pandalm_testset_pairs.jsonl")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the rated sample into.")],
) -> None:
    """Import PandaLM's annotations (dimensions preference and tie) and its judges' released verdicts."""
    from genjudge.labels import import_pandalm as do_import
    from genjudge.labels import load_sample

    do_import(source, out)
    _describe(load_sample(out), out)
    typer.echo(
        f"released judge verdicts: {', '.join(str(p) for p in sorted((out / 'verdicts').glob('*.csv')))}"
    )


@labels_app.command("sample")
@fail_cleanly
def sample(
    run_id: Annotated[str, typer.Argument(help="A stored run's id (a unique prefix is enough).")],
    rubric: Annotated[
        str,
        typer.Option(
            help="The judge rubric whose verdicts to rate (id or .toml path); a claim rubric "
            "(claim_support) draws the claims the run's judge_claims check judged."
        ),
    ],
    n: Annotated[
        int | None, typer.Option("--n", help="Items to draw (with --grow: more items to add).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="The sheet folder (default labels/<run id>-<rubric>).")
    ] = None,
    side: Annotated[
        str, typer.Option(help="Rubric scores: the output judged (student or teacher).")
    ] = "student",
    seed: Annotated[int, typer.Option(help="Seed of the draw (kept in the sheet; --grow reuses it).")] = 0,
    strata: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated strata: slice columns and `verdict` (default: every slice, verdict)."
        ),
    ] = None,
    grow: Annotated[
        bool, typer.Option("--grow", help="Add items to an existing sheet (design kept).")
    ] = False,
    target_width: Annotated[
        float | None,
        typer.Option(
            help="With --grow: draw as many as the label budget says bring the PPI interval to this width."
        ),
    ] = None,
    store: Annotated[
        str | None, typer.Option(help="Store URL or SQLite path (default: the run store).")
    ] = None,
) -> None:
    """Draw a seeded sample of a stored run's items into a rating sheet, stratified by slice and by the
    judge's verdict; --grow adds more later. Rate it with `genjudge labels rate`."""
    from genjudge.errors import ConfigError
    from genjudge.store import resolve_url
    from genjudge.validation.claim_sheet import sheet_source
    from genjudge.validation.sampling import draw

    url = resolve_store(store) or resolve_url(None)
    source = sheet_source(url, run_id, rubric, side)
    folder = out or Path("labels") / f"{source.run_id}-{source.rubric.id}"
    if target_width is not None:
        if not grow:
            raise ConfigError("--target-width sizes a --grow")
        from genjudge.validation.correct import labels_to_reach

        n, why = labels_to_reach(folder, url, target_width)
        typer.echo(why)
        if not n:
            return
    if n is None:
        raise ConfigError("say how many items to draw: --n N (or --grow --target-width W)")
    summary = draw(
        source,
        folder,
        n,
        seed=seed,
        strata=[s.strip() for s in strata.split(",")] if strata else None,
        grow=grow,
    )
    typer.echo(
        f"drew {summary.drawn} items (round {summary.round}) into {summary.sheet}: the sheet holds {summary.total} of "
        f"the run's {summary.population} items"
    )
    for stratum, (k, size) in summary.per_stratum.items():
        typer.echo(f"  {stratum}: {k} of {size}")
    typer.echo(
        f"next: genjudge labels rate {summary.sheet} --rater NAME   (then: genjudge validate {summary.sheet})"
    )


@labels_app.command("show")
@fail_cleanly
def show(sample: Annotated[Path, typer.Argument(help="Rated sample folder or manifest.")]) -> None:
    """Fingerprint, raters, dimensions and the humans' own agreement (alpha) per dimension."""
    from genjudge.labels import load_sample

    _describe(load_sample(sample), sample)


@labels_app.command("rate")
@fail_cleanly
def rate(
    sheet: Annotated[Path, typer.Argument(help="Rating sheet folder or manifest.")],
    rater: Annotated[str, typer.Option(help="Your rater name (letters, digits, -_.).")],
    dimension: Annotated[
        str | None,
        typer.Option("--dimension", "-d", help="Dimension to rate (default: the sheet's only one)."),
    ] = None,
) -> None:
    """Rate a sheet's items at the terminal, one key per rating; every rating is saved as it is given."""
    from genjudge.labels.rate import rate as run_screen

    code = run_screen(sheet, rater, dimension)
    if code:
        raise typer.Exit(code)


def _describe(s: Any, where: Path) -> None:
    from genjudge.stats import DegenerateInputError, krippendorff_alpha

    typer.echo(
        f"{s.manifest.name} at {where}: {len(s.item_ids())} items, {len(s.raters())} raters, fingerprint {s.fingerprint}"
    )
    for dim in s.dimensions:
        scale = s.scale(dim)
        _, raters, h = s.matrix(dim)
        try:
            value = krippendorff_alpha(
                h, level=scale.level, value_domain=scale.domain(), allow_more_raters=True
            ).value
            alpha = f"{value:.3f}"
        except DegenerateInputError as exc:
            alpha = f"undefined ({exc})"
        typer.echo(f"  {dim} ({scale.level}, {len(raters)} raters): alpha among the humans {alpha}")


@fail_cleanly
def validate(
    sample: Annotated[
        Path | None, typer.Argument(help="Rated sample folder or manifest (or set `sample` in --config).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="YAML with the keys of these options (flags override it).")
    ] = None,
    dimension: Annotated[
        list[str] | None,
        typer.Option(
            "--dimension", "-d", help="Dimension(s) to validate (default: every dimension of the sample)."
        ),
    ] = None,
    rubric: Annotated[
        str | None, typer.Option(help="Judge rubric id or .toml path (running a judge).")
    ] = None,
    field: Annotated[
        list[str] | None, typer.Option(help="RUBRIC_FIELD=ITEM_COLUMN (repeat), e.g. text_a=response1.")
    ] = None,
    provider: Annotated[str | None, typer.Option(help="Judge provider: local, openai or anthropic.")] = None,
    model: Annotated[str | None, typer.Option(help="Judge model name.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server URL.")] = None,
    cache: Annotated[
        Path | None,
        typer.Option(
            help="Judge call cache (SQLite file; default .genjudge/judge_cache.sqlite beside the store)."
        ),
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Make every judge call anew.")] = False,
    limit: Annotated[
        int | None, typer.Option(help="Judge a seeded random subset of this many items.")
    ] = None,
    stratify: Annotated[
        bool, typer.Option(help="With --limit: an equal share per human-consensus class.")
    ] = False,
    verdicts: Annotated[
        Path | None,
        typer.Option(
            help="Imported verdicts (item_id,dimension,value,status,reason) instead of running a judge."
        ),
    ] = None,
    only_verdict_items: Annotated[
        bool,
        typer.Option(
            "--only-verdict-items",
            help="Imported verdicts: validate on the items they cover only (default: items without a verdict are unscored).",
        ),
    ] = False,
    judge_model: Annotated[
        str | None, typer.Option(help="Imported verdicts: the judge model they come from.")
    ] = None,
    judge_provider: Annotated[
        str,
        typer.Option(
            help="Imported verdicts: the judge provider (other than imported: name the rubric too)."
        ),
    ] = "imported",
    rubric_id: Annotated[
        str | None,
        typer.Option(
            help="Imported verdicts: the judge's rubric id (required with --judge-provider; default for imported: the sample's)."
        ),
    ] = None,
    rubric_version: Annotated[
        str | None, typer.Option(help="Imported verdicts: the judge's rubric version (as --rubric-id).")
    ] = None,
    policy: Annotated[
        Path | None, typer.Option(help="Policy YAML/JSON (keys of genjudge.validation.Policy).")
    ] = None,
    resamples: Annotated[int | None, typer.Option(help="Bootstrap resamples (policy override).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the bootstrap and of --limit.")] = None,
    store: Annotated[
        str | None, typer.Option(help="Store URL or SQLite path (default: the run store).")
    ] = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not record the decision.")] = False,
    report: Annotated[Path | None, typer.Option(help="Write the decision as Markdown here.")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the decision record as JSON here.")
    ] = None,
    verdicts_out: Annotated[Path | None, typer.Option(help="Write the judge's verdicts (CSV) here.")] = None,
    target_width: Annotated[
        float | None,
        typer.Option(help="A sheet drawn from a run: the PPI interval width the label budget aims at."),
    ] = None,
    strict: Annotated[bool, typer.Option(help="Exit 1 when the judge is not accepted.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Measure a judge against the human ratings of a sample and decide whether to accept it.

    Either runs the judge (--rubric, --provider, --model...) or reads its verdicts (--verdicts).
    The decision is bound to the judge model, the rubric version and the sample fingerprint and is
    recorded in the store, where `genjudge run` looks it up.
    """
    from genjudge.api import ValidationConfig, run_validation
    from genjudge.cli.progress import progress_display
    from genjudge.errors import ConfigError
    from genjudge.progress import ProgressTracker
    from genjudge.validation.report import to_markdown

    judge = {"provider": provider, "model": model, "base_url": base_url, "cache_path": cache}
    flags = {
        "sample": sample,
        "dimensions": dimension,
        "rubric": rubric,
        "fields": field,
        "judge": {k: str(v) for k, v in judge.items() if v is not None} or None,
        "limit": limit,
        "stratify": stratify or None,  # an unset flag leaves the config's value
        "verdicts": verdicts,
        "only_verdict_items": only_verdict_items or None,
        "judge_model": judge_model,
        "judge_provider": judge_provider if judge_provider != "imported" else None,
        "rubric_id": rubric_id,
        "rubric_version": rubric_version,
        "policy_file": policy,
        "resamples": resamples,
        "seed": seed,
        "store": resolve_store(store),
        "record": False if no_store else None,
        "cache": False if no_cache else None,
        "verdicts_out": verdicts_out,
        "target_width": target_width,
    }
    if config is not None:
        cfg = ValidationConfig.load(config, flags)
    elif sample is None:
        raise ConfigError("name the rated sample (argument or `sample:` in --config)")
    else:
        cfg = ValidationConfig.build({k: v for k, v in flags.items() if v is not None}, source="options")
    with progress_display(quiet=quiet) as callback:
        outcome = run_validation(cfg, ProgressTracker(callback))
    d = outcome.decision
    typer.echo(
        f"{'ACCEPTED' if d.accepted else 'NOT ACCEPTED'} ({d.level}): {d.judge_provider}/{d.judge_model}, "
        f"rubric {d.rubric_id}@{d.rubric_version}, sample {d.sample_name} {d.sample_fingerprint[:12]}"
    )
    for line in d.explanation:
        typer.echo(f"  {line}")
    for line in d.warnings:
        typer.echo(f"  warning: {line}")
    if d.population is not None:
        typer.echo(
            f"  bound to {d.binding.in_words() if d.binding else d.judge_provider + '/' + d.judge_model}; population {d.population.in_words()}"
        )
    for line in outcome.corrected:
        typer.echo(f"  {line}")
    if outcome.store_url is not None:
        typer.echo(f"recorded decision {d.decision_id} in {redact(outcome.store_url)}")
    if report is not None:
        report.write_text(to_markdown(d), encoding="utf-8")
    if json_out is not None:
        json_out.write_text(d.model_dump_json(indent=2), encoding="utf-8")
    if strict and not d.accepted:
        raise typer.Exit(1)


def resolve_store(store: str | None) -> str | None:
    """--store is relative to the current folder (a config's `store:` to the config's)."""
    if store is None:
        return None
    from genjudge.store import resolve_url

    return resolve_url(store)
