"""Decisions persisted in the results store (SQLAlchemy; SQLite by default).

One table, ``judge_validations``: the judge's name (provider, model), the rubric id and version and
the sample fingerprint as indexed columns, the whole :class:`Decision` (with its full binding and
population) as JSON. :mod:`genjudge.validation.run_status` reads the decisions for a judge name and
matches the rest; the latest matching decision wins, so a re-validation replaces an older verdict.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from genjudge.errors import StoreError
from genjudge.validation.records import Decision

TABLE = "judge_validations"


def default_store_url() -> str:
    """The store's default URL (the lead's ``genjudge.store.DEFAULT_URL`` where it exists)."""
    try:
        from genjudge.store import DEFAULT_URL

        return str(DEFAULT_URL)
    except ImportError:
        return "sqlite:///genjudge.db"


decisions = sa.Table(
    TABLE,
    sa.MetaData(),
    sa.Column("decision_id", sa.String(64), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("judge_provider", sa.Text, nullable=False),
    sa.Column("judge_model", sa.Text, nullable=False),
    sa.Column("rubric_id", sa.Text, nullable=False),
    sa.Column("rubric_version", sa.Text, nullable=False),
    sa.Column("sample_fingerprint", sa.String(64), nullable=False),
    sa.Column("accepted", sa.Boolean, nullable=False),
    sa.Column("level", sa.String(32), nullable=False),
    sa.Column("record", sa.Text, nullable=False),
    sa.Index("ix_judge_validations_key", "judge_provider", "judge_model", "rubric_id", "rubric_version"),
)
"""The table, as the store's migrations make it (genjudge/store/migrations)."""


@lru_cache(maxsize=8)
def _engine(url: str) -> tuple[Any, Any]:
    from genjudge.store.runs import open_engine

    return open_engine(url, decisions.metadata), decisions


def save_decision(store_url: str, decision: Decision) -> None:
    """Append ``decision`` to the store."""
    engine, table = _engine(store_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                table.insert().values(
                    decision_id=decision.decision_id,
                    created_at=decision.created_at,
                    judge_provider=decision.judge_provider,
                    judge_model=decision.judge_model,
                    rubric_id=decision.rubric_id,
                    rubric_version=decision.rubric_version,
                    sample_fingerprint=decision.sample_fingerprint,
                    accepted=decision.accepted,
                    level=decision.level,
                    record=decision.model_dump_json(),
                )
            )
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"cannot save the decision to {store_url}: {exc}") from exc


def lookup_decision(
    store_url: str, provider: str, model: str, rubric_id: str, rubric_version: str
) -> Decision | None:
    """The latest decision for this judge name and rubric version, or None when there is none.

    A run does not stop here: it asks :func:`genjudge.validation.run_status.standing_for`, which also
    matches the judge's settings, the rubric's content and the rated population.
    """
    found = find_decisions(store_url, provider, model, rubric_id, rubric_version, limit=1)
    return found[0] if found else None


def find_decisions(
    store_url: str, provider: str, model: str, rubric_id: str, rubric_version: str, *, limit: int = 200
) -> list[Decision]:
    """Decisions recorded for this judge name and rubric version, newest first."""
    engine, table = _engine(store_url)
    query = (
        sa.select(table.c.record)
        .where(
            table.c.judge_provider == provider,
            table.c.judge_model == model,
            table.c.rubric_id == rubric_id,
            table.c.rubric_version == str(rubric_version),
        )
        .order_by(table.c.created_at.desc())
        .limit(limit)
    )
    try:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"cannot read decisions from {store_url}: {exc}") from exc
    return [Decision.model_validate_json(r[0]) for r in rows]


def list_decisions(store_url: str) -> list[Decision]:
    """Every stored decision, newest first."""
    engine, table = _engine(store_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.record).order_by(table.c.created_at.desc())).all()
    return [Decision.model_validate_json(r[0]) for r in rows]


def get_decision(store_url: str, decision_id: str) -> Decision:
    """One stored decision by its id; a unique prefix of the id is enough."""
    engine, table = _engine(store_url)
    query = sa.select(table.c.record).where(table.c.decision_id.startswith(decision_id, autoescape=True))
    try:
        with engine.connect() as conn:
            rows = conn.execute(query).all()
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"cannot read decisions from {store_url}: {exc}") from exc
    if not rows:
        raise StoreError(f"no validation decision {decision_id!r} in {store_url}")
    if len(rows) > 1:
        raise StoreError(f"{decision_id!r} matches {len(rows)} decisions; give more of the id")
    return Decision.model_validate_json(rows[0][0])
