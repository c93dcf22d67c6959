"""A third-party plugin, built and installed from tests/fixtures, runs end to end through the CLI.

The package in tests/fixtures/genjudge_plugin_demo declares a check (``length_ratio``), a judge
provider (``word_overlap``, answering without a network) and a report section (``output_lengths``)
as entry points. It is built with pip into a temporary target folder and put on ``PYTHONPATH`` of a
subprocess only: the shared environment is never changed. The numbers the run reports are checked
against values computed here from the example's files, independently of the plugin's code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "genjudge_plugin_demo"
EXAMPLE = REPO / "examples" / "summaries"


def build_plugin(tmp: Path, source: Path = FIXTURE) -> Path:
    """pip-install ``source`` (copied first, so the build leaves nothing in the tree) into a target."""
    copy = tmp / "src" / source.name
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    target = tmp / "site"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"),
            *("--disable-pip-version-check", "--no-index", "--target", str(target), str(copy)),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return target


def genjudge(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m genjudge ARGS`` with the plugin's target folder and this checkout on the path."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), str(REPO)]),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "genjudge", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_plugin(tmp_path_factory.mktemp("plugin"))


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def test_plugin_check_provider_and_section_run_end_to_end(site, tmp_path):
    folder = tmp_path / "summaries"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("reports", ".genjudge"))
    # The rubric of docs/extending.md, named by a path relative to the config (run from elsewhere).
    (folder / "rubrics").mkdir()
    shutil.copy(REPO / "docs" / "extending" / "key_facts.toml", folder / "rubrics" / "key_facts.toml")
    (folder / "plugin.yaml").write_text(
        "task: generation\nset: set.jsonl\nteacher: teacher.jsonl\nstudent: student.jsonl\n"
        "min_support: 8\nbootstrap: {resamples: 200, seed: 0}\n"
        "checks:\n  exact_match: {}\n  length_ratio: {unit: words}\n  judge_equivalence: {}\n"
        "  judge_rubric: {rubrics: [rubrics/key_facts.toml], subjects: [student]}\n"
        "judge: {provider: word_overlap, options: {threshold: 0.4}}\n"
    )
    out = tmp_path / "out"
    res = genjudge(
        site,
        "run",
        "summaries/plugin.yaml",
        "--store",
        str(tmp_path / "store.db"),
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr + res.stdout
    report = json.loads((out / "report.json").read_text())

    teacher = pd.read_json(folder / "teacher.jsonl", lines=True).set_index("id")["output"]
    student = pd.read_json(folder / "student.jsonl", lines=True).set_index("id")["output"]
    ids = teacher.index.intersection(student.index)
    assert len(ids) == 24

    def overall(name):
        [m] = [m for m in report["metrics"] if m["metric"] == name and m["slice_column"] is None]
        return m

    # The plugin's check: mean over items of words(student) / words(teacher).
    ratio = overall("length_ratio")
    expected = sum(len(student[i].split()) / len(teacher[i].split()) for i in ids) / len(ids)
    assert ratio["value"] == pytest.approx(expected) and ratio["n"] == 24

    # The plugin's provider as the judge of judge_equivalence: Jaccard >= 0.4 in either order.
    def jaccard(a, b):
        return len(words(a) & words(b)) / len(words(a) | words(b))

    rate = overall("judge_equivalence_rate")
    assert rate["value"] == pytest.approx(sum(jaccard(teacher[i], student[i]) >= 0.4 for i in ids) / 24)
    assert rate["n"] == 24
    assert 0 < rate["value"] < 1  # the threshold splits the example: the test can tell a wrong judge
    assert overall("judge_position_inconsistency_rate")["value"] == 0.0
    assert report["sections"]["judge_equivalence"]["judge"]["provider"] == "word_overlap"

    # The doc's rubric through judge_rubric, judged by the plugin: overlap of source and output
    # mapped onto 1..5.
    source = pd.read_json(folder / "set.jsonl", lines=True).set_index("id")["input"]
    key_facts = overall("judge_key_facts_score")
    scores = [round(1 + jaccard(source[i], student[i]) * 4) for i in ids]
    assert key_facts["value"] == pytest.approx(sum(scores) / 24) and key_facts["n"] == 24
    assert len(set(scores)) > 1

    # The plugin's report section, in report.json and rendered as a table in Markdown and HTML.
    rows = report["sections"]["output_lengths"]["lengths"]["rows"]
    assert rows == [
        ["teacher", 24, round(teacher.str.len().mean(), 1)],
        ["student", 24, round(student.str.len().mean(), 1)],
    ]
    assert "## Output lengths (output_lengths)" in (out / "report.md").read_text()
    assert "Output lengths (output_lengths)" in (out / "report.html").read_text()


def test_validate_uses_the_same_provider_registry(site, tmp_path):
    res = genjudge(
        site,
        "validate",
        str(REPO / "human_labels" / "example"),
        "--rubric",
        "faithfulness",
        "-d",
        "faithfulness",
        "--provider",
        "word_overlap",
        "--cache",
        str(tmp_path / "cache.db"),
        "--resamples",
        "100",
        "--no-store",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr + res.stdout
    assert "judging 6 items of 'faithfulness' with word_overlap/word_overlap" in res.stdout


def test_plugin_names_are_listed_without_importing_the_plugin(site, tmp_path):
    code = (
        "import sys; from genjudge import checks; from genjudge.llm import registry;"
        "from genjudge.report import sections;"
        "print(checks.names(), registry.names(), 'genjudge_plugin_demo.checks' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "'length_ratio'" in out.stdout and "'word_overlap'" in out.stdout
    assert out.stdout.strip().endswith("False")


def _variant(tmp: Path, name: str, **replace: str) -> Path:
    """A copy of the fixture with its pyproject's entry points edited."""
    src = tmp / name
    shutil.copytree(FIXTURE, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    text = (src / "pyproject.toml").read_text()
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    (src / "pyproject.toml").write_text(text.replace('name = "genjudge-plugin-demo"', f'name = "{name}"'))
    return src


def test_a_plugin_reusing_a_builtin_name_is_an_error_naming_it(tmp_path):
    src = _variant(tmp_path, "clashing-plugin", **{"length_ratio = ": "exact_match = "})
    site = build_plugin(tmp_path, src)
    res = genjudge(
        site, "run", str(EXAMPLE / "genjudge.yaml"), "--store", str(tmp_path / "s.db"), cwd=tmp_path
    )
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "plugin 'exact_match'" in res.stderr and "clashing-plugin 0.1.0" in res.stderr
    assert "already a built-in" in res.stderr
    shown = [
        line
        for line in (REPO / "docs" / "extending.md").read_text().splitlines()
        if line.startswith("error: plugin")
    ]
    assert shown == [res.stderr.strip()]  # the error docs/extending.md shows is the one printed


def test_a_plugin_that_fails_to_load_is_an_error_naming_it(tmp_path):
    src = _variant(
        tmp_path,
        "broken-plugin",
        **{"genjudge_plugin_demo.provider:WORD_OVERLAP": "genjudge_plugin_demo.nowhere:X"},
    )
    site = build_plugin(tmp_path, src)
    folder = tmp_path / "summaries"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("reports", ".genjudge"))
    (folder / "c.yaml").write_text(
        "task: generation\nset: set.jsonl\nteacher: teacher.jsonl\nstudent: student.jsonl\n"
        "checks: [judge_equivalence]\njudge: {provider: word_overlap}\n"
    )
    res = genjudge(site, "run", "c.yaml", "--store", str(tmp_path / "s.db"), cwd=folder)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert "plugin 'word_overlap'" in res.stderr and "broken-plugin 0.1.0" in res.stderr
    assert "failed to load: ModuleNotFoundError" in res.stderr
