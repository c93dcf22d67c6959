"""Config errors name the file and the field; compare_settings lists what must match and does not;
label matching and prefix mapping."""

from __future__ import annotations

import json

import pytest

from genjudge.errors import ConfigError
from genjudge.generation import compare_settings, generate_async, label_for, load_generate_config
from genjudge.generation.labels import token_label
from tests.generate.conftest import LABELS, openai_side, write_config

SIDE = {"provider": "openai", "model": "m", "base_url": "http://127.0.0.1:9/v1"}


@pytest.mark.parametrize(
    ("top", "problem"),
    [
        ({"params": {"top_p": 0.9}}, "field 'params.top_p': Extra inputs are not permitted"),
        ({"concurrency": 0}, "field 'concurrency': Input should be greater than or equal to 1"),
        (
            {"student": {**SIDE, "temperature": 0.7}},
            "field 'student': 'temperature' is shared by both sides: set params.temperature",
        ),
        ({"teacher": {**SIDE, "concurrency": 2}}, "field 'teacher': 'concurrency' is shared by both sides"),
        ({"teacher": {**SIDE, "cache_path": "x.db"}}, "field 'teacher': 'cache_path' is a judge setting"),
        (
            {"student": {"provider": "nope", "model": "m"}},
            "field 'student.provider': unknown judge provider 'nope'",
        ),
        (
            {"postprocess": {"labels": ["a b", "A_B"]}},
            "field 'postprocess': labels must be non-empty and distinct",
        ),
    ],
)
def test_config_errors_name_the_file_and_the_field(tmp_path, top, problem):
    sides = {"teacher": top.pop("teacher", SIDE), "student": top.pop("student", SIDE)}
    path = write_config(tmp_path, **sides, **top)
    with pytest.raises(ConfigError) as err:
        load_generate_config(path)
    assert str(err.value).startswith(f"{path}: ") and problem in str(err.value)


async def test_template_errors_name_the_field_and_the_row(tmp_path):
    path = write_config(tmp_path, SIDE, SIDE, prompt={"user": "{{ input }} {{ customer }}"})
    with pytest.raises(
        ConfigError,
        match=r"field 'prompt.user': 'customer' is undefined in the row on line 1 of .*set.jsonl \(its columns: id, input, reference, channel\)",
    ):
        await generate_async(path)
    path = write_config(tmp_path, SIDE, SIDE, prompt={"system": "{% if %}"})
    with pytest.raises(ConfigError, match=r"gen.yaml: field 'prompt.system': template line 1: "):
        await generate_async(path)


def test_relative_paths_resolve_against_the_config(tmp_path):
    config = load_generate_config(
        write_config(tmp_path, SIDE, {**SIDE, "model_path": "m.gguf", "provider": "local"})
    )
    assert config.set == tmp_path / "set.jsonl" and config.out == tmp_path / "generated"
    assert config.student.model_path == tmp_path / "m.gguf"


def test_compare_settings_lists_what_must_match():
    teacher = {
        "provider": "local",
        "model": "qwen",
        "model_size_bytes": 10,
        "wall_s": 3.0,
        "prompt_template_sha256": "aaa",
        "params": {"temperature": 0.0, "max_tokens": 64, "logprobs": True},
        "concurrency": 1,
        "batch_size": 1,
        "postprocess": {"strip": True, "labels": ["a", "b"]},
        "hardware": {"runs_on": "this machine", "threads": 2},
        "set_fingerprint": "f",
    }
    student = {
        **teacher,
        "provider": "openai",
        "model": "s",
        "model_size_bytes": 99,
        "wall_s": 1.0,
        "params": {"temperature": 0.7, "max_tokens": 64, "logprobs": True},
        "concurrency": 8,
        "hardware": {"runs_on": "remote server"},
    }
    assert compare_settings(teacher, student) == [
        "params.temperature: teacher 0.0, student 0.7",
        "concurrency: teacher 1, student 8",
        'hardware.runs_on: teacher "this machine", student "remote server"',
        "hardware.threads: teacher 2, student absent",
    ]
    assert compare_settings(teacher, dict(teacher)) == []
    assert compare_settings(teacher, {k: v for k, v in teacher.items() if k != "batch_size"}) == [
        "batch_size: teacher 1, student absent"
    ]


async def test_generated_sidecars_agree_and_an_edit_is_reported(loopback, tmp_path):
    from tests.llm.loopback import Reply

    loopback.responder = lambda seen: Reply(content="billing")
    config = write_config(tmp_path, openai_side(loopback, "t"), openai_side(loopback, "s"))
    result = await generate_async(config, limit=2)
    assert result.differences == []
    teacher, student = (result.sides[s].settings for s in ("teacher", "student"))
    assert teacher["prompt_template_sha256"] == student["prompt_template_sha256"]
    assert teacher["system_template"] == "Classify into: {{ labels | join(', ') }}."
    edited = {**student, "concurrency": 4 * 2}
    assert compare_settings(teacher, edited) == ["concurrency: teacher 4, student 8"]
    assert json.loads(result.sides["teacher"].settings_path.read_text())["rows"] == 2


def test_labels_match_exactly_up_to_case_space_and_underscore():
    assert label_for(" Fraud Report ", LABELS) == "fraud_report"
    assert label_for("BILLING\n", LABELS) == "billing"
    assert label_for("billing.", LABELS) == "billing."  # not a label: the stripped text as is
    assert token_label(" c", LABELS) == "cancellation"
    assert token_label("fra", LABELS) == "fraud_report"
    assert token_label("a", ["account", "address"]) is None  # a prefix of two labels
    assert token_label("account", ["account", "account_closure"]) == "account"  # exact wins
    assert token_label("  ", LABELS) is None
