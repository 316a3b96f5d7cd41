"""Reads about people and sign-in. Each returns plain values or frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session, aliased

from core.permissions import Actor
from db.models import AuditLog, Team, User


@dataclass(frozen=True)
class SignInRecord:
    username: str
    display_name: str
    email: str | None
    password_hash: str
    role: str
    failed_logins: int
    locked_until: datetime | None


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    email: str | None
    role: str
    team_id: int | None
    team_name: str | None
    language: str
    led_team_ids: frozenset[int]

    @property
    def actor(self) -> Actor:
        return Actor(self.id, self.role, self.team_id, self.led_team_ids)


def data_version(session: Session | Connection) -> int:
    """The newest audit id: every write leaves an audit row, so it changes with every write."""
    return session.scalar(select(func.max(AuditLog.id))) or 0


def structure_version(session: Session | Connection) -> int:
    """The newest audit id of a write that is not a check-in."""
    return session.scalar(select(func.max(AuditLog.id)).where(AuditLog.cycle_id.is_(None))) or 0


def writes_after(
    session: Session | Connection, audit_id: int, limit: int
) -> list[tuple[int, int | None, int | None]]:
    """(audit id, cycle id, team id) of the writes after ``audit_id``, oldest first, at most
    ``limit``: a cycle id marks a check-in into that cycle and team (see db/audit.record)."""
    rows = session.execute(
        select(AuditLog.id, AuditLog.cycle_id, AuditLog.team_id)
        .where(AuditLog.id > audit_id)
        .order_by(AuditLog.id)
        .limit(limit)
    )
    return [tuple(row) for row in rows]


def has_users(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None


def sign_in_record(session: Session, username: str) -> SignInRecord | None:
    """What the sign-in form needs for one active person (deactivated people cannot sign in)."""
    user = session.scalar(
        select(User).where(User.username == username.strip().lower(), User.active.is_(True))
    )
    if user is None:
        return None
    return SignInRecord(
        user.username,
        user.display_name,
        user.email,
        user.password_hash,
        user.role,
        user.failed_logins,
        user.locked_until,
    )


def current_user(session: Session, username: str) -> CurrentUser | None:
    """The signed-in person as of now; None when they no longer exist or were deactivated."""
    row = session.execute(
        select(User, Team.name)
        .outerjoin(Team, Team.id == User.team_id)
        .where(User.username == username, User.active.is_(True))
    ).first()
    if row is None:
        return None
    user, team_name = row
    return CurrentUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        role=user.role,
        team_id=user.team_id,
        team_name=team_name,
        language=user.language,
        led_team_ids=led_team_ids(session, user.id),
    )


def led_team_ids(session: Session, user_id: int) -> frozenset[int]:
    """Teams the person leads and all their sub-teams (a recursive query, both dialects)."""
    led = select(Team.id).where(Team.lead_id == user_id).cte("led", recursive=True)
    child = aliased(Team)
    led = led.union(select(child.id).join(led, child.parent_id == led.c.id))
    return frozenset(session.scalars(select(led.c.id)))
