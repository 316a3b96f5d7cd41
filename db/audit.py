"""The audit trail: every write leaves a row saying who did what, before and after."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from db.models import AuditLog

_SECRET_COLUMNS = {"password_hash"}
# Signing in and out: audited, but they change no data a page shows, so the caches' versions
# do not move for them (db.queries.accounts.writes_after leaves them out).
SESSION_ACTIONS = ("session.start", "session.resume", "session.end", "session.end_all")


def snapshot(record: Any) -> dict[str, Any]:
    """A JSON-safe copy of a record's columns (secrets left out)."""
    values = {}
    for column in inspect(record).mapper.column_attrs:
        if column.key in _SECRET_COLUMNS:
            continue
        value = getattr(record, column.key)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        values[column.key] = value
    return values


def record(
    session: Session,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    progress_of: tuple[int, int | None] | None = None,
) -> None:
    """``progress_of``: (cycle id, team id) for a check-in, which changes the progress of one
    team's objective only; any other write is a change of the organisation's structure."""
    cycle_id, team_id = progress_of or (None, None)
    session.add(
        AuditLog(
            actor_id=actor_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
            cycle_id=cycle_id,
            team_id=team_id,
        )
    )
