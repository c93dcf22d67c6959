"""The per-example table of a streamed run, written a chunk at a time: ``examples.parquet`` and
``examples.csv`` as a local run writes them, in bounded memory.

Each chunk's table (flattened and scrubbed as :func:`genjudge.report.write.scrubbed_examples` does
for a local run) is written to a Parquet part file as it comes. A column's type can differ
between chunks (a column that is all empty in one chunk, integers in one and numbers with a gap
in another, an optional output field that appears late), so the parts are joined only at the end,
under one schema that fits them all (:func:`pyarrow.unify_schemas`, permissive: empty takes the
other type, integers widen to float; a column with numbers in one chunk and text in another is
text), into one ``examples.parquet``, and ``examples.csv`` is
written from the same batches with one header. Memory holds one part at a time.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import TracebackType

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from genjudge.report.write import scrubbed_examples

__all__ = ["ExamplesWriter"]


class ExamplesWriter:
    """Collect per-example tables with :meth:`add`; :meth:`close` writes the two files into ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._parts_dir = self.folder / ".examples-parts"
        self._parts: list[Path] = []
        self.rows = 0

    def add(self, table: pd.DataFrame) -> None:
        """Write one chunk's per-example table as the next part."""
        self._parts_dir.mkdir(parents=True, exist_ok=True)
        part = self._parts_dir / f"part-{len(self._parts):06d}.parquet"
        flat = pa.Table.from_pandas(scrubbed_examples(table), preserve_index=False)
        pq.write_table(flat.replace_schema_metadata(None), part)
        self._parts.append(part)
        self.rows += len(table)

    def close(self) -> None:
        """Join the parts into ``examples.parquet`` and ``examples.csv``, then remove them."""
        schema = _unify([pq.read_schema(part) for part in self._parts])
        csv_path = self.folder / "examples.csv"
        with (
            pq.ParquetWriter(self.folder / "examples.parquet", schema) as writer,
            csv_path.open("w", encoding="utf-8", newline="") as csv,
        ):
            for k, part in enumerate(self._parts):
                table = _conform(pq.read_table(part), schema)
                writer.write_table(table)
                table.to_pandas().to_csv(csv, header=k == 0, index=False)
        shutil.rmtree(self._parts_dir, ignore_errors=True)

    def __enter__(self) -> ExamplesWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
        else:
            shutil.rmtree(self._parts_dir, ignore_errors=True)


def _unify(schemas: list[pa.Schema]) -> pa.Schema:
    """One schema for every part: Arrow's permissive promotion; a column whose types have no common
    type there (numbers in one chunk, text in another) is text, as a local run's mixed column is."""
    if not schemas:
        return pa.schema([])
    try:
        return pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    fields: dict[str, list[pa.DataType]] = {}
    for schema in schemas:
        for f in schema:
            fields.setdefault(f.name, []).append(f.type)
    out = []
    for name, types in fields.items():
        try:
            out.append(
                pa.unify_schemas([pa.schema([(name, t)]) for t in types], promote_options="permissive")[0]
            )
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            out.append(pa.field(name, pa.large_string()))
    return pa.schema(out)


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with ``schema``'s columns in its order (absent ones empty) and its types."""
    n = table.num_rows
    columns = [
        table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(n, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)
