"""Writes of signing in and out: attempts reserved before a password is checked, server-side
sessions that can be ended, unlocking an account.

A session's token lives only in the browser's signed cookie and in its server's memory; the
database keeps its SHA-256, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.accounts import LOCK_DURATION, MAX_FAILED_LOGINS, THROTTLE_WINDOW, SessionPolicy
from core.errors import ValidationError
from core.i18n import N_, _
from core.permissions import Actor, require_admin
from core.validation import validate_username
from db import audit
from db.commands._common import get_for_update, revoke_sessions
from db.models import SignInSession, SignInThrottle, User
from db.security import token_hash


@dataclass(frozen=True)
class Reservation:
    """An attempt counted against an account before its password is checked."""

    user_id: int
    password_hash: str
    attempt: int  # 1 … MAX_FAILED_LOGINS within the lock window


def reserve_client_attempt(session: Session, client: str, now: datetime, limit: int) -> bool:
    """Count an attempt from this client address; False when it made ``limit`` this minute.
    One statement (insert or update, returning the count), so parallel attempts count right."""
    insert = postgresql_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    fresh = SignInThrottle.window_start <= now - THROTTLE_WINDOW
    statement = (
        insert(SignInThrottle)
        .values(client=_stored_client(client), window_start=now, attempts=1)
        .on_conflict_do_update(
            index_elements=[SignInThrottle.client],
            set_={
                "attempts": case((fresh, 1), else_=SignInThrottle.attempts + 1),
                "window_start": case((fresh, now), else_=SignInThrottle.window_start),
            },
        )
        .returning(SignInThrottle.attempts)
    )
    return session.scalar(statement) <= limit


def reserve_attempt(session: Session, username: str, now: datetime) -> Reservation | None:
    """Count a sign-in attempt on an active, unlocked account in one UPDATE … RETURNING, so
    at most MAX_FAILED_LOGINS attempts are ever checked per lock window, on any number of
    servers. The attempt that reaches the limit locks the account already; a right password
    then lifts the lock (``finish_attempt``). None: no such account, or it is locked."""
    try:
        username = validate_username(username)
    except ValidationError:  # no account can have this name (and NUL would upset PostgreSQL)
        return None
    lock_ran_out = and_(User.locked_until.is_not(None), User.locked_until <= now)
    count = case((lock_ran_out, 1), else_=User.failed_logins + 1)
    row = session.execute(
        update(User)
        .where(
            User.username == username,
            User.active.is_(True),
            or_(
                lock_ran_out,
                and_(User.locked_until.is_(None), User.failed_logins < MAX_FAILED_LOGINS),
            ),
        )
        .values(
            failed_logins=count,
            locked_until=case((count >= MAX_FAILED_LOGINS, now + LOCK_DURATION), else_=None),
        )
        .returning(User.id, User.password_hash, User.failed_logins)
        .execution_options(synchronize_session=False)
    ).first()
    return Reservation(*row) if row else None


def finish_attempt(
    session: Session,
    reservation: Reservation,
    password_ok: bool,
    client: str | None,
    now: datetime,
    policy: SessionPolicy,
) -> str | None:
    """After the password check: a right one clears the count and starts a session (its
    token returned); a wrong one that used the last attempt leaves the lock's audit row."""
    if not password_ok:
        if reservation.attempt >= MAX_FAILED_LOGINS:
            locked_until = session.scalar(
                select(User.locked_until).where(User.id == reservation.user_id)
            )
            after = {"locked_until": locked_until.isoformat() if locked_until else None}
            audit.record(session, None, "user.locked", "user", reservation.user_id, None, after)
        return None
    session.execute(
        update(User)
        .where(User.id == reservation.user_id)
        .values(failed_logins=0, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    return start_session(session, reservation.user_id, "password", client, now, policy)


def start_session(
    session: Session,
    user_id: int,
    method: str,
    client: str | None,
    now: datetime,
    policy: SessionPolicy,
) -> str:
    """A new session for a person who has just proved who they are; returns its token."""
    token = secrets.token_urlsafe(32)
    record = SignInSession(
        token_hash=token_hash(token),
        user_id=user_id,
        method=method,
        client=_stored_client(client) or None,
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.lifetime,
    )
    session.add(record)
    session.flush()
    audit.record(
        session, user_id, "session.start", "user", user_id, None,
        {"method": method, "session": record.id, "client": record.client},
    )  # fmt: skip
    return token


def resume_session(session: Session, token: str, now: datetime) -> None:
    """A browser came back with its cookie: the session goes on, and says so in the audit."""
    record = _live(session, token, now)
    if record is not None:
        record.last_seen_at = now
        audit.record(
            session, record.user_id, "session.resume", "user", record.user_id, None,
            {"session": record.id},
        )  # fmt: skip


def touch_session(session: Session, token: str, now: datetime) -> None:
    """The session was used: its idle time starts again (not audited: it changes nothing)."""
    session.execute(
        update(SignInSession)
        .where(SignInSession.token_hash == token_hash(token), SignInSession.revoked_at.is_(None))
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


def end_session(session: Session, token: str, now: datetime) -> None:
    """Sign out: this session ends; a copy of its cookie signs nobody in any more."""
    record = _live(session, token, now)
    if record is not None:
        record.revoked_at = now
        audit.record(
            session, record.user_id, "session.end", "user", record.user_id, None,
            {"session": record.id},
        )  # fmt: skip


def end_all_sessions(
    session: Session, actor: Actor, user_id: int, keep_token: str | None = None
) -> int:
    """Sign a person out everywhere (themself, or anyone for an admin), except the session
    whose token is ``keep_token``; returns how many sessions ended."""
    if actor.id != user_id:
        require_admin(actor)
    user = get_for_update(session, User, user_id, N_("person"))
    ended = revoke_sessions(session, user, keep_token)
    audit.record(session, actor.id, "session.end_all", "user", user.id, None, {"sessions": ended})
    return ended


def unlock_account(session: Session, actor: Actor, user_id: int) -> None:
    """Admins: lift a sign-in lock now (for example after someone guessed at an account)."""
    require_admin(actor)
    user = get_for_update(session, User, user_id, N_("person"))
    if not user.failed_logins and user.locked_until is None:
        raise ValidationError(_("This account is not locked."))
    before = {"failed_logins": user.failed_logins, "locked_until": _iso(user.locked_until)}
    user.failed_logins, user.locked_until = 0, None
    audit.record(session, actor.id, "user.unlock", "user", user.id, before, None)


def _live(session: Session, token: str, now: datetime) -> SignInSession | None:
    return session.scalar(
        select(SignInSession).where(
            SignInSession.token_hash == token_hash(token),
            SignInSession.revoked_at.is_(None),
            SignInSession.expires_at > now,
        )
    )


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _stored_client(client: str | None) -> str:
    """A client address as stored: 64 characters at most, NUL and lone surrogates (which no
    address has and the databases refuse) replaced, so an odd proxy header is no error."""
    return _UNSTORABLE.sub("\ufffd", (client or "")[:64])


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
