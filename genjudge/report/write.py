"""Write a report folder: report.json, report.md, report.html, examples.parquet, examples.csv.

The folder appears whole or not at all: every file is written into a temporary folder beside
it (``.<name>.partial-<random>``), then the folder is renamed into place. A kill while writing
leaves only a ``.partial`` folder, never a half-written report under the real name. Registered
secrets (:mod:`genjudge.redact`) are scrubbed from every file.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from genjudge.report.markdown import render_markdown
from genjudge.report.page import render_html

__all__ = ["examples_frame", "publish_folder", "render_html", "scrubbed_examples", "write_all"]


def examples_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The per-example table with nested values (dicts, lists) as JSON text, for Parquet and CSV."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object:
            # Mixed str / number objects would not fit one Parquet type; text keeps every value.
            # One pass, into an object column: a second ``map`` would see pandas' NaN for None.
            out[column] = pd.Series([_cell(v) for v in out[column]], index=out.index, dtype=object)
    return out


def _cell(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def scrubbed_examples(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`examples_frame` with registered secrets scrubbed from every text value."""
    from genjudge.redact import scrub

    flat = examples_frame(table)
    for column in flat.columns:
        # object columns and pandas' own string dtype (the default for text from pandas 3 on)
        if flat[column].dtype == object or pd.api.types.is_string_dtype(flat[column].dtype):
            flat[column] = flat[column].map(lambda v: scrub(v) if isinstance(v, str) else v)
    return flat


def write_all(
    report: dict[str, Any],
    table: pd.DataFrame,
    folder: Path,
    *,
    before_publish: Callable[[], None] | None = None,
) -> None:
    """Write every report file into ``folder``, atomically.

    ``before_publish`` runs after every file is written and before the folder is renamed into
    place (the runner commits the run to the store there): if it raises, the temporary folder is
    removed and nothing is published. An existing ``folder`` is replaced.
    """
    from genjudge.redact import scrub

    def fill(tmp: Path) -> None:
        (tmp / "report.json").write_text(
            scrub(json.dumps(report, indent=1, ensure_ascii=False)) + "\n", encoding="utf-8"
        )
        (tmp / "report.md").write_text(scrub(render_markdown(report)), encoding="utf-8")
        (tmp / "report.html").write_text(scrub(render_html(report, table)), encoding="utf-8")
        flat = scrubbed_examples(table)
        flat.to_parquet(tmp / "examples.parquet", index=False)
        flat.to_csv(tmp / "examples.csv", index=False)
        if before_publish is not None:
            before_publish()

    publish_folder(folder, fill)


def publish_folder(folder: Path, fill: Callable[[Path], None]) -> None:
    """Make ``folder`` whole or not at all: ``fill`` writes into a temporary folder beside it, which
    then replaces ``folder``; if ``fill`` raises, the temporary folder is removed and nothing changes.
    An OS error is a ConfigError naming the folder."""
    from genjudge.errors import ConfigError

    folder = Path(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    except OSError as exc:
        raise ConfigError(f"{folder}: cannot create the report folder: {exc.strerror or exc}") from None
    try:
        fill(tmp)
        if folder.is_dir():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ConfigError(f"{folder}: cannot write the report: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
