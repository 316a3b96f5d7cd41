"""Check-ins: append-only; each sets its KR's current value and confidence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import CycleState, KRKind, ObjectiveState, state_word
from core.errors import DomainError, ValidationError
from core.i18n import N_, _
from core.permissions import Actor, require_check_in
from core.progress import parse_number
from core.validation import clean_text, validate_confidence
from db import audit
from db.commands._common import get_for_update
from db.models import CheckIn, Cycle, KeyResult, Objective, utcnow

NOTE_MAX = 2000


@dataclass(frozen=True)
class CheckInInput:
    key_result_id: int
    value: float | str | bool | None
    confidence: int | str | None
    note: str = ""


def check_in(session: Session, actor: Actor, data: CheckInInput) -> int:
    kr = get_for_update(session, KeyResult, data.key_result_id, N_("key result"))
    objective = session.get(Objective, kr.objective_id)
    # A shared lock: check-ins do not wait for each other, but a cycle closing meanwhile
    # waits for them (and a check-in after the close sees it closed).
    cycle = session.get(Cycle, objective.cycle_id, with_for_update={"read": True})
    require_check_in(actor, kr.owner_id, objective.team_id)
    _require_open(objective, cycle)
    entry = CheckIn(
        key_result_id=kr.id,
        author_id=actor.id,
        value=_value(kr, data.value),
        confidence=validate_confidence(data.confidence),
        note=clean_text(data.note, N_("note"), max_len=NOTE_MAX, required=False),
        created_at=utcnow(),
    )
    session.add(entry)
    session.flush()
    _set_current_from_latest(session, kr)
    audit.record(
        session,
        actor.id,
        "checkin.create",
        "key_result",
        kr.id,
        None,
        {"check_in": entry.id, "value": entry.value, "confidence": entry.confidence},
        progress_of=(objective.cycle_id, objective.team_id),
    )
    return entry.id


def check_in_many(session: Session, actor: Actor, entries: Sequence[CheckInInput]) -> int:
    """“Update all my KRs”: every check-in is saved, or none is."""
    if not entries:
        raise ValidationError(_("Change at least one key result before saving."))
    for number, data in enumerate(entries, start=1):
        try:
            check_in(session, actor, data)
        except DomainError as error:
            raise type(error)(
                _("Row {number}: {error}").format(number=number, error=error)
            ) from None
    return len(entries)


def _require_open(objective: Objective, cycle: Cycle) -> None:
    if cycle.state == CycleState.CLOSED:
        raise ValidationError(
            _(
                "The cycle “{cycle}” is closed: check-ins are locked. An admin can reopen it."
            ).format(cycle=cycle.name)
        )
    if objective.state == ObjectiveState.DRAFT:
        raise ValidationError(_("Publish the objective before checking in on its key results."))
    if objective.state in (ObjectiveState.ARCHIVED, ObjectiveState.CLOSED):
        raise ValidationError(
            _("This objective is {state}: check-ins are locked.").format(
                state=state_word(objective.state)
            )
        )


def _value(kr: KeyResult, value: object) -> float:
    if kr.kind == KRKind.MILESTONE:
        if value in (True, 1, 1.0, "1", "done"):
            return 1.0
        if value in (False, 0, 0.0, "0", "not done"):
            return 0.0
        raise ValidationError(_("A milestone is either done or not done."))
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(_("Enter the new value."))
    return parse_number(value, N_("value"))


def _set_current_from_latest(session: Session, kr: KeyResult) -> None:
    """The KR shows its latest check-in by time (ties by id), whatever order writers commit."""
    latest = session.execute(
        select(CheckIn.value, CheckIn.confidence, CheckIn.created_at)
        .where(CheckIn.key_result_id == kr.id)
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        .limit(1)
    ).one()
    kr.current_value, kr.confidence, kr.last_checkin_at = latest
