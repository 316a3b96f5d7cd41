"""Reads for single sign-on: the identity linked to an account, and whether unknown emails
may become members. (Which account an identity signs in as is decided inside the write,
db/commands/sso.py, under the locks that keep two identities from linking one account.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import LinkedIdentity, Setting

AUTO_CREATE_KEY = "sso_auto_create"


def auto_create_enabled(session: Session) -> bool:
    """Whether an unknown email signing in through SSO becomes a new member (default: no)."""
    row = session.get(Setting, AUTO_CREATE_KEY)
    return bool(row.value) if row is not None and row.value is not None else False


@dataclass(frozen=True)
class LinkedIdentityRow:
    """The single sign-on identity bound to an account (shown to admins in People)."""

    issuer: str
    email: str | None
    created_at: datetime


def linked_identity(session: Session, user_id: int) -> LinkedIdentityRow | None:
    row = session.execute(
        select(
            LinkedIdentity.issuer,
            LinkedIdentity.email,
            LinkedIdentity.created_at,
        )
        .where(LinkedIdentity.user_id == user_id)
        .order_by(LinkedIdentity.id)
        .limit(1)
    ).first()
    return LinkedIdentityRow(*row) if row else None
