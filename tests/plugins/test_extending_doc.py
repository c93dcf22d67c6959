"""docs/extending.md works as written: every Python block runs, alone, and prints what the doc shows.

Each block runs in a fresh interpreter from the repository root (as a reader would paste it), so a
block that leans on an earlier one fails here. The rubric the doc shows is the file it names, and
the entry points it shows are the ones of the plugin package tests/plugins builds and runs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "extending.md"
FENCE = re.compile(r"(?P<before>[^\n]*)\n```(?P<lang>[a-z]*)\n(?P<body>.*?)\n```\n", re.S)


def blocks() -> list[tuple[str, str, str]]:
    """(language, body, the line before the fence) of every fenced block, in order."""
    return [(m["lang"], m["body"], m["before"]) for m in FENCE.finditer(DOC.read_text(encoding="utf-8"))]


def python_cases() -> list[tuple[str, str | None]]:
    """Each Python block with the text block right after it (its expected output), if any."""
    found = blocks()
    cases = []
    for k, (lang, body, before) in enumerate(found):
        if lang != "python" or before.startswith("<!-- doctest: skip"):
            continue
        nxt = found[k + 1] if k + 1 < len(found) else None
        cases.append((body, nxt[1] if nxt and nxt[0] == "text" else None))
    return cases


CASES = python_cases()


def test_the_doc_has_a_block_for_each_extension_point():
    text = DOC.read_text(encoding="utf-8")
    for heading in ("## A check", "## A provider", "## A rubric", "## A report section"):
        assert heading in text
    assert len(CASES) == 4 and all(expected for _, expected in CASES)


@pytest.mark.parametrize("code,expected", CASES, ids=["check", "provider", "rubric", "report-section"])
def test_python_block_runs_and_prints_what_the_doc_shows(code, expected, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    before = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expected.strip()
    after = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True).stdout
    assert after == before, "the block left files in the checkout"


def test_the_rubric_shown_is_the_file_named_and_it_loads():
    tomls = [body for lang, body, _ in blocks() if lang == "toml"]
    shown = REPO / "docs" / "extending" / "key_facts.toml"
    assert tomls[0].strip() == shown.read_text(encoding="utf-8").strip()


def test_the_entry_points_shown_are_the_tested_plugins():
    tomls = [body for lang, body, _ in blocks() if lang == "toml"]
    pyproject = (REPO / "tests" / "fixtures" / "genjudge_plugin_demo" / "pyproject.toml").read_text()
    assert tomls[1].strip() in pyproject
