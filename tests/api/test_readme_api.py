"""The README's "Python API" section runs as written, from the repository root, and prints what the
README shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("## Python API")
    return text[start : text.index("\n## ", start + 1)]


def test_python_api_section_runs_and_prints_what_it_shows(tmp_path):
    body = section()
    code = re.search(r"```python\n(.*?)```", body, re.S).group(1)
    shown = re.search(r"```text\n(.*?)```", body, re.S).group(1)
    # a copy of the store path so the test leaves the checkout as it was
    code = code.replace('".genjudge/api-example.db"', repr(str(tmp_path / "api.db")))
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout == shown
