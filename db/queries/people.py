"""Reads for the People page: one person's performance across cycles, for 1:1s and reviews.

Who may see whom (issue 4 §5): a member sees themself; a lead themself and the people of the
teams they lead, sub-teams included; executives and admins everyone. Every read here checks
it and raises PermissionDenied with the message to show, so a link with someone else's id
shows nothing it should not, whatever the page does.

Everything is bounded by one person: their objectives, the KRs they own, the check-ins on
those KRs — never the organisation. Only published objectives (active or closed) count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from core.enums import ObjectiveState, Role
from core.errors import NotFound, PermissionDenied
from core.i18n import _
from core.leaderboard import CycleWindow, KRFact, kr_consistency
from core.progress import kr_progress, mean_progress, weighted_mean
from db.frames import row_tuples
from db.models import CheckIn, Cycle, KeyResult, Objective, Team, User, utcnow

PUBLISHED = (ObjectiveState.ACTIVE.value, ObjectiveState.CLOSED.value)


# --- who may see whom ----------------------------------------------------------------------


def may_see_person(actor, person_id: int, person_team_id: int | None) -> bool:
    """A member: themself; a lead: also people in teams they lead; executives, admins: all."""
    if actor.role in (Role.EXECUTIVE, Role.ADMIN) or person_id == actor.id:
        return True
    return actor.role == Role.LEAD and person_team_id in actor.led_team_ids


def refusal(actor) -> str:
    """What to tell someone who asked for a person they may not see."""
    if actor.role == Role.LEAD:
        return _("You can only see yourself and the people in the teams you lead.")
    return _("You can only see your own performance.")


def _visible_people(actor):
    """The SQL filter matching :func:`may_see_person` (None: everyone)."""
    if actor.role in (Role.EXECUTIVE, Role.ADMIN):
        return None
    if actor.role == Role.LEAD and actor.led_team_ids:
        return or_(User.id == actor.id, User.team_id.in_(sorted(actor.led_team_ids)))
    return User.id == actor.id


@dataclass(frozen=True)
class Person:
    id: int
    display_name: str
    username: str
    role: str
    team_id: int | None
    team: str | None
    manager: str | None
    active: bool


def person(session: Session, actor, person_id: int) -> Person:
    """The person, if the actor may see them; NotFound / PermissionDenied otherwise."""
    manager = aliased(User)
    row = session.execute(
        select(
            User.id,
            User.display_name,
            User.username,
            User.role,
            User.team_id,
            Team.name,
            manager.display_name,
            User.active,
        )
        .outerjoin(Team, Team.id == User.team_id)
        .outerjoin(manager, manager.id == User.manager_id)
        .where(User.id == int(person_id))
    ).first()
    if row is None or not may_see_person(actor, row.id, row.team_id):
        # The same answer for "no such id" and "not yours": ids reveal nothing.
        if row is None and actor.role in (Role.EXECUTIVE, Role.ADMIN):
            raise NotFound(_("There is no person with that id."))
        raise PermissionDenied(refusal(actor))
    return Person(*row)


def person_options(
    session: Session, actor, search: str = "", ids: tuple[int, ...] = (), limit: int = 50
) -> dict[int, str]:
    """People the actor may see, for a picker: active ones matching the search plus the given
    ids (the current choice), {id: "Name (username) · team"} — bounded by ``limit``."""
    visible = _visible_people(actor)
    query = select(User.id, User.display_name, User.username, Team.name).outerjoin(
        Team, Team.id == User.team_id
    )
    if visible is not None:
        query = query.where(visible)
    found = []
    matching = query.where(User.active.is_(True))
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        matching = matching.where(
            or_(
                func.lower(User.display_name).like(pattern),
                func.lower(User.username).like(pattern),
                func.lower(User.email).like(pattern),
            )
        )
    found += session.execute(matching.order_by(User.display_name, User.id).limit(limit)).all()
    wanted = [int(i) for i in ids if i is not None]
    if wanted:
        found += session.execute(query.where(User.id.in_(wanted))).all()
    return {
        row.id: f"{row.display_name} ({row.username})" + (f" · {row.name}" if row.name else "")
        for row in found
    }


# --- performance across cycles ---------------------------------------------------------------

OBJECTIVE_COLUMNS = [
    "objective_id",
    "cycle_id",
    "cycle",
    "cycle_start",
    "cycle_state",
    "level",
    "team",
    "title",
    "state",
    "score",
]
KR_COLUMNS = [
    "kr_id",
    "title",
    "kind",
    "start",
    "target",
    "current",
    "weight",
    "confidence",
    "created_at",
    "score",
    "score_confirmed",
    "owner_id",
    "objective_id",
    "objective_title",
    "objective_owner_id",
    "objective_state",
    "cycle_id",
]
CYCLE_COLUMNS = [
    "cycle_id",
    "cycle",
    "start_date",
    "end_date",
    "state",
    "objectives",
    "objective_score",
    "objective_progress",
    "krs",
    "kr_score",
    "consistency",
    "mean_confidence",
]


@dataclass(frozen=True)
class Performance:
    """One person across cycles (newest cycle first in every frame)."""

    cycles: pd.DataFrame  # one row per cycle they own objectives or KRs in (CYCLE_COLUMNS)
    objectives: pd.DataFrame  # objectives they own, with progress and kr_count
    krs: pd.DataFrame  # KRs they own, with progress and consistency


def performance(
    session: Session, actor, person_id: int, now: datetime | None = None
) -> Performance:
    """Objectives and scores per cycle, check-in discipline (the mean over their KRs of the
    share of weeks with a check-in since the KR was created, as on the leaderboards) and
    the latest confidence, for every cycle the person took part in."""
    person(session, actor, person_id)  # refuses what the actor may not see
    now = now or utcnow()
    cycles = _cycles(session)
    objs = _objectives(session, person_id)
    krs = _krs(session, person_id)
    krs["progress"] = pd.Series(
        [
            kr_progress(r.kind, _num(r.start), _num(r.target), _num(r.current))
            for r in row_tuples(krs)
        ],
        index=krs.index,
        dtype="float64",
    )
    weeks = _checkin_weeks(session, krs, cycles)
    krs["consistency"] = pd.Series(
        [
            _consistency(r, weeks.get(int(r.kr_id), frozenset()), cycles, now)
            for r in row_tuples(krs)
        ],
        index=krs.index,
        dtype="float64",
    )
    objs = _with_progress(objs, krs)
    owned = krs[krs["owner_id"] == int(person_id)]
    summary = _cycle_rows(cycles, objs, owned)
    return Performance(summary, objs, owned.reset_index(drop=True))


def _cycles(session: Session) -> dict[int, tuple]:
    rows = session.execute(
        select(Cycle.id, Cycle.name, Cycle.start_date, Cycle.end_date, Cycle.state)
    ).all()
    return {row.id: tuple(row) for row in rows}


def _objectives(session: Session, person_id: int) -> pd.DataFrame:
    rows = session.execute(
        select(
            Objective.id,
            Objective.cycle_id,
            Cycle.name,
            Cycle.start_date,
            Cycle.state,
            Objective.level,
            Team.name,
            Objective.title,
            Objective.state,
            Objective.score,
        )
        .join(Cycle, Cycle.id == Objective.cycle_id)
        .outerjoin(Team, Team.id == Objective.team_id)
        .where(Objective.owner_id == int(person_id), Objective.state.in_(PUBLISHED))
        .order_by(Cycle.start_date.desc(), Objective.level, Objective.title, Objective.id)
    ).all()
    frame = pd.DataFrame(rows, columns=OBJECTIVE_COLUMNS)
    frame["score"] = frame["score"].astype("float64")
    return frame


def _krs(session: Session, person_id: int) -> pd.DataFrame:
    """KRs the person owns, and the KRs of the objectives they own (for objective progress)."""
    rows = session.execute(
        select(
            KeyResult.id,
            KeyResult.title,
            KeyResult.kind,
            KeyResult.start_value,
            KeyResult.target_value,
            KeyResult.current_value,
            KeyResult.weight,
            KeyResult.confidence,
            KeyResult.created_at,
            KeyResult.score,
            KeyResult.score_confirmed,
            KeyResult.owner_id,
            Objective.id,
            Objective.title,
            Objective.owner_id,
            Objective.state,
            Objective.cycle_id,
        )
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(
            Objective.state.in_(PUBLISHED),
            or_(KeyResult.owner_id == int(person_id), Objective.owner_id == int(person_id)),
        )
        .order_by(Objective.cycle_id, Objective.id, KeyResult.id)
    ).all()
    frame = pd.DataFrame(rows, columns=KR_COLUMNS)
    frame["score"] = frame["score"].astype("float64")
    return frame


def _checkin_weeks(
    session: Session, krs: pd.DataFrame, cycles: dict[int, tuple]
) -> dict[int, frozenset[int]]:
    """Per KR, the week indexes of its cycle with at least one check-in (one person's KRs:
    a few hundred check-ins at most)."""
    if krs.empty:
        return {}
    cycle_of = {int(r.kr_id): int(r.cycle_id) for r in row_tuples(krs)}
    rows = session.execute(
        select(CheckIn.key_result_id, CheckIn.created_at).where(
            CheckIn.key_result_id.in_(list(cycle_of))
        )
    ).all()
    windows = {
        cid: CycleWindow(start, end, utcnow()) for cid, (_, _, start, end, _) in cycles.items()
    }
    weeks: dict[int, set[int]] = {}
    for kr_id, at in rows:
        weeks.setdefault(kr_id, set()).add(windows[cycle_of[kr_id]].week_of(at))
    return {kr_id: frozenset(found) for kr_id, found in weeks.items()}


def _consistency(row, weeks: frozenset[int], cycles: dict[int, tuple], now: datetime):
    start, end = cycles[int(row.cycle_id)][2:4]  # (not ``_, _, …``: ``_`` is gettext here)
    fact = KRFact(
        kr_id=int(row.kr_id),
        owner_id=int(row.owner_id),
        team_id=None,
        objective_state=row.objective_state,
        created_at=pd.Timestamp(row.created_at).to_pydatetime(),
        progress=None,
        progress_30_days_ago=None,
        checkin_weeks=weeks,
    )
    return kr_consistency(fact, CycleWindow(start, end, now))


def _with_progress(objs: pd.DataFrame, krs: pd.DataFrame) -> pd.DataFrame:
    frame = objs.copy()
    progress, counts = [], []
    for oid in frame["objective_id"]:
        group = krs[krs["objective_id"] == oid]
        progress.append(weighted_mean(zip(group["progress"], group["weight"], strict=True)))
        counts.append(len(group))
    frame["progress"] = pd.Series(progress, index=frame.index, dtype="float64")
    frame["kr_count"] = counts
    return frame


def _cycle_rows(cycles: dict[int, tuple], objs: pd.DataFrame, krs: pd.DataFrame) -> pd.DataFrame:
    taking_part = set(objs["cycle_id"]) | set(krs["cycle_id"])
    rows = []
    for cycle_id in taking_part:
        mine = objs[objs["cycle_id"] == cycle_id]
        owned = krs[krs["cycle_id"] == cycle_id]
        rows.append(
            (
                *cycles[int(cycle_id)],
                len(mine),
                _mean(mine["score"]),
                mean_progress(mine["progress"]),
                len(owned),
                _mean(owned["score"]),
                _mean(owned["consistency"]),
                _mean(owned["confidence"]),
            )
        )
    frame = pd.DataFrame(rows, columns=CYCLE_COLUMNS)
    for column in ("objective_score", "objective_progress", "kr_score", "consistency"):
        frame[column] = frame[column].astype("float64")
    frame["mean_confidence"] = frame["mean_confidence"].astype("float64")
    return frame.sort_values("start_date", ascending=False).reset_index(drop=True)


def _mean(values: pd.Series) -> float | None:
    known = pd.to_numeric(values, errors="coerce").dropna()
    return float(known.mean()) if len(known) else None


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# --- confidence over time ----------------------------------------------------------------------

CONFIDENCE_COLUMNS = ["at", "confidence", "kr_id", "kr", "value", "note"]


def confidence_history(session: Session, actor, person_id: int, cycle_id: int) -> pd.DataFrame:
    """Every check-in with a confidence on the KRs the person owns in the cycle, oldest first
    (one person's KRs in one cycle: a few dozen to a few hundred rows)."""
    person(session, actor, person_id)
    rows = session.execute(
        select(
            CheckIn.created_at,
            CheckIn.confidence,
            KeyResult.id,
            KeyResult.title,
            CheckIn.value,
            CheckIn.note,
        )
        .join(KeyResult, KeyResult.id == CheckIn.key_result_id)
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(
            KeyResult.owner_id == int(person_id),
            Objective.cycle_id == int(cycle_id),
            Objective.state.in_(PUBLISHED),
            CheckIn.confidence.is_not(None),
        )
        .order_by(CheckIn.created_at, CheckIn.id)
    ).all()
    return pd.DataFrame(rows, columns=CONFIDENCE_COLUMNS)
