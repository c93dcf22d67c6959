"""Checks made before a run writes anything: every one fails as a clear error, exit status 2.

The judge settings are validated (an unknown key under ``judge:`` names the key), the store URL's
driver must be importable, and the report folder must be creatable and writable: a run that would
only fail at its end, after paying for its judge calls, is refused at its start instead.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from genjudge.errors import ConfigError, one_line

__all__ = ["check_report_dir", "preflight"]


def preflight(config: Any, url: str | None, report_dir: Path | None) -> None:
    """Refuse the run before scoring when the judge settings, the store or the report folder are
    unusable (``url`` None: the run is not stored)."""
    if config.judge is not None:
        from pydantic import ValidationError

        from genjudge.judge.settings import JudgeSettings

        try:
            JudgeSettings.model_validate(config.judge)
        except ValidationError as exc:
            raise ConfigError(f"judge: invalid settings: {one_line(exc, 'judge.')}") from None
    if url is not None and not url.startswith(
        "sqlite:///"
    ):  # SQLite's driver is the standard library's: nothing to check
        from genjudge.store import check_url

        check_url(url)
    if report_dir is not None:
        check_report_dir(report_dir)


def check_report_dir(folder: Path) -> None:
    """The report folder (or its nearest existing parent) must be a writable folder."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{folder}: the report folder is a file, not a folder (report_dir / --out)")
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(f"{folder}: cannot create the report folder: {probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"{folder}: cannot write the report folder: {probe} is not writable")
