"""Two stored runs, loaded for a paired comparison: refused unless they scored the same frozen set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from genjudge.errors import ConfigError
from genjudge.records import RunRecord
from genjudge.store import RunStore


@dataclass(frozen=True)
class StoredRun:
    """One run as the store holds it: its record, report (JSON form) and per-example rows."""

    record: RunRecord
    report: dict[str, Any]
    table: pd.DataFrame

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def name(self) -> str:
        return str(self.record.config.get("name") or "")

    @property
    def label(self) -> str:
        """How tables name the run: its config name (when it has one) and id."""
        return f"{self.name} ({self.run_id})" if self.name else self.run_id

    @property
    def confidence(self) -> float:
        return float(self.report["settings"]["bootstrap"]["confidence"])

    @property
    def min_support(self) -> int:
        return int(self.report["settings"]["min_support"])

    @property
    def critical(self) -> dict[str, Any]:
        return dict(self.report["settings"].get("critical") or {})


def load_run(store: RunStore, run_id: str) -> StoredRun:
    """A run and its per-example rows (a unique prefix of the id is enough)."""
    record, report = store.get(run_id)
    return StoredRun(record, report, store.examples(record.run_id))


def latest(store: RunStore, name: str | None, back: int) -> tuple[str, str]:
    """(baseline, newest) finished run ids: the newest and the ``back``-th newest on the same set (of
    the config ``name`` when given)."""
    if back < 2:
        raise ConfigError("--latest must be 2 or more: the newest run and the one it is compared with")
    runs = [
        r for r in store.list(10_000) if (name is None or r["name"] == name) and r.get("state") != "failed"
    ]
    # Only runs on the newest run's set can be compared with it.
    ids = [r["run_id"] for r in runs if r["set_fingerprint"] == runs[0]["set_fingerprint"]] if runs else []
    if len(ids) < back:
        named = f" named {name!r}" if name else ""
        raise ConfigError(
            f"{store.url} holds {len(ids)} finished run(s){named} on the newest run's set; --latest {back} needs {back}"
        )
    return ids[back - 1], ids[0]


def check_comparable(a: StoredRun, b: StoredRun) -> None:
    """Refuse two runs on different evaluation sets, saying what differs."""
    if a.record.set_fingerprint == b.record.set_fingerprint:
        if not a.report.get("item_columns") or not b.report.get("item_columns"):
            old = a if not a.report.get("item_columns") else b
            raise ConfigError(
                f"run {old.run_id} was stored by a genjudge without per-item metric columns in its report; "
                "re-run it to compare it item by item"
            )
        return
    sa, sb = a.report["set"], b.report["set"]
    diffs = [f"fingerprint {a.record.set_fingerprint[:16]} vs {b.record.set_fingerprint[:16]}"]
    if sa["path"] != sb["path"]:
        diffs.append(f"path {sa['path']} vs {sb['path']}")
    if sa["rows"] != sb["rows"]:
        diffs.append(f"{sa['rows']} vs {sb['rows']} rows")
    ids_a, ids_b = set(a.table.get("id", [])), set(b.table.get("id", []))
    if ids_a != ids_b:
        diffs.append(
            f"{len(ids_a - ids_b)} item(s) only in {a.run_id}, {len(ids_b - ids_a)} only in {b.run_id}"
        )
    raise ConfigError(
        f"runs {a.run_id} and {b.run_id} scored different evaluation sets ({'; '.join(diffs)}): a paired "
        "comparison needs the same frozen set (same fingerprint)"
    )


def previous(store: RunStore, run_id: str) -> str | None:
    """The newest finished run on the same evaluation set stored before ``run_id`` (any name);
    None when there is none (the first release)."""
    record, _ = store.get(run_id)
    for r in store.list(10_000):
        if (
            r["created_at"] < record.created_at.isoformat()
            and r["set_fingerprint"] == record.set_fingerprint
            and r.get("state") != "failed"
        ):
            return str(r["run_id"])
    return None
