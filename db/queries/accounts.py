"""Reads about people and sign-in. Each returns plain values or frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session, aliased

from core.permissions import Actor
from db.audit import SESSION_ACTIONS
from db.models import AuditLog, SignInSession, Team, User, utcnow
from db.security import token_hash


@dataclass(frozen=True)
class SessionRecord:
    """A live sign-in session: not ended, not past its lifetime, its person active."""

    username: str
    display_name: str
    created_at: datetime
    last_seen_at: datetime


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
    ``limit``: a cycle id marks a check-in into that cycle and team (see db/audit.record).
    Signing in and out changes nothing a page shows: those rows are left out."""
    rows = session.execute(
        select(AuditLog.id, AuditLog.cycle_id, AuditLog.team_id)
        .where(AuditLog.id > audit_id, AuditLog.action.not_in(SESSION_ACTIONS))
        .order_by(AuditLog.id)
        .limit(limit)
    )
    return [tuple(row) for row in rows]


def has_users(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None


def session_record(session: Session, token_hash: str) -> SessionRecord | None:
    row = session.execute(
        select(
            User.username, User.display_name, SignInSession.created_at, SignInSession.last_seen_at
        )
        .join(User, User.id == SignInSession.user_id)
        .where(
            SignInSession.token_hash == token_hash,
            SignInSession.revoked_at.is_(None),
            SignInSession.expires_at > utcnow(),
            User.active.is_(True),
        )
    ).first()
    return SessionRecord(*row) if row else None


def live_sessions(session: Session, user_id: int, current_token: str | None) -> pd.DataFrame:
    """The person's sessions that have not ended, newest first; ``this`` marks the one of
    ``current_token`` (the browser asking)."""
    current = token_hash(current_token) if current_token else ""
    rows = session.execute(
        select(
            SignInSession.method,
            SignInSession.client,
            SignInSession.created_at,
            SignInSession.last_seen_at,
            SignInSession.token_hash == current,
        )
        .where(
            SignInSession.user_id == user_id,
            SignInSession.revoked_at.is_(None),
            SignInSession.expires_at > utcnow(),
        )
        .order_by(SignInSession.last_seen_at.desc())
    ).all()
    columns = ["method", "client", "created_at", "last_seen_at", "this"]
    return pd.DataFrame([tuple(row) for row in rows], columns=columns)


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
