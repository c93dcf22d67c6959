"""The service on a real loopback port for the page tests: uvicorn in a thread, two raters' tokens,
a store filled by real ``genjudge run``s, and rating sheets.

``Served(settings)`` starts ``create_app(settings)`` under uvicorn on a free 127.0.0.1 port and stops
it on exit; ``client(token)`` is an httpx client of it, signed in with that token (a bearer header)
or not.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[3]
TOKENS = {"ana": "tok-ana-0123456789", "ben": "tok-ben-9876543210"}


def write_tokens(path: Path, tokens: dict[str, str] = TOKENS) -> Path:
    """A tokens file of the service's format (JSON: names and sha256 hashes only) for ``tokens``."""
    entries = [{"name": n, "sha256": hashlib.sha256(t.encode()).hexdigest()} for n, t in tokens.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "tokens": entries}), encoding="utf-8")
    return path


def settings_for(work: Path, store_url: str, labels_root: Path) -> Any:
    """The service's settings: this store and labels root, the tokens of TOKENS, files under ``work``."""
    from genjudge.service.settings import ServiceSettings

    return ServiceSettings(
        store_url=store_url,
        tokens_file=write_tokens(work / "tokens.json"),
        root=work,
        workdir=work / "work",
        labels_root=labels_root,
    )


def genjudge_run(config: Path, store: Path, out: Path) -> str:
    """``python -m genjudge run CONFIG`` (this tree's code) into ``store``; the stored run's id."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "genjudge", "run", str(config), "--store", str(store), "--out", str(out),
         "--resamples", "200"],
        env=env, cwd=store.parent, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    from genjudge.store import RunStore

    return str(RunStore(f"sqlite:///{store}", create=False).list(1)[0]["run_id"])


class Served:
    """``create_app(settings)`` under uvicorn on 127.0.0.1, in a thread, for a ``with`` block."""

    def __init__(self, settings: Any) -> None:
        import uvicorn

        from genjudge.service.app import create_app

        self.settings = settings
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings), log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "the service did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()

    def client(self, token: str | None = None) -> httpx.Client:
        """An httpx client of the service (bearer ``token`` if given); redirects are not followed."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.base_url, headers=headers, follow_redirects=False, timeout=60)
