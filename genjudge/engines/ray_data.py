"""The Ray engine: the row-wise checks' per-item work as Ray Data tasks over blocks of item rows.

The driver (this process) keeps the frame, every check's whole-set summary and the checks that are
not row-wise: the judge checks (their calls go through the run's one judge client, its cache, rate
limiter, retries and cost meter: the served model's rate limit is the bound there, not the CPU),
embedding similarity (one encoder and its cache) and the set-level checks (calibration, label
metrics, distribution distance). The row-wise checks (:class:`~genjudge.checks.base.RowwiseCheck`)
are prepared on the whole frame, then ``map_batches`` runs their :meth:`score_rows` on blocks of
consecutive rows; the blocks' rows come back in order and each check's :meth:`summarize` makes
exactly the result the local engine makes.

Which cluster: ``address`` (``"auto"``, ``"ray://host:10001"``, ``"host:6379"``), else the
``RAY_ADDRESS`` environment variable, else a local cluster of ``workers`` CPUs started for the run
and stopped after it (:func:`start_local_cluster`: it listens on 127.0.0.1 only). A cluster this
process was already connected to is used as it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import pickle
import time
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from genjudge.checks.base import CheckResult, RunContext, concat_results
from genjudge.engines.base import OnFinished, split_rowwise
from genjudge.errors import ConfigError

__all__ = ["LOOPBACK", "RayEngine", "start_local_cluster"]

LOOPBACK = "127.0.0.1"
"""The address a local cluster's node, GCS, raylet and workers listen on."""
_LOOPBACK_SWITCH = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
DEFAULT_BLOCK_ROWS = 20_000
"""Rows per Ray Data block (one task scores one block with every row-wise check)."""


class RayEngine:
    """Row-wise checks on a Ray cluster through Ray Data; the rest on the driver (module docstring)."""

    name = "ray"

    def __init__(
        self, address: str | None = None, workers: int | None = None, block_rows: int = DEFAULT_BLOCK_ROWS
    ) -> None:
        if workers is not None and workers < 1:
            raise ConfigError(f"--workers must be at least 1, got {workers}")
        if block_rows < 1:
            raise ConfigError(f"block_rows must be at least 1, got {block_rows}")
        if importlib.util.find_spec("ray") is None:  # refused before the run starts, not in its middle
            raise ConfigError(_MISSING)
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.workers = workers
        self.block_rows = block_rows
        self.blocks_scored = 0
        """Blocks the last run's Ray Data tasks scored (what the cluster did, for the record)."""
        self.timings: dict[str, float] = {}
        """The last run's seconds on the driver: ``prepare``, ``cluster`` (from shipping the blocks to
        the last rows back, a cluster started for the run included), ``summarize``."""

    async def score(
        self, frame: pd.DataFrame, checks: list[Any], ctx: RunContext, on_finished: OnFinished
    ) -> list[CheckResult]:
        """One result per check, in the order of ``checks``; equal to the local engine's."""
        rowwise, others = split_rowwise(checks)
        if frame.empty:  # nothing to distribute
            rowwise, others = [], list(range(len(checks)))
        results: list[CheckResult | None] = [None] * len(checks)

        async def local(i: int) -> None:
            results[i] = await checks[i].score(frame, ctx)
            on_finished(checks[i].name)

        async def distributed() -> None:
            if not rowwise:
                return
            clock = time.perf_counter()
            prepared = [checks[i].prepare(frame) for i in rowwise]
            self.timings["prepare"] = time.perf_counter() - clock
            clock = time.perf_counter()
            rows = await asyncio.to_thread(self._score_rows, frame, prepared, ctx)
            self.timings["cluster"] = time.perf_counter() - clock
            clock = time.perf_counter()
            for i, check, part in zip(rowwise, prepared, rows, strict=True):
                results[i] = check.summarize(frame, part, ctx)
                on_finished(check.name)
            self.timings["summarize"] = time.perf_counter() - clock

        await asyncio.gather(distributed(), *(local(i) for i in others))
        return [r for r in results if r is not None]

    def _score_rows(self, frame: pd.DataFrame, checks: list[Any], ctx: RunContext) -> list[CheckResult]:
        """Every check's per-item rows, block by block on the cluster, joined in row order."""
        ray = _import_ray()
        started = self._connect(ray)
        try:
            worker_ctx = RunContext(
                task=ctx.task, seed=ctx.seed, workdir=ctx.workdir, confidence=ctx.confidence
            )
            starts = range(0, len(frame), self.block_rows)
            with warnings.catch_warnings():
                # Ray Data's own DataContext sets a deprecated field of itself on creation.
                warnings.simplefilter("ignore", DeprecationWarning)
                data_context = ray.data.DataContext.get_current()
            data_context.enable_progress_bars = False  # the run's own progress display stays the one shown
            logging.getLogger("ray.data").setLevel(logging.WARNING)
            logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "bars disabled"
            dataset = ray.data.from_pandas([frame.iloc[s : s + self.block_rows] for s in starts])
            scored = dataset.map_batches(
                _BlockScorer(checks, worker_ctx),
                batch_format="pandas",
                batch_size=None,  # one task per block, as built above
                compute=ray.data.TaskPoolStrategy(size=self.workers) if self.workers else None,
            )
            parts = sorted(
                ((int(r["start"]), pickle.loads(r["rows"])) for r in scored.iter_rows()),
                key=lambda kv: kv[0],
            )
        finally:
            if started:
                ray.shutdown()
        self.blocks_scored = len(parts)
        # Ray Data may split a block it finds too large: the parts must tile the rows exactly, in order.
        at = 0
        for start, rows in parts:
            if start != at:
                raise RuntimeError(
                    f"the Ray job returned rows from {start}, expected {at}: rows lost or repeated"
                )
            at += len(rows[0].status) if rows else 0
        if at != len(frame):
            raise RuntimeError(f"the Ray job returned {at} rows of {len(frame)}")
        return [concat_results([p[k] for _, p in parts]) for k in range(len(checks))]

    def _connect(self, ray: Any) -> bool:
        """Join the configured cluster, or start a local one; True when this call started it."""
        if ray.is_initialized():
            return False
        if self.address:
            # A cluster on 127.0.0.1 (start_local_cluster) is joined with Ray's one-machine switch
            # on: without it Ray swaps 127.0.0.1 for the host's external address, where nothing listens.
            with _loopback() if _is_loopback(self.address) else contextlib.nullcontext():
                ray.init(address=self.address, include_dashboard=False, log_to_driver=False)
            return True
        start_local_cluster(ray, num_cpus=self.workers, include_dashboard=False, log_to_driver=False)
        return True


def start_local_cluster(ray: Any, **options: Any) -> None:
    """``ray.init(**options)`` for a cluster on this machine whose every process listens on 127.0.0.1.

    Ray turns ``_node_ip_address="127.0.0.1"`` into the host's routable address (so that other
    nodes can reach it) and then listens on every interface. Its own switch for a one-machine
    cluster, ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` (the default on macOS and Windows), keeps the
    node on the loopback address; Ray reads it when imported, so the flag it sets is set here too
    while the cluster starts. The node's address is then checked: anything but 127.0.0.1 stops the
    cluster and raises.
    """
    with _loopback():
        ray.init(**options)
    addresses = {node["NodeManagerAddress"] for node in ray.nodes()}
    if addresses != {LOOPBACK}:
        ray.shutdown()
        raise RuntimeError(f"the local Ray cluster took the address(es) {sorted(addresses)}, not {LOOPBACK}")


@contextlib.contextmanager
def _loopback() -> Iterator[None]:
    """Ray's one-machine switch on while a cluster is started or joined (see start_local_cluster)."""
    from ray._private import ray_constants

    before_env, before_flag = os.environ.get(_LOOPBACK_SWITCH), ray_constants.ENABLE_RAY_CLUSTER
    os.environ[_LOOPBACK_SWITCH] = "0"  # for the processes Ray starts (GCS, raylet, workers)
    ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        ray_constants.ENABLE_RAY_CLUSTER = before_flag
        if before_env is None:
            os.environ.pop(_LOOPBACK_SWITCH, None)
        else:
            os.environ[_LOOPBACK_SWITCH] = before_env


def _is_loopback(address: str) -> bool:
    """Whether a cluster address (``host:port``, ``ray://host:port``) names this machine's loopback."""
    host = address.removeprefix("ray://").rsplit(":", 1)[0].strip("[]")
    return host in ("127.0.0.1", "localhost", "::1")


class _BlockScorer:
    """The Ray Data task: every row-wise check over one block of rows (pickled per-item results out)."""

    def __init__(self, checks: list[Any], ctx: RunContext) -> None:
        self.checks = checks
        self.ctx = ctx

    def __call__(self, block: pd.DataFrame) -> dict[str, np.ndarray]:
        start = int(block.index[0]) if len(block) else 0
        rows = block.reset_index(drop=True)
        results = [check.score_rows(rows, self.ctx) for check in self.checks]
        payload = np.empty(1, dtype=object)
        payload[0] = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
        return {"start": np.array([start]), "rows": payload}


_MISSING = "--engine ray needs Ray Data: pip install 'genjudge[ray]' (or pip install 'ray[data]')"


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise ConfigError(_MISSING) from None
    return ray
