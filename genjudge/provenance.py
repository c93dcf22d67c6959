"""What a run record says about where its numbers came from: inputs hash, git revision, packages."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

from genjudge.config import RunConfig
from genjudge.io.canonical import canonical_json, sha256_file, sha256_text

__all__ = ["git_revision", "hash_inputs", "package_versions"]

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
