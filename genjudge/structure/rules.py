"""Format rules a user declares: regular expressions, length bounds, required fields and sections.

Rules are declared in the config as a list; each has a ``name`` (the per-item column name) and a
``kind``::

    {name: no_apology, kind: regex, pattern: "(?i)\\bI apologi[sz]e", must_match: false}
    {name: short,      kind: length, unit: words, max: 60}
    {name: keys,       kind: required_fields, fields: [company, total, "items/0/price"]}
    {name: sections,   kind: required_sections, sections: [Summary, Risks]}

- ``regex`` uses Python's ``re`` with ``search`` semantics (anywhere in the text; anchor with ^/$).
- ``length`` counts characters (Unicode code points) or words (runs of non-whitespace); bounds are
  inclusive.
- ``required_fields`` parses the output leniently (see :mod:`genjudge.structure.parse`) and needs
  every path to exist and be non-null; a path is dotted (``a.b``) or slash-separated with list
  indices (``items/0/price``). An output that is not JSON fails the rule.
- ``required_sections`` needs each section title as a heading line: Markdown ``#``, a line that
  is the title alone, or the title followed by a colon; case-insensitive.

An invalid rule (bad regex, min > max, duplicate name, unknown kind) raises ConfigError when the
rules are compiled, before any item is scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from genjudge.errors import ConfigError
from genjudge.io.canonical import canonical_json
from genjudge.structure.parse import parse_lenient

__all__ = ["FormatRule", "RuleOutcome", "compile_rules"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")


class RegexRule(_Rule):
    kind: Literal["regex"]
    pattern: str
    must_match: bool = True


class LengthRule(_Rule):
    kind: Literal["length"]
    unit: Literal["chars", "words"]
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)


class RequiredFieldsRule(_Rule):
    kind: Literal["required_fields"]
    fields: list[str] = Field(min_length=1)


class RequiredSectionsRule(_Rule):
    kind: Literal["required_sections"]
    sections: list[str] = Field(min_length=1)


FormatRule = Annotated[
    RegexRule | LengthRule | RequiredFieldsRule | RequiredSectionsRule, Field(discriminator="kind")
]
_RULES = TypeAdapter(list[FormatRule])


@dataclass(frozen=True)
class RuleOutcome:
    passed: bool
    reason: str | None = None


@dataclass(frozen=True)
class CompiledRule:
    """A validated rule, ready to apply to outputs."""

    rule: Any
    regex: re.Pattern[str] | None = None
    section_patterns: tuple[re.Pattern[str], ...] = ()

    @property
    def name(self) -> str:
        return self.rule.name

    def apply(self, output: Any) -> RuleOutcome:
        r = self.rule
        if r.kind == "required_fields":
            return _required_fields(r.fields, output)
        text = output if isinstance(output, str) else canonical_json(output, allow_nan=True)
        if r.kind == "regex":
            if self.regex is None:
                raise ValueError(f"rule {r.name!r}: a regex rule compiled without its pattern")
            hit = self.regex.search(text) is not None
            if hit == r.must_match:
                return RuleOutcome(True)
            return RuleOutcome(
                False, f"{'no match' if r.must_match else 'forbidden match'} for /{r.pattern}/"
            )
        if r.kind == "length":
            size = len(text) if r.unit == "chars" else len(text.split())
            if r.min is not None and size < r.min:
                return RuleOutcome(False, f"{size} {r.unit} < min {r.min}")
            if r.max is not None and size > r.max:
                return RuleOutcome(False, f"{size} {r.unit} > max {r.max}")
            return RuleOutcome(True)
        missing = [s for s, p in zip(r.sections, self.section_patterns, strict=False) if not p.search(text)]
        return RuleOutcome(not missing, f"missing sections: {', '.join(missing)}" if missing else None)


def compile_rules(rules: list[Any]) -> list[CompiledRule]:
    """Validate and compile declared rules; ConfigError names the first bad rule."""
    try:
        parsed = _RULES.validate_python(rules)
    except ValidationError as exc:
        raise ConfigError(
            f"invalid format rule: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}"
        ) from None
    seen: set[str] = set()
    out = []
    for rule in parsed:
        if rule.name in seen:
            raise ConfigError(f"two format rules are named {rule.name!r}")
        seen.add(rule.name)
        if rule.kind == "regex":
            try:
                out.append(CompiledRule(rule, regex=re.compile(rule.pattern)))
            except re.error as exc:
                raise ConfigError(
                    f"format rule {rule.name!r}: invalid regular expression {rule.pattern!r}: {exc}"
                ) from None
        elif rule.kind == "length":
            if rule.min is None and rule.max is None:
                raise ConfigError(f"format rule {rule.name!r}: give min, max or both")
            if rule.min is not None and rule.max is not None and rule.min > rule.max:
                raise ConfigError(f"format rule {rule.name!r}: min {rule.min} > max {rule.max}")
            out.append(CompiledRule(rule))
        elif rule.kind == "required_sections":
            pats = tuple(
                re.compile(
                    rf"^[ \t]*(?:#+[ \t]*)?\**{re.escape(s)}\**[ \t]*:?[ \t]*(?:$|(?<=:).*$)", re.I | re.M
                )
                for s in rule.sections
            )
            out.append(CompiledRule(rule, section_patterns=pats))
        else:
            for path in rule.fields:
                if not _split(path):
                    raise ConfigError(f"format rule {rule.name!r}: empty field path {path!r}")
            out.append(CompiledRule(rule))
    return out


def _split(path: str) -> list[str]:
    sep = "/" if "/" in path else "."
    return [p for p in path.strip(sep).split(sep) if p]


def _required_fields(fields: list[str], output: Any) -> RuleOutcome:
    parsed = parse_lenient(output)
    if not parsed.ok:
        return RuleOutcome(False, "output is not JSON")
    missing = []
    for path in fields:
        node: Any = parsed.value
        for part in _split(path):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                node = None
                break
        if node is None:
            missing.append(path)
    return RuleOutcome(not missing, f"missing fields: {', '.join(missing)}" if missing else None)
