"""A page of a stored run's per-example rows, read with one bounded query."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from genjudge.store import RunStore
from genjudge.store.runs import examples

__all__ = ["page"]


def page(store_url: str, run_id: str, offset: int, limit: int, status: str | None) -> dict[str, Any]:
    """Rows ``offset`` to ``offset + limit`` of the run (a unique prefix of its id is enough), in set
    order, with the count of all rows that match."""
    run_store = RunStore(store_url, create=False)
    record, _ = run_store.get(run_id)
    where = [examples.c.run_id == record.run_id]
    if status is not None:
        where.append(examples.c.status == status)
    query = sa.select(examples.c.data).where(*where).order_by(examples.c.position).offset(offset).limit(limit)
    count = sa.select(sa.func.count()).select_from(examples).where(*where)
    with run_store.engine.connect() as conn:
        total = int(conn.execute(count).scalar() or 0)
        items = [json.loads(d) for (d,) in conn.execute(query)]
    return {"run_id": record.run_id, "total": total, "offset": offset, "limit": limit, "items": items}
