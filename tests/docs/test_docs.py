"""Docs that run: every bash / python block of README.md and docs/*.md, one test per block, named
``file:line``, run in order in a temporary copy of the repository (tests/docs/sandbox.py).

A block marked ``<!-- doctest: skip — reason -->`` is skipped with its reason; one marked
``<!-- doctest: reduced — what -->`` runs with the sandbox's reductions. A ``text`` block right after a
command is the output the reader is shown: its lines must appear in the output, in order (``...``
matches anything). After each block, no tracked file of the copy may differ from the repository and
every new file must be one .gitignore ignores: following the docs never dirties the checkout.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from tests.docs import sandbox
from tests.docs.markdown import Block, blocks, expected_pattern

DOCS = [sandbox.REPO / "README.md", *sorted((sandbox.REPO / "docs").glob("*.md"))]
ALL = [b for path in DOCS for b in blocks(path)]


class _Session:
    """One sandbox per Markdown file; blocks of a file run in order (earlier ones replayed first
    when a block is run on its own)."""

    def __init__(self, tmp_factory: pytest.TempPathFactory) -> None:
        self.tmp_factory = tmp_factory
        self.roots: dict[Path, tuple[Path, Path]] = {}
        self.snapshots: dict[Path, dict[str, str]] = {}
        self.done: set[str] = set()
        self._loopback: sandbox.LoopbackThread | None = None

    @property
    def loopback(self) -> sandbox.LoopbackThread:
        if self._loopback is None:
            self._loopback = sandbox.LoopbackThread()
        return self._loopback

    def root(self, path: Path) -> tuple[Path, Path]:
        if path not in self.roots:
            tmp = self.tmp_factory.mktemp(path.stem)
            self.roots[path] = (tmp, sandbox.make(tmp))
            # The tracked files as copied: what following the docs must leave unchanged.
            self.snapshots[path] = {
                p: hashlib.sha256((self.roots[path][1] / p).read_bytes()).hexdigest()
                for p in _tracked()
                if (self.roots[path][1] / p).is_file()
            }
        return self.roots[path]

    def run(self, block: Block) -> str:
        tmp, root = self.root(block.path)
        for earlier in blocks(block.path):
            if earlier.line >= block.line:
                break
            if earlier.name not in self.done and earlier.mode != "skip":
                self.execute(earlier, tmp, root)
        return self.execute(block, tmp, root)

    def execute(self, block: Block, tmp: Path, root: Path) -> str:
        env = sandbox.environment(tmp, self.loopback if block.mode == "reduced" else None)
        try:
            return sandbox.run_block(block, root, env)
        finally:
            self.done.add(block.name)

    def close(self) -> None:
        if self._loopback is not None:
            self._loopback.close()


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory):
    s = _Session(tmp_path_factory)
    yield s
    s.close()


def _tracked() -> list[str]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", *sandbox.COPY], cwd=sandbox.REPO, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [p for p in out.decode().split("\0") if p]


def _assert_clean(root: Path, snapshot: dict[str, str]) -> None:
    tracked = list(snapshot)
    if not tracked:
        return  # not a git checkout: nothing to compare against
    changed = [
        p
        for p in tracked
        if (root / p).resolve() not in sandbox.REWRITTEN
        and (not (root / p).is_file() or hashlib.sha256((root / p).read_bytes()).hexdigest() != snapshot[p])
    ]
    assert not changed, f"following the docs changes tracked files: {changed}"
    known = set(tracked)
    new = [
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and str(p.relative_to(root)) not in known
    ]
    if new:
        ignored = subprocess.run(
            ["git", "check-ignore", "--no-index", "--stdin"],
            cwd=sandbox.REPO,
            input="\n".join(new),
            capture_output=True,
            text=True,
        ).stdout.split("\n")
        loose = sorted(set(new) - set(ignored))
        assert not loose, (
            f"following the docs leaves files git would pick up (add them to .gitignore): {loose[:10]}"
        )


@pytest.mark.parametrize("block", ALL, ids=[b.name for b in ALL])
def test_doc_block(block: Block, session: _Session) -> None:
    if block.mode == "skip":
        pytest.skip(f"{block.name}: {block.why or 'marked skip'}")
    out = session.run(block)
    if block.expected is not None:
        assert expected_pattern(block.expected).search(out), (
            f"{block.name}: the output shown in the docs is not what the command prints.\n"
            f"--- shown ---\n{block.expected}\n--- printed ---\n{out[-4000:]}"
        )
    _assert_clean(session.root(block.path)[1], session.snapshots[block.path])


def test_every_doc_is_collected() -> None:
    """New docs/*.md are picked up without a registration step, and each has runnable blocks or none."""
    names = {p.name for p in DOCS}
    assert {"README.md", "judge.md", "validation.md", "checks.md"} <= names
    assert len({b.name for b in ALL}) == len(ALL)
