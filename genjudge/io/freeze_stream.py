"""Freezing a set too large for memory, a chunk at a time, and reading a manifest without its rows.

:func:`freeze_streamed` writes the manifest :func:`genjudge.io.evalset.freeze` writes, byte for byte
but for ``created_at``, while memory holds one chunk of rows and the seen ids' 64-bit hashes
(:class:`~genjudge.io.chunks.SeenIds`, 8 bytes an id). The fingerprint is sha256 over the rows'
hashes in id order: each chunk's ``(id, row hash)`` pairs are sorted and written to a run file
beside the set, and the runs are merged (:func:`heapq.merge`) into the digest at the end; the
manifest's ``row_hashes``, in the set's order as the whole-set freeze lists them, are copied from a
second file. The temporary files (about twice the size of the manifest's row hashes) are removed
whatever happens, and the manifest is replaced in one rename.

:func:`manifest_head` reads a manifest's fields before ``row_hashes`` (a run that streams its set
needs the fingerprint, the row count, the columns and the slices, not a dict of every id).
"""

from __future__ import annotations

import hashlib
import heapq
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import IO

from genjudge.errors import ConfigError, FingerprintMismatchError, InputError
from genjudge.io.chunks import SeenIds, batched
from genjudge.io.evalset import (
    check_slices,
    manifest_path,
    read_manifest,
    row_hash,
    validated_set,
)
from genjudge.io.tables import detect_format, read_rows
from genjudge.records import SetManifest

__all__ = ["FAN_IN", "freeze_streamed", "manifest_head"]

_HASHES = '"row_hashes": {}'
FAN_IN = 256
"""Run files merged at once (each an open file)."""


def freeze_streamed(path: Path, slices: list[str] | None = None, chunk_rows: int = 50_000) -> SetManifest:
    """Fingerprint ``path`` a chunk of ``chunk_rows`` rows at a time and write its manifest; the
    manifest is returned without its ``row_hashes`` (they stay in the file)."""
    path = Path(path)
    slices = list(slices or [])
    if chunk_rows < 1:
        raise ConfigError(f"--chunk-rows must be at least 1, got {chunk_rows}")
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{path.name}.freeze-", dir=path.parent))
    except OSError as exc:
        raise InputError(path, None, None, f"cannot write beside the set: {exc.strerror or exc}") from None
    try:
        rows, columns, runs = _pass(path, chunk_rows, work)
        check_slices(path, slices, columns)
        digest = _digest(_fewer(runs, work))
        manifest = SetManifest(
            path=path.name,
            format=detect_format(path),
            fingerprint=digest,
            rows=rows,
            columns=columns,
            slices=slices,
            row_hashes={},
            created_at=datetime.now(UTC),
        )
        if manifest_path(path).is_file():
            # Re-freezing an unchanged set with the same slices leaves its manifest as it is.
            try:
                old: SetManifest | None = manifest_head(path)
            except (InputError, FingerprintMismatchError):
                old = None  # unreadable: written anew
            if old is not None and old.model_copy(update={"created_at": manifest.created_at}) == manifest:
                return old
        _write(manifest, work / "hashes.part", work / "manifest.json")
        os.replace(work / "manifest.json", manifest_path(path))
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _pass(path: Path, chunk_rows: int, work: Path) -> tuple[int, list[str], list[Path]]:
    """Validate and hash every row: the row count, the columns in order of first appearance, and
    the sorted run files; the ``row_hashes`` entries go to ``work/hashes.part`` in the set's order."""
    seen = SeenIds(path)
    columns: dict[str, None] = {}
    runs: list[Path] = []
    rows = 0
    with (work / "hashes.part").open("w", encoding="utf-8", newline="\n") as entries:
        for chunk in batched(read_rows(path), chunk_rows):
            evalset = validated_set(path, chunk)
            seen.add(evalset.ids, evalset.lines)
            columns.update(dict.fromkeys(evalset.columns))
            pairs = [(row["id"], row_hash(row)) for row in evalset.rows]
            entries.write(
                "".join(
                    f"{',' if rows or k else ''}\n  {_text(i)}: {_text(h)}" for k, (i, h) in enumerate(pairs)
                )
            )
            runs.append(_run(work / f"run-{len(runs):06d}.jsonl", sorted(pairs)))
            rows += len(pairs)
    if rows == 0:
        raise InputError(path, None, None, "the evaluation set has no rows")
    return rows, list(columns), runs


def _text(value: str) -> str:
    """A JSON string as the manifest writes it (UTF-8, not escaped to ASCII)."""
    return json.dumps(value, ensure_ascii=False)


def _run(path: Path, pairs: Iterable[tuple[str, str]]) -> Path:
    """Write sorted ``(id, row hash)`` pairs as a run file, a JSON pair a line."""
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(json.dumps(pair, ensure_ascii=False) + "\n" for pair in pairs)
    return path


def _pairs(run: Path) -> Iterator[tuple[str, str]]:
    with run.open(encoding="utf-8", newline="\n") as handle:
        for line in handle:
            item_id, digest = json.loads(line)
            yield item_id, digest


def _merged(runs: list[Path]) -> Iterator[tuple[str, str]]:
    return heapq.merge(*(_pairs(run) for run in runs), key=itemgetter(0))


def _fewer(runs: list[Path], work: Path) -> list[Path]:
    """At most ``FAN_IN`` runs (open files at once): groups of them merged into longer runs first."""
    level = 0
    while len(runs) > FAN_IN:
        level += 1
        runs = [
            _run(work / f"merge-{level}-{k:06d}.jsonl", _merged(runs[start : start + FAN_IN]))
            for k, start in enumerate(range(0, len(runs), FAN_IN))
        ]
    return runs


def _digest(runs: list[Path]) -> str:
    """sha256 of ``id<TAB>hash`` lines in id order, joined by newlines (as ``fingerprint`` makes it)."""
    sha = hashlib.sha256()
    first = True
    for item_id, digest in _merged(runs):
        sha.update((("" if first else "\n") + f"{item_id}\t{digest}").encode("utf-8"))
        first = False
    return sha.hexdigest()


def _write(manifest: SetManifest, entries: Path, out: Path) -> None:
    """The manifest's JSON with the entries of ``entries`` in its ``row_hashes``."""
    text = manifest.model_dump_json(indent=1)
    head, tail = text.split(_HASHES, 1)
    with out.open("w", encoding="utf-8") as handle, entries.open(encoding="utf-8") as source:
        handle.write(head + '"row_hashes": {')
        shutil.copyfileobj(source, handle, 1 << 20)
        handle.write("\n }" + tail + "\n")


def manifest_head(set_path: Path) -> SetManifest:
    """The set's manifest without its per-row hashes (they would hold every id in memory).

    The manifest is written field by field with ``row_hashes`` after ``fingerprint``, ``rows``,
    ``columns`` and ``slices``: the text before it is read, a megabyte at a time, and
    ``created_at`` from its last kilobyte.
    """
    path = manifest_path(Path(set_path))
    if not path.is_file():
        return read_manifest(Path(set_path))  # the error that says how to freeze it
    with path.open("rb") as handle:
        head, tail = _ends(handle)
    if b'"row_hashes"' in head and b'"created_at"' in tail:
        text = head[: head.index(b'"row_hashes"')].decode("utf-8", errors="replace").rstrip().rstrip(",")
        end = tail[tail.rindex(b'"created_at"') :].decode("utf-8", errors="replace")
        try:
            return SetManifest.model_validate(json.loads(text + ', "row_hashes": {}, ' + end))
        except ValueError:
            pass
    return read_manifest(Path(set_path))  # an older layout: read it whole, with its errors


def _ends(handle: IO[bytes]) -> tuple[bytes, bytes]:
    """The file's text up to its ``"row_hashes"`` key (read a megabyte at a time), and its last
    kilobyte (``created_at`` comes after the hashes)."""
    head = b""
    while b'"row_hashes"' not in head and (block := handle.read(1 << 20)):
        head += block
    handle.seek(max(0, handle.seek(0, os.SEEK_END) - 1024))
    return head, handle.read()
