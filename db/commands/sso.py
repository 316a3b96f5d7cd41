"""Writes for single sign-on: signing in with an identity provider's identity, the member
account made on a first sign-in, the admin's setting for that, and unlinking an identity.

An account is bound to an identity (issuer, subject) on its first single sign-on and found
by that binding from then on, whatever e-mail the provider sends later. An e-mail match
only ever links an account that has no identity yet: another identity with the same
address — at the same provider or another one — is refused, until an admin unlinks the old
one. Every refusal writes nothing; every sign-in starts a server-side session (with its
"session.start" audit row) in the same transaction as the link.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import sso as rules
from core.accounts import SessionPolicy
from core.enums import Role
from core.errors import PermissionDenied, ValidationError
from core.i18n import N_, _
from core.permissions import Actor, require_admin
from core.sso import Identity
from core.validation import clean_text, validate_email
from db import audit
from db.commands._common import get_for_update
from db.commands.sign_in import start_session
from db.models import LinkedIdentity, Setting, User
from db.queries.sso import AUTO_CREATE_KEY, auto_create_enabled
from db.security import hash_password

LANGUAGES = ("en", "vi")


@dataclass(frozen=True)
class SsoSignIn:
    """A single sign-on that was accepted: who, and the new session's token."""

    username: str
    display_name: str
    token: str


def sign_in_with_identity(
    session: Session,
    identity: Identity,
    client: str | None,
    now: datetime,
    policy: SessionPolicy,
    allowed_domains: Iterable[str] | None = None,
) -> SsoSignIn:
    """Sign in as the account linked to this identity; failing that, link the account whose
    e-mail it is (when that account has no identity yet), or make a member (``allowed_domains``
    and the admin's setting permitting; None: OKR_SSO_ALLOWED_DOMAINS). Starts a session."""
    email = _checked(identity)
    _check_issued(identity, now, policy)
    link = session.scalar(
        select(LinkedIdentity)
        .where(LinkedIdentity.issuer == identity.issuer, LinkedIdentity.subject == identity.subject)
        .with_for_update()
    )
    if link is not None:
        user = get_for_update(session, User, link.user_id, N_("person"))
        _check_usable(user, identity, email)
    else:
        user = _account_with_email(session, email)
        if user is None:
            user, link = _new_member(session, identity, email, allowed_domains)
        else:
            _check_usable(user, identity, email)
            link = _link(session, user, identity, email)
    link.last_used_at = now
    link.email = email
    token = start_session(session, user.id, "sso", client, now, policy)
    return SsoSignIn(user.username, user.display_name, token)


def create_member_from_identity(
    session: Session, identity: Identity, allowed_domains: Iterable[str] | None = None
) -> str:
    """Create a member for an identity whose e-mail no account uses, linked to that identity;
    returns the username.

    Allowed only when the admin's setting is on AND the e-mail's domain is exactly one of
    ``allowed_domains`` (None: OKR_SSO_ALLOWED_DOMAINS; empty: nobody). The account gets a
    random password nobody knows (an admin can reset it), no team, and the provider's name
    (or the e-mail's name). The new person is the actor of the audit rows: they created their
    own account."""
    user, _linked = _new_member(session, identity, _checked(identity), allowed_domains)
    return user.username


def _new_member(
    session: Session, identity: Identity, email: str, allowed_domains: Iterable[str] | None
) -> tuple[User, LinkedIdentity]:
    domains = rules.allowed_domains() if allowed_domains is None else allowed_domains
    if not auto_create_enabled(session) or not rules.domain_allowed(email, domains):
        raise PermissionDenied(_no_account(email))
    if session.scalar(select(User.id).where(func.lower(User.email) == email).limit(1)):
        raise ValidationError(
            _("An account already uses {email}; ask an admin to activate it.").format(email=email)
        )
    if _linked_user_id(session, identity) is not None:
        raise ValidationError(_("This identity is already linked to an account."))
    local_part = email.split("@", 1)[0]
    user = User(
        username=_free_username(session, local_part),
        display_name=_display_name(identity.name, local_part),
        email=email,
        password_hash=hash_password(secrets.token_urlsafe(32)),
        role=Role.MEMBER,
        team_id=None,
        manager_id=None,
        language=identity.language if identity.language in LANGUAGES else "en",
        active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    audit.record(session, user.id, "user.create_sso", "user", user.id, None, audit.snapshot(user))
    return user, _link(session, user, identity, email)


def unlink_identity(session: Session, actor: Actor, user_id: int) -> None:
    """Admins only: forget the person's single sign-on identity, so that their next single
    sign-on (a new provider account with their e-mail) links a new one."""
    require_admin(actor)
    user = get_for_update(session, User, user_id, N_("person"))
    links = session.scalars(
        select(LinkedIdentity).where(LinkedIdentity.user_id == user.id).order_by(LinkedIdentity.id)
    ).all()
    if not links:
        raise ValidationError(
            _("{name} has no linked single sign-on identity.").format(name=user.display_name)
        )
    before = [_described(link) for link in links]
    session.execute(delete(LinkedIdentity).where(LinkedIdentity.user_id == user.id))
    audit.record(session, actor.id, "identity.unlink", "user", user.id, {"identities": before})


def save_sso_settings(session: Session, actor: Actor, auto_create: bool) -> None:
    """Admins only: whether an unknown email signing in through SSO becomes a member (for
    the domains of OKR_SSO_ALLOWED_DOMAINS only)."""
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


# --- checks ----------------------------------------------------------------------------------


def _checked(identity: Identity) -> str:
    """The identity's e-mail (lower case) once issuer, subject and a verified e-mail are there."""
    if not (rules.valid_claim(identity.issuer) and rules.valid_claim(identity.subject)):
        raise ValidationError(
            _(
                "Your identity provider did not say who you are (issuer and subject), so OKR "
                "Tracker cannot sign you in."
            )
        )
    email = validate_email(identity.email)
    if email is None:
        raise ValidationError(
            _(
                "Your identity provider did not send an email address, so OKR Tracker cannot "
                "tell who you are."
            )
        )
    if identity.email_verified is not True:
        raise PermissionDenied(
            _("Your identity provider has not verified {email}; verify it there and try again.")
            .format(email=email)
        )  # fmt: skip
    return email


def _check_issued(identity: Identity, now: datetime, policy: SessionPolicy) -> None:
    """A provider's sign-in lasts no longer than one of ours (Streamlit keeps it 30 days)."""
    if not isinstance(identity.issued_at, datetime):
        raise PermissionDenied(
            _("Your identity provider did not say when it signed you in. Sign in again.")
        )
    if identity.issued_at <= now - policy.lifetime:
        raise PermissionDenied(
            _("Your sign-in at your identity provider is too old. Sign in again.")
        )


def _check_usable(user: User, identity: Identity, email: str) -> None:
    if not user.active:
        raise PermissionDenied(
            _("The account for {email} is deactivated. Ask an admin if this is a mistake.")
            .format(email=email)
        )  # fmt: skip
    # "Sign out everywhere", a password change or reset after the provider signed them in.
    if user.sessions_revoked_at is not None and identity.issued_at < user.sessions_revoked_at:
        raise PermissionDenied(
            _(
                "You were signed out everywhere after your identity provider signed you in. "
                "Sign in again."
            )
        )


def _account_with_email(session: Session, email: str) -> User | None:
    """The one account that uses this e-mail (ignoring case), locked; None when none does."""
    users = session.scalars(
        select(User)
        .where(func.lower(User.email) == email)
        .order_by(User.id)
        .limit(2)
        .with_for_update()
    ).all()
    if len(users) > 1:
        raise ValidationError(
            _("More than one account uses {email}. Ask an admin to fix the people list.")
            .format(email=email)
        )  # fmt: skip
    return users[0] if users else None


def _no_account(email: str) -> str:
    return _(
        "No OKR Tracker account uses {email}. Ask an admin to add you, "
        "or sign in with your username and password."
    ).format(email=email)


# --- links -----------------------------------------------------------------------------------


def _link(session: Session, user: User, identity: Identity, email: str) -> LinkedIdentity:
    """Bind the account (locked by the caller) to the identity — only if it has none yet."""
    if session.scalar(select(LinkedIdentity.id).where(LinkedIdentity.user_id == user.id)):
        raise PermissionDenied(
            _(
                "The account for {email} is linked to another single sign-on identity. If you "
                "changed accounts at your identity provider, ask an admin to unlink the old one."
            ).format(email=email)
        )
    link = LinkedIdentity(
        user_id=user.id, issuer=identity.issuer, subject=identity.subject, email=email
    )
    session.add(link)
    session.flush()
    audit.record(session, user.id, "identity.link", "user", user.id, None, _described(link))
    return link


def _linked_user_id(session: Session, identity: Identity) -> int | None:
    return session.scalar(
        select(LinkedIdentity.user_id).where(
            LinkedIdentity.issuer == identity.issuer, LinkedIdentity.subject == identity.subject
        )
    )


def _described(link: LinkedIdentity) -> dict:
    return {"issuer": link.issuer, "subject": link.subject, "email": link.email}


# --- new accounts ----------------------------------------------------------------------------


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
