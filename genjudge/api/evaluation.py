"""``evaluate`` and ``freeze``: the run and the set's fingerprint as Python functions."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genjudge.api._sync import blocking
from genjudge.api.result import Run
from genjudge.errors import ConfigError

if TYPE_CHECKING:
    from genjudge.config import RunConfig
    from genjudge.engines import Engine
    from genjudge.progress import ProgressCallback
    from genjudge.records import SetManifest

__all__ = ["evaluate", "evaluate_async", "freeze", "resolve_config"]

_MERGED = frozenset({"bootstrap", "findings", "judge"})
"""Config sections whose overrides merge into the configured values rather than replace them."""


def resolve_config(
    config: RunConfig | Mapping[str, Any] | str | os.PathLike[str],
    *,
    config_dir: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[RunConfig, Path]:
    """The validated config and the folder its relative paths (and reports) belong to.

    ``config`` is a :class:`~genjudge.config.RunConfig`, a mapping of its keys, or the path of a YAML
    or TOML file. ``overrides`` replace its keys, except the sections ``bootstrap``, ``findings``
    and ``judge``, which are merged key by key (``{"bootstrap": {"seed": 3}}`` keeps the configured
    resamples and confidence; ``{"checks": {...}}`` is the new set of checks). Relative paths
    resolve against ``config_dir`` (default: the file's folder, or the current folder).
    """
    from genjudge.config import RunConfig, config_from_dict, load_config

    if isinstance(config, RunConfig):
        base = Path(config_dir) if config_dir is not None else Path.cwd()
        data: dict[str, Any] = config.model_dump()
        source = "config"
    elif isinstance(config, Mapping):
        base = Path(config_dir) if config_dir is not None else Path.cwd()
        data, source = dict(config), "config"
    else:
        path = Path(config)
        loaded = load_config(path.resolve())  # absolute paths: validating again leaves them be
        base = Path(config_dir) if config_dir is not None else path.resolve().parent
        data, source = loaded.model_dump(), str(path)
    merged = dict(data)
    for key, value in (overrides or {}).items():
        current = merged.get(key)
        if key in _MERGED and isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = {**current, **value}
        else:
            merged[key] = value
    return config_from_dict(merged, base=base, source=source), base


async def evaluate_async(
    config: RunConfig | Mapping[str, Any] | str | os.PathLike[str],
    *,
    config_dir: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    store: str | None = None,
    write_report: bool = True,
    progress: ProgressCallback | None = None,
    engine: str | Engine = "local",
    engine_options: Mapping[str, Any] | None = None,
    stream: bool = False,
    chunk_rows: int | None = None,
    stored: bool = False,
) -> Run:
    """Run an evaluation (see :func:`evaluate`) inside a running event loop."""
    from genjudge.engines import make_engine
    from genjudge.progress import ProgressTracker
    from genjudge.runner import run_async

    cfg, base = resolve_config(config, config_dir=config_dir, overrides=overrides)
    if (chunk_rows is not None or stored) and not stream:
        raise ConfigError("chunk_rows and stored go with stream=True")
    if stream:
        if engine != "local" or engine_options:
            raise ConfigError("a streamed run scores in this process: no engine")
        from genjudge.run_stream import DEFAULT_CHUNK_ROWS, run_streamed

        done = await asyncio.to_thread(
            run_streamed,
            cfg,
            config_dir=base,
            chunk_rows=chunk_rows or DEFAULT_CHUNK_ROWS,
            write_report=write_report,
            store=store,
            stored=stored,
        )
        import pandas as pd

        return Run(
            record=done.report.run,
            report=done.report,
            examples=pd.DataFrame(),
            report_dir=done.report_dir,
            store_url=done.store_url,
        )
    result = await run_async(
        cfg,
        config_dir=base,
        write_report=write_report,
        store=store,
        progress=ProgressTracker(progress),
        engine=make_engine(engine, **(engine_options or {})) if isinstance(engine, str) else engine,
    )
    return Run(
        record=result.record,
        report=result.model,
        examples=result.table,
        report_dir=result.report_dir,
        store_url=result.store_url,
    )


def evaluate(
    config: RunConfig | Mapping[str, Any] | str | os.PathLike[str],
    *,
    config_dir: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    store: str | None = None,
    write_report: bool = True,
    progress: ProgressCallback | None = None,
    engine: str | Engine = "local",
    engine_options: Mapping[str, Any] | None = None,
    stream: bool = False,
    chunk_rows: int | None = None,
    stored: bool = False,
) -> Run:
    """Score the student against the teacher and the reference, store the run and write its report.

    ``config``: a run config file (YAML or TOML), a mapping of its keys, or a ``RunConfig``.
    ``store``: a store URL or SQLite path (default: the config's, else ``$GENJUDGE_STORE``, else
    ``.genjudge/genjudge.db``). ``write_report=False`` stores the run without writing report files.
    ``progress`` is called with a :class:`~genjudge.progress.ProgressEvent` at every stage, check and
    judge call. Works where an event loop runs too (a notebook cell). Bad input raises :class:`~genjudge.errors.ConfigError` or ``InputError`` naming the
    file and field. This is the command ``genjudge run``.
    ``engine``: where the checks' per-item work runs, ``"local"`` (this process) or ``"ray"`` (a Ray
    cluster; ``engine_options``: ``address``, ``workers``), or an engine object (docs/scale.md).
    ``stream=True``: the row-wise checks over the set a chunk of ``chunk_rows`` items at a time
    (bounded memory; :mod:`genjudge.run_stream`): the report has every metric per slice and
    ``examples`` is empty (docs/scale.md); a check that needs the whole set is refused with a
    ConfigError naming it. A streamed run is stored only where a store is named (``store``, the
    config's ``store:``, ``$GENJUDGE_STORE``) or ``stored=True`` (then in the default store).
    """

    def work() -> Run:
        return asyncio.run(
            evaluate_async(
                config,
                config_dir=config_dir,
                overrides=overrides,
                store=store,
                write_report=write_report,
                progress=progress,
                engine=engine,
                engine_options=engine_options,
                stream=stream,
                chunk_rows=chunk_rows,
                stored=stored,
            )
        )

    return blocking(work)


def freeze(
    set_path: str | os.PathLike[str],
    slices: list[str] | tuple[str, ...] = (),
    *,
    stream: bool = False,
    chunk_rows: int = 50_000,
) -> SetManifest:
    """Fingerprint an evaluation set and write ``SET.manifest.json`` beside it (``genjudge freeze``).

    ``stream``: read the set ``chunk_rows`` rows at a time (a set too large for memory); the
    manifest written is the same, and the one returned has no ``row_hashes`` (they stay in the file).
    """
    if stream:
        from genjudge.io.freeze_stream import freeze_streamed

        return freeze_streamed(Path(set_path), list(slices), chunk_rows=chunk_rows)
    from genjudge.io.evalset import freeze as do_freeze

    return do_freeze(Path(set_path), list(slices))
