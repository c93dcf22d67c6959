"""JSON Schema conformance with format checking switched on.

The schema's own ``$schema`` picks the draft (draft 3 to 2020-12); a schema without one is read as
draft 2020-12. Format assertion is enabled with the draft's format checker, so ``"format": "date"``
rejects ``"2024-13-45"``. jsonschema checks some formats only when an optional package is
installed (``jsonschema[format]``: fqdn for hostname, rfc3987 for uri, ...); a schema using a
format that this installation cannot check gets a note, and an unknown format (``"currency"``) is
an annotation, as the specification says.

A schema that is not itself valid against its metaschema raises :class:`ConfigError` when the
validator is built, before any item is scored. A failing instance is a failed item whose failures
are recorded as (instance path, schema keyword, message).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genjudge.errors import ConfigError

__all__ = ["Failure", "SchemaValidator", "generalise_path", "load_schema"]

# Formats jsonschema knows, and the ones it knows but only checks with an optional package.
_OPTIONAL_FORMAT_PACKAGES = {
    "hostname": "fqdn",
    "idn-hostname": "idna",
    "uri": "rfc3987",
    "uri-reference": "rfc3987",
    "iri": "rfc3987",
    "iri-reference": "rfc3987",
    "duration": "isoduration",
    "uri-template": "uri-template",
    "color": "webcolors",
    "json-pointer": "jsonpointer",
    "relative-json-pointer": "jsonpointer",
    "date-time": "rfc3339-validator",
    "time": "rfc3339-validator",
}
_KNOWN_DRAFTS = frozenset(
    {
        "http://json-schema.org/draft-03/schema",
        "http://json-schema.org/draft-04/schema",
        "http://json-schema.org/draft-06/schema",
        "http://json-schema.org/draft-07/schema",
        "https://json-schema.org/draft/2019-09/schema",
        "https://json-schema.org/draft/2020-12/schema",
    }
)


@dataclass(frozen=True)
class Failure:
    """One schema violation."""

    path: str
    """JSON Pointer of the failing place in the instance (``""`` for the root)."""
    keyword: str
    """Schema keyword that failed (``required``, ``type``, ``format``, ``additionalProperties``...)."""
    message: str


def load_schema(schema: dict[str, Any] | bool | str | Path) -> dict[str, Any] | bool:
    """A schema given inline or as a path to a JSON file."""
    if isinstance(schema, (dict, bool)):
        return schema
    path = Path(schema)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"schema file not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: schema file is not JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the schema file: {exc}") from None


def generalise_path(path: str) -> str:
    """Array indices replaced by ``*`` so failures at ``/items/0/x`` and ``/items/7/x`` count together."""
    return re.sub(r"/\d+(?=/|$)", "/*", path)


def _pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _formats(schema: Any, found: set[str]) -> set[str]:
    if isinstance(schema, dict):
        if isinstance(schema.get("format"), str):
            found.add(schema["format"])
        for value in schema.values():
            _formats(value, found)
    elif isinstance(schema, list):
        for value in schema:
            _formats(value, found)
    return found


class SchemaValidator:
    """A compiled schema. Building it validates the schema (ConfigError if invalid)."""

    def __init__(self, schema: dict[str, Any] | bool | str | Path, *, default_draft: str = "2020-12") -> None:
        import jsonschema
        from jsonschema import validators

        self.schema = load_schema(schema)
        default = {
            "2020-12": jsonschema.Draft202012Validator,
            "7": jsonschema.Draft7Validator,
            "4": jsonschema.Draft4Validator,
        }.get(default_draft)
        if default is None:
            raise ConfigError(f"unknown default_draft {default_draft!r}; use 2020-12, 7 or 4")
        if isinstance(self.schema, dict) and "$schema" in self.schema:
            uri = str(self.schema["$schema"]).rstrip("#")
            if uri not in _KNOWN_DRAFTS:
                raise ConfigError(f"schema declares an unknown $schema {self.schema['$schema']!r}")
        cls = validators.validator_for(self.schema, default=default)
        try:
            # A boolean schema is valid JSON Schema; the jsonschema stub types only mappings.
            cls.check_schema(self.schema)  # type: ignore[arg-type]
        except jsonschema.SchemaError as exc:
            where = _pointer(exc.absolute_path) or "/"
            origin = "" if isinstance(schema, (dict, bool)) else f"{schema}: "
            raise ConfigError(f"{origin}invalid JSON Schema at {where}: {exc.message}") from None
        self.draft = cls.__name__
        self._validator = cls(self.schema, format_checker=cls.FORMAT_CHECKER)
        checkable = set(cls.FORMAT_CHECKER.checkers)
        used = _formats(self.schema, set())
        self.unchecked_formats = sorted(f for f in used if f not in checkable)
        """Formats in the schema this installation does not assert (unknown, or a package is missing)."""

    def notes(self) -> list[str]:
        out = []
        for fmt in self.unchecked_formats:
            if fmt in _OPTIONAL_FORMAT_PACKAGES:
                out.append(
                    f"format {fmt!r} is not checked: install {_OPTIONAL_FORMAT_PACKAGES[fmt]} (jsonschema[format])."
                )
            else:
                out.append(
                    f"format {fmt!r} is not a format jsonschema knows; it is an annotation and not checked."
                )
        return out

    def failures(self, instance: Any) -> list[Failure]:
        """Every top-level violation, sorted by path then keyword (empty when valid)."""
        try:
            errors = list(self._validator.iter_errors(instance))
        except RecursionError:
            return [Failure("", "$ref", "schema recursion too deep for this instance")]
        out = [Failure(_pointer(e.absolute_path), str(e.validator), e.message) for e in errors]
        return sorted(out, key=lambda f: (f.path, f.keyword, f.message))

    def is_valid(self, instance: Any) -> bool:
        return self._validator.is_valid(instance)
