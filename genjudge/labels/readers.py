"""Readers for rated samples (long and wide layouts) and the sample fingerprint.

A sample is fingerprinted like an evaluation set: sha256 over canonical JSON of its sorted
content: the declared scales, every rating row sorted by (item, rater, dimension), and every item
row sorted by id. Row order does not matter; any edit to a rating, a scale or an item does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genjudge.errors import ConfigError, DuplicateIdError, InputError
from genjudge.io.canonical import canonical_json, sha256_text
from genjudge.io.tables import read_rows
from genjudge.labels.model import MANIFEST_NAME, SampleManifest, Scale

RATING_COLUMNS = ("item_id", "rater", "dimension", "rating")


@dataclass(frozen=True)
class RatedSample:
    """A loaded rated sample.

    ``ratings`` is long: columns ``item_id``, ``rater``, ``dimension``, ``rating`` (as read) and
    ``value`` (the numeric code from the dimension's scale).
    """

    manifest: SampleManifest
    ratings: pd.DataFrame
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    fingerprint: str = ""
    root: Path = Path(".")

    @property
    def dimensions(self) -> list[str]:
        return list(self.manifest.dimensions)

    def scale(self, dimension: str) -> Scale:
        try:
            return self.manifest.dimensions[dimension]
        except KeyError:
            raise ConfigError(
                f"dimension {dimension!r} is not in the sample (it has {self.dimensions})"
            ) from None

    def item_ids(self, dimension: str | None = None) -> list[str]:
        """Rated item ids (of one dimension), sorted."""
        r = self.ratings if dimension is None else self.ratings[self.ratings["dimension"] == dimension]
        return sorted(r["item_id"].unique().tolist())

    def raters(self, dimension: str | None = None) -> list[str]:
        r = self.ratings if dimension is None else self.ratings[self.ratings["dimension"] == dimension]
        return sorted(r["rater"].unique().tolist())

    def matrix(
        self, dimension: str, item_ids: list[str] | None = None
    ) -> tuple[list[str], list[str], np.ndarray]:
        """(item ids, raters, raters x items array of coded ratings with NaN where missing)."""
        self.scale(dimension)
        r = self.ratings[self.ratings["dimension"] == dimension]
        ids = self.item_ids(dimension) if item_ids is None else list(item_ids)
        wide = r.pivot(index="rater", columns="item_id", values="value").reindex(columns=ids)
        return ids, wide.index.tolist(), wide.to_numpy(dtype=float)

    def subset(self, item_ids: list[str]) -> RatedSample:
        """The same sample restricted to ``item_ids`` (re-fingerprinted: it is a different sample)."""
        keep = set(item_ids)
        ratings = self.ratings[self.ratings["item_id"].isin(keep)].reset_index(drop=True)
        items = {k: v for k, v in self.items.items() if k in keep}
        return RatedSample(
            self.manifest, ratings, items, sample_fingerprint(self.manifest, ratings, items), self.root
        )

    def item_column(self, column: str, item_ids: list[str]) -> list[Any]:
        """A column of the items (None where an item lacks it)."""
        return [self.items.get(i, {}).get(column) for i in item_ids]


def load_sample(path: Path | str, *, allow_empty: bool = False) -> RatedSample:
    """Load a rated sample from its folder or its manifest file.

    ``allow_empty``: a sheet nobody has rated yet (a header-only or absent ratings file) loads with
    no ratings instead of being an error (the rating screen and ``labels sample --grow`` use it).
    """
    path = Path(path)
    manifest_path = path / MANIFEST_NAME if path.is_dir() else path
    if not manifest_path.is_file():
        raise ConfigError(f"{manifest_path}: no sample manifest ({MANIFEST_NAME}) found")
    text = manifest_path.read_text(encoding="utf-8")
    try:
        if manifest_path.suffix in (".yaml", ".yml"):
            import yaml

            manifest = SampleManifest.model_validate(yaml.safe_load(text))
        else:
            manifest = SampleManifest.model_validate_json(text)
    except ValueError as exc:
        raise ConfigError(f"{manifest_path}: invalid sample manifest: {exc}") from None
    root = manifest_path.parent
    src = manifest.ratings
    if allow_empty and src.layout == "long" and not _has_ratings(root / src.path):
        ratings = pd.DataFrame(columns=[*RATING_COLUMNS, "value"])
    elif src.layout == "long":
        ratings = read_long(root / src.path, manifest.dimensions)
    else:
        ratings = read_wide(
            root / src.path, manifest.dimensions, pattern=src.pattern, id_column=src.id_column
        )
    items = read_items(root / manifest.items) if manifest.items else {}
    missing = sorted(set(ratings["item_id"]) - set(items)) if items else []
    if missing:
        raise InputError(
            root / (manifest.items or ""),
            None,
            "id",
            f"{len(missing)} rated items have no row, e.g. {missing[0]!r}",
        )
    return RatedSample(manifest, ratings, items, sample_fingerprint(manifest, ratings, items), root)


def _has_ratings(path: Path) -> bool:
    """Whether a long ratings file exists and holds at least one row with a rating."""
    if not path.is_file():
        return False
    return any(row.get("rating") is not None for _, row in read_rows(path))


def read_long(path: Path, dimensions: dict[str, Scale]) -> pd.DataFrame:
    """Ratings in the long layout: one row per (item_id, rater, dimension, rating).

    An empty rating is a missing rating (left out). Raises :class:`InputError` naming the line for
    an unknown dimension, a rating off the scale or a repeated (item, rater, dimension).
    """
    rows: list[tuple[str, str, str, Any, float]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for line, row in read_rows(Path(path)):
        for col in RATING_COLUMNS[:3]:
            if row.get(col) in (None, ""):
                raise InputError(path, line, col, "missing")
        key = (str(row["item_id"]), str(row["rater"]), str(row["dimension"]))
        if key[2] not in dimensions:
            raise InputError(
                path, line, "dimension", f"{key[2]!r} is not declared (declared: {sorted(dimensions)})"
            )
        if row.get("rating") is None:
            continue
        try:
            value = dimensions[key[2]].code(row["rating"])
        except ValueError as exc:
            raise InputError(path, line, "rating", str(exc)) from None
        if key in seen:
            raise DuplicateIdError(path, line, "item_id", f"{key} rated twice (first on line {seen[key]})")
        seen[key] = line
        rows.append((*key, row["rating"], value))
    if not rows:
        raise InputError(path, None, None, "no ratings")
    return pd.DataFrame(rows, columns=[*RATING_COLUMNS, "value"])


def read_wide(
    path: Path,
    dimensions: dict[str, Scale],
    *,
    pattern: str = "{rater}_{dimension}",
    id_column: str = "item_id",
) -> pd.DataFrame:
    """Ratings in the wide layout: an id column plus one column per (rater, dimension).

    Column names follow ``pattern`` (e.g. ``expert1_coherence``); columns that match no declared
    dimension (the summary text, document ids...) are ignored. Returns the long layout.
    """
    if "{rater}" not in pattern or "{dimension}" not in pattern:
        raise ConfigError(f"wide pattern must contain {{rater}} and {{dimension}}, got {pattern!r}")
    dims = "|".join(re.escape(d) for d in sorted(dimensions, key=len, reverse=True))
    regex = re.compile(
        "^"
        + re.escape(pattern)
        .replace(r"\{rater\}", "(?P<rater>.+?)")
        .replace(r"\{dimension\}", f"(?P<dimension>{dims})")
        + "$"
    )
    rows: list[dict[str, Any]] = []
    columns: dict[str, tuple[str, str]] | None = None
    for line, row in read_rows(Path(path)):
        if columns is None:
            columns = {
                c: (m["rater"], m["dimension"]) for c in row if c != id_column and (m := regex.match(c))
            }
            if not columns:
                raise InputError(
                    path, 1, None, f"no column matches {pattern!r} for dimensions {sorted(dimensions)}"
                )
        if row.get(id_column) in (None, ""):
            raise InputError(path, line, id_column, "missing")
        for col, (rater, dim) in columns.items():
            rows.append(
                {
                    "item_id": str(row[id_column]),
                    "rater": rater,
                    "dimension": dim,
                    "rating": row.get(col),
                    "_line": line,
                }
            )
    frame = pd.DataFrame(rows)
    frame = frame[frame["rating"].notna()].copy()
    values = []
    for rating, dim, line, col in zip(
        frame["rating"], frame["dimension"], frame["_line"], frame["rater"], strict=True
    ):
        try:
            values.append(dimensions[dim].code(rating))
        except ValueError as exc:
            raise InputError(path, int(line), f"{col}/{dim}", str(exc)) from None
    frame["value"] = values
    if frame.duplicated(["item_id", "rater", "dimension"]).any():
        dup = frame[frame.duplicated(["item_id", "rater", "dimension"])].iloc[0]
        raise DuplicateIdError(path, int(dup["_line"]), id_column, f"item {dup['item_id']!r} appears twice")
    return frame.drop(columns="_line").reset_index(drop=True)


def read_items(path: Path) -> dict[str, dict[str, Any]]:
    """Items keyed by ``id`` (JSONL, CSV or Parquet)."""
    items: dict[str, dict[str, Any]] = {}
    for line, row in read_rows(Path(path)):
        if row.get("id") in (None, ""):
            raise InputError(path, line, "id", "missing")
        key = str(row["id"])
        if key in items:
            raise DuplicateIdError(path, line, "id", f"duplicate id {key!r}")
        items[key] = {**row, "id": key}
    return items


def sample_fingerprint(
    manifest: SampleManifest, ratings: pd.DataFrame, items: dict[str, dict[str, Any]]
) -> str:
    """sha256 of the canonical, sorted content of a sample (scales, ratings, items)."""
    rating_rows = sorted(
        [str(i), str(r), str(d), float(v)]
        for i, r, d, v in ratings[["item_id", "rater", "dimension", "value"]].itertuples(index=False)
    )
    content = {
        "dimensions": {k: v.model_dump(mode="json") for k, v in manifest.dimensions.items()},
        "ratings": rating_rows,
        "items": [items[k] for k in sorted(items)],
    }
    return sha256_text(canonical_json(content))
