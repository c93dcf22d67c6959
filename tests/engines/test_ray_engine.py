"""`--engine ray` end to end on a local Ray cluster: the same report and table as the local engine.

The cluster is started here (2 CPUs, listening on 127.0.0.1 only) and shut down after the module. The Ray engine is
given small blocks so that every run is split over several Ray Data tasks.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from genjudge.api import evaluate_async
from genjudge.engines import make_engine
from tests.engines.extraction_set import write_extraction_set

ray = pytest.importorskip("ray", reason="ray is not installed: pip install 'genjudge[ray]'")
pytest.importorskip("ray.data", reason="Ray Data is not installed: pip install 'genjudge[ray]'")

REPO = Path(__file__).resolve().parents[2]
SROIE_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="module")
def cluster():
    """A local Ray cluster for the module's tests (workers import genjudge from this checkout)."""
    from genjudge.engines.ray_data import start_local_cluster

    start_local_cluster(
        ray,
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": {"PYTHONPATH": str(REPO)}},
    )
    yield
    ray.shutdown()


def both(config: Path, work: Path, **overrides):
    """The run of ``config`` on the local engine and on the Ray engine: (report, table) each."""
    runs, engines = {}, {}
    for name in ("local", "ray"):
        engine = make_engine("ray", block_rows=53, workers=2) if name == "ray" else make_engine("local")
        run = asyncio.run(
            evaluate_async(
                config,
                overrides={"report_dir": str(work / f"report-{name}"), **overrides},
                store=str(work / f"{name}.db"),
                engine=engine,
            )
        )
        runs[name], engines[name] = (run.report.model_dump(mode="json"), run.examples), engine
    n = len(runs["local"][1])
    assert engines["ray"].blocks_scored == -(-n // 53)  # every block went through Ray Data
    return runs["local"], runs["ray"]


def assert_same_run(local, distributed):
    (report_a, table_a), (report_b, table_b) = local, distributed
    for key in ("metrics", "counts", "findings", "sections", "notes", "headline", "outcome", "verdict"):
        assert report_a[key] == report_b[key], key
    assert {k: v for k, v in report_a.items() if k != "run"} == {
        k: v for k, v in report_b.items() if k != "run"
    }
    pd.testing.assert_frame_equal(table_a, table_b)


def test_the_cluster_listens_on_the_loopback_address_only(cluster):
    """Nothing of the test cluster is reachable from outside the machine: its node, its GCS and,
    where `ss` can tell, every socket its processes listen on are on 127.0.0.1."""
    assert {n["NodeManagerAddress"] for n in ray.nodes()} == {"127.0.0.1"}
    assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
    listening = _listening_addresses()
    if listening is None:
        pytest.skip("`ss` is not installed: the sockets' addresses were not listed")
    assert listening and all(a.startswith(("127.0.0.1:", "[::ffff:127.0.0.1]:")) for a in listening), (
        listening
    )


def _listening_addresses() -> list[str] | None:
    """The addresses this process's descendants (the cluster's processes) listen on, from `ss`."""
    import os
    import re

    if shutil.which("ss") is None or shutil.which("ps") is None:
        return None
    table = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    children: dict[int, list[int]] = {}
    for line in table.splitlines():
        pid, ppid = map(int, line.split())
        children.setdefault(ppid, []).append(pid)
    mine, todo = set(), [os.getpid()]
    while todo:
        pid = todo.pop()
        mine.add(pid)
        todo.extend(children.get(pid, []))
    sockets = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    return sorted(
        line.split()[3]
        for line in sockets.splitlines()
        if {int(p) for p in re.findall(r"pid=(\d+)", line)} & mine
    )


def test_extraction_checks_on_ray_give_the_local_numbers(cluster, tmp_path):
    config = write_extraction_set(tmp_path / "ex", n=240)
    local, distributed = both(config, tmp_path)
    assert_same_run(local, distributed)
    assert len(local[0]["metrics"]) > 50
    assert local[0]["counts"]["unscored"] > 0  # the set has unscored items, counted alike


def test_tickets_example_on_ray(cluster, tmp_path):
    """Classification: exact match runs on the cluster, the label and calibration checks here."""
    local, distributed = both(
        REPO / "examples" / "tickets" / "genjudge.yaml", tmp_path, bootstrap={"resamples": 200}
    )
    assert_same_run(local, distributed)


@pytest.mark.skipif(
    not (SROIE_DATA / "sroie" / "sroie_key_fields.jsonl").exists(),
    reason=f"needs the public data sets at {SROIE_DATA} (absent in a plain checkout)",
)
def test_sroie_example_on_ray(cluster, tmp_path):
    folder = tmp_path / "sroie"
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_sroie_example.py"), "--out", str(folder)],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    shutil.copy(REPO / "examples" / "sroie" / "config.yaml", folder / "config.yaml")
    checks = yaml.safe_load((folder / "config.yaml").read_text(encoding="utf-8"))["checks"]
    # The embedding check is compared on its own above: its section counts cache hits (the second
    # run would find the first one's) and blocks encoded apart differ in float32 rounding.
    checks = {k: v for k, v in checks.items() if k != "embedding_similarity"}
    local, distributed = both(folder / "config.yaml", tmp_path, bootstrap={"resamples": 200}, checks=checks)
    assert_same_run(local, distributed)
    assert local[0]["counts"]["items"] == 626


def test_embedding_is_encoded_on_the_cluster_with_the_local_numbers(cluster, tmp_path):
    """embedding_similarity is row-wise: Ray's workers encode blocks of 53 rows (into a cache file
    of their own here, so every text is encoded on the cluster); the driver makes the sections."""
    from genjudge.embed import EmbeddingCache

    config = write_extraction_set(tmp_path / "ex", n=240)
    runs = {}
    for name in ("local", "ray"):
        engine = make_engine("ray", block_rows=53, workers=2) if name == "ray" else make_engine("local")
        cache = tmp_path / f"{name}-embeddings.sqlite"
        run = asyncio.run(
            evaluate_async(
                config,
                overrides={
                    "report_dir": str(tmp_path / f"report-{name}"),
                    "checks": {"embedding_similarity": {"cache_path": str(cache)}},
                },
                store=str(tmp_path / f"{name}.db"),
                engine=engine,
            )
        )
        runs[name] = (run.report.model_dump(mode="json"), run.examples, engine, cache)
    (local, table_a, _, cache_a), (ray_report, table_b, ray_engine, cache_b) = runs["local"], runs["ray"]
    assert ray_engine.blocks_scored == 5
    enc_a = local["sections"]["embedding_similarity"]["encoding"]
    enc_b = ray_report["sections"]["embedding_similarity"]["encoding"]
    same = ("model_id", "texts", "unique_texts", "truncated", "max_seq_length")
    assert {k: enc_a[k] for k in same} == {k: enc_b[k] for k in same}
    assert enc_a["encoded_now"] == enc_a["unique_texts"] > 100 and enc_a["from_cache"] == 0
    # Per block, summed: a text met by two blocks is encoded by each, or found in the cache file
    # the other worker wrote.
    assert enc_b["encoded_now"] + enc_b["from_cache"] >= enc_b["unique_texts"]
    assert EmbeddingCache(cache_a).count() == enc_a["unique_texts"]
    assert EmbeddingCache(cache_b).count() == enc_b["unique_texts"]  # the workers wrote the cache
    cosines = [c for c in table_a.columns if c.endswith(".cosine")]
    assert len(cosines) == 3
    for column in cosines:
        np.testing.assert_allclose(table_b[column], table_a[column], rtol=0, atol=1e-6, equal_nan=True)
    assert table_a["status"].tolist() == table_b["status"].tolist()
    assert [(m["metric"], m["slice_value"], m["n"]) for m in local["metrics"]] == [
        (m["metric"], m["slice_value"], m["n"]) for m in ray_report["metrics"]
    ]
    for a, b in zip(local["metrics"], ray_report["metrics"], strict=True):
        for field in ("value", "ci_low", "ci_high"):
            if a[field] is not None:
                assert b[field] == pytest.approx(a[field], abs=1e-6), (a["metric"], field)


def test_cli_engine_ray_joins_the_running_cluster(cluster, tmp_path):
    """`genjudge run --engine ray` with RAY_ADDRESS set joins that cluster and stores the same numbers."""
    config = write_extraction_set(tmp_path / "ex", n=60)
    address = ray.get_runtime_context().gcs_address
    outs = {}
    for engine in ("local", "ray"):
        out = tmp_path / f"out-{engine}"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "genjudge",
                "run",
                str(config),
                "--engine",
                engine,
                "-q",
                "--store",
                str(tmp_path / f"{engine}.db"),
                "--out",
                str(out),
            ],
            capture_output=True,
            text=True,
            env={**_env(), "RAY_ADDRESS": address},
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        outs[engine] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert outs["local"]["metrics"] == outs["ray"]["metrics"]
    assert outs["local"]["counts"] == outs["ray"]["counts"]


def test_options_that_need_the_ray_engine_are_refused(tmp_path):
    config = write_extraction_set(tmp_path / "ex", n=10)
    done = subprocess.run(
        [sys.executable, "-m", "genjudge", "run", str(config), "--workers", "2", "-q"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert done.returncode != 0
    assert "--workers go with --engine ray" in done.stderr
    assert "Traceback" not in done.stderr


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(REPO)}
