"""Helpers shared by the write functions: loading records or refusing with a clear message."""

from __future__ import annotations

import numbers
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.errors import NotFound, StaleVersion
from core.i18n import _
from db.models import SignInSession, User, utcnow
from db.security import token_hash

T = TypeVar("T")


def _gone(what: str) -> NotFound:
    """``what`` is an English noun marked with ``N_`` by the caller ("key result")."""
    return NotFound(_("That {what} no longer exists — reload the page.").format(what=_(what)))


def _may_exist(record_id: object) -> bool:
    """False for no id and for an integer beyond PostgreSQL's 32-bit keys (asking for one
    there is a database error, not "no longer exists")."""
    if record_id is None:
        return False
    return not isinstance(record_id, numbers.Integral) or -(2**31) <= record_id < 2**31


def get_or_refuse(session: Session, model: type[T], record_id: int | None, what: str) -> T:
    record = session.get(model, record_id) if _may_exist(record_id) else None
    if record is None:
        raise _gone(what)
    return record


def get_for_update(session: Session, model: type[T], record_id: int | None, what: str) -> T:
    """Load a record with a row lock (PostgreSQL), so concurrent writes queue."""
    record = session.get(model, record_id, with_for_update=True) if _may_exist(record_id) else None
    if record is None:
        raise _gone(what)
    return record


def check_version(record, expected_version: int | None) -> None:
    """Refuse an edit made on an outdated version (no lost updates)."""
    if expected_version is not None and record.version != expected_version:
        raise StaleVersion()


def revoke_sessions(session: Session, user: User, keep_token: str | None = None) -> int:
    """End every live session of ``user`` but the kept one, and refuse the single sign-on
    identities issued until now. For password changes and resets, deactivation and "sign
    out everywhere" (each audits itself)."""
    now = utcnow()
    user.sessions_revoked_at = now
    keep = token_hash(keep_token) if keep_token else None
    result = session.execute(
        update(SignInSession)
        .where(
            SignInSession.user_id == user.id,
            SignInSession.revoked_at.is_(None),
            SignInSession.token_hash != (keep or ""),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
