"""What a validation decision is bound to: the judge exactly as it was called, the rubric's content,
and the population whose items the humans rated.

A decision validates one instrument on one population. The instrument is the judge's provider,
model and endpoint, every setting that changes a verdict, and the rubric's id, version and
content hash (:class:`JudgeBinding`); its :attr:`~JudgeBinding.key` is a hash of all of it, so a
changed temperature or an edited rubric text has no decision. The population
(:class:`Population`) is the evaluation set a rating sheet was drawn from (its fingerprint), or an
external rated set such as SummEval. Verdicts imported from a file are bound to the file and a
declared producer (provider ``imported``), never to a provider + model that genjudge calls.
"""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from genjudge.io.canonical import canonical_json, sha256_text

IMPORTED = "imported"
"""The provider of every decision made on imported verdicts."""

_VERDICT_SETTINGS = ("temperature", "max_tokens", "logprob_weighting", "structured_output")
"""JudgeSettings that change what the judge answers (timeouts, rates and caches do not)."""
_LOCAL_SETTINGS = ("n_ctx",)


class JudgeBinding(BaseModel):
    """The judge and rubric a decision is about, exactly as genjudge called them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: str
    model: str
    base_url: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    """Every setting that changes a verdict (temperature, max_tokens, log-prob weighting, structured
    output; for a local model its file and context length; a plugin provider's options)."""
    rubric_id: str
    rubric_version: str
    rubric_hash: str
    """sha256 of the rubric's content (instructions, scale or labels, schema, examples)."""

    @property
    def key(self) -> str:
        """One hash over everything above: equal keys, same instrument."""
        return sha256_text(canonical_json(self.model_dump()))

    @property
    def judge_name(self) -> str:
        """``provider/model``, as decisions store and messages name the judge."""
        return f"{self.provider}/{self.model}"

    def in_words(self) -> str:
        """The judge in words, with the settings that set it apart."""
        settings = ", ".join(f"{k}={v}" for k, v in sorted(self.parameters.items()))
        where = f" at {self.base_url}" if self.base_url else ""
        return (
            f"{self.judge_name}{where} ({settings}), rubric {self.rubric_id}@{self.rubric_version} "
            f"sha256:{self.rubric_hash[:12]}"
        )

    def differences(self, other: JudgeBinding) -> list[str]:
        """What differs between two bindings, in words (``temperature 0.0 here, 0.7 there``)."""
        out = []
        for name in ("provider", "model", "base_url", "rubric_id", "rubric_version", "rubric_hash"):
            a, b = getattr(self, name), getattr(other, name)
            if a != b:
                out.append(f"{name.replace('_', ' ')} {a} here, {b} there")
        for name in sorted(set(self.parameters) | set(other.parameters)):
            a, b = self.parameters.get(name), other.parameters.get(name)
            if a != b:
                out.append(f"{name} {a} here, {b} there")
        return out


class PopulationKind(enum.StrEnum):
    """What the rated items are a sample of."""

    RUN = "run"
    """A rating sheet drawn from a stored run: the run's evaluation set."""
    EXTERNAL = "external"
    """A rated set from elsewhere (SummEval, PandaLM, a team's own file)."""


class Population(BaseModel):
    """The population a decision's rated items were drawn from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PopulationKind
    name: str
    """``external``: the rated set's name (``SummEval``); ``run``: the run's name or id."""
    set_fingerprint: str | None = None
    """``run``: the evaluation set's fingerprint (what a later run's set is matched against)."""
    run_id: str | None = None

    def in_words(self) -> str:
        if self.kind is PopulationKind.EXTERNAL:
            return f"external: {self.name}"
        if self.run_id is None:
            return f"set {(self.set_fingerprint or '')[:12]} (declared by the rated sample {self.name})"
        return f"set {(self.set_fingerprint or '')[:12]} (rated sheet of run {self.run_id})"

    def covers(self, set_fingerprint: str, parents: list[str] | tuple[str, ...] = ()) -> bool:
        """Whether this population is the set ``set_fingerprint`` or one of its declared parents."""
        if self.kind is not PopulationKind.RUN or not self.set_fingerprint:
            return False
        return any(_same_fingerprint(self.set_fingerprint, f) for f in (set_fingerprint, *parents))


def _same_fingerprint(full: str, given: str) -> bool:
    """A declared fingerprint may be a prefix of 12 characters or more."""
    return len(given) >= 12 and full.startswith(given)


def judge_parameters(settings: Any) -> dict[str, Any]:
    """The settings of a :class:`~genjudge.judge.JudgeSettings` that change a verdict."""
    params: dict[str, Any] = {name: getattr(settings, name) for name in _VERDICT_SETTINGS}
    if settings.provider == "local":
        params.update({name: getattr(settings, name) for name in _LOCAL_SETTINGS})
        if settings.model_path is not None:
            params["model_file"] = _file_identity(settings.model_path)
    if settings.options:
        params["options"] = dict(settings.options)
    return params


def _file_identity(path: Any) -> str:
    """A model file by name and size (hashing gigabytes on every run would cost minutes)."""
    from pathlib import Path

    p = Path(path)
    size = p.stat().st_size if p.is_file() else None
    return f"{p.name} ({size} bytes)" if size is not None else p.name


def bind_judge(settings: Any, rubric: Any) -> JudgeBinding:
    """The binding of a live judge (``JudgeSettings``) asked with ``rubric`` (a loaded Rubric)."""
    return bind_judge_to(settings, rubric.id, str(rubric.version), rubric.content_hash)


def bind_judge_to(settings: Any, rubric_id: str, rubric_version: str, content_hash: str) -> JudgeBinding:
    """The binding of a live judge (``JudgeSettings``) asked with the rubric of that id, version and hash."""
    from genjudge.redact import redact

    return JudgeBinding(
        provider=settings.provider,
        model=settings.model_name,
        base_url=redact(settings.base_url) if settings.base_url else None,
        parameters=judge_parameters(settings),
        rubric_id=rubric_id,
        rubric_version=str(rubric_version),
        rubric_hash=content_hash,
    )


def bind_imported(producer: str, rubric_id: str, rubric_version: str, rubric_content: str) -> JudgeBinding:
    """The binding of imported verdicts: provider ``imported``, the declared producer as the model.

    ``rubric_content`` is whatever identifies the rubric the producer answered (a loaded rubric's
    hash, or the rated sample's declared rubric); imported verdicts never match a live judge.
    """
    return JudgeBinding(
        provider=IMPORTED,
        model=producer,
        rubric_id=rubric_id,
        rubric_version=str(rubric_version),
        rubric_hash=rubric_content,
    )
