"""Writes for single sign-on: the admin's "create unknown people as members" setting, and
the member account made for a person who signed in through the identity provider."""

from __future__ import annotations

import re
import secrets
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.enums import Role
from core.errors import PermissionDenied, ValidationError
from core.i18n import N_, _
from core.permissions import Actor, require_admin
from core.validation import clean_text, validate_email
from db import audit
from db.models import Setting, User
from db.queries.sso import AUTO_CREATE_KEY, auto_create_enabled
from db.security import hash_password

LANGUAGES = ("en", "vi")


def save_sso_settings(session: Session, actor: Actor, auto_create: bool) -> None:
    """Admins only: whether an unknown email signing in through SSO becomes a member."""
    require_admin(actor)
    value = bool(auto_create)
    row = session.get(Setting, AUTO_CREATE_KEY)
    before = {"key": AUTO_CREATE_KEY, "value": row.value} if row else None
    if row is None:
        session.add(Setting(key=AUTO_CREATE_KEY, value=value))
    else:
        row.value = value
    audit.record(
        session,
        actor.id,
        "settings.update",
        "setting",
        None,
        before,
        {"key": AUTO_CREATE_KEY, "value": value},
    )


def create_member_from_identity(
    session: Session, email: str, display_name: str | None, language: str | None = None
) -> str:
    """Create a member for an identity-provider email no account uses; returns the username.

    Allowed only while the admin setting is on. The account gets a random password nobody
    knows (an admin can reset it), no team, and the provider's name (or the email's name).
    The new person is the actor of the audit row: they created their own account."""
    if not auto_create_enabled(session):
        raise PermissionDenied(
            _(
                "No account uses this email, and new accounts are not created automatically. "
                "Ask an admin to add you."
            )
        )
    cleaned = validate_email(email)
    if cleaned is None:
        raise ValidationError(_("Your identity provider did not send an email address."))
    if session.scalar(select(User.id).where(func.lower(User.email) == cleaned).limit(1)):
        raise ValidationError(
            _("An account already uses {email}; ask an admin to activate it.").format(email=cleaned)
        )
    local_part = cleaned.split("@", 1)[0]
    user = User(
        username=_free_username(session, local_part),
        display_name=_display_name(display_name, local_part),
        email=cleaned,
        password_hash=hash_password(secrets.token_urlsafe(32)),
        role=Role.MEMBER,
        team_id=None,
        manager_id=None,
        language=language if language in LANGUAGES else "en",
        active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    audit.record(session, user.id, "user.create_sso", "user", user.id, None, audit.snapshot(user))
    return user.username


def _display_name(name: str | None, local_part: str) -> str:
    try:
        return clean_text(name, N_("display name"), max_len=120)
    except ValidationError:  # missing, too long or odd: the email's name instead
        return local_part[:120]


def _free_username(session: Session, local_part: str) -> str:
    """A valid username from the email's name ("Nguyễn.An" → "nguyen.an"), numbered when
    taken ("nguyen.an2"); checked in one bounded query."""
    base = _ascii(local_part)
    base = re.sub(r"[^a-z0-9._-]+", "", base)[:36] or "user"
    if len(base) < 3:
        base = f"{base}-sso"
    candidates = [base] + [f"{base}{n}" for n in range(2, 100)]
    taken = set(
        session.scalars(select(func.lower(User.username)).where(User.username.in_(candidates)))
    )
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    return f"{base[:27]}-{secrets.token_hex(4)}"


def _ascii(text: str) -> str:
    text = text.lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
