"""The generate config: one prompt, one set of parameters, two models (teacher and student).

Everything that shapes an answer (the templates, the parameters, the concurrency, the
post-processing) is set once, at the top, for both sides; a side names only how to reach its
model. A side that tries to set its own ``temperature``, ``max_tokens`` or ``concurrency`` is an
error that says where the shared setting lives: the point of the harness is that the two sides
cannot drift apart. Relative paths resolve against the config file's folder; unknown keys are an
error naming the file and the dotted field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from genjudge.config import load_mapping
from genjudge.errors import ConfigError
from genjudge.judge.settings import JudgeSettings

__all__ = [
    "GenerateConfig",
    "GenerationParams",
    "PostprocessSettings",
    "PromptSettings",
    "SIDES",
    "SideSettings",
    "load_generate_config",
]

Side = Literal["teacher", "student"]
SIDES: tuple[Side, Side] = ("teacher", "student")
"""The two sides, in the order they are generated."""

# Judge settings that shape a verdict, not a generation, or that both sides must share.
_SHARED = {
    "concurrency": "concurrency",
    "temperature": "params.temperature",
    "max_tokens": "params.max_tokens",
}
_VERDICT_ONLY = ("cache_path", "structured_output", "max_input_tokens", "logprob_weighting")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SideSettings(JudgeSettings):
    """How to reach one side's model: the judge's provider settings (``provider``, ``model``,
    ``base_url``, ``api_key_env``, ``timeout_s``, ``max_attempts``, ``rpm``, ``tpm``, local
    ``model_path`` / ``threads`` / ``n_ctx``...), without the verdict-only ones."""

    model_size_bytes: int | None = Field(None, ge=1)
    """A remote model's size, for the settings sidecar (a local GGUF file is measured)."""
    memory_bytes: int | None = Field(None, ge=1)
    """A remote model's serving memory, for the sidecar (a local model's is measured)."""

    @model_validator(mode="before")
    @classmethod
    def _no_side_overrides(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, home in _SHARED.items():
                if key in data:
                    raise ValueError(
                        f"{key!r} is shared by both sides: set {home} at the top of the config "
                        "(teacher and student must be asked the same way)"
                    )
            for key in _VERDICT_ONLY:
                if key in data:
                    raise ValueError(f"{key!r} is a judge setting; generate does not use it (see params)")
        return data


class PromptSettings(_Section):
    """Jinja2 templates (undefined names are errors); a set row's columns are the variables,
    plus ``labels`` when ``postprocess.labels`` is set."""

    system: str = ""
    user: str = "{{ input }}"


class GenerationParams(_Section):
    """Sampling parameters, identical for both sides."""

    temperature: float = Field(0.0, ge=0)
    max_tokens: int = Field(256, ge=1)
    logprobs: bool = False
    """Ask for the generated tokens' log-probabilities (top 10) where the provider returns them."""


class PostprocessSettings(_Section):
    """What is done to an answer's text before it is written, identically for both sides."""

    strip: bool = True
    """Remove leading and trailing white space."""
    labels: list[str] | None = Field(None, min_length=1)
    """Classification: the output is the label the text names, and ``probs`` are read from the
    first token's top log-probabilities (see :mod:`genjudge.generation.labels`)."""

    @model_validator(mode="after")
    def _distinct(self) -> PostprocessSettings:
        from genjudge.generation.labels import label_key

        if self.labels is not None:
            keys = [label_key(label) for label in self.labels]
            if "" in keys or len(set(keys)) != len(keys):
                raise ValueError("labels must be non-empty and distinct (ignoring case, spaces, underscores)")
        return self


class GenerateConfig(_Section):
    """What ``genjudge generate`` and ``genjudge loadtest`` read."""

    set: Path
    """A frozen evaluation set (its manifest beside it)."""
    out: Path = Path("generated")
    """Folder of ``teacher.jsonl``, ``student.jsonl``, their sidecars and the journal."""
    prompt: PromptSettings = PromptSettings()
    params: GenerationParams = GenerationParams()
    concurrency: int = Field(8, ge=1)
    """Calls in flight at once, per side (a local model always runs one at a time)."""
    postprocess: PostprocessSettings = PostprocessSettings()
    teacher: SideSettings
    student: SideSettings
    source: str = Field("config", exclude=True)
    """Where the settings came from (the file), for messages."""

    def side(self, name: str) -> SideSettings:
        """The settings of side ``name`` (``teacher`` or ``student``)."""
        if name not in SIDES:
            raise ConfigError(f"unknown side {name!r}: teacher or student")
        settings: SideSettings = getattr(self, name)
        return settings


def load_generate_config(source: GenerateConfig | Path | str | dict[str, Any]) -> GenerateConfig:
    """A validated config from a file (YAML or TOML), a mapping (paths relative to the current
    folder) or a config as is. Errors are :class:`ConfigError` naming the file and dotted field."""
    if isinstance(source, GenerateConfig):
        return source
    if isinstance(source, dict):
        data, base, where = dict(source), Path.cwd(), "config"
    else:
        path = Path(source)
        data, base, where = load_mapping(path), path.parent, str(path)
    try:
        config = GenerateConfig.model_validate({**data, "source": where})
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(str(p) for p in err['loc']) or '(top)'!r}: {_message(err)}"
            for err in exc.errors()
        )
        raise ConfigError(f"{where}: {problems}") from None
    update: dict[str, Any] = {
        "set": base / config.set if not config.set.is_absolute() else config.set,
        "out": base / config.out if not config.out.is_absolute() else config.out,
    }
    for name in SIDES:
        side = config.side(name)
        paths = {
            attr: base / value
            for attr in ("model_path", "prices_path")
            if (value := getattr(side, attr)) is not None and not value.is_absolute()
        }
        if paths:
            update[name] = side.model_copy(update=paths)
    return config.model_copy(update=update)


def _message(err: Any) -> str:
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")
