"""`genjudge run --stream`: the streamed run's report against the local run's, number for number."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from genjudge import aggregate
from genjudge.api import evaluate_async, freeze
from genjudge.config import load_config
from genjudge.engines import stream_stats
from genjudge.errors import ConfigError, DuplicateIdError
from genjudge.io.evalset import load_set
from genjudge.run_stream import run_streamed
from tests.engines.extraction_set import write_extraction_set

REPO = Path(__file__).resolve().parents[2]


def _key(m):
    return (m.metric, m.subject, m.slice_column, m.slice_value, m.label)


def both(config_path: Path, tmp_path: Path, chunk_rows: int):
    """The local run's report and the streamed run's, of the same config."""
    local = asyncio.run(evaluate_async(config_path, store=str(tmp_path / "s.db"), write_report=False))
    streamed = run_streamed(
        load_config(config_path), config_dir=config_path.parent, chunk_rows=chunk_rows, write_report=False
    )
    return local.report, streamed.report


def assert_same_metrics(local, streamed, *, exact: bool = True):
    want = {_key(m): m for m in local.metrics}
    got = {_key(m): m for m in streamed.metrics}
    assert set(got) == set(want)
    for key, m in want.items():
        s = got[key]
        assert (s.n, s.n_unscored, s.too_small, s.critical, s.ci_method) == (
            m.n,
            m.n_unscored,
            m.too_small,
            m.critical,
            m.ci_method,
        ), key
        for field in ("value", "ci_low", "ci_high"):
            a, b = getattr(m, field), getattr(s, field)
            if exact:
                assert a == b, (key, field)
            else:
                assert b == pytest.approx(a, rel=1e-12, abs=1e-12), (key, field)
    return want


@pytest.mark.parametrize("chunk_rows", [7, 1000])
def test_streamed_slices_equal_the_local_run_on_an_extraction_set(tmp_path, chunk_rows):
    """Every metric on every slice (store = north / south / east), intervals included, to the bit:
    0/1 rates (Jeffreys), category counts (multinomial BCa) and continuous values (BCa over items)."""
    config_path = write_extraction_set(tmp_path / "ex", n=240, fields=True)
    local, streamed = both(config_path, tmp_path, chunk_rows)
    metrics = assert_same_metrics(local, streamed)
    methods = {m.ci_method for m in metrics.values()}
    assert {"jeffreys", "bca"} <= methods, methods
    assert {m.slice_value for m in metrics.values()} >= {None, "north", "south", "east"}
    assert streamed.counts == local.counts
    assert streamed.headline == local.headline
    assert streamed.slices == local.slices
    assert streamed.missing_outputs == local.missing_outputs
    assert streamed.outcome == local.outcome
    assert streamed.unscored_bounds == local.unscored_bounds
    assert streamed.verdict == local.verdict
    assert [f.code for f in streamed.findings] == [f.code for f in local.findings]
    # the whole-set sections of the checks that make them a chunk at a time: the local run's
    for name in ("exact_match", "format_rules", "json_structure"):
        assert streamed.sections[name] == local.sections[name], name
    schema_rows = local.sections["json_structure"]["schema_failures"]["rows"]
    rule_rows = local.sections["format_rules"]["rule_failures"]["rows"]
    assert len(schema_rows) >= 3 and sum(r[2] > 0 for r in rule_rows) >= 2  # something to get wrong
    assert "extraction_fields" not in streamed.sections and "extraction_fields" in local.sections
    said = [n for n in streamed.notes if not n.startswith("Streamed run:")]
    assert said and set(said) <= set(local.notes)
    assert any(n.startswith("Schema checked with") for n in said)
    assert streamed.notes[-1].endswith(
        "the whole-set sections of extraction_fields are not made (docs/scale.md)."
    )
    assert streamed.set == local.set


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _tickets(tmp_path: Path, *, every_reference: bool = False, **settings) -> Path:
    """A copy of examples/tickets scored by exact match (streamable), with ``settings`` in its config.
    Four of its items have no reference (their class is the teacher's label); ``every_reference``
    gives them the teacher's label as their reference (the set then frozen again)."""
    folder = tmp_path / "tickets"
    folder.mkdir(parents=True)
    for name in ("set.jsonl", "set.jsonl.manifest.json", "teacher.jsonl", "student.jsonl"):
        (folder / name).write_bytes((REPO / "examples" / "tickets" / name).read_bytes())
    if every_reference:
        teacher = {r["id"]: r["output"] for r in map(json.loads, _lines(folder / "teacher.jsonl"))}
        rows = [json.loads(line) for line in _lines(folder / "set.jsonl")]
        assert sum(r.get("reference") is None for r in rows) == 4
        lines = [json.dumps({**r, "reference": r.get("reference") or teacher[r["id"]]}) for r in rows]
        (folder / "set.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        freeze(folder / "set.jsonl", slices=["channel", "difficulty", "business_critical"])
    config = yaml.safe_load((REPO / "examples" / "tickets" / "genjudge.yaml").read_text(encoding="utf-8"))
    config.update(checks={"exact_match": {}}, bootstrap={"resamples": 200, "seed": 1}, **settings)
    (folder / "run.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder / "run.yaml"


def test_streamed_slices_equal_the_local_run_on_the_tickets_example(tmp_path):
    """Classification, a critical slice, a crossed slice and the rare classes' slice, on the example
    shipped with the package (exact match streamed)."""
    config_path = _tickets(tmp_path, slices=["channel", "difficulty*business_critical"], rare_class_share=0.1)
    local, streamed = both(config_path, tmp_path, 37)
    metrics = assert_same_metrics(local, streamed)
    assert any(m.critical for m in metrics.values())
    assert "hard*yes" in {m.slice_value for m in metrics.values()}
    # the classes under 10% of the set, counted before the pass: each its own rare_class group
    assert len(local.set.rare_classes) >= 2
    assert streamed.set.rare_classes == local.set.rare_classes
    assert streamed.set.slices == local.set.slices and streamed.set.slices[-1] == "rare_class"
    rare_groups = {m.slice_value for m in metrics.values() if m.slice_column == "rare_class"}
    assert rare_groups == set(local.set.rare_classes)
    assert streamed.slices == local.slices
    assert streamed.counts == local.counts
    assert streamed.verdict == local.verdict
    assert streamed.sections["exact_match"] == local.sections["exact_match"] == {"n_without_reference": 4}
    assert not any("are not made" in n for n in streamed.notes)  # exact match: nothing left out


@pytest.mark.parametrize("chunk_rows", [37, 1000])
def test_rare_classes_counted_from_the_references_alone(tmp_path, chunk_rows):
    """Every item has a reference: the first pass reads the set alone, and finds the local run's."""
    config_path = _tickets(tmp_path, every_reference=True, rare_class_share=0.1)
    local, streamed = both(config_path, tmp_path, chunk_rows)
    assert len(local.set.rare_classes) >= 2 and streamed.set.rare_classes == local.set.rare_classes
    metrics = assert_same_metrics(local, streamed)
    assert {m.slice_value for m in metrics.values() if m.slice_column == "rare_class"} == set(
        local.set.rare_classes
    )
    assert streamed.slices == local.slices


def test_no_rare_class_slice_without_a_share_or_a_rare_class(tmp_path):
    """No rare-class slice at a share of 0, nor at a share no class is under: as the local run."""
    for share in (0.0, 0.001):
        config_path = _tickets(tmp_path / str(share), rare_class_share=share)
        local, streamed = both(config_path, tmp_path / str(share), 50)
        assert local.set.rare_classes == streamed.set.rare_classes == []
        assert "rare_class" not in streamed.set.slices
        assert_same_metrics(local, streamed)


def test_a_classification_runs_per_example_files_carry_its_rare_classes(tmp_path):
    """examples.parquet of a streamed classification run: the local run's, rare_class column included,
    though some chunks hold no rare item (their part's column is empty)."""
    config_path = _tickets(tmp_path, rare_class_share=0.1)
    asyncio.run(
        evaluate_async(
            config_path, store=str(tmp_path / "s.db"), overrides={"report_dir": str(tmp_path / "local")}
        )
    )
    config = load_config(config_path).model_copy(update={"report_dir": tmp_path / "streamed"})
    run_streamed(config, config_dir=config_path.parent, chunk_rows=5)
    local = pd.read_parquet(tmp_path / "local" / "examples.parquet")
    streamed = pd.read_parquet(tmp_path / "streamed" / "examples.parquet")
    assert "rare_class" in local.columns and local["rare_class"].notna().any()
    assert any(local["rare_class"][k : k + 5].isna().all() for k in range(0, len(local), 5))
    assert list(streamed.columns) == list(local.columns)
    pd.testing.assert_frame_equal(streamed, local, check_dtype=False)
    worst = [_worst_section(tmp_path / folder / "report.html") for folder in ("local", "streamed")]
    assert worst[0] == worst[1]


def test_the_normal_limit_and_a_late_switch_to_continuous_values(tmp_path, monkeypatch):
    """Past RESAMPLE_LIMIT items a group takes the bootstrap's normal limit (moments merged chunk by
    chunk: equal to rounding); a slicing whose values pass MAX_CATEGORIES distinct numbers in a late
    chunk turns its kept codes back into values (then equal to the bit)."""
    config_path = write_extraction_set(tmp_path / "ex", n=240, fields=True)
    local_all, _ = both(config_path, tmp_path / "a", 1000)
    for module in (aggregate, stream_stats):
        monkeypatch.setattr(module, "RESAMPLE_LIMIT", 60)
        monkeypatch.setattr(module, "MAX_CATEGORIES", 3)
    local, streamed = both(config_path, tmp_path / "b", 11)
    metrics = assert_same_metrics(local, streamed, exact=False)
    methods = {m.ci_method for m in metrics.values()}
    assert "normal" in methods and "bca" in methods, methods
    assert local.metrics != local_all.metrics  # the patched limits changed the local run too


def test_a_duplicate_id_in_a_later_chunk_is_reported_as_the_local_reader_reports_it(tmp_path):
    config_path = write_extraction_set(tmp_path / "ex", n=30, fields=True)
    set_path = config_path.parent / "set.jsonl"
    lines = set_path.read_text(encoding="utf-8").splitlines()
    lines[25] = lines[25].replace('"id": "r25"', '"id": "r4"')
    set_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DuplicateIdError) as whole:
        load_set(set_path)
    with pytest.raises(DuplicateIdError) as streamed:
        run_streamed(load_config(config_path), config_dir=config_path.parent, chunk_rows=10)
    assert str(streamed.value) == str(whole.value)
    assert "set.jsonl:26:" in str(whole.value) and "first on line 5" in str(whole.value)


def test_seen_ids_hold_eight_bytes_an_id():
    from genjudge.io.chunks import SeenIds

    seen = SeenIds(Path("set.jsonl"))
    for start in range(0, 30_000, 10_000):
        ids = [f"item-{i}" for i in range(start, start + 10_000)]
        seen.add(ids, {i: n for n, i in enumerate(ids, start=start + 1)})
    assert seen.hashes.nbytes == 30_000 * 8
    assert (seen.hashes[1:] > seen.hashes[:-1]).all()


def test_embedding_similarity_streams_with_the_local_numbers(tmp_path):
    """The embedding check is row-wise, so a streamed run encodes a chunk at a time; with the
    vectors the local run left in the cache, every metric is the local run's to the bit."""
    config_path = write_extraction_set(tmp_path / "ex", n=120, fields=True)
    checks = {"embedding_similarity": {}, "exact_match": {}}
    local = asyncio.run(
        evaluate_async(
            config_path, store=str(tmp_path / "s.db"), write_report=False, overrides={"checks": checks}
        )
    )
    assert local.report.sections["embedding_similarity"]["encoding"]["encoded_now"] > 50
    config = load_config(config_path, {"checks": checks})
    streamed = run_streamed(config, config_dir=config_path.parent, chunk_rows=17, write_report=False)
    metrics = assert_same_metrics(local.report, streamed.report)
    assert any(k[0] == "embedding_similarity_score" for k in metrics)
    assert streamed.report.counts == local.report.counts


def test_a_check_that_needs_the_whole_set_is_refused_by_name(tmp_path):
    config_path = write_extraction_set(tmp_path / "ex", n=20, fields=True)
    config = load_config(config_path, {"checks": {"exact_match": {}, "calibration": {}}})
    with pytest.raises(
        ConfigError, match=r"'calibration' needs the whole set.*embedding_similarity, exact_match, extraction"
    ):
        run_streamed(config, config_dir=config_path.parent)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "genjudge", "run", *args], capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.parametrize("chunk_rows", [7, 1000])
def test_the_streamed_per_example_files_equal_the_local_runs(tmp_path, chunk_rows):
    """examples.parquet and examples.csv of a streamed run: the local run's rows and columns, every
    value equal (status, reason, every check's column), whether one chunk or 35 wrote them."""
    config_path = write_extraction_set(tmp_path / "ex", n=240, fields=True)
    config = load_config(config_path)
    asyncio.run(
        evaluate_async(
            config_path,
            store=str(tmp_path / "s.db"),
            overrides={"report_dir": str(tmp_path / "local")},
        )
    )
    config = config.model_copy(update={"report_dir": tmp_path / "streamed"})
    run_streamed(config, config_dir=config_path.parent, chunk_rows=chunk_rows)
    local = pd.read_parquet(tmp_path / "local" / "examples.parquet")
    streamed = pd.read_parquet(tmp_path / "streamed" / "examples.parquet")
    assert list(streamed.columns) == list(local.columns)
    assert len(streamed) == 240 and set(streamed["status"]) >= {"ok", "unscored"}
    pd.testing.assert_frame_equal(streamed, local, check_dtype=False)
    csv_local = pd.read_csv(tmp_path / "local" / "examples.csv")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "streamed" / "examples.csv"), csv_local)
    assert not any(p.name.startswith(".") for p in (tmp_path / "streamed").iterdir())
    # report.html: the worst examples per slice value, kept as the chunks came, are the local page's
    worst = [_worst_section(tmp_path / folder / "report.html") for folder in ("local", "streamed")]
    assert worst[0] == worst[1] and worst[0].count("items below the best score, the worst 3") == 3


def _worst_section(page: Path) -> str:
    found = re.search(r'<section id="examples">.*?</section>', page.read_text(encoding="utf-8"), re.S)
    assert found is not None, page
    return found.group(0)


def test_cli_stream_writes_the_report_and_refuses_what_it_cannot_stream(tmp_path):
    config_path = write_extraction_set(tmp_path / "ex", n=50, fields=True)
    out = tmp_path / "out"
    done = _cli(str(config_path), "--stream", "--chunk-rows", "9", "-q", "--out", str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["counts"]["items"] == 50 and report["sections"]["stream"]["chunks"] == 6
    assert sorted(p.name for p in out.iterdir()) == [
        "examples.csv",
        "examples.parquet",
        "report.html",
        "report.json",
        "report.md",
    ]
    assert "store: none" in done.stdout

    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["checks"]["calibration"] = {}
    (config_path.parent / "bad.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    refused = _cli(str(config_path.parent / "bad.yaml"), "--stream", "-q")
    assert refused.returncode != 0
    assert "'calibration' needs the whole set" in refused.stderr and "Traceback" not in refused.stderr
    assert _cli(str(config_path), "--chunk-rows", "9", "-q").returncode != 0  # --chunk-rows needs --stream


def test_the_manifest_is_read_without_its_row_hashes(tmp_path):
    from genjudge.io.evalset import read_manifest
    from genjudge.io.freeze_stream import manifest_head

    config_path = write_extraction_set(tmp_path / "ex", n=40, fields=True)
    set_path = config_path.parent / "set.jsonl"
    whole, head = read_manifest(set_path), manifest_head(set_path)
    assert head.row_hashes == {} and len(whole.row_hashes) == 40
    same = ("fingerprint", "rows", "columns", "slices", "path", "format", "created_at")
    assert [getattr(head, k) for k in same] == [getattr(whole, k) for k in same]


def test_a_set_changed_since_it_was_frozen_is_refused(tmp_path):
    from genjudge.errors import FingerprintMismatchError

    config_path = write_extraction_set(tmp_path / "ex", n=40, fields=True)
    for name in ("set.jsonl", "teacher.jsonl", "student.jsonl"):  # the last item dropped everywhere
        path = config_path.parent / name
        kept = [line for line in path.read_text(encoding="utf-8").splitlines(True) if '"r39"' not in line]
        path.write_text("".join(kept), encoding="utf-8")
    with pytest.raises(FingerprintMismatchError, match="39 rows, its manifest 40"):
        run_streamed(load_config(config_path), config_dir=config_path.parent, write_report=False)
