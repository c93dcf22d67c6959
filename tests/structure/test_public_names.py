"""The public names of the similarity / structure / extraction packages: sorted, importable, registered."""

from __future__ import annotations

import importlib

import pytest

from genjudge import checks

MODULES = ["genjudge.embed", "genjudge.structure", "genjudge.extraction"]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_importable(name):
    module = importlib.import_module(name)
    assert module.__all__ == sorted(module.__all__)
    for attr in module.__all__:
        assert hasattr(module, attr), attr


def test_checks_are_registered_and_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "checks.md").read_text(encoding="utf-8")
    for name in ("embedding_similarity", "json_structure", "format_rules", "extraction_fields"):
        assert name in checks.names()
        cls = checks.get(name)
        assert cls.name == name and f"## {name}" in doc
