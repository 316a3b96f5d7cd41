"""Writes on people and sign-in: first admin, login counters, passwords, user admin."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.enums import Role
from core.errors import PermissionDenied, ValidationError
from core.i18n import N_, _
from core.permissions import Actor, require_admin
from core.validation import clean_text, validate_email, validate_password, validate_username
from db import audit
from db.commands._common import get_for_update, get_or_refuse, revoke_sessions
from db.deployment import require_setup_token
from db.models import Team, User
from db.security import hash_password, verify_password

LANGUAGES = ("en", "vi")


@dataclass(frozen=True)
class UserInput:
    """What the people form sends; the password only when creating."""

    username: str
    display_name: str
    email: str | None = None
    role: str = Role.MEMBER
    team_id: int | None = None
    manager_id: int | None = None
    language: str = "en"
    password: str | None = None


# --- sign-in -----------------------------------------------------------------------------


def create_first_admin(session: Session, data: UserInput, setup_token: str | None = None) -> int:
    """First-run setup: allowed only while the database has no users at all, and in
    production only with the server's setup token (db/deployment.py)."""
    if session.scalar(select(func.count(User.id))):
        raise PermissionDenied(_("Setup is already done: sign in with an existing account."))
    require_setup_token(setup_token)
    user = _new_user(session, data, role=Role.ADMIN)
    audit.record(
        session, user.id, "user.create_first_admin", "user", user.id, None, audit.snapshot(user)
    )
    return user.id


def change_password(
    session: Session, actor: Actor, current: str, new: str, keep_token: str | None = None
) -> None:
    """A new password ends every other session of the person (``keep_token``: this one)."""
    user = get_for_update(session, User, actor.id, N_("account"))
    if not verify_password(current or "", user.password_hash):
        raise ValidationError(_("The current password is not correct."))
    _check_password(new)
    if new == current:
        raise ValidationError(_("The new password must differ from the current one."))
    user.password_hash = hash_password(new)
    revoke_sessions(session, user, keep_token)
    audit.record(session, actor.id, "user.change_password", "user", user.id)


# --- people admin (admins only) ----------------------------------------------------------


def create_user(session: Session, actor: Actor, data: UserInput) -> int:
    require_admin(actor)
    user = _new_user(session, data, role=_role(data.role))
    audit.record(session, actor.id, "user.create", "user", user.id, None, audit.snapshot(user))
    return user.id


def update_user(session: Session, actor: Actor, user_id: int, data: UserInput) -> None:
    """Edit name, email, role, team, manager and language (not username or password)."""
    require_admin(actor)
    user = get_for_update(session, User, user_id, N_("person"))
    before = audit.snapshot(user)
    role = _role(data.role)
    if user.id == actor.id and role != Role.ADMIN:
        raise ValidationError(_("You cannot remove your own admin role; ask another admin."))
    user.display_name = clean_text(data.display_name, N_("display name"), max_len=120)
    user.email = _unique_email(session, data.email, exclude_id=user.id)
    user.role = role
    user.team_id = _existing_team(session, data.team_id)
    user.manager_id = _valid_manager(session, data.manager_id, user.id)
    user.language = _language(data.language)
    audit.record(session, actor.id, "user.update", "user", user.id, before, audit.snapshot(user))


def set_user_active(session: Session, actor: Actor, user_id: int, active: bool) -> None:
    require_admin(actor)
    user = get_for_update(session, User, user_id, N_("person"))
    if user.id == actor.id and not active:
        raise ValidationError(_("You cannot deactivate your own account."))
    before = audit.snapshot(user)
    user.active = bool(active)
    if not user.active:
        revoke_sessions(session, user)
    audit.record(
        session,
        actor.id,
        "user.activate" if active else "user.deactivate",
        "user",
        user.id,
        before,
        audit.snapshot(user),
    )


def reset_password(session: Session, actor: Actor, user_id: int, new_password: str) -> None:
    """Set a new password, lift any lock and end the person's sessions; they should change
    it after signing in."""
    require_admin(actor)
    user = get_for_update(session, User, user_id, N_("person"))
    _check_password(new_password)
    user.password_hash = hash_password(new_password)
    user.failed_logins, user.locked_until = 0, None
    revoke_sessions(session, user)
    audit.record(session, actor.id, "user.reset_password", "user", user.id)


# --- checks ------------------------------------------------------------------------------


def _new_user(session: Session, data: UserInput, role: Role) -> User:
    username = validate_username(data.username)
    if session.scalar(select(User.id).where(func.lower(User.username) == username)):
        raise ValidationError(
            _("The username “{username}” is already taken.").format(username=username)
        )
    _check_password(data.password)
    user = User(
        username=username,
        display_name=clean_text(data.display_name, N_("display name"), max_len=120),
        email=_unique_email(session, data.email),
        password_hash=hash_password(data.password),
        role=role,
        team_id=_existing_team(session, data.team_id),
        manager_id=_valid_manager(session, data.manager_id, None),
        language=_language(data.language),
        active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    return user


def _check_password(password: str | None) -> None:
    validate_password(password or "")
    # The sign-in form strips spaces around what is typed, so such a password could never match.
    if password != password.strip():
        raise ValidationError(_("Password cannot start or end with a space."))


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ValidationError(_("Unknown role “{role}”.").format(role=value)) from None


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise ValidationError(_("Language must be English (en) or Vietnamese (vi)."))
    return value


def _unique_email(session: Session, email: str | None, exclude_id: int | None = None) -> str | None:
    cleaned = validate_email(email)
    if cleaned is None:
        return None
    clash = session.scalar(
        select(User.id).where(func.lower(User.email) == cleaned, User.id != (exclude_id or -1))
    )
    if clash:
        raise ValidationError(
            _("The email “{email}” is already used by another person.").format(email=cleaned)
        )
    return cleaned


def _existing_team(session: Session, team_id: int | None) -> int | None:
    if team_id is None:
        return None
    return get_or_refuse(session, Team, team_id, N_("team")).id


def _valid_manager(session: Session, manager_id: int | None, user_id: int | None) -> int | None:
    """A manager must be an active person, and not the person or someone they manage."""
    if manager_id is None:
        return None
    manager = get_or_refuse(session, User, manager_id, N_("manager"))
    if not manager.active:
        raise ValidationError(_("The manager must be an active person."))
    seen: set[int] = set()
    current: User | None = manager
    while current is not None and current.id not in seen:
        if current.id == user_id:
            raise ValidationError(
                _("A person cannot be managed by themself or by someone they manage.")
            )
        seen.add(current.id)
        current = session.get(User, current.manager_id) if current.manager_id else None
    return manager.id
