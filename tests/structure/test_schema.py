"""JSON Schema validation: failures with path and keyword, formats asserted, bad schemas refused."""

from __future__ import annotations

import json

import pytest

from genjudge.errors import ConfigError
from genjudge.structure import Failure, SchemaValidator, generalise_path

SCHEMA = {
    "type": "object",
    "properties": {
        "date": {"type": "string", "format": "date"},
        "email": {"type": "string", "format": "email"},
        "items": {"type": "array", "items": {"type": "object", "required": ["price"]}},
    },
    "required": ["date"],
    "additionalProperties": False,
}


def test_failures_carry_path_and_keyword():
    v = SchemaValidator(SCHEMA)
    got = v.failures({"date": "2024-02-30", "email": "nope", "items": [{"price": 1}, {}], "x": 1})
    assert [(f.path, f.keyword) for f in got] == [
        ("", "additionalProperties"),
        ("/date", "format"),  # 30 February does not exist: the format is asserted, not annotated
        ("/email", "format"),
        ("/items/1", "required"),
    ]
    assert v.failures({"date": "2024-02-29"}) == []
    assert generalise_path("/items/1/price/0") == "/items/*/price/*"


def test_draft_from_dollar_schema_and_default():
    draft4 = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "number",
        "maximum": 5,
        "exclusiveMaximum": True,
    }
    assert SchemaValidator(draft4).draft == "Draft4Validator"
    assert [f.keyword for f in SchemaValidator(draft4).failures(5)] == ["maximum"]
    assert SchemaValidator({"type": "string"}).draft == "Draft202012Validator"


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "objekt"},
        {"properties": {"a": {"minLength": -1}}},
        {"required": "a"},
        {"$schema": "http://example.com/my-draft", "type": "object"},
    ],
)
def test_invalid_schema_is_a_config_error(schema):
    with pytest.raises(ConfigError):
        SchemaValidator(schema)


def test_schema_file(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"type": "integer"}))
    assert SchemaValidator(str(path)).failures("1") == [Failure("", "type", "'1' is not of type 'integer'")]
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not JSON"):
        SchemaValidator(str(tmp_path / "bad.json"))


def test_unknown_format_is_reported_not_checked():
    v = SchemaValidator({"type": "string", "format": "currency"})
    assert v.failures("anything") == []
    assert v.notes() == [
        "format 'currency' is not a format jsonschema knows; it is an annotation and not checked."
    ]


def test_jsonschemabench_agreement(shared_data):
    """All 4,468 JSONSchemaBench cases agree with expected_valid (2,554 valid, 1,914 invalid).

    With format checking off, 159 of the invalid cases would be accepted (agreement 4,309): the
    benchmark's "focus on format" negatives hinge on it. Without the optional fqdn package the
    four hostname cases disagree (4,464); see docs/checks.md.
    """
    rows = [
        json.loads(line)
        for line in (shared_data / "jsonschemabench" / "schema_instance_tests.jsonl").read_text().splitlines()
    ]
    assert len(rows) == 4468
    agree = sum(SchemaValidator(r["schema"]).is_valid(r["instance"]) == r["expected_valid"] for r in rows)
    assert agree == 4468
