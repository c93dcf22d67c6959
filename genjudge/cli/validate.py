"""Commands of judge validation: ``genjudge labels ...`` (import and inspect rated samples),
``genjudge validate`` (run or import a judge's verdicts, decide, record) and ``genjudge validations``
(the recorded decisions)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from genjudge.cli.common import fail_cleanly

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


@labels_app.command("show")
@fail_cleanly
def show(sample: Annotated[Path, typer.Argument(help="Rated sample folder or manifest.")]) -> None:
    """Fingerprint, raters, dimensions and the humans' own agreement (alpha) per dimension."""
    from genjudge.labels import load_sample

    _describe(load_sample(sample), sample)


def _describe(s: Any, where: Path) -> None:
    from genjudge.stats import DegenerateInputError, krippendorff_alpha

    typer.echo(
        f"{s.manifest.name} at {where}: {len(s.item_ids())} items, {len(s.raters())} raters, fingerprint {s.fingerprint}"
    )
    for dim in s.dimensions:
        scale = s.scale(dim)
        _, raters, h = s.matrix(dim)
        try:
            alpha = f"{krippendorff_alpha(h, level=scale.level, value_domain=scale.domain()).value:.3f}"
        except DegenerateInputError as exc:
            alpha = f"undefined ({exc})"
        typer.echo(f"  {dim} ({scale.level}, {len(raters)} raters): alpha among the humans {alpha}")


def _fields(pairs: list[str] | None) -> dict[str, str]:
    from genjudge.errors import ConfigError

    out = {}
    for p in pairs or []:
        if "=" not in p:
            raise ConfigError(f"--field takes RUBRIC_FIELD=ITEM_COLUMN, got {p!r}")
        k, v = p.split("=", 1)
        out[k.strip()] = v.strip()
    return out


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
    strict: Annotated[bool, typer.Option(help="Exit 1 when the judge is not accepted.")] = False,
) -> None:
    """Measure a judge against the human ratings of a sample and decide whether to accept it.

    Either runs the judge (--rubric, --provider, --model...) or reads its verdicts (--verdicts).
    The decision is bound to the judge model, the rubric version and the sample fingerprint and is
    recorded in the store, where `genjudge run` looks it up.
    """

    from genjudge.errors import ConfigError
    from genjudge.labels import load_sample
    from genjudge.validation import (
        Policy,
        decide,
        imported_source,
        read_verdicts,
        save_decision,
        write_verdicts,
    )
    from genjudge.validation.report import to_markdown
    from genjudge.validation.run import pick_items, run_judge_sync

    cfg: dict[str, Any] = {}
    base = Path(".")
    if config is not None:
        from genjudge.cli.common import read_yaml_file

        cfg = read_yaml_file(config)
        base = config.resolve().parent

    def opt(name: str, value: Any) -> Any:
        return value if value not in (None, []) else cfg.get(name)

    def path(value: Any) -> Path | None:
        # Flags are relative to the current folder, config values to the config's folder.
        if value is None or isinstance(value, Path):
            return value
        return Path(value) if Path(value).is_absolute() else base / value

    sample_path = path(opt("sample", sample))
    if sample_path is None:
        raise ConfigError("name the rated sample (argument or `sample:` in --config)")
    rated = load_sample(sample_path)
    pol_cfg = dict(cfg.get("policy") or {})
    pol_file = path(opt("policy_file", policy))
    if pol_file is not None:
        from genjudge.cli.common import read_yaml_file

        pol_cfg.update(read_yaml_file(pol_file))
    for k, v in (("resamples", resamples), ("seed", seed)):
        if v is not None:
            pol_cfg[k] = v
    try:
        pol = Policy.model_validate(pol_cfg)
    except ValueError as exc:
        raise ConfigError(f"invalid policy: {exc}") from None
    dims = list(opt("dimensions", dimension) or [])
    verdicts_path = path(opt("verdicts", verdicts))
    cost: dict[str, Any] = {}
    subset = None
    if verdicts_path is not None:
        frame = read_verdicts(verdicts_path, rated)
        n_limit, strat = opt("limit", limit), stratify or bool(cfg.get("stratify", False))
        if n_limit is not None:
            # The same seeded items a judge run with this --limit judges, so the fingerprints match.
            if strat and len(dims) != 1:
                raise ConfigError("--stratify needs exactly one --dimension")
            ids = pick_items(rated, dims[0] if len(dims) == 1 else None, n_limit, pol.seed, stratify=strat)  # type: ignore[arg-type]
            if len(ids) < len(rated.item_ids()):
                subset = f"seeded --limit {n_limit}, {len(ids)} of {len(rated.item_ids())} items"
                rated = rated.subset(ids)
        judged = sorted(set(frame["item_id"]) & set(rated.item_ids()))
        n_sample = len(rated.item_ids())
        if len(judged) < n_sample and opt("only_verdict_items", only_verdict_items or None):
            # Asked for explicitly: the decision is bound to, and names, the subset the verdicts cover.
            typer.echo(
                f"verdicts cover {len(judged)} of {n_sample} rated items; validating on those (--only-verdict-items)"
            )
            subset = (
                f"{subset}; " if subset else ""
            ) + f"the {len(judged)} of {n_sample} items with a verdict"
            rated = rated.subset(judged)
        elif len(judged) < n_sample:
            typer.echo(
                f"verdicts cover {len(judged)} of {n_sample} rated items; the others count as unscored (no verdict)"
            )
        source = imported_source(verdicts_path)
        j_provider = (
            opt("judge_provider", judge_provider if judge_provider != "imported" else None) or "imported"
        )
        j_model = opt("judge_model", judge_model) or Path(verdicts_path).stem
        r_id, r_version = opt("rubric_id", rubric_id), opt("rubric_version", rubric_version)
        if j_provider != "imported" and (r_id is None or r_version is None):
            # The decision binds the judge's rubric; the humans' rubric is no stand-in for a named judge's.
            raise ConfigError(
                f"verdicts of judge provider {j_provider!r} need --rubric-id and --rubric-version (the judge's rubric)"
            )
        r_id = r_id or rated.manifest.rubric.id
        r_version = str(r_version or rated.manifest.rubric.version)
    else:
        from genjudge.judge import JudgeSettings

        rubric_name = opt("rubric", rubric)
        if not rubric_name or len(dims) != 1:
            raise ConfigError(
                "running a judge needs --rubric and exactly one --dimension (or --verdicts FILE)"
            )
        judge_cfg = dict(cfg.get("judge") or {})
        for key in ("cache_path", "model_path", "prices_path"):
            if judge_cfg.get(key) is not None:
                judge_cfg[key] = str(path(str(judge_cfg[key])))  # relative to the config's folder
        for k, v in (("provider", provider), ("model", model), ("base_url", base_url), ("cache_path", cache)):
            if v is not None:
                judge_cfg[k] = str(v)
        if judge_cfg.get("cache_path") is None and not no_cache:
            # Cached like a run: in the .genjudge folder of the project (where the store is).
            from genjudge.store import default_store_path

            judge_cfg["cache_path"] = str(default_store_path(base).parent / "judge_cache.sqlite")
        if no_cache:
            judge_cfg["cache_path"] = None
        try:
            settings = JudgeSettings.model_validate(judge_cfg)
        except ValueError as exc:
            raise ConfigError(f"invalid judge settings: {exc}") from None
        ids = pick_items(
            rated,
            dims[0],
            opt("limit", limit),
            pol.seed,
            stratify=stratify or bool(cfg.get("stratify", False)),
        )
        if len(ids) < len(rated.item_ids(dims[0])):
            subset = (
                f"seeded --limit {opt('limit', limit)}, {len(ids)} of {len(rated.item_ids(dims[0]))} items"
            )
        rated = rated.subset(ids)  # the decision is bound to the items actually judged
        typer.echo(
            f"judging {len(ids)} items of {dims[0]!r} with {settings.provider}/{settings.model_name}, rubric {rubric_name}"
        )
        typer.echo(f"judge cache: {settings.cache_path or 'off (--no-cache)'}")
        frame, rub, cost = run_judge_sync(
            rated, settings, rubric_name, dims[0], ids, fields=_fields(opt("fields", field))
        )
        source, j_provider, j_model, r_id, r_version = (
            "judge run",
            settings.provider,
            settings.model_name,
            rub.id,
            rub.version,
        )
    if verdicts_out is not None:
        write_verdicts(verdicts_out, frame)
    decision = decide(
        rated,
        frame,
        judge_provider=j_provider,
        judge_model=j_model,
        rubric_id=r_id,
        rubric_version=r_version,
        verdicts_source=source,
        policy=pol,
        dimensions=dims or None,
        judge_cost=cost,
        subset=subset,
    )
    typer.echo(
        f"{'ACCEPTED' if decision.accepted else 'NOT ACCEPTED'} ({decision.level}): {j_provider}/{j_model}, rubric {r_id}@{r_version}, sample {rated.manifest.name} {rated.fingerprint[:12]}"
    )
    for line in decision.explanation:
        typer.echo(f"  {line}")
    if not no_store:
        from genjudge.store import resolve_url

        # A store path in the config is relative to the config's folder, like its other paths;
        # --store and $GENJUDGE_STORE to the current folder.
        from_cfg = store is None and cfg.get("store") is not None
        url = resolve_url(str(cfg["store"]), base=base) if from_cfg else resolve_url(store, start=base)
        save_decision(url, decision)
        typer.echo(f"recorded decision {decision.decision_id} in {url}")
    if report is not None:
        report.write_text(to_markdown(decision), encoding="utf-8")
    if json_out is not None:
        json_out.write_text(decision.model_dump_json(indent=2), encoding="utf-8")
    if strict and not decision.accepted:
        raise typer.Exit(1)
