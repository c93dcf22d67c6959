"""``validate_judge``: measure a judge against human ratings and decide whether to accept it.

:class:`ValidationConfig` carries every option of ``genjudge validate`` (the YAML of ``--config``
has its keys; the command's flags override them). :func:`run_validation` does the work and returns
the decision with the sentences the command prints; :func:`validate_judge` returns the decision.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from genjudge.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from genjudge.progress import ProgressCallback, ProgressTracker
    from genjudge.validation import Decision

__all__ = ["ValidationConfig", "ValidationOutcome", "run_validation", "validate_judge"]

_JUDGE_PATHS = ("cache_path", "model_path", "prices_path")


class ValidationConfig(BaseModel):
    """What ``genjudge validate`` does: which sample, which judge (run or imported), which policy.

    Relative paths in a config file are relative to the file's folder (:meth:`load`); given here
    directly, to the current folder.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    sample: Path
    """The rated sample (folder or manifest)."""
    dimensions: list[str] = Field(default_factory=list)
    """Dimensions to validate (default: every dimension of the sample; running a judge: exactly one)."""
    rubric: str | None = None
    """Running a judge: its rubric (id or .toml path)."""
    fields: dict[str, str] = Field(default_factory=dict)
    """Running a judge: rubric field -> item column (e.g. ``text_a: response1``)."""
    judge: dict[str, Any] = Field(default_factory=dict)
    """Running a judge: its settings (keys of :class:`genjudge.judge.JudgeSettings`)."""
    limit: int | None = Field(None, ge=1)
    """Judge (or, with imported verdicts, keep) a seeded random subset of this many items."""
    stratify: bool = False
    """With ``limit``: an equal share per human-consensus class."""
    verdicts: Path | None = None
    """Imported verdicts (item_id, dimension, value, status, reason) instead of running a judge."""
    only_verdict_items: bool = False
    """Imported verdicts: validate on the items they cover only (else the others are unscored)."""
    judge_provider: str = "imported"
    """Imported verdicts: the provider of the judge they come from."""
    judge_model: str | None = None
    """Imported verdicts: the judge model (default: the verdict file's name)."""
    rubric_id: str | None = None
    """Imported verdicts: the judge's rubric id (required when ``judge_provider`` is not imported)."""
    rubric_version: str | None = None
    policy: dict[str, Any] = Field(default_factory=dict)
    """Keys of :class:`genjudge.validation.Policy`."""
    policy_file: Path | None = None
    """A YAML or JSON file of policy keys (its keys win over ``policy``)."""
    resamples: int | None = None
    """Bootstrap resamples (wins over the policy's)."""
    seed: int | None = None
    """Seed of the bootstrap and of ``limit`` (wins over the policy's)."""
    store: str | None = None
    """Store URL or SQLite path for the decision (default: the run store)."""
    record: bool = True
    """Record the decision in the store."""
    cache: bool = True
    """Cache the judge's calls like a run does (``judge.cache_path``, by default
    ``.genjudge/judge_cache.sqlite`` beside the project's store); False makes every call anew."""
    project: Path | None = None
    """The folder from which the project's store and judge cache are found (walking up to a project
    root, see :mod:`genjudge.store.locate`); default: the config's folder, or the current folder."""
    verdicts_out: Path | None = None
    """Write the judge's verdicts (CSV) here as soon as they exist (before deciding)."""
    target_width: float | None = Field(None, gt=0)
    """A sheet drawn from a run: the PPI interval width the label budget aims at (default: half of now)."""

    @field_validator("fields", mode="before")
    @classmethod
    def _fields_as_mapping(cls, value: Any) -> Any:
        # `fields: [text_a=response1, ...]` as on the command line
        if isinstance(value, list | tuple):
            out = {}
            for pair in value:
                if not isinstance(pair, str) or "=" not in pair:
                    raise ValueError(f"expected RUBRIC_FIELD=ITEM_COLUMN, got {pair!r}")
                key, column = pair.split("=", 1)
                out[key.strip()] = column.strip()
            return out
        return value

    @field_validator("rubric_version", "rubric_id", "judge_model", mode="before")
    @classmethod
    def _numbers_as_strings(cls, value: Any) -> Any:
        return None if value is None else str(value)

    @classmethod
    def load(cls, path: str | os.PathLike[str], overrides: dict[str, Any] | None = None) -> ValidationConfig:
        """Read a YAML config; its relative paths resolve against its folder, ``overrides`` (flags) win."""
        from genjudge.config import load_mapping

        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"{path}: config file not found")
        data = load_mapping(path)
        base = path.resolve().parent
        for key in ("sample", "verdicts", "policy_file", "verdicts_out"):
            if data.get(key) is not None:
                data[key] = _under(base, data[key])
        if isinstance(data.get("judge"), dict):
            judge = dict(data["judge"])
            for key in _JUDGE_PATHS:
                if judge.get(key) is not None:
                    judge[key] = str(_under(base, judge[key]))
            data["judge"] = judge
        if data.get("store") is not None:
            from genjudge.store import resolve_url

            data["store"] = resolve_url(str(data["store"]), base=base)
        data.setdefault("project", base)
        flags = _flags(overrides)
        if "judge" in flags:
            flags["judge"] = {**(data.get("judge") or {}), **flags["judge"]}
        return cls.build({**data, **flags}, source=str(path))

    @classmethod
    def build(cls, data: dict[str, Any], *, source: str = "options") -> ValidationConfig:
        """Validate options; an error names the source and the field."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"field {'.'.join(str(p) for p in err['loc']) or '(top)'!r}: {err['msg']}"
                for err in exc.errors()
            )
            raise ConfigError(f"{source}: {problems}") from None


def _under(base: Path, value: Any) -> Path:
    path = Path(value)
    return path if path.is_absolute() else base / path


def _flags(overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Flags that were given; ``judge`` keys merge into the config's judge settings."""
    return {k: v for k, v in (overrides or {}).items() if v not in (None, [], {})}


@dataclass
class ValidationOutcome:
    """What a validation produced."""

    decision: Decision
    verdicts: pd.DataFrame
    """The judge's verdicts (item_id, dimension, value, status, reason)."""
    messages: list[str] = field(default_factory=list)
    """Sentences about what was validated (coverage of imported verdicts, items judged)."""
    store_url: str | None = None
    """Where the decision was recorded (None when not recorded)."""
    corrected: list[str] = field(default_factory=list)
    """A sheet drawn from a run: the run's judge numbers corrected by the ratings (PPI), in words."""


def validate_judge(
    config: ValidationConfig | dict[str, Any] | str | os.PathLike[str],
    *,
    progress: ProgressCallback | None = None,
) -> Decision:
    """Measure a judge against the human ratings of a sample, decide under the policy, record it.

    ``config``: a :class:`ValidationConfig`, a mapping of its keys, or a YAML file of them. Either
    runs the judge (``rubric``, ``judge``) or reads its verdicts (``verdicts``). The decision is bound
    to the judge model, the rubric version and the sample fingerprint, and is recorded in the store
    (unless ``record`` is false), where ``genjudge run`` looks it up. This is ``genjudge validate``.
    """
    from genjudge.api._sync import blocking
    from genjudge.progress import ProgressTracker

    cfg = _as_config(config)
    return blocking(lambda: run_validation(cfg, ProgressTracker(progress))).decision


def _as_config(config: ValidationConfig | dict[str, Any] | str | os.PathLike[str]) -> ValidationConfig:
    if isinstance(config, ValidationConfig):
        return config
    if isinstance(config, dict):
        return ValidationConfig.build(config)
    return ValidationConfig.load(config)


def run_validation(cfg: ValidationConfig, progress: ProgressTracker | None = None) -> ValidationOutcome:
    """Validate as ``cfg`` says; messages go to ``progress`` as they arise and onto the outcome."""
    from genjudge.labels import load_sample
    from genjudge.progress import ProgressTracker
    from genjudge.validation import decide, save_decision

    progress = progress or ProgressTracker()
    messages: list[str] = []

    def say(text: str) -> None:
        messages.append(text)
        progress.message(text)

    with progress.stage("load"):
        rated = load_sample(cfg.sample)
        policy = _policy(cfg)
    dims = list(cfg.dimensions)
    from genjudge.validation import sources

    if cfg.verdicts is not None:
        with progress.stage("load"):
            got = sources.imported(cfg, rated, policy.seed, dims, say)
    elif (
        cfg.rubric is None
        and rated.manifest.origin is not None
        and rated.manifest.origin.check == "judge_claims"
    ):
        # A claim sheet drawn from a run: the run's judge asked again for p(yes) on the rated
        # claims (its cache answers the calls the run made), and the threshold calibrated.
        cfg = sources.claim_sheet_config(cfg, rated)
        got = sources.judged(cfg, rated, policy.seed, list(cfg.dimensions), say, progress, policy)
    elif cfg.rubric is None and rated.manifest.origin is not None:
        with progress.stage("load"):
            got = sources.from_run(cfg, rated, dims, say, policy.confidence)
    else:
        got = sources.judged(cfg, rated, policy.seed, dims, say, progress, policy)
    if cfg.verdicts_out is not None:
        from genjudge.validation import write_verdicts

        write_verdicts(cfg.verdicts_out, got.frame)
    with progress.stage("decide"):
        decision = decide(
            got.rated,
            got.frame,
            binding=got.binding,
            population=got.population,
            verdicts_source=got.source,
            policy=policy,
            dimensions=dims or None,
            judge_cost=got.cost,
            subset=got.subset,
            context=got.context,
        )
    if decision.claim_threshold is not None:
        from genjudge.validation.claim_calibration import in_words

        decision = decision.model_copy(
            update={"explanation": [*in_words(decision.claim_threshold), *decision.explanation]}
        )
    frame = got.frame
    got.corrected.extend(sources.decision_budget(decision))
    url = None
    if cfg.record:
        from genjudge.store import resolve_url

        with progress.stage("store"):
            url = resolve_url(cfg.store, start=cfg.project)
            save_decision(url, decision)
    progress.finished()
    return ValidationOutcome(
        decision=decision, verdicts=frame, messages=messages, store_url=url, corrected=got.corrected
    )


def _policy(cfg: ValidationConfig) -> Any:
    import yaml

    from genjudge.validation import Policy

    data = dict(cfg.policy)
    if cfg.policy_file is not None:
        if not cfg.policy_file.is_file():
            raise ConfigError(f"{cfg.policy_file}: policy file not found")
        data.update(yaml.safe_load(cfg.policy_file.read_text(encoding="utf-8")) or {})
    data.update({k: v for k, v in (("resamples", cfg.resamples), ("seed", cfg.seed)) if v is not None})
    try:
        return Policy.model_validate(data)
    except ValueError as exc:
        raise ConfigError(f"invalid policy: {exc}") from None
