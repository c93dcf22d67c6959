"""Fixtures of the service tests: the service on a free 127.0.0.1 port (uvicorn in a thread, or
``genjudge serve`` as a real subprocess), a token for it, and the loopback judge."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("fastapi", reason="the service needs the `service` extra (fastapi, uvicorn)")

from tests.robustness.conftest import ThreadedLoopback, judge_settings  # noqa: F401  (re-exported)

REPO = Path(__file__).resolve().parents[2]


class ThreadedService:
    """``create_app(settings)`` served by uvicorn in a daemon thread on a free port."""

    def __init__(self, settings: Any) -> None:
        import uvicorn

        from genjudge.service import create_app

        self.settings = settings
        self.app = create_app(settings)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the service did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


def make_settings(tmp_path: Path, **overrides: Any) -> Any:
    from genjudge.service import ServiceSettings

    values: dict[str, Any] = {
        "store_url": f"sqlite:///{tmp_path / 'store.db'}",
        "tokens_file": tmp_path / "tokens.json",
        "root": tmp_path,
        "workdir": tmp_path / "work",
        "labels_root": tmp_path / "labels",
        "poll_s": 0.1,
        "key_envs": ("GJ_ROBUST_NO_KEY",),
        **overrides,
    }
    return ServiceSettings(**values)


@pytest.fixture
def token(tmp_path: Path) -> str:
    from genjudge.service.tokens import add_token

    return add_token(tmp_path / "tokens.json", "alice")


@pytest.fixture
def service(tmp_path: Path, token: str):
    s = ThreadedService(make_settings(tmp_path))
    yield s
    s.close()


@pytest.fixture
def client(service: ThreadedService, token: str):
    with httpx.Client(base_url=service.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        yield c


@pytest.fixture
def judge_server():
    s = ThreadedLoopback()
    yield s
    s.close()


class ServeProcess:
    """``genjudge serve`` as a real subprocess of this checkout, on a free port."""

    def __init__(self, cwd: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        env["PYTHONFAULTHANDLER"] = "1"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "genjudge", "serve", "--port", "0", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.url = ""
        found = threading.Event()

        def read() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                self.lines.append(line)
                if m := re.search(r"genjudge service on (http://\S+)", line):
                    self.url = m.group(1)
                    found.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        if not found.wait(60):
            self.stop(9)
            raise RuntimeError("genjudge serve did not start:\n" + "".join(self.lines))

    def output(self) -> str:
        return "".join(self.lines)

    def stop(self, sig: int | None = None) -> int:
        import signal

        if self.proc.poll() is None:
            self.proc.send_signal(sig or signal.SIGTERM)
        try:
            code = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(10)
        self.reader.join(10)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        return code
