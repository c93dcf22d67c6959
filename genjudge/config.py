"""The run configuration: a YAML or TOML file (or the same keys from flags).

Relative paths in a config file are relative to the file's folder. Unknown keys are an error, and
every error names the file and the dotted field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from genjudge.errors import ConfigError
from genjudge.records import TaskKind

DEFAULT_CHECKS: dict[TaskKind, list[str]] = {
    TaskKind.CLASSIFICATION: ["exact_match", "label_metrics"],
    TaskKind.EXTRACTION: ["exact_match", "json_structure", "extraction_fields"],
    TaskKind.GENERATION: ["exact_match", "embedding_similarity", "judge_equivalence"],
}
"""Checks a run uses when the config names none."""
WHEN_PRESENT: dict[TaskKind, dict[str, list[str]]] = {
    TaskKind.CLASSIFICATION: {"probs": ["calibration", "distribution_distance"]},
    TaskKind.EXTRACTION: {"confidence": ["calibration"], "logprobs": ["distribution_distance"]},
    TaskKind.GENERATION: {"confidence": ["calibration"], "logprobs": ["distribution_distance"]},
}
"""Checks added to the defaults when both output files carry a field (probabilities, log-probs)."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BootstrapSettings(_Section):
    """Bootstrap confidence intervals."""

    resamples: int = Field(1000, ge=100, le=100_000)
    confidence: float = Field(0.95, gt=0.5, lt=1.0)
    seed: int = 0


class FindingThresholds(_Section):
    """Where the report's sentences about the fidelity / quality gap start to apply."""

    high_agreement: float = 0.9
    """Agreement with the teacher at or above this is "high"."""
    low_quality: float = 0.8
    """Task quality below this is "low"."""
    material_gap: float = 0.05
    """A difference of this much (absolute) is worth a sentence."""
    poor_calibration: float = 0.05
    """An expected calibration error whose whole interval lies above this is "poor calibration"."""


class ModelFacts(_Section):
    """What a run cannot measure from the output rows: stated by the user for one model."""

    size_bytes: int | None = Field(None, ge=0)
    """Size of the model's weights (a local GGUF file's size is read by ``genjudge generate``)."""
    memory_bytes: int | None = Field(None, ge=0)
    """Memory the served model takes (its footprint at inference)."""
    throughput_calls_per_s: float | None = Field(None, gt=0)
    """Calls per second the deployment sustains."""


class RunConfig(_Section):
    """What ``genjudge run`` reads."""

    task: TaskKind
    set: Path
    """The frozen evaluation set (its manifest must sit beside it)."""
    teacher: Path
    student: Path
    name: str | None = None
    """A label for the run in listings."""
    slices: list[str] | None = None
    """Slice columns; defaults to the manifest's. ``a*b`` is the crossed slice of columns ``a`` and
    ``b`` (one group per pair of values, e.g. ``hard*yes``)."""
    critical: dict[str, Any] = Field(default_factory=dict)
    """Slices that must not regress, by column: ``{business_critical: yes}`` or
    ``{channel: [phone, chat]}``; a column of the set, measured as a slice even when ``slices``
    leaves it out. Weak numbers there are critical findings; a gate policy can require them
    (docs/gate.md)."""
    cluster: str | None = None
    """A column of the set whose equal values mark items that are not independent (e.g. ``doc_id``
    when several items come from one source document): intervals then resample whole clusters."""
    min_support: int = Field(30, ge=1)
    """Slices with fewer scored items are flagged as too small to trust."""
    rare_class_share: float = Field(0.05, ge=0.0, lt=1.0)
    """Classes under this share of the set get a ``rare_class`` slice each (classification)."""
    bootstrap: BootstrapSettings = BootstrapSettings()
    findings: FindingThresholds = FindingThresholds()
    checks: dict[str, dict[str, Any]] | None = None
    """Checks by name with their options; defaults by task (see DEFAULT_CHECKS)."""
    judge: dict[str, Any] | None = None
    """The LLM judge's settings, for checks that use one."""
    max_failure_share: float = Field(0.05, ge=0.0, le=1.0)
    """A run with a larger share of items not scored (unscored or errored) is marked failed: a
    critical finding says why and ``genjudge run`` exits 1 (see docs/robustness.md)."""
    require_validated_judge: bool = False
    """Refuse to run unless the configured judge is *validated* for every judge rubric in use: an
    accepted decision bound to this judge, this rubric's content and this evaluation set (or a set in
    ``parent_sets``). *Validated elsewhere* (e.g. on SummEval) does not count."""
    parent_sets: list[str] = Field(default_factory=list)
    """Fingerprints (12 characters or more) of evaluation sets this set was drawn from: a judge
    validated on a sample of one of them counts as validated here."""
    model_facts: dict[Literal["teacher", "student"], ModelFacts] = Field(default_factory=dict)
    """Model size, memory and throughput per model where the outputs cannot carry them; they win
    over what ``genjudge generate`` recorded."""
    harness_mismatch: Literal["warn", "refuse"] = "warn"
    """When ``genjudge generate``'s records show teacher and student were produced under different
    settings (prompt template, decoding parameters, concurrency, hardware): ``warn`` (a critical
    finding naming each difference) or ``refuse`` to run."""
    store: str | None = None
    """SQLAlchemy URL or SQLite file path of the results store."""
    report_dir: Path | None = None
    """Where reports go; defaults to ``reports/<run id>`` beside the config."""

    @field_validator("checks", mode="before")
    @classmethod
    def _checks_as_mapping(cls, value: Any) -> Any:
        # A bare list of names is the common case; options default.
        if isinstance(value, list):
            return {str(name): {} for name in value}
        if isinstance(value, dict):
            return {k: (v or {}) for k, v in value.items()}
        return value

    def check_specs(self, present: frozenset[str] = frozenset()) -> dict[str, dict[str, Any]]:
        """The checks to run, with options: the configured ones, else the task's defaults plus those
        that the fields ``present`` in both output files allow (see WHEN_PRESENT)."""
        if self.checks is not None:
            return dict(self.checks)
        names = list(DEFAULT_CHECKS[self.task])
        for field_name, extra in WHEN_PRESENT[self.task].items():
            if field_name in present:
                names += [n for n in extra if n not in names]
        return {name: {} for name in names}


def load_mapping(path: Path) -> dict[str, Any]:
    """The mapping a YAML (``.yaml``/``.yml``, or JSON) or TOML (``.toml``) file holds. A missing
    file, a syntax error (with its line) or a non-mapping is a ConfigError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    from genjudge.errors import InputError
    from genjudge.io.tables import read_text

    try:
        text = read_text(path)
    except InputError as exc:
        raise ConfigError(str(exc)) from None
    try:
        if path.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:  # the parsers' own messages carry the line
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:  # YAML: one line, with the place
            problem = getattr(exc, "problem", None) or exc
            raise ConfigError(
                f"{path}:{mark.line + 1}: cannot parse: {problem} (column {mark.column + 1})"
            ) from None
        raise ConfigError(f"{path}: cannot parse: {' '.join(str(exc).split())}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    return data


def load_config(path: Path, overrides: dict[str, Any] | None = None) -> RunConfig:
    """Read a YAML (``.yaml``/``.yml``) or TOML (``.toml``) config; paths resolve against its folder."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    data = load_mapping(path)
    data.update(overrides or {})
    return config_from_dict(data, base=path.parent, source=str(path))


def config_from_dict(data: dict[str, Any], *, base: Path, source: str = "config") -> RunConfig:
    """Validate settings; relative paths are taken against ``base``."""
    try:
        config = RunConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"field {'.'.join(str(p) for p in err['loc']) or '(top)'!r}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"{source}: {problems}") from None
    resolved = {
        name: (base / value if not value.is_absolute() else value)
        for name in ("set", "teacher", "student", "report_dir")
        if (value := getattr(config, name)) is not None
    }
    return config.model_copy(update=resolved)
