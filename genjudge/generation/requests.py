"""The requests both sides are sent: the prompt templates rendered once per set row.

Rendering happens for every row before the first call, so a template naming a column some row
lacks stops the command at once (naming the config field, the column and the row's line) instead
of failing halfway through a paid run. Both sides receive the very same :class:`ChatRequest`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from genjudge.errors import ConfigError
from genjudge.generation.config import GenerateConfig
from genjudge.io.evalset import EvalSet
from genjudge.llm.types import ChatRequest

__all__ = ["render_requests"]


def render_requests(
    config: GenerateConfig, evalset: EvalSet, rows: Sequence[dict[str, Any]]
) -> list[ChatRequest]:
    """One request per row, in order: the templates rendered with the row's columns (and
    ``labels``), the shared parameters attached."""
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)
    templates = {}
    for field in ("system", "user"):
        try:
            templates[field] = env.from_string(getattr(config.prompt, field))
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(
                f"{config.source}: field 'prompt.{field}': template line {exc.lineno}: {exc.message}"
            ) from None
    extra = {"labels": config.postprocess.labels} if config.postprocess.labels else {}
    out = []
    for row in rows:
        rendered = {}
        for field, template in templates.items():
            try:
                rendered[field] = template.render({**row, **extra})
            except jinja2.UndefinedError as exc:
                raise ConfigError(
                    f"{config.source}: field 'prompt.{field}': {exc.message} in the row on line "
                    f"{evalset.lines[row['id']]} of {evalset.path} (its columns: {', '.join(row)})"
                ) from None
        out.append(
            ChatRequest(
                system=rendered["system"],
                user=rendered["user"],
                temperature=config.params.temperature,
                max_tokens=config.params.max_tokens,
                logprobs=config.params.logprobs,
            )
        )
    return out
