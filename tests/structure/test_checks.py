"""The json_structure and format_rules checks on a small frame (values derived by hand)."""

from __future__ import annotations

import asyncio

import numpy as np
import pandas as pd
import pytest

from genjudge.checks import get
from genjudge.checks.base import RunContext
from genjudge.errors import ConfigError
from genjudge.records import TaskKind

SCHEMA = {
    "type": "object",
    "properties": {"date": {"type": "string", "format": "date"}, "total": {"type": "number"}},
    "required": ["date", "total"],
    "additionalProperties": False,
}
FRAME = pd.DataFrame(
    {
        "id": ["a", "b", "c", "d"],
        "teacher": ['{"date": "2018-12-25", "total": 9}', {"date": "2018-12-25", "total": 1}, "nope", None],
        "student": [
            '```json\n{"date": "25/12/2018", "total": 9}\n```',  # fenced; date format fails
            '{"total": "9"}',  # strict; required and type fail
            'Sure: {"date": "2018-01-01", "total": 1}',  # embedded; valid
            None,
        ],
    }
)


def run(check):
    return asyncio.run(check.score(FRAME, RunContext(TaskKind.EXTRACTION, 0, ".")))


def test_json_structure_columns_and_failure_table():
    cls = get("json_structure")
    result = run(cls(TaskKind.EXTRACTION, cls.Options(schema=SCHEMA)))
    col = result.columns
    np.testing.assert_array_equal(col["json_structure.student.strict_parse"], [0, 1, 0, np.nan])
    np.testing.assert_array_equal(col["json_structure.student.lenient_parse"], [1, 1, 1, np.nan])
    np.testing.assert_array_equal(col["json_structure.student.schema_valid"], [0, 0, 1, np.nan])
    np.testing.assert_array_equal(col["json_structure.student.strict_schema_valid"], [0, 0, 0, np.nan])
    np.testing.assert_array_equal(col["json_structure.teacher.schema_valid"], [1, 1, 0, np.nan])
    assert list(col["json_structure.student.failures"][:2]) == [
        ["/date format"],
        ["/ required", "/total type"],
    ]
    assert list(result.status) == ["ok", "ok", "ok", "unscored"]
    table = {(r[0], r[1], r[2]): r[3] for r in result.sections["schema_failures"]["rows"]}
    # Unparseable outputs fail the schema (0) but are not schema failures: the table has none for them.
    assert table == {
        ("student", "/date", "format"): 1,
        ("student", "/", "required"): 1,
        ("student", "/total", "type"): 1,
    }
    names = {(m.name, m.subject) for m in cls(TaskKind.EXTRACTION, cls.Options(schema=SCHEMA)).metrics()}
    assert ("schema_adherence_rate", "student") in names and ("strict_parse_rate", "teacher") in names


def test_json_structure_without_schema_only_parses():
    cls = get("json_structure")
    result = run(cls(TaskKind.EXTRACTION, cls.Options()))
    assert sorted(result.columns) == sorted(
        f"json_structure.{s}.{k}" for s in ("student", "teacher") for k in ("strict_parse", "lenient_parse")
    )


def test_invalid_schema_fails_when_the_check_is_built():
    cls = get("json_structure")
    with pytest.raises(ConfigError):
        cls(TaskKind.EXTRACTION, cls.Options(schema={"type": 5}))


def test_format_rules_check():
    cls = get("format_rules")
    check = cls(
        TaskKind.EXTRACTION,
        cls.Options(
            rules=[{"name": "iso", "kind": "regex", "pattern": r"\d{4}-\d{2}-\d{2}"}], sides=("student",)
        ),
    )
    result = run(check)
    np.testing.assert_array_equal(result.columns["format_rules.student.iso"], [0, 0, 1, np.nan])
    np.testing.assert_array_equal(result.columns["format_rules.student.all_pass"], [0, 0, 1, np.nan])
    assert result.sections["rule_failures"]["rows"][0][2] == 2
    with pytest.raises(ConfigError):
        cls(TaskKind.EXTRACTION, cls.Options(rules=[{"name": "bad", "kind": "regex", "pattern": "[a-"}]))
