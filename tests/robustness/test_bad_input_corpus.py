"""The bad-input corpus: every case exits 2 with one clear message and writes nothing.

Each case breaks one thing in a small, valid classification project (set, manifest, outputs,
config, store, report folder) or extraction project (schema), runs the real CLI, and asserts:
exit status 2, no traceback, the file and line (and field, where there is one) in the message,
and nothing written: no store file, no report folder, no cache.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.robustness.conftest import classification_project, cli, written

Mutation = Callable[[Path], None]


def put_line(name: str, number: int, text: str) -> Mutation:
    """Replace line ``number`` (1-based) of ``name`` with ``text``."""

    def mutate(folder: Path) -> None:
        lines = (folder / name).read_text(encoding="utf-8").split("\n")
        lines[number - 1] = text
        (folder / name).write_text("\n".join(lines), encoding="utf-8")

    return mutate


def put_row(name: str, number: int, **fields) -> Mutation:
    """Line ``number`` of a JSONL file with ``fields`` changed (a value of ... removes the key)."""

    def mutate(folder: Path) -> None:
        lines = (folder / name).read_text(encoding="utf-8").split("\n")
        row = json.loads(lines[number - 1])
        for k, v in fields.items():
            if v is ...:
                row.pop(k, None)
            else:
                row[k] = v
        lines[number - 1] = json.dumps(row, ensure_ascii=False)
        (folder / name).write_text("\n".join(lines), encoding="utf-8")

    return mutate


def put_bytes(name: str, data: bytes) -> Mutation:
    def mutate(folder: Path) -> None:
        (folder / name).write_bytes(data)

    return mutate


def raw_line(name: str, number: int, data: bytes) -> Mutation:
    def mutate(folder: Path) -> None:
        lines = (folder / name).read_bytes().split(b"\n")
        lines[number - 1] = data
        (folder / name).write_bytes(b"\n".join(lines))

    return mutate


def config(**changes) -> Mutation:
    def mutate(folder: Path) -> None:
        data = yaml.safe_load((folder / "run.yaml").read_text())
        for k, v in changes.items():
            if v is ...:
                data.pop(k, None)
            else:
                data[k] = v
        (folder / "run.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")

    return mutate


def config_text(text: str | bytes) -> Mutation:
    def mutate(folder: Path) -> None:
        data = text.encode() if isinstance(text, str) else text
        (folder / "run.yaml").write_bytes(data)

    return mutate


def outputs_csv(side: str, text: str | bytes) -> Mutation:
    """Replace the side's outputs with a CSV file."""

    def mutate(folder: Path) -> None:
        data = text.encode() if isinstance(text, str) else text
        (folder / f"{side}.csv").write_bytes(data)
        config(**{side: f"{side}.csv"})(folder)

    return mutate


def manifest(edit: Callable[[dict], object] | str) -> Mutation:
    def mutate(folder: Path) -> None:
        path = folder / "set.jsonl.manifest.json"
        if isinstance(edit, str):
            path.write_text(edit, encoding="utf-8")
            return
        data = json.loads(path.read_text())
        edit(data)
        path.write_text(json.dumps(data), encoding="utf-8")

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(folder: Path) -> None:
        for m in mutations:
            m(folder)

    return mutate


def report_dir_is_a_file(folder: Path) -> None:
    (folder / "taken").write_text("not a folder")
    config(report_dir="taken")(folder)


def report_dir_under_a_file(folder: Path) -> None:
    (folder / "taken").write_text("not a folder")
    config(report_dir="taken/reports")(folder)


def report_dir_read_only(folder: Path) -> None:
    (folder / "locked").mkdir()
    (folder / "locked").chmod(0o500)
    config(report_dir="locked/out")(folder)


def corrupt_parquet_outputs(folder: Path) -> None:
    (folder / "student.parquet").write_bytes(b"PAR1 this is not really parquet at all PAR1")
    config(student="student.parquet")(folder)


def truncated_parquet_outputs(folder: Path) -> None:
    import pandas as pd

    rows = [json.loads(x) for x in (folder / "student.jsonl").read_text().splitlines()]
    pd.DataFrame(rows).to_parquet(folder / "student.parquet")
    data = (folder / "student.parquet").read_bytes()
    (folder / "student.parquet").write_bytes(data[: len(data) // 2])
    config(student="student.parquet")(folder)


def invalid_schema_extraction(folder: Path) -> None:
    (folder / "schema.json").write_text(json.dumps({"type": "object", "properties": {"a": {"type": 12}}}))
    config(task="extraction", checks={"json_structure": {"schema": "schema.json"}})(folder)


def schema_not_json(folder: Path) -> None:
    (folder / "schema.json").write_text('{"type": "object",\n "properties": }')
    config(task="extraction", checks={"json_structure": {"schema": "schema.json"}})(folder)


def bom_and_garbage(folder: Path) -> None:
    outputs_csv("student", "\ufeffid,output\nt0,billing\nt1,\xff\n".encode("utf-8")[:-3] + b"\xff\n")(folder)


def refreeze(folder: Path) -> None:
    from genjudge.io.evalset import freeze

    freeze(folder / "set.jsonl", ["tier"])


NFD_ID = "caf\u0065\u0301"  # 'café' decomposed
NFC_ID = "caf\u00e9"

# (case id, mutation, substrings the message must hold: file:line, then the field where one applies)
CASES: list[tuple[str, Mutation, list[str]]] = [
    # --- the evaluation set (JSONL) ---
    (
        "set-invalid-json",
        put_line("set.jsonl", 3, '{"id": "t2", "input": '),
        ["set.jsonl:3", "not valid JSON"],
    ),
    ("set-array-row", put_line("set.jsonl", 2, '["t1", "x"]'), ["set.jsonl:2", "expected a JSON object"]),
    ("set-scalar-row", put_line("set.jsonl", 2, "42"), ["set.jsonl:2", "expected a JSON object"]),
    ("set-missing-id", put_row("set.jsonl", 4, id=...), ["set.jsonl:4", "'id'", "missing"]),
    ("set-null-id", put_row("set.jsonl", 4, id=None), ["set.jsonl:4", "'id'"]),
    ("set-empty-id", put_row("set.jsonl", 5, id="  "), ["set.jsonl:5", "'id'", "empty"]),
    ("set-float-id", put_row("set.jsonl", 5, id=1.5), ["set.jsonl:5", "'id'"]),
    ("set-bool-id", put_row("set.jsonl", 5, id=True), ["set.jsonl:5", "'id'"]),
    ("set-object-id", put_row("set.jsonl", 5, id={"a": 1}), ["set.jsonl:5", "'id'"]),
    ("set-missing-input", put_row("set.jsonl", 6, input=...), ["set.jsonl:6", "'input'", "missing"]),
    ("set-null-input", put_row("set.jsonl", 6, input=None), ["set.jsonl:6", "'input'"]),
    ("set-duplicate-id", put_row("set.jsonl", 7, id="t0"), ["set.jsonl:7", "'id'", "duplicate"]),
    ("set-metadata-list", put_row("set.jsonl", 2, metadata=[1]), ["set.jsonl:2", "'metadata'"]),
    ("set-non-utf8", raw_line("set.jsonl", 3, b'{"id": "t2", "input": "caf\xe9"}'), ["set.jsonl:3", "UTF-8"]),
    (
        "set-nan-constant",
        put_line("set.jsonl", 2, '{"id": "t1", "input": "x", "w": NaN}'),
        ["set.jsonl:2", "NaN"],
    ),
    ("set-infinity", put_line("set.jsonl", 2, '{"id": "t1", "input": "x", "w": Infinity}'), ["set.jsonl:2"]),
    ("set-empty-file", put_bytes("set.jsonl", b""), ["set.jsonl", "no rows"]),
    ("set-only-blank-lines", put_bytes("set.jsonl", b"\n\n  \n"), ["set.jsonl", "no rows"]),
    ("set-binary-garbage", put_bytes("set.jsonl", bytes(range(256))), ["set.jsonl:2", "UTF-8"]),
    ("set-missing-file", config(set="nope.jsonl"), ["nope.jsonl"]),
    ("set-unknown-format", config(set="set.txt"), ["set.txt"]),
    ("set-edited-after-freeze", put_row("set.jsonl", 3, input="changed"), ["set.jsonl", "1 row edited (t2)"]),
    # --- the manifest ---
    ("manifest-missing", lambda f: (f / "set.jsonl.manifest.json").unlink(), ["set.jsonl", "not frozen"]),
    (
        "manifest-truncated",
        manifest('{"path": "set.jsonl", "format": "js'),
        ["set.jsonl.manifest.json", "manifest"],
    ),
    ("manifest-empty", manifest(""), ["set.jsonl.manifest.json"]),
    ("manifest-not-object", manifest("[1, 2]"), ["set.jsonl.manifest.json"]),
    (
        "manifest-missing-field",
        manifest(lambda d: d.pop("fingerprint")),
        ["set.jsonl.manifest.json", "fingerprint"],
    ),
    ("manifest-wrong-type", manifest(lambda d: d.update(rows="many")), ["set.jsonl.manifest.json", "rows"]),
    (
        "manifest-non-utf8",
        put_bytes("set.jsonl.manifest.json", b'{"path": "\xff"}'),
        ["set.jsonl.manifest.json:1", "UTF-8"],
    ),
    # --- outputs (JSONL) ---
    (
        "out-invalid-json",
        put_line("student.jsonl", 2, '{"id": "t1", "output": "bill'),
        ["student.jsonl:2", "not valid JSON"],
    ),
    (
        "out-missing-output",
        put_row("student.jsonl", 3, output=...),
        ["student.jsonl:3", "'output'", "missing"],
    ),
    ("out-unknown-id", put_row("student.jsonl", 3, id="zzz"), ["student.jsonl:3", "'id'", "'zzz'"]),
    ("out-duplicate-id", put_row("teacher.jsonl", 4, id="t0"), ["teacher.jsonl:4", "'id'", "duplicate"]),
    ("out-null-id", put_row("teacher.jsonl", 4, id=None), ["teacher.jsonl:4", "'id'"]),
    ("out-bool-id", put_row("teacher.jsonl", 4, id=False), ["teacher.jsonl:4", "'id'"]),
    (
        "out-latency-infinity",
        put_line("student.jsonl", 2, '{"id": "t1", "output": "login", "latency_ms": Infinity}'),
        ["student.jsonl:2", "Infinity"],
    ),
    (
        "out-latency-nan",
        put_line("student.jsonl", 2, '{"id": "t1", "output": "login", "latency_ms": NaN}'),
        ["student.jsonl:2", "NaN"],
    ),
    (
        "out-latency-huge",
        put_line("student.jsonl", 2, '{"id": "t1", "output": "login", "latency_ms": 1e999}'),
        ["student.jsonl:2", "'latency_ms'"],
    ),
    (
        "out-latency-negative",
        put_row("student.jsonl", 2, latency_ms=-5),
        ["student.jsonl:2", "'latency_ms'", "non-negative"],
    ),
    (
        "out-latency-text",
        put_row("student.jsonl", 2, latency_ms="fast"),
        ["student.jsonl:2", "'latency_ms'", "not a number"],
    ),
    (
        "out-latency-bool",
        put_row("student.jsonl", 2, latency_ms=True),
        ["student.jsonl:2", "'latency_ms'", "not a number"],
    ),
    ("out-latency-list", put_row("student.jsonl", 2, latency_ms=[1]), ["student.jsonl:2", "'latency_ms'"]),
    (
        "out-tokens-bool",
        put_row("student.jsonl", 3, input_tokens=True),
        ["student.jsonl:3", "'input_tokens'", "not a number"],
    ),
    (
        "out-tokens-fraction",
        put_row("student.jsonl", 3, output_tokens=2.5),
        ["student.jsonl:3", "'output_tokens'", "whole number"],
    ),
    (
        "out-tokens-negative",
        put_row("student.jsonl", 3, output_tokens=-1),
        ["student.jsonl:3", "'output_tokens'"],
    ),
    ("out-cost-text", put_row("teacher.jsonl", 5, cost="$0.01"), ["teacher.jsonl:5", "'cost'"]),
    ("out-cost-object", put_row("teacher.jsonl", 5, cost={"usd": 1}), ["teacher.jsonl:5", "'cost'"]),
    (
        "out-label-object",
        put_row("student.jsonl", 4, output={"label": "bug"}),
        ["student.jsonl:4", "'output'", "label"],
    ),
    ("out-label-list", put_row("student.jsonl", 4, output=["bug"]), ["student.jsonl:4", "'output'", "label"]),
    (
        "out-probs-not-json",
        put_row("student.jsonl", 4, probs="{bug: 1"),
        ["student.jsonl:4", "'probs'", "JSON"],
    ),
    (
        "out-probs-sum",
        put_row("student.jsonl", 4, probs={"bug": 0.5, "login": 0.2}),
        ["student.jsonl:4", "'probs'", "sums to"],
    ),
    (
        "out-probs-above-one",
        put_row("student.jsonl", 4, probs={"bug": 1.5, "login": -0.5}),
        ["student.jsonl:4", "probs"],
    ),
    ("out-probs-empty", put_row("student.jsonl", 4, probs={}), ["student.jsonl:4", "'probs'"]),
    ("out-probs-list", put_row("student.jsonl", 4, probs=[0.5, 0.5]), ["student.jsonl:4", "'probs'"]),
    (
        "out-probs-text-value",
        put_row("student.jsonl", 4, probs={"bug": "high"}),
        ["student.jsonl:4", "'probs.bug'"],
    ),
    (
        "out-non-utf8",
        raw_line("student.jsonl", 5, b'{"id": "t4", "output": "\xc3\x28"}'),
        ["student.jsonl:5", "UTF-8"],
    ),
    (
        "out-nfd-id",
        both(
            put_row("set.jsonl", 1, id=NFC_ID),
            refreeze,
            put_row("teacher.jsonl", 1, id=NFC_ID),
            put_row("student.jsonl", 1, id=NFD_ID),
        ),
        ["student.jsonl:1", "'id'", "normalisation"],
    ),
    ("out-array-row", put_line("teacher.jsonl", 6, "[1, 2]"), ["teacher.jsonl:6", "expected a JSON object"]),
    ("out-missing-file", config(teacher="absent.jsonl"), ["absent.jsonl", "not found"]),
    ("out-directory", config(teacher="."), ["file not found"]),
    # --- outputs (CSV) ---
    (
        "csv-unterminated-quote",
        outputs_csv("student", 'id,output\nt0,billing\nt1,"login\nt2,bug\n'),
        ["student.csv:3", "quote"],
    ),
    (
        "csv-more-columns",
        outputs_csv("student", "id,output\nt0,billing\nt1,login,extra\n"),
        ["student.csv:3", "more in this row"],
    ),
    (
        "csv-fewer-columns",
        outputs_csv("student", "id,output,latency_ms\nt0,billing,3\nt1\n"),
        ["student.csv:3", "fewer columns"],
    ),
    (
        "csv-duplicate-header",
        outputs_csv("student", "id,output,output\nt0,billing,bug\n"),
        ["student.csv:1", "'output'", "twice"],
    ),
    (
        "csv-non-utf8",
        outputs_csv("student", b"id,output\nt0,billing\nt1,caf\xe9\n"),
        ["student.csv:3", "UTF-8"],
    ),
    ("csv-bom-then-bad-byte", bom_and_garbage, ["student.csv:3", "UTF-8"]),
    (
        "csv-latency-text",
        outputs_csv("student", "id,output,latency_ms\nt0,billing,quick\n"),
        ["student.csv:2", "'latency_ms'"],
    ),
    (
        "csv-latency-inf",
        outputs_csv("student", "id,output,latency_ms\nt0,billing,inf\n"),
        ["student.csv:2", "'latency_ms'"],
    ),
    (
        "csv-unknown-id",
        outputs_csv("student", "id,output\nt0,billing\nq9,bug\n"),
        ["student.csv:3", "'id'", "'q9'"],
    ),
    (
        "csv-missing-output-column",
        outputs_csv("student", "id,answer\nt0,billing\n"),
        ["student.csv:2", "'output'"],
    ),
    (
        "csv-probs-bad-json",
        outputs_csv("student", 'id,output,probs\nt0,billing,"{""bug"": }"\n'),
        ["student.csv:2", "'probs'"],
    ),
    # --- Parquet ---
    ("parquet-corrupt", corrupt_parquet_outputs, ["student.parquet", "Parquet"]),
    ("parquet-truncated", truncated_parquet_outputs, ["student.parquet", "Parquet"]),
    # --- the run config ---
    (
        "config-yaml-syntax",
        config_text("task: classification\nset: [unclosed\n"),
        ["run.yaml:3", "cannot parse"],
    ),
    ("config-not-mapping", config_text("- a\n- b\n"), ["run.yaml", "mapping"]),
    ("config-non-utf8", config_text(b"task: classification\nname: caf\xe9\n"), ["run.yaml:2", "UTF-8"]),
    ("config-unknown-key", config(colour="blue"), ["run.yaml", "'colour'"]),
    ("config-unknown-task", config(task="translation"), ["run.yaml", "'task'"]),
    ("config-missing-task", config(task=...), ["run.yaml", "'task'"]),
    ("config-min-support-text", config(min_support="many"), ["run.yaml", "'min_support'"]),
    ("config-min-support-zero", config(min_support=0), ["run.yaml", "'min_support'"]),
    ("config-resamples-too-few", config(bootstrap={"resamples": 5}), ["run.yaml", "'bootstrap.resamples'"]),
    ("config-bootstrap-unknown", config(bootstrap={"draws": 5}), ["run.yaml", "'bootstrap.draws'"]),
    ("config-failure-share", config(max_failure_share=2), ["run.yaml", "'max_failure_share'"]),
    ("config-unknown-check", config(checks=["exact_match", "telepathy"]), ["telepathy"]),
    ("config-check-option", config(checks={"exact_match": {"loud": True}}), ["exact_match", "loud"]),
    (
        "config-check-wrong-task",
        config(checks=["judge_equivalence"]),
        ["judge_equivalence", "classification"],
    ),
    ("config-slice-absent", config(slices=["region"]), ["'region'"]),
    (
        "config-judge-unknown-key",
        config(judge={"provider": "openai", "model": "m", "temperture": 0}),
        ["judge", "'judge.temperture'"],
    ),
    ("config-judge-provider", config(judge={"provider": "oracle"}), ["judge", "'judge.provider'"]),
    (
        "config-judge-concurrency",
        config(judge={"provider": "openai", "model": "m", "concurrency": 0}),
        ["'judge.concurrency'"],
    ),
    ("config-toml-syntax", lambda f: (f / "run.yaml").rename(f / "run.toml"), ["run.yaml"]),
    # --- store and report folder ---
    ("store-driver-missing", config(store="postgresql+psycopg2://u:pw@127.0.0.1:1/db"), ["store", "driver"]),
    ("store-unknown-dialect", config(store="nosuchdb://h/x"), ["store", "nosuchdb"]),
    ("report-dir-is-file", report_dir_is_a_file, ["taken", "report folder"]),
    ("report-dir-under-file", report_dir_under_a_file, ["taken", "not a folder"]),
    ("report-dir-read-only", report_dir_read_only, ["locked", "not writable"]),
    # --- an extraction schema ---
    ("schema-invalid", invalid_schema_extraction, ["schema.json", "invalid JSON Schema"]),
    ("schema-not-json", schema_not_json, ["schema.json:2", "not JSON"]),
    (
        "schema-missing",
        lambda f: config(task="extraction", checks={"json_structure": {"schema": "none.json"}})(f),
        ["none.json"],
    ),
]


def test_the_corpus_is_large_and_distinct():
    assert len(CASES) >= 80
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case, mutate, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_input_exits_2_with_a_clear_message_and_writes_nothing(tmp_path, case, mutate, expected):
    if case == "report-dir-read-only" and os.geteuid() == 0:
        pytest.skip("root writes through folder permissions")
    folder = classification_project(tmp_path)
    mutate(folder)
    before = set(folder.rglob("*"))
    args = ["run", "run.toml" if (folder / "run.toml").exists() else "run.yaml"]
    if case == "config-toml-syntax":
        (folder / "run.toml").write_text('task = "classification"\nset = [\n')
        expected = ["run.toml", "cannot parse"]
        before = set(folder.rglob("*"))
    result = cli(args, folder)
    out = result.output
    assert result.exit_code == 2, (case, out, result.exception)
    assert isinstance(result.exception, SystemExit), (case, result.exception)
    assert "Traceback" not in out
    assert out.startswith("error: ") and out.count("\n") <= 2, out
    for piece in expected:
        assert piece in out, (case, piece, out)
    assert written(folder, before) == [], (case, written(folder, before))


def test_a_csv_with_a_byte_order_mark_is_read(tmp_path):
    """A BOM used to turn the header's first column into '\\ufeffid' ("field 'id': missing")."""
    folder = classification_project(tmp_path)
    rows = [json.loads(x) for x in (folder / "student.jsonl").read_text().splitlines()]
    text = "id,output\r\n" + "".join(f"{r['id']},{r['output']}\r\n" for r in rows)
    outputs_csv("student", b"\xef\xbb\xbf" + text.encode())(folder)
    result = cli(["run", "run.yaml"], folder)
    assert result.exit_code == 0, result.output
