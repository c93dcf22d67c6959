"""What a run record says about where its numbers came from: inputs hash, git revision, packages."""

from __future__ import annotations

import platform
import subprocess
import uuid
from datetime import datetime
from importlib import metadata
from pathlib import Path

from genjudge._version import __version__
from genjudge.config import RunConfig
from genjudge.io.canonical import canonical_json, sha256_file, sha256_text
from genjudge.records import RunRecord
from genjudge.redact import redact_obj

__all__ = ["git_revision", "hash_inputs", "new_run_id", "package_versions", "run_record"]

_PACKAGES = (
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "pyarrow",
    "pydantic",
    "sentence-transformers",
    "openai",
    "anthropic",
)


def new_run_id(now: datetime) -> str:
    """A run's id: its start (UTC, to the second) and six random hex digits, e.g. ``20261202-224904-0508f3``."""
    return f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def run_record(
    config: RunConfig,
    config_dir: Path,
    set_fingerprint: str,
    *,
    run_id: str,
    created_at: datetime,
    inputs_hash: str | None = None,
    same_inputs_as: str | None = None,
) -> RunRecord:
    """The record of a run of ``config``: versions, git revision, inputs hash and the redacted config."""
    return RunRecord(
        run_id=run_id,
        created_at=created_at,
        genjudge_version=__version__,
        git_revision=git_revision(config_dir),
        python_version=platform.python_version(),
        packages=package_versions(),
        task=config.task,
        set_fingerprint=set_fingerprint,
        inputs_hash=inputs_hash or hash_inputs(config, set_fingerprint),
        config=redact_obj(config.model_dump(mode="json")),
        seed=config.bootstrap.seed,
        same_inputs_as=same_inputs_as,
    )


def hash_inputs(config: RunConfig, set_fingerprint: str) -> str:
    """sha256 over what decides the numbers: settings, the set's fingerprint, the output files' bytes."""
    settings = config.model_dump(
        mode="json", exclude={"set", "teacher", "student", "report_dir", "store", "name"}
    )
    body = {
        "settings": settings,
        "set": set_fingerprint,
        "teacher": sha256_file(config.teacher),
        "student": sha256_file(config.student),
    }
    return sha256_text(canonical_json(body))


def git_revision(folder: Path) -> str | None:
    """The git commit of ``folder``'s checkout, if it is one."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def package_versions() -> dict[str, str]:
    """Versions of the installed packages that change numbers."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions
