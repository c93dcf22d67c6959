"""What a request may name on the server: files under the service's root, and judge settings that
neither write where they like nor read a secret the operator did not offer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from genjudge.errors import ConfigError

__all__ = ["check_judge", "under_root"]

_SERVER_PATHS = ("cache_path", "model_path", "prices_path")


def under_root(root: Path, value: str | Path, what: str) -> Path:
    """``value`` (relative to ``root``) as an absolute path, refused unless it lies under ``root``."""
    text = str(value)
    if not text or "\x00" in text:
        raise ConfigError(f"{what}: not a usable path")
    base = root.resolve()
    try:
        path = (base / Path(text)).resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise ConfigError(f"{what}: not a usable path ({exc})") from None
    if len(str(path).encode()) > 4000 or any(len(part.encode()) > 255 for part in path.parts):
        raise ConfigError(f"{what}: the path is too long for a file system")
    if path != base and base not in path.parents:
        raise ConfigError(f"{what}: {value} is outside the service's root folder")
    return path


def check_judge(judge: Any, key_envs: tuple[str, ...], what: str = "judge") -> dict[str, Any] | None:
    """A request's judge settings, refused when they name server files or another environment
    variable than the keys the operator allows (a key read from the environment is sent to the
    judge's server: a request must not choose which secret)."""
    if judge is None:
        return None
    if not isinstance(judge, dict):
        raise ConfigError(f"{what}: must be a mapping of judge settings")
    for key in _SERVER_PATHS:
        if judge.get(key) is not None:
            raise ConfigError(f"{what}.{key}: set by the service, not by a request")
    env = judge.get("api_key_env")
    if env is not None and env not in key_envs:
        raise ConfigError(
            f"{what}.api_key_env: {env!r} is not one of the keys this service offers ({', '.join(key_envs)})"
        )
    return dict(judge)
