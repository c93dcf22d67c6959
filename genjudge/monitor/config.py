"""The monitor config (YAML): where the traffic is, how it is windowed, labelled and judged for drift."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from genjudge.errors import ConfigError, one_line
from genjudge.records import TaskKind

__all__ = ["EmbeddingDrift", "HumanLabels", "MonitorConfig", "Teacher", "Thresholds", "load_monitor_config"]

_WINDOW = re.compile(r"^(?:(\d+)([hd])|week)$")
DEFAULT_PROMPT = {
    TaskKind.CLASSIFICATION: "Classify the input. Answer with the label only, nothing else.",
    TaskKind.GENERATION: "Respond to the input.",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Teacher(_Strict):
    """The teacher asked for its output on every sampled input, through the judge's provider layer."""

    prompt: str | None = None
    """System prompt; the user turn is the item's input. Default: a plain instruction per task."""
    labels: list[str] | None = None
    """Classification: the allowed labels. An answer that is not one of them leaves the item
    unlabelled with the reason (compared after the run's label normalisation)."""
    provider: dict[str, Any]
    """Provider settings, the keys of a run's ``judge:`` block (provider, model, base_url,
    api_key_env, concurrency, max_attempts, cache_path, ...). ``cache_path`` defaults to
    ``<config folder>/.genjudge/monitor-teacher-cache.sqlite``, so a re-run asks nothing twice."""
    min_labelled_share: float = Field(0.5, ge=0.0, le=1.0)
    """The monitor failed (exit 1) when fewer of the new items than this got a teacher label."""


class HumanLabels(_Strict):
    """Labels from human raters, in genjudge's rated-sample format (``sample.json`` + ratings)."""

    path: Path
    dimension: str
    """The rated dimension that is the label (classification) or the quality score (generation)."""


class Thresholds(_Strict):
    psi_warn: float = Field(0.1, gt=0)
    psi_alert: float = Field(0.25, gt=0)
    js_warn: float = Field(0.1, gt=0, le=1)
    js_alert: float = Field(0.2, gt=0, le=1)
    """Jensen–Shannon distance (base 2, in [0, 1])."""
    embedding_p: float = Field(0.01, gt=0, lt=1)
    """The embedding shift alerts when the permutation test's p-value is below this."""
    min_n: int = Field(20, ge=1)
    """Distributions with fewer items than this on either side are reported but never alert."""

    @model_validator(mode="after")
    def _order(self) -> Thresholds:
        if self.psi_warn > self.psi_alert or self.js_warn > self.js_alert:
            raise ValueError("a warn threshold must not exceed its alert threshold")
        return self


class EmbeddingDrift(_Strict):
    field: Literal["input", "output"] = "input"
    """Which text is embedded: the production inputs (population shift) or the student's outputs."""
    model: str = "default"
    max_items: int = Field(300, ge=10)
    """Per window, at most this many items (a seeded sample) enter the test (its cost is quadratic)."""
    permutations: int = Field(500, ge=19)


class Reference(_Strict):
    start: datetime
    end: datetime


class MonitorConfig(_Strict):
    """A monitor: the traffic, its windows, its labeller, its reference and thresholds."""

    name: str = Field(min_length=1, max_length=200)
    task: TaskKind
    traffic: list[Path] = Field(min_length=1)
    """JSONL files, or folders whose ``*.jsonl`` files (recursively, sorted) are read."""
    id_field: str = "id"
    timestamp_field: str = "timestamp"
    input_field: str = "input"
    output_field: str = "output"
    reference_field: str = "reference"
    slices: list[str] = Field(default_factory=list)
    window: str = "1d"
    """``Nh``, ``Nd`` (aligned to 1970-01-01 00:00 UTC) or ``week`` (Monday 00:00 UTC)."""
    teacher: Teacher | None = None
    labels: HumanLabels | None = None
    reference: Literal["first"] | Reference = "first"
    """The reference window: the first window, or every item between two times."""
    thresholds: Thresholds = Thresholds()
    embedding: EmbeddingDrift | None = EmbeddingDrift()
    """Embedding shift settings; null turns the test off."""
    similarity_threshold: float = Field(0.8, ge=-1, le=1)
    """Generation: the cosine at or above which student and teacher count as similar."""
    store: str | None = None
    cache_dir: Path | None = None
    """Embedding cache folder; default ``<config folder>/.genjudge``."""
    seed: int = 0
    resamples: int = Field(1000, ge=100)
    confidence: float = Field(0.95, gt=0.5, lt=1)

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        m = _WINDOW.match(value)
        if not m or (m.group(1) is not None and int(m.group(1)) < 1):
            raise ValueError("window must be like '12h', '1d', '7d' or 'week'")
        return value

    @model_validator(mode="after")
    def _labeller(self) -> MonitorConfig:
        if (self.teacher is None) == (self.labels is None):
            raise ValueError("name exactly one labeller: 'teacher' (a provider) or 'labels' (human labels)")
        if self.task is TaskKind.EXTRACTION:
            raise ValueError("task 'extraction' is not monitored yet: use classification or generation")
        return self


def _resolve(path: Path, base: Path) -> Path:
    return path if path.is_absolute() else base / path


def load_monitor_config(path: Path | str) -> tuple[MonitorConfig, Path]:
    """The validated config and its folder (relative paths in it resolve there)."""
    from genjudge.config import load_mapping

    path = Path(path)
    data = load_mapping(path)
    try:
        config = MonitorConfig.model_validate(data)
    except ValueError as exc:
        raise ConfigError(f"{path}: {one_line(exc)}") from None
    base = path.resolve().parent
    update: dict[str, Any] = {"traffic": [_resolve(p, base) for p in config.traffic]}
    if config.labels is not None:
        update["labels"] = config.labels.model_copy(update={"path": _resolve(config.labels.path, base)})
    update["cache_dir"] = _resolve(config.cache_dir or Path(".genjudge"), base)
    if config.teacher is not None:
        settings = dict(config.teacher.provider)
        cache = settings.get("cache_path")
        settings["cache_path"] = str(
            _resolve(Path(cache), base) if cache else update["cache_dir"] / "monitor-teacher-cache.sqlite"
        )
        update["teacher"] = config.teacher.model_copy(update={"provider": settings})
        from genjudge.judge.settings import JudgeSettings

        try:
            JudgeSettings.model_validate(settings)
        except ValueError as exc:
            raise ConfigError(f"{path}: {one_line(exc, 'teacher.provider.')}") from None
    return config.model_copy(update=update), base
