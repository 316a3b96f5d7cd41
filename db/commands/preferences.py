"""A person's own preferences: the language they read the app in."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.i18n import LANGUAGES, _
from core.permissions import Actor
from db import audit
from db.commands._common import get_for_update
from db.models import User


def set_language(session: Session, actor: Actor, language: str) -> None:
    """Anyone may choose their own language (and only their own: the actor is the target)."""
    if language not in LANGUAGES:
        raise ValidationError(_("Choose English or Vietnamese."))
    user = get_for_update(session, User, actor.id, "account")
    before = {"language": user.language}
    user.language = language
    audit.record(
        session, actor.id, "user.set_language", "user", user.id, before, {"language": language}
    )
