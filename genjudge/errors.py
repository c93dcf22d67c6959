"""Exceptions raised by genjudge.

The tree::

    GenjudgeError                  base of everything genjudge raises on purpose
    ├── ConfigError                a configuration, rubric, schema or rule is invalid (raised before
    │                              any item is scored; never recorded as a failed item)
    ├── InputError                 a data file is malformed: names the file, the line and the field
    │   └── DuplicateIdError       the same id twice in one file
    ├── FingerprintMismatchError   a frozen set no longer matches its manifest
    ├── StoreError                 the results store cannot be read or written
    └── ProviderError              an LLM provider call failed (see genjudge.llm for the subclasses)

A bad *output* (unparseable verdict, schema violation, missing output) is not an exception: it is
recorded on the item as ``unscored`` or ``error`` with its reason.
"""

from __future__ import annotations


class GenjudgeError(Exception):
    """Base class for the errors genjudge raises on purpose."""


class ConfigError(GenjudgeError):
    """A configuration, rubric, schema or rule is invalid."""


class InputError(GenjudgeError):
    """A data file is malformed.

    The message names the file, the 1-based line (or row) and the field, so the user can go
    straight to it: ``set.jsonl:17: field 'id': missing``.
    """

    def __init__(self, path: object, line: int | None, field: str | None, problem: str) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.problem = problem
        where = self.path if line is None else f"{self.path}:{line}"
        what = problem if field is None else f"field {field!r}: {problem}"
        super().__init__(f"{where}: {what}")


class DuplicateIdError(InputError):
    """The same id occurs twice in one file."""


class FingerprintMismatchError(GenjudgeError):
    """A frozen evaluation set no longer matches its manifest."""


class StoreError(GenjudgeError):
    """The results store cannot be read or written."""


class ProviderError(GenjudgeError):
    """An LLM provider call failed."""


def one_line(exc: Exception, prefix: str = "") -> str:
    """A pydantic ValidationError as one line: ``field 'a.b': message; ...`` (other errors as is)."""
    errors = getattr(exc, "errors", None)
    if errors is None:
        return " ".join(str(exc).split())
    return "; ".join(
        f"field '{prefix}{'.'.join(str(p) for p in e['loc'])}': {e['msg']}" if e["loc"] else e["msg"]
        for e in errors()
    )
