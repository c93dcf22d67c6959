"""Where the doc blocks run: a temporary copy of the repository's files, with ``../shared`` beside it,
its own store and caches, and (for reduced blocks) a loopback judge and verified installs.

Reductions applied to a block marked ``<!-- doctest: reduced — ... -->``:

- ``pip install ...`` is not run: every requirement it names (``-e ".[extras]"`` reads
  pyproject.toml) must already be installed at a version it accepts;
- ``OPENAI_BASE_URL`` / ``ANTHROPIC_BASE_URL`` point at a loopback server on 127.0.0.1 that answers
  every rubric deterministically, with placeholder keys; ``GENJUDGE_DOCTEST=1`` is set;
- ``python -m pytest`` (the suite this runner belongs to) only collects the suite;
- a run config or ``--provider local`` that would call the local model is pointed at that server
  (``provider: openai``, model ``doctest-loopback``) in the sandbox copy.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import tomllib
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[2]
COPY = ["README.md", "pyproject.toml", "examples", "rubrics", "human_labels", "scripts", "docs"]
IGNORE = shutil.ignore_patterns(".genjudge", "reports", "report", "data", "__pycache__", "*.db")
LOOPBACK_MODEL = "doctest-loopback"


def _respond(seen):  # -> tests.llm.loopback.Reply
    from tests.llm.loopback import blocks, verdict

    texts = blocks(seen.user)
    if "Answer with exactly one word" in seen.system and "claim" in texts:
        return _claim_word(texts["context"], texts["claim"])
    key = hashlib.sha256(json.dumps(sorted(texts.values())).encode()).digest()[0]
    schema = json.dumps(seen.body.get("response_format") or seen.body.get("tools") or seen.system)
    if "not_equivalent" in schema:
        a, b = (set(t.lower().split()) for t in [*texts.values(), "", ""][:2])
        same = len(a & b) / max(1, len(a | b)) >= 0.5
        return verdict(reason="word overlap", verdict="equivalent" if same else "not_equivalent")
    if "incorrect" in schema:
        return verdict(reason="deterministic", verdict="correct" if key % 2 else "incorrect")
    return verdict(reason="deterministic", score=1 + key % 5)


def _claim_word(context: str, claim: str):  # -> tests.llm.loopback.Reply
    """A timid one-word claim verdict with log-probabilities: p(yes) under 0.5, higher when every number
    of the claim is in the context, scaled by the share of the claim's words found there."""
    import math

    from tests.llm.loopback import Reply

    words = re.findall(r"\w+", claim.lower())
    found = set(re.findall(r"\w+", context.lower()))
    overlap = sum(w in found for w in words) / max(1, len(words))
    numbers_ok = all(n in found for n in re.findall(r"\d+", claim))
    p_yes = round((0.35 if numbers_ok else 0.05) * overlap + 0.01, 4)
    probs = {"No": (1 - p_yes) / 2, "Yes": p_yes, "unknown": (1 - p_yes) / 2}
    top = [{"token": t, "logprob": math.log(p), "bytes": None} for t, p in probs.items()]
    first = {"token": "No", "logprob": math.log(probs["No"]), "bytes": None, "top_logprobs": top}
    return Reply(content="No", logprobs=[first])


class LoopbackThread:
    """The test suite's loopback server (tests/llm/loopback.py) on its own event loop thread."""

    def __init__(self, responder=None) -> None:
        from tests.llm.loopback import Loopback

        self.loop = asyncio.new_event_loop()
        self.server = Loopback(responder or _respond)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(30)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


def make(tmp: Path) -> Path:
    """A fresh copy of the files the docs use, at ``tmp/repo``, with ``tmp/shared`` -> ../shared."""
    root = tmp / "repo"
    root.mkdir(parents=True)
    for name in COPY:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=IGNORE)
        elif src.exists():
            shutil.copy2(src, root / name)
    shared = REPO.parent / "shared"
    if shared.exists():
        (tmp / "shared").symlink_to(shared.resolve())
    (tmp / "home-data").mkdir()
    return root


def environment(tmp: Path, loopback: LoopbackThread | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENJUDGE_")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        XDG_DATA_HOME=str(tmp / "home-data"),  # the user-level store, should anything fall back to it
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONWARNINGS="ignore",
        COLUMNS="160",
    )
    for key in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"):
        env.pop(key, None)
    if loopback is not None:
        env.update(
            GENJUDGE_DOCTEST="1",
            OPENAI_API_KEY="doctest-placeholder",
            ANTHROPIC_API_KEY="doctest-placeholder",
            OPENAI_BASE_URL=loopback.server.base_url,
            ANTHROPIC_BASE_URL=loopback.server.anthropic_url,
        )
    return env


def check_installed(command: str) -> None:
    """A ``pip install`` command, checked instead of run: what it names is installed, at a version
    it accepts. ``-e ".[a,b]"`` means this project's dependencies and those extras."""
    args = shlex.split(command)[2:]
    reqs: list[str] = []
    k = 0
    while k < len(args):
        a = args[k]
        if a in ("-e", "--editable"):
            k += 1
            m = re.fullmatch(r"\.(?:\[(.*)\])?", args[k])
            assert m, f"only the local project can be installed editable here: {args[k]}"
            project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
            reqs += project["dependencies"]
            for extra in filter(None, (m.group(1) or "").split(",")):
                reqs += project["optional-dependencies"][extra]
        elif not a.startswith("-"):
            reqs.append(a)
        k += 1
    for text in reqs:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate():
            continue
        try:
            version = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            raise AssertionError(f"{command!r}: {req.name} is not installed") from None
        local = version.split("+")[0]
        assert req.specifier.contains(local, prereleases=True), f"{req.name} {version} is not {req}"


REWRITTEN: set[Path] = set()
"""Sandbox files a reduction rewrote (the tracked-file check leaves them out)."""


def point_local_judge_at_loopback(root: Path, command: str) -> str:
    """Config files named by ``command`` whose judge is the local model get the loopback judge;
    ``--provider local`` flags become ``--provider openai --model doctest-loopback``."""
    try:
        tokens = shlex.split(command, comments=True)
    except ValueError:  # a line shlex cannot read (an open quote): nothing to point anywhere
        tokens = []
    for token in tokens:
        path = root / token
        if token.endswith((".yaml", ".yml")) and path.is_file():
            cfg = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            judge = cfg.get("judge") or {}
            if judge.get("provider", "local") == "local" and (
                "judge" in cfg or "judge_equivalence" in json.dumps(cfg.get("checks", {})) or "rubric" in cfg
            ):
                keep = {
                    k: v for k, v in judge.items() if k not in ("provider", "threads", "model_path", "n_ctx")
                }
                cfg["judge"] = {**keep, "provider": "openai", "model": LOOPBACK_MODEL, "timeout_s": 30}
                path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
                REWRITTEN.add(path.resolve())
    return command.replace("--provider local", f"--provider openai --model {LOOPBACK_MODEL}")


def run_block(block, root: Path, env: dict[str, str], timeout: float = 900) -> str:
    """Run one block in ``root``; returns stdout + stderr; fails with both on a non-zero exit."""
    code = block.code
    if block.kind == "python":
        script = root.parent / f"block_{block.path.stem}_{block.line}.py"
        script.write_text(code, encoding="utf-8")
        argv = [sys.executable, str(script)]
    else:
        if block.mode == "reduced":
            lines = []
            for line in re.sub(r"\\\n\s*", " ", code).splitlines():
                parts = re.split(r"\s*&&\s*", line)
                kept = []
                for part in parts:
                    if re.match(r"\s*(python3? -m )?pip install ", part):
                        check_installed(part.strip().replace("python -m ", "").replace("python3 -m ", ""))
                    elif re.search(r"\bpython3? -m pytest\b", part):
                        # the suite this test is part of: collected (every test module imports), not rerun
                        kept.append(
                            f"{part} --collect-only -p no:cacheprovider --rootdir {REPO} {REPO / 'tests'}"
                        )
                    else:
                        kept.append(point_local_judge_at_loopback(root, part))
                lines.append(" && ".join(kept))
            code = "\n".join(lines) + "\n"
        argv = ["bash", "-euo", "pipefail", "-c", code]
    proc = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, (
        f"{block.name} exited {proc.returncode}:\n{code}\n--- output ---\n{out[-6000:]}"
    )
    return out
