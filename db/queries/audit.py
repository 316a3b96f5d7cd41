"""Reads of the audit trail, for the admins' audit page: filtered and paginated in SQL.

Every write leaves an audit row (db.audit.record): who (actor_id; None for sign-in
bookkeeping and setup), what (action, entity, entity_id) and the record before and after, as
JSON. These reads are for admins only; each refuses anyone else with PermissionDenied.

The cost of a page follows what it shows: one COUNT and one page of rows (indexes on
created_at, actor_id and (entity, entity_id)); names of people and records are joined for
that page only. The CSV export is bounded (CSV_LIMIT rows, newest first).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from core import files_out
from core.i18n import N_, _
from core.permissions import Actor, require_admin
from db.models import AuditLog, Cycle, KeyResult, Kudos, Objective, Team, User

PAGE_SIZE = 50
CSV_LIMIT = 10_000

COLUMNS = ["id", "at", "actor_id", "who", "action", "entity", "entity_id", "what"]
# The kinds of record, as the "Record" column names one without a title ("cycle #3").
ENTITY_LABELS = {
    "objective": N_("objective"),
    "key_result": N_("key result"),
    "user": N_("user"),
    "team": N_("team"),
    "cycle": N_("cycle"),
    "kudos": N_("kudos"),
    "setting": N_("setting"),
    "import": N_("import"),
}


def entity_label(entity: str) -> str:
    """A kind of record in the reader's language ("key result"); unknown kinds as stored."""
    known = ENTITY_LABELS.get(entity)
    return _(known) if known else entity.replace("_", " ")


@dataclass(frozen=True)
class AuditFilter:
    """What the admin asked for; every field optional. Dates are UTC days, both inclusive."""

    actor_id: int | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: int | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class AuditPage:
    rows: pd.DataFrame  # COLUMNS plus "changes" (the fields that changed, as one line)
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    who: str
    action: str
    entity: str
    entity_id: int | None
    what: str
    before: Any
    after: Any


def _filtered(query: Select, filters: AuditFilter) -> Select:
    conditions = []
    if filters.actor_id is not None:
        conditions.append(AuditLog.actor_id == filters.actor_id)
    if filters.action:
        conditions.append(AuditLog.action == filters.action)
    if filters.entity:
        conditions.append(AuditLog.entity == filters.entity)
    if filters.entity_id is not None:
        conditions.append(AuditLog.entity_id == filters.entity_id)
    if filters.since is not None:
        conditions.append(AuditLog.created_at >= datetime.combine(filters.since, time.min))
    if filters.until is not None:
        end = datetime.combine(filters.until + timedelta(days=1), time.min)
        conditions.append(AuditLog.created_at < end)
    return query.where(*conditions)


def _listing() -> Select:
    """Audit rows with the actor's name and a readable name for the record they touched."""
    actor = aliased(User)
    person = aliased(User)
    labels = {
        "objective": (Objective, Objective.title),
        "key_result": (KeyResult, KeyResult.title),
        "user": (person, person.display_name),
        "team": (Team, Team.name),
        "cycle": (Cycle, Cycle.name),
    }
    query = select(
        AuditLog.id,
        AuditLog.created_at.label("at"),
        AuditLog.actor_id,
        func.coalesce(actor.display_name, _("system")).label("who"),
        AuditLog.action,
        AuditLog.entity,
        AuditLog.entity_id,
        case(
            *((AuditLog.entity == name, column) for name, (_, column) in labels.items()),
            (AuditLog.entity == "kudos", func.coalesce(func.substr(Kudos.message, 1, 60), "")),
            else_=None,
        ).label("what"),
        AuditLog.before,
        AuditLog.after,
    ).outerjoin(actor, actor.id == AuditLog.actor_id)
    for name, (model, _column) in {**labels, "kudos": (Kudos, None)}.items():
        query = query.outerjoin(
            model, and_(AuditLog.entity == name, model.id == AuditLog.entity_id)
        )
    return query


def audit_page(
    session: Session, actor: Actor, filters: AuditFilter, page: int = 1, per_page: int = PAGE_SIZE
) -> AuditPage:
    """One page of the filtered log, newest first; ``page`` is clamped to the pages there are."""
    require_admin(actor)
    total = session.scalar(_filtered(select(func.count(AuditLog.id)), filters)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, int(page)), pages)
    rows = session.execute(
        _filtered(_listing(), filters)
        .order_by(AuditLog.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    frame = pd.DataFrame([_row(r) for r in rows], columns=[*COLUMNS, "changes"])
    return AuditPage(frame, total, page, pages)


def audit_entry(session: Session, actor: Actor, entry_id: int) -> AuditEntry | None:
    require_admin(actor)
    row = session.execute(_listing().where(AuditLog.id == int(entry_id))).first()
    if row is None:
        return None
    return AuditEntry(
        row.id,
        row.at,
        row.who,
        row.action,
        row.entity,
        row.entity_id,
        _what(row),
        row.before,
        row.after,
    )


def audit_csv(
    session: Session, actor: Actor, filters: AuditFilter, limit: int = CSV_LIMIT
) -> bytes:
    """The filtered log as a CSV file (newest first, at most ``limit`` rows), before/after as
    JSON; written by core.files_out (text a spreadsheet would run as a formula is text)."""
    require_admin(actor)
    rows = session.execute(
        _filtered(_listing(), filters).order_by(AuditLog.id.desc()).limit(limit)
    ).all()
    columns = ["id", "at_utc", "who", "action", "entity", "entity_id", "what", "before", "after"]
    return files_out.csv_bytes(
        columns,
        (
            (
                row.id,
                row.at,
                row.who,
                row.action,
                row.entity,
                row.entity_id,
                _what(row),
                _json(row.before),
                _json(row.after),
            )
            for row in rows
        ),
    )


def actions(session: Session, actor: Actor) -> list[str]:
    require_admin(actor)
    return list(session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))


def entities(session: Session, actor: Actor) -> list[str]:
    require_admin(actor)
    return list(session.scalars(select(AuditLog.entity).distinct().order_by(AuditLog.entity)))


def actor_options(
    session: Session, actor: Actor, search: str = "", ids: tuple[int, ...] = (), limit: int = 50
) -> dict[int, str]:
    """People to filter by, active or not (a deactivated admin's actions still matter)."""
    require_admin(actor)
    query = select(User.id, User.display_name, User.username)
    text = search.strip().lower()
    if text:
        pattern = f"%{text}%"
        query = query.where(
            or_(
                func.lower(User.display_name).like(pattern), func.lower(User.username).like(pattern)
            )
        )
    found = session.execute(query.order_by(User.display_name).limit(limit)).all()
    if ids:
        found += session.execute(
            select(User.id, User.display_name, User.username).where(User.id.in_(ids))
        ).all()
    return {row.id: f"{row.display_name} ({row.username})" for row in found}


# --- changes --------------------------------------------------------------------------------------


def changed_fields(before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for every field whose value differs; a record created or deleted
    lists all its fields."""
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    if not isinstance(before, dict) and before is not None:
        old = {"value": before}
    if not isinstance(after, dict) and after is not None:
        new = {"value": after}
    keys = list(dict.fromkeys([*old, *new]))
    return [(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


SUMMARY_FIELDS = ("title", "name", "display_name", "value", "confidence", "message", "state")


def change_summary(before: Any, after: Any, limit: int = 3) -> str:
    """One line for the table: what changed ("title: A → B"), or for a new record its most
    telling fields ("new · value: 12 · confidence: 7")."""
    changes = changed_fields(before, after)
    if before is None and isinstance(after, dict):
        shown = [f"{key}: {_short(after[key])}" for key in SUMMARY_FIELDS if key in after]
        return " · ".join([_("new"), *shown[:limit]])
    parts = [f"{key}: {_short(old)} → {_short(new)}" for key, old, new in changes[:limit]]
    more = len(changes) - limit
    if more > 0:
        parts.append(_("+{count} more").format(count=more))
    return "; ".join(parts)


def _short(value: Any, width: int = 40) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _what(row) -> str:
    if row.what:
        return row.what
    if row.entity_id is None:
        return entity_label(row.entity)
    return f"{entity_label(row.entity)} #{row.entity_id}"


def _row(row) -> dict:
    return {
        "id": row.id,
        "at": row.at,
        "actor_id": row.actor_id,
        "who": row.who,
        "action": row.action,
        "entity": row.entity,
        "entity_id": row.entity_id,
        "what": _what(row),
        "changes": change_summary(row.before, row.after),
    }


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
