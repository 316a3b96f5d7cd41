"""Kudos: thank a person or a team, optionally for a published objective or key result."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import ObjectiveState
from core.errors import NotFound, PermissionDenied, ValidationError
from core.i18n import N_, _
from core.permissions import Actor, can_give_kudos
from core.validation import clean_text
from db import audit
from db.models import KeyResult, Kudos, Objective, Team, User, utcnow

MESSAGE_MAX = 500
REPEAT_WINDOW = timedelta(minutes=2)  # the same words to the same receiver: a double click
PUBLISHED = (ObjectiveState.ACTIVE, ObjectiveState.CLOSED)


def give_kudos(
    session: Session,
    actor: Actor,
    message: str,
    *,
    receiver_user_id: int | None = None,
    receiver_team_id: int | None = None,
    objective_id: int | None = None,
    key_result_id: int | None = None,
) -> int:
    """Thank one person or one team; returns the new kudos' id.

    A linked key result also links its objective. Refused (nothing written) for: no or two
    receivers, an unknown or inactive receiver, oneself, an empty or over-long message, a link
    to something that is not a published objective or key result, the same kudos twice in a row.
    """
    if not can_give_kudos(actor):
        raise PermissionDenied(_("You cannot give kudos."))
    text = clean_text(message, N_("message"), max_len=MESSAGE_MAX)
    _check_receiver(session, actor, receiver_user_id, receiver_team_id)
    objective_id, key_result_id = _check_link(session, objective_id, key_result_id)
    _refuse_repeat(session, actor, text, receiver_user_id, receiver_team_id)
    kudos = Kudos(
        giver_id=actor.id,
        receiver_user_id=receiver_user_id,
        receiver_team_id=receiver_team_id,
        message=text,
        objective_id=objective_id,
        key_result_id=key_result_id,
        created_at=utcnow(),
    )
    session.add(kudos)
    session.flush()
    audit.record(session, actor.id, "kudos.create", "kudos", kudos.id, None, audit.snapshot(kudos))
    return kudos.id


def _check_receiver(
    session: Session, actor: Actor, user_id: int | None, team_id: int | None
) -> None:
    if user_id is None and team_id is None:
        raise ValidationError(_("Choose the person or the team you want to thank."))
    if user_id is not None and team_id is not None:
        raise ValidationError(_("Thank either a person or a team, not both at once."))
    if user_id is not None:
        if user_id == actor.id:
            raise ValidationError(_("You can't give kudos to yourself — thank someone else!"))
        person = session.get(User, user_id)
        if person is None:
            raise NotFound(_("That person does not exist (any more) — reload the page."))
        if not person.active:
            raise ValidationError(
                _("{name} is no longer active here.").format(name=person.display_name)
            )
    elif session.get(Team, team_id) is None:
        raise NotFound(_("That team does not exist (any more) — reload the page."))


def _check_link(
    session: Session, objective_id: int | None, key_result_id: int | None
) -> tuple[int | None, int | None]:
    """The (objective, KR) to store; only published work may be linked (a draft stays private,
    so its absence and its existence get the same message)."""
    if key_result_id is not None:
        kr = session.get(KeyResult, key_result_id)
        if kr is None:
            raise NotFound(_("That key result does not exist (any more) — reload the page."))
        if objective_id is not None and kr.objective_id != objective_id:
            raise ValidationError(_("That key result belongs to another objective."))
        objective_id = kr.objective_id
    if objective_id is None:
        return None, None
    objective = session.get(Objective, objective_id)
    if objective is None or objective.state not in PUBLISHED:
        raise ValidationError(_("Kudos can only point at a published objective or key result."))
    return objective_id, key_result_id


def _refuse_repeat(
    session: Session, actor: Actor, text: str, user_id: int | None, team_id: int | None
) -> None:
    same = session.scalar(
        select(Kudos.id)
        .where(
            Kudos.giver_id == actor.id,
            Kudos.receiver_user_id.is_(None)
            if user_id is None
            else Kudos.receiver_user_id == user_id,
            Kudos.receiver_team_id.is_(None)
            if team_id is None
            else Kudos.receiver_team_id == team_id,
            Kudos.message == text,
            Kudos.created_at >= utcnow() - REPEAT_WINDOW,
        )
        .limit(1)
    )
    if same is not None:
        raise ValidationError(_("You just sent these kudos — they are already on the wall."))
