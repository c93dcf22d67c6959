"""Frozen evaluation sets: reading, validating, fingerprinting and checking against a manifest.

An evaluation set is a *set* keyed by ``id``: its fingerprint is the sha256 of the canonical rows
sorted by id, so reordering rows keeps the fingerprint and any edit to any field changes it. The
manifest (``<set file>.manifest.json``) records the fingerprint, the row count, the columns, the
slice columns and a short hash per row, which lets a refused run say exactly what changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from genjudge.errors import DuplicateIdError, FingerprintMismatchError, InputError
from genjudge.io.canonical import canonical_json, sha256_text
from genjudge.io.tables import detect_format, read_rows
from genjudge.records import SetManifest

REQUIRED = ("id", "input")
RESERVED = ("id", "input", "reference", "metadata")
MANIFEST_SUFFIX = ".manifest.json"


@dataclass(frozen=True)
class EvalSet:
    """A loaded evaluation set: rows in file order plus what the manifest needs."""

    path: Path
    format: str
    rows: list[dict[str, Any]]
    """Each row with ``id`` as str; other values as read."""
    lines: dict[str, int]
    """Line (or row) number of each id, for error messages."""
    columns: list[str]

    @property
    def ids(self) -> list[str]:
        return [r["id"] for r in self.rows]


def normalize_id(path: Path, line: int, value: Any) -> str:
    """An id as a non-empty string; ints are accepted and written as decimal text."""
    if value is None:
        raise InputError(path, line, "id", "missing")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InputError(path, line, "id", f"must be a string or an integer, got {type(value).__name__}")
    text = str(value).strip()
    if not text:
        raise InputError(path, line, "id", "empty")
    return text


def load_set(path: Path) -> EvalSet:
    """Read and validate an evaluation set (JSONL, CSV or Parquet).

    Raises :class:`InputError` naming the file, line and field for a malformed row, a missing
    ``id`` or ``input``, or a duplicate id.
    """
    path = Path(path)
    evalset = validated_set(path, read_rows(path))
    if not evalset.rows:
        raise InputError(path, None, None, "the evaluation set has no rows")
    return evalset


def validated_set(path: Path, numbered_rows: Iterable[tuple[int, dict[str, Any]]]) -> EvalSet:
    """The rows of ``path`` (each with its line number) as an :class:`EvalSet`: every row has an
    ``id`` and an ``input``, ids are unique, ``metadata`` is an object. A streamed reader
    (:mod:`genjudge.io.chunks`) validates each chunk with it."""
    rows: list[dict[str, Any]] = []
    lines: dict[str, int] = {}
    columns: dict[str, None] = {}
    for line, row in numbered_rows:
        item_id = normalize_id(path, line, row.get("id"))
        if row.get("input") is None:
            raise InputError(path, line, "input", "missing")
        if item_id in lines:
            raise DuplicateIdError(
                path, line, "id", f"duplicate id {item_id!a} (first on line {lines[item_id]})"
            )
        if "metadata" in row and row["metadata"] is not None and not isinstance(row["metadata"], dict):
            raise InputError(path, line, "metadata", "must be an object")
        lines[item_id] = line
        columns.update(dict.fromkeys(row))
        rows.append({**row, "id": item_id})
    return EvalSet(path=path, format=detect_format(path), rows=rows, lines=lines, columns=list(columns))


def row_hash(row: dict[str, Any]) -> str:
    """Short (64-bit) hash of one canonical row."""
    return sha256_text(canonical_json(row))[:16]


def fingerprint(rows: list[dict[str, Any]]) -> tuple[str, dict[str, str]]:
    """The set fingerprint and the per-id row hashes.

    The fingerprint is sha256 over the row hashes in id order, so it ignores row order and changes
    with any edit (a 64-bit row hash makes an unnoticed edit a 2**-64 event).
    """
    hashes = {row["id"]: row_hash(row) for row in rows}
    body = "\n".join(f"{i}\t{hashes[i]}" for i in sorted(hashes))
    return sha256_text(body), hashes


def manifest_path(set_path: Path) -> Path:
    return Path(str(set_path) + MANIFEST_SUFFIX)


def freeze(path: Path, slices: list[str] | None = None) -> SetManifest:
    """Fingerprint a set and write its manifest beside it; returns the manifest."""
    evalset = load_set(path)
    slices = list(slices or [])
    check_slices(path, slices, evalset.columns)
    digest, hashes = fingerprint(evalset.rows)
    manifest = SetManifest(
        path=evalset.path.name,
        format=evalset.format,
        fingerprint=digest,
        rows=len(evalset.rows),
        columns=evalset.columns,
        slices=slices,
        row_hashes=hashes,
        created_at=datetime.now(UTC),
    )
    if manifest_path(path).is_file():
        # Re-freezing an unchanged set with the same slices leaves its manifest as it is.
        try:
            old = SetManifest.model_validate_json(manifest_path(path).read_text(encoding="utf-8"))
        except ValueError:
            old = None
        if old is not None and old.model_copy(update={"created_at": manifest.created_at}) == manifest:
            return old
    manifest_path(path).write_text(manifest.model_dump_json(indent=1) + "\n", encoding="utf-8")
    return manifest


def check_slices(path: Path, slices: list[str], columns: list[str]) -> None:
    """Each slice is a column of the set and not a reserved one."""
    for name in slices:
        if name not in columns:
            raise InputError(path, None, name, f"slice column not in the set (columns: {', '.join(columns)})")
        if name in RESERVED:
            raise InputError(path, None, name, "a reserved column cannot be a slice")


def read_manifest(set_path: Path) -> SetManifest:
    """The manifest of a frozen set; an error that says how to freeze it when absent."""
    mpath = manifest_path(set_path)
    if not mpath.is_file():
        raise FingerprintMismatchError(
            f"{set_path} is not frozen: no manifest at {mpath}. Run `genjudge freeze {set_path}` first."
        )
    from pydantic import ValidationError

    from genjudge.io.tables import read_text

    try:
        return SetManifest.model_validate_json(read_text(mpath))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        if err["type"] == "json_invalid":
            raise InputError(
                mpath,
                None,
                None,
                f"not a valid manifest ({err['msg']}); re-freeze with `genjudge freeze {set_path}`",
            ) from None
        raise InputError(
            mpath, None, field, f"{err['msg']}; re-freeze with `genjudge freeze {set_path}`"
        ) from None


def load_frozen(set_path: Path) -> tuple[EvalSet, SetManifest]:
    """Load a set and check it against its manifest; refuse with what changed when it differs."""
    manifest = read_manifest(set_path)
    evalset = load_set(set_path)
    digest, hashes = fingerprint(evalset.rows)
    if digest != manifest.fingerprint:
        raise FingerprintMismatchError(describe_change(set_path, manifest, digest, hashes))
    return evalset, manifest


def describe_change(
    set_path: Path, manifest: SetManifest, digest: str, hashes: dict[str, str], show: int = 5
) -> str:
    """A sentence saying how the set differs from its manifest: rows added, removed, edited."""
    old = manifest.row_hashes
    added = [i for i in hashes if i not in old]
    removed = [i for i in old if i not in hashes]
    edited = [i for i in hashes if i in old and old[i] != hashes[i]]
    parts = []
    for label, ids in (("added", added), ("removed", removed), ("edited", edited)):
        if ids:
            head = ", ".join(ids[:show]) + (", ..." if len(ids) > show else "")
            parts.append(f"{len(ids)} row{'s' if len(ids) != 1 else ''} {label} ({head})")
    change = "; ".join(parts) or "content changed"
    return (
        f"{set_path} no longer matches its manifest (fingerprint {manifest.fingerprint[:12]} when frozen, "
        f"{digest[:12]} now): {change}. Refusing to run; re-freeze it as a new set if the change is intended."
    )
