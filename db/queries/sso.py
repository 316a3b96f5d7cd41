"""Reads for single sign-on: which account an identity provider's email belongs to, and
whether unknown emails may become members."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Setting, User

AUTO_CREATE_KEY = "sso_auto_create"


@dataclass(frozen=True)
class EmailMatch:
    """The accounts that use an email (case-insensitive): none, one, or (by a data error)
    more than one."""

    usernames: tuple[str, ...]
    active: tuple[bool, ...]

    @property
    def username(self) -> str | None:
        """The one active account with this email; None when there is none or several."""
        active = [name for name, on in zip(self.usernames, self.active, strict=True) if on]
        return active[0] if len(active) == 1 else None

    @property
    def only_inactive(self) -> bool:
        return bool(self.usernames) and not any(self.active)


def account_for_email(session: Session, email: str) -> EmailMatch:
    """Accounts whose email equals this one, ignoring case (at most a handful of rows)."""
    rows = session.execute(
        select(User.username, User.active)
        .where(func.lower(User.email) == email.strip().lower())
        .order_by(User.id)
        .limit(5)
    ).all()
    return EmailMatch(tuple(r.username for r in rows), tuple(bool(r.active) for r in rows))


def auto_create_enabled(session: Session) -> bool:
    """Whether an unknown email signing in through SSO becomes a new member (default: no)."""
    row = session.get(Setting, AUTO_CREATE_KEY)
    return bool(row.value) if row is not None and row.value is not None else False
