"""Reads about the organisation: cycles, teams, people, settings.

Lists that grow with the organisation (people) are searched and paginated in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from core.settings import DEFAULT_SETTINGS, StatusSettings
from db.models import Cycle, Setting, Team, User


@dataclass(frozen=True)
class CycleRow:
    id: int
    name: str
    start_date: date
    end_date: date
    state: str


def cycles(session: Session) -> tuple[CycleRow, ...]:
    """All cycles, newest first (a handful per year)."""
    rows = session.execute(
        select(Cycle.id, Cycle.name, Cycle.start_date, Cycle.end_date, Cycle.state).order_by(
            Cycle.start_date.desc()
        )
    )
    return tuple(CycleRow(*row) for row in rows)


def default_cycle_id(all_cycles: tuple[CycleRow, ...], today: date) -> int | None:
    """The active cycle containing today, else any active one, else the newest."""
    active = [c for c in all_cycles if c.state == "active"]
    for cycle in active:
        if cycle.start_date <= today <= cycle.end_date:
            return cycle.id
    if active:
        return active[0].id
    return all_cycles[0].id if all_cycles else None


def teams_frame(session: Session) -> pd.DataFrame:
    """Every team with its parent and lead names (hundreds of rows at most)."""
    parent = aliased(Team)
    lead = aliased(User)
    members = (
        select(User.team_id, func.count(User.id).label("members"))
        .where(User.active.is_(True))
        .group_by(User.team_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Team.id,
            Team.name,
            Team.parent_id,
            parent.name.label("parent"),
            Team.lead_id,
            lead.display_name.label("lead"),
            func.coalesce(members.c.members, 0).label("members"),
        )
        .outerjoin(parent, parent.id == Team.parent_id)
        .outerjoin(lead, lead.id == Team.lead_id)
        .outerjoin(members, members.c.team_id == Team.id)
        .order_by(Team.name)
    )
    return pd.DataFrame(
        rows.all(), columns=["id", "name", "parent_id", "parent", "lead_id", "lead", "members"]
    )


PEOPLE_COLUMNS = [
    "id",
    "username",
    "display_name",
    "email",
    "role",
    "team_id",
    "team",
    "manager_id",
    "manager",
    "language",
    "active",
    "locked_until",
]


def people_page(
    session: Session,
    search: str = "",
    team_id: int | None = None,
    include_inactive: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page of people matching the filters, and how many match in all."""
    manager = aliased(User)
    filters = _people_filters(search, team_id, include_inactive)
    total = session.scalar(select(func.count(User.id)).where(*filters))
    rows = session.execute(
        select(
            User.id,
            User.username,
            User.display_name,
            User.email,
            User.role,
            User.team_id,
            Team.name,
            User.manager_id,
            manager.display_name,
            User.language,
            User.active,
            User.locked_until,
        )
        .outerjoin(Team, Team.id == User.team_id)
        .outerjoin(manager, manager.id == User.manager_id)
        .where(*filters)
        .order_by(User.display_name, User.id)
        .limit(limit)
        .offset(offset)
    )
    return pd.DataFrame(rows.all(), columns=PEOPLE_COLUMNS), total


def _people_filters(search: str, team_id: int | None, include_inactive: bool) -> list:
    filters = []
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        filters.append(
            or_(
                func.lower(User.display_name).like(pattern),
                func.lower(User.username).like(pattern),
                func.lower(User.email).like(pattern),
            )
        )
    if team_id is not None:
        filters.append(User.team_id == team_id)
    if not include_inactive:
        filters.append(User.active.is_(True))
    return filters


def person_options(
    session: Session, search: str = "", ids: tuple[int, ...] = (), limit: int = 50
) -> dict[int, str]:
    """Active people for a picker: those matching the search, plus the given ids (current
    values), as {id: "Name (username)"} — bounded, whatever the size of the organisation."""
    chosen = select(User.id, User.display_name, User.username).where(User.active.is_(True))
    found = session.execute(
        chosen.where(*_people_filters(search, None, False)).order_by(User.display_name).limit(limit)
    ).all()
    if ids:
        found += session.execute(chosen.where(User.id.in_(ids))).all()
    return {row.id: f"{row.display_name} ({row.username})" for row in found}


def status_settings(session: Session) -> StatusSettings:
    values = {row.key: row.value for row in session.scalars(select(Setting))}
    thresholds = values.get("status_thresholds") or {}
    return StatusSettings(
        on_track_gap=thresholds.get("on_track_gap", DEFAULT_SETTINGS.on_track_gap),
        at_risk_gap=thresholds.get("at_risk_gap", DEFAULT_SETTINGS.at_risk_gap),
        stale_days=values.get("stale_days", DEFAULT_SETTINGS.stale_days),
        off_track_confidence=thresholds.get(
            "off_track_confidence", DEFAULT_SETTINGS.off_track_confidence
        ),
        at_risk_confidence=thresholds.get(
            "at_risk_confidence", DEFAULT_SETTINGS.at_risk_confidence
        ),
    )
