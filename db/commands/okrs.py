"""Writes on objectives and key results: create, edit (version-checked), align, publish,
archive, copy to another cycle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.alignment import check_alignment, require_no_loop
from core.enums import CycleState, KRKind, Level, ObjectiveState, Unit, state_word
from core.errors import ValidationError
from core.i18n import N_, _
from core.permissions import Actor, require_assign_owner, require_edit_objective
from core.progress import parse_number, validate_kr_definition
from core.validation import clean_text, validate_currency_code
from db import audit
from db.commands._common import check_version, get_for_update, get_or_refuse
from db.models import Cycle, KeyResult, Objective, Team, User

TITLE_MAX = 200
DESCRIPTION_MAX = 2000


@dataclass(frozen=True)
class KRInput:
    """A key result as the form sends it; numbers may still be text typed by a person."""

    title: str
    kind: str = KRKind.INCREASE
    start: float | str | None = None
    target: float | str | None = None
    unit: str = Unit.NUMBER
    currency_code: str | None = None
    unit_label: str | None = None
    weight: float | str | None = 1.0
    owner_id: int | None = None  # None: the objective's owner


@dataclass(frozen=True)
class ObjectiveInput:
    cycle_id: int
    level: str
    title: str
    owner_id: int
    team_id: int | None = None
    description: str = ""
    parent_id: int | None = None
    key_results: Sequence[KRInput] = field(default_factory=tuple)


# --- objectives --------------------------------------------------------------------------


def create_objective(session: Session, actor: Actor, data: ObjectiveInput) -> int:
    """A new draft objective with its key results (all or nothing)."""
    objective = check_objective(session, actor, data)
    session.add(objective)
    session.flush()
    for number, kr in enumerate(data.key_results, start=1):
        _add_kr(session, actor, objective, kr, number)
    audit.record(
        session,
        actor.id,
        "objective.create",
        "objective",
        objective.id,
        None,
        audit.snapshot(objective),
    )
    return objective.id


def check_objective(
    session: Session, actor: Actor, data: ObjectiveInput, parent: Objective | None = None
) -> Objective:
    """The draft ``create_objective`` would add (without its key results), checked with reads
    only and not added: an import's preview writes nothing. ``parent``: an objective checked
    in the same batch, not saved yet, that this one aligns to (``data.parent_id`` is None)."""
    objective = Objective(state=ObjectiveState.DRAFT)
    _apply_objective(session, actor, objective, data)
    if parent is None:
        _check_parent(session, objective, data.parent_id)
    else:
        _require_parent_fits(objective, parent)
    return objective


def update_objective(
    session: Session, actor: Actor, objective_id: int, version: int, data: ObjectiveInput
) -> None:
    """Edit title, description, level, team, owner and alignment (not the key results)."""
    objective = get_for_update(session, Objective, objective_id, N_("objective"))
    check_version(objective, version)
    require_edit_objective(actor, objective.level, objective.team_id, objective.owner_id)
    before = audit.snapshot(objective)
    if data.cycle_id != objective.cycle_id:
        raise ValidationError(_("Use “Copy to cycle” to move an objective to another cycle."))
    with session.no_autoflush:  # one UPDATE, one version step
        _apply_objective(session, actor, objective, data)
        _check_parent(session, objective, data.parent_id)
    audit.record(
        session,
        actor.id,
        "objective.update",
        "objective",
        objective.id,
        before,
        audit.snapshot(objective),
    )


_TRANSITIONS = {
    ObjectiveState.DRAFT: {ObjectiveState.ACTIVE, ObjectiveState.ARCHIVED},
    ObjectiveState.ACTIVE: {ObjectiveState.ARCHIVED, ObjectiveState.CLOSED},
    ObjectiveState.CLOSED: {ObjectiveState.ACTIVE, ObjectiveState.ARCHIVED},
    ObjectiveState.ARCHIVED: {ObjectiveState.DRAFT},
}


def set_objective_state(
    session: Session, actor: Actor, objective_id: int, version: int, state: str
) -> None:
    """Publish (draft → active), archive, close or restore an objective."""
    objective = get_for_update(session, Objective, objective_id, N_("objective"))
    check_version(objective, version)
    require_edit_objective(actor, objective.level, objective.team_id, objective.owner_id)
    try:
        target = ObjectiveState(state)
    except ValueError:
        raise ValidationError(_("Unknown objective state “{state}”.").format(state=state)) from None
    if target not in _TRANSITIONS[ObjectiveState(objective.state)]:
        raise ValidationError(
            _("An objective that is {state} cannot become {target}.").format(
                state=state_word(objective.state), target=state_word(target)
            )
        )
    if target == ObjectiveState.ACTIVE:
        _require_open_cycle(session, objective.cycle_id)
        first_kr = select(KeyResult.id).where(KeyResult.objective_id == objective.id).limit(1)
        require_key_results_to_publish(session.scalar(first_kr) is not None)
    before = audit.snapshot(objective)
    objective.state = target
    audit.record(
        session,
        actor.id,
        f"objective.{target.value}",
        "objective",
        objective.id,
        before,
        audit.snapshot(objective),
    )


def require_key_results_to_publish(has_key_results: bool) -> None:
    if not has_key_results:
        raise ValidationError(_("Add at least one key result before publishing."))


def copy_objective(session: Session, actor: Actor, objective_id: int, cycle_id: int) -> int:
    """Copy an objective and its key results into another cycle as a draft; current values
    start again from the start values; the alignment is not copied (parents are per cycle)."""
    source = get_or_refuse(session, Objective, objective_id, N_("objective"))
    if cycle_id == source.cycle_id:
        raise ValidationError(_("Pick a different cycle to copy into."))
    krs = session.scalars(
        select(KeyResult).where(KeyResult.objective_id == source.id).order_by(KeyResult.id)
    ).all()
    data = ObjectiveInput(
        cycle_id=cycle_id,
        level=source.level,
        title=source.title,
        owner_id=source.owner_id,
        team_id=source.team_id,
        description=source.description,
        key_results=[
            KRInput(
                kr.title,
                kr.kind,
                kr.start_value,
                kr.target_value,
                kr.unit,
                kr.currency_code,
                kr.unit_label,
                kr.weight,
                kr.owner_id,
            )
            for kr in krs
        ],
    )
    new_id = create_objective(session, actor, data)
    audit.record(
        session,
        actor.id,
        "objective.copy",
        "objective",
        new_id,
        None,
        {"copied_from": source.id, "cycle_id": cycle_id},
    )
    return new_id


def _apply_objective(
    session: Session, actor: Actor, objective: Objective, data: ObjectiveInput
) -> None:
    level = _level(data.level)
    cycle = _require_open_cycle(session, data.cycle_id)
    owner = _active_person(session, data.owner_id, N_("owner"))
    team_id = owner.team_id if level == Level.INDIVIDUAL else data.team_id
    if level == Level.TEAM and team_id is None:
        raise ValidationError(_("Choose the team this objective belongs to."))
    if team_id is not None:
        get_or_refuse(session, Team, team_id, N_("team"))
    if level == Level.INDIVIDUAL and owner.id != actor.id:
        # "who may own it" says more here than "whose objectives you may edit"
        require_assign_owner(actor, level, owner.id, owner.team_id)
    require_edit_objective(actor, level, team_id, owner.id)
    require_assign_owner(actor, level, owner.id, owner.team_id)
    objective.cycle_id = cycle.id
    objective.level = level
    objective.team_id = team_id
    objective.owner_id = owner.id
    objective.title = clean_text(data.title, N_("title"), max_len=TITLE_MAX)
    objective.description = clean_text(
        data.description, N_("description"), max_len=DESCRIPTION_MAX, required=False
    )


def _check_parent(session: Session, objective: Objective, parent_id: int | None) -> None:
    """One parent of a higher or equal level in the same cycle, any team, no loops."""
    if parent_id is None:
        objective.parent_id = None
        return
    parent = get_or_refuse(session, Objective, parent_id, N_("parent objective"))
    _require_parent_fits(objective, parent)

    def parent_of(objective_id: int) -> int | None:
        return session.scalar(select(Objective.parent_id).where(Objective.id == objective_id))

    def title_of(objective_id: int) -> str:
        return session.scalar(select(Objective.title).where(Objective.id == objective_id)) or ""

    if objective.id is not None:  # a new objective has no children yet, so no loop
        require_no_loop(objective.id, parent.id, parent_of, title_of)
    objective.parent_id = parent.id


def _require_parent_fits(objective: Objective, parent: Objective) -> None:
    if parent.cycle_id != objective.cycle_id:
        raise ValidationError(_("An objective can only align to one in the same cycle."))
    if parent.state == ObjectiveState.ARCHIVED:
        raise ValidationError(_("An objective cannot align to an archived one."))
    check_alignment(objective.level, parent.level)


# --- key results -------------------------------------------------------------------------


def add_key_result(
    session: Session, actor: Actor, objective_id: int, version: int, kr: KRInput
) -> int:
    objective = get_for_update(session, Objective, objective_id, N_("objective"))
    check_version(objective, version)
    record = _save_kr(session, actor, check_key_result(session, actor, objective, kr))
    objective.version += 1  # the objective's KR list changed: older edit forms are stale
    return record.id


def check_key_result(
    session: Session, actor: Actor, objective: Objective, kr: KRInput
) -> KeyResult:
    """The key result ``add_key_result`` would add to ``objective`` (which may be one from
    ``check_objective``, not saved), checked with reads only and not added."""
    require_edit_objective(actor, objective.level, objective.team_id, objective.owner_id)
    _require_open_cycle(session, objective.cycle_id)
    return _new_kr(session, actor, objective, kr, None)


def update_key_result(
    session: Session, actor: Actor, kr_id: int, version: int, kr: KRInput
) -> None:
    record = get_for_update(session, KeyResult, kr_id, N_("key result"))
    check_version(record, version)
    objective = session.get(Objective, record.objective_id)
    require_edit_objective(actor, objective.level, objective.team_id, objective.owner_id)
    _require_open_cycle(session, objective.cycle_id)
    before = audit.snapshot(record)
    _apply_kr(session, actor, objective, record, kr, None)
    if record.last_checkin_at is None:  # nothing reported yet: no progress either
        record.current_value = _initial_value(record)
    audit.record(
        session,
        actor.id,
        "key_result.update",
        "key_result",
        record.id,
        before,
        audit.snapshot(record),
    )


def _add_kr(
    session: Session, actor: Actor, objective: Objective, kr: KRInput, number: int | None
) -> KeyResult:
    return _save_kr(session, actor, _new_kr(session, actor, objective, kr, number))


def _new_kr(
    session: Session, actor: Actor, objective: Objective, kr: KRInput, number: int | None
) -> KeyResult:
    record = KeyResult(objective_id=objective.id, version=1)
    _apply_kr(session, actor, objective, record, kr, number)
    record.current_value = _initial_value(record)
    return record


def _save_kr(session: Session, actor: Actor, record: KeyResult) -> KeyResult:
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor.id,
        "key_result.create",
        "key_result",
        record.id,
        None,
        audit.snapshot(record),
    )
    return record


def _initial_value(record: KeyResult) -> float | None:
    return 0.0 if record.kind == KRKind.MILESTONE else record.start_value


def _apply_kr(
    session: Session,
    actor: Actor,
    objective: Objective,
    record: KeyResult,
    kr: KRInput,
    number: int | None,
) -> None:
    """Validate one KR; messages name the KR's position when several are saved together."""
    try:
        start, target, weight = _kr_numbers(kr.kind, kr)
        validate_kr_definition(kr.kind, start, target, weight)
        owner = _active_person(session, kr.owner_id or objective.owner_id, N_("key result owner"))
        require_assign_owner(actor, objective.level, owner.id, owner.team_id)
        unit, currency, unit_label = _unit(kr)
        record.title = clean_text(kr.title, N_("key result title"), max_len=TITLE_MAX)
    except ValidationError as error:
        if number is None:
            raise
        raise ValidationError(
            _("Key result {number}: {error}").format(number=number, error=error)
        ) from None
    record.kind = KRKind(kr.kind)
    record.start_value, record.target_value, record.weight = start, target, weight
    record.owner_id = owner.id
    record.unit, record.currency_code, record.unit_label = unit, currency, unit_label


def _kr_numbers(kind: str, kr: KRInput) -> tuple[float | None, float | None, float]:
    weight = 1.0 if kr.weight in (None, "") else parse_number(kr.weight, N_("weight"))
    if kind == KRKind.MILESTONE:
        return 0.0, 1.0, weight
    start = None if kr.start in (None, "") else parse_number(kr.start, N_("start"))
    target = None if kr.target in (None, "") else parse_number(kr.target, N_("target"))
    if kind in (KRKind.STAY_ABOVE, KRKind.STAY_BELOW) and start is None:
        start = target
    return start, target, weight


def _unit(kr: KRInput) -> tuple[str, str | None, str | None]:
    try:
        unit = Unit(kr.unit)
    except ValueError:
        raise ValidationError(_("Unit must be number, percent, currency or text.")) from None
    if unit == Unit.CURRENCY:
        return unit, validate_currency_code(kr.currency_code), None
    if unit == Unit.TEXT:
        return unit, None, clean_text(kr.unit_label, N_("unit label"), max_len=40)
    return unit, None, None


# --- shared checks -----------------------------------------------------------------------


def _level(value: str) -> Level:
    try:
        return Level(value)
    except ValueError:
        raise ValidationError(_("Level must be company, team or individual.")) from None


def _require_open_cycle(session: Session, cycle_id: int) -> Cycle:
    cycle = get_or_refuse(session, Cycle, cycle_id, N_("cycle"))
    if cycle.state == CycleState.CLOSED:
        raise ValidationError(
            _(
                "The cycle “{cycle}” is closed; its OKRs can no longer change. "
                "An admin can reopen it."
            ).format(cycle=cycle.name)
        )
    return cycle


def _active_person(session: Session, user_id: int | None, what: str) -> User:
    person = get_or_refuse(session, User, user_id, what)
    if not person.active:
        raise ValidationError(_("The {what} must be an active person.").format(what=_(what)))
    return person
