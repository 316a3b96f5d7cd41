"""Writes on the organisation (admins only): teams, cycles and settings."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.enums import CycleState, Role, state_word
from core.errors import ValidationError
from core.i18n import N_, _
from core.permissions import Actor, require_admin
from core.settings import StatusSettings
from core.validation import clean_text, periods_overlap, validate_cycle_dates
from db import audit
from db.commands._common import get_for_update, get_or_refuse
from db.models import Cycle, Setting, Team, User

# --- teams -------------------------------------------------------------------------------


def create_team(
    session: Session, actor: Actor, name: str, parent_id: int | None, lead_id: int | None
) -> int:
    require_admin(actor)
    team = Team(name=_unique_team_name(session, name))
    session.add(team)
    session.flush()
    team.parent_id = _valid_parent(session, team.id, parent_id)
    team.lead_id = _valid_lead(session, lead_id)
    audit.record(session, actor.id, "team.create", "team", team.id, None, audit.snapshot(team))
    return team.id


def update_team(
    session: Session,
    actor: Actor,
    team_id: int,
    name: str,
    parent_id: int | None,
    lead_id: int | None,
) -> None:
    require_admin(actor)
    team = get_for_update(session, Team, team_id, N_("team"))
    before = audit.snapshot(team)
    team.name = _unique_team_name(session, name, exclude_id=team.id)
    team.parent_id = _valid_parent(session, team.id, parent_id)
    team.lead_id = _valid_lead(session, lead_id)
    audit.record(session, actor.id, "team.update", "team", team.id, before, audit.snapshot(team))


def _unique_team_name(session: Session, name: str, exclude_id: int | None = None) -> str:
    cleaned = clean_text(name, N_("team name"), max_len=120)
    clash = session.scalar(
        select(Team.id).where(
            func.lower(Team.name) == cleaned.lower(), Team.id != (exclude_id or -1)
        )
    )
    if clash:
        raise ValidationError(_("A team named “{name}” already exists.").format(name=cleaned))
    return cleaned


def _valid_parent(session: Session, team_id: int, parent_id: int | None) -> int | None:
    """Nesting must stay a tree: a team cannot sit inside itself or its own sub-teams."""
    if parent_id is None:
        return None
    parent = get_or_refuse(session, Team, parent_id, N_("parent team"))
    seen: set[int] = set()
    current: Team | None = parent
    while current is not None and current.id not in seen:
        if current.id == team_id:
            raise ValidationError(
                _("A team cannot be nested inside itself or one of its sub-teams.")
            )
        seen.add(current.id)
        current = session.get(Team, current.parent_id) if current.parent_id else None
    return parent.id


def _valid_lead(session: Session, lead_id: int | None) -> int | None:
    if lead_id is None:
        return None
    lead = get_or_refuse(session, User, lead_id, N_("team lead"))
    if not lead.active:
        raise ValidationError(_("The team lead must be an active person."))
    if lead.role == Role.MEMBER:
        raise ValidationError(
            _("{name} has the member role; give them the lead role first.").format(
                name=lead.display_name
            )
        )
    return lead.id


# --- cycles ------------------------------------------------------------------------------


def create_cycle(session: Session, actor: Actor, name: str, start: date, end: date) -> int:
    require_admin(actor)
    validate_cycle_dates(start, end)
    cycle = Cycle(
        name=_unique_cycle_name(session, name),
        start_date=start,
        end_date=end,
        state=CycleState.PLANNING,
    )
    session.add(cycle)
    session.flush()
    audit.record(session, actor.id, "cycle.create", "cycle", cycle.id, None, audit.snapshot(cycle))
    return cycle.id


def update_cycle(
    session: Session, actor: Actor, cycle_id: int, name: str, start: date, end: date
) -> None:
    require_admin(actor)
    validate_cycle_dates(start, end)
    cycle = get_for_update(session, Cycle, cycle_id, N_("cycle"))
    before = audit.snapshot(cycle)
    cycle.name = _unique_cycle_name(session, name, exclude_id=cycle.id)
    cycle.start_date, cycle.end_date = start, end
    if cycle.state == CycleState.ACTIVE:
        _refuse_overlapping_active(session, cycle)
    audit.record(
        session, actor.id, "cycle.update", "cycle", cycle.id, before, audit.snapshot(cycle)
    )


def set_cycle_state(session: Session, actor: Actor, cycle_id: int, state: str) -> None:
    """planning → active → closed; reopening a closed cycle makes it active again."""
    require_admin(actor)
    cycle = get_for_update(session, Cycle, cycle_id, N_("cycle"))
    try:
        target = CycleState(state)
    except ValueError:
        raise ValidationError(_("Unknown cycle state “{state}”.").format(state=state)) from None
    if target == cycle.state:
        raise ValidationError(
            _("“{cycle}” is already {state}.").format(cycle=cycle.name, state=state_word(target))
        )
    if target == CycleState.PLANNING:
        raise ValidationError(_("A cycle cannot go back to planning."))
    before = audit.snapshot(cycle)
    cycle.state = target
    if target == CycleState.ACTIVE:
        _refuse_overlapping_active(session, cycle)
    audit.record(
        session, actor.id, f"cycle.{target.value}", "cycle", cycle.id, before, audit.snapshot(cycle)
    )


def _unique_cycle_name(session: Session, name: str, exclude_id: int | None = None) -> str:
    cleaned = clean_text(name, N_("cycle name"), max_len=80)
    clash = session.scalar(
        select(Cycle.id).where(
            func.lower(Cycle.name) == cleaned.lower(), Cycle.id != (exclude_id or -1)
        )
    )
    if clash:
        raise ValidationError(_("A cycle named “{name}” already exists.").format(name=cleaned))
    return cleaned


def _refuse_overlapping_active(session: Session, cycle: Cycle) -> None:
    others = session.scalars(
        select(Cycle).where(Cycle.state == CycleState.ACTIVE, Cycle.id != cycle.id)
    )
    for other in others:
        if periods_overlap(cycle.start_date, cycle.end_date, other.start_date, other.end_date):
            raise ValidationError(
                _(
                    "“{cycle}” overlaps the active cycle “{other}” ({start} – {end}); "
                    "close that one first or change dates."
                ).format(
                    cycle=cycle.name, other=other.name, start=other.start_date, end=other.end_date
                )
            )


# --- settings ----------------------------------------------------------------------------


def save_status_settings(session: Session, actor: Actor, settings: StatusSettings) -> None:
    require_admin(actor)
    settings.validate()
    values = asdict(settings)
    stale_days = values.pop("stale_days")
    for key, value in (("status_thresholds", values), ("stale_days", stale_days)):
        row = session.get(Setting, key)
        before = {"value": row.value} if row else None
        if row is None:
            session.add(Setting(key=key, value=value))
        else:
            row.value = value
        audit.record(
            session,
            actor.id,
            "settings.update",
            "setting",
            None,
            before,
            {"key": key, "value": value},
        )
