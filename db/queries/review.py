"""Reads for "Review & grade": what to grade, score zones of a cycle, by team and across cycles.

Zone counts are aggregated in SQL (GROUP BY over the cycle's objectives, indexed by cycle and
team), and the grading list shows one team's objectives a page at a time, so the cost follows
what the page shows, not the size of the organisation. Only published objectives (active or
closed) are graded and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import Session, aliased

from core.enums import ObjectiveState, Role
from core.i18n import N_, _
from core.permissions import Actor
from core.scoring import GREEN_FROM, YELLOW_FROM, Zone, default_score, zone_label
from db.models import Cycle, KeyResult, Objective, Team, User
from db.queries import okrs
from db.queries.org import CycleRow, status_settings

PUBLISHED = (ObjectiveState.ACTIVE, ObjectiveState.CLOSED)
# core.scoring.zone reads 0.6999999999 as 0.7; the same tolerance in SQL.
_EPSILON = 1e-9
ZONES = (Zone.RED, Zone.YELLOW, Zone.GREEN)

UNGRADED, DEFAULT, PROPOSED, CONFIRMED = "ungraded", "default", "proposed", "confirmed"
# English msgids: show them with grade_state_label() / team_order_label() (or ``_(…)``).
GRADE_STATE_LABELS = {
    UNGRADED: N_("not graded"),
    DEFAULT: N_("default score, not confirmed"),
    PROPOSED: N_("owner's proposal, to confirm"),
    CONFIRMED: N_("confirmed"),
}
TEAM_ORDERS = {
    "lowest": N_("Lowest mean score first"),
    "highest": N_("Highest mean score first"),
    "name": N_("Team name"),
}


def grade_state_label(state: str) -> str:
    """Where a KR's grade stands, in the reader's language ("not graded")."""
    return _(GRADE_STATE_LABELS[state])


def team_order_label(order: str) -> str:
    return _(TEAM_ORDERS[order])


def grade_state(score, reason, confirmed) -> str:
    """Where a KR's grade stands (see db.commands.grading)."""
    if bool(confirmed):
        return CONFIRMED
    if score is None or pd.isna(score):
        return UNGRADED
    return PROPOSED if isinstance(reason, str) and reason else DEFAULT


def _published(cycle_id: int):
    return and_(Objective.cycle_id == cycle_id, Objective.state.in_(PUBLISHED))


def _zone_sum(zone: Zone):
    """How many scored objectives fall in ``zone`` (an aggregate for a GROUP BY)."""
    score = Objective.score
    if zone is Zone.GREEN:
        hit = score >= GREEN_FROM - _EPSILON
    elif zone is Zone.YELLOW:
        hit = and_(score >= YELLOW_FROM - _EPSILON, score < GREEN_FROM - _EPSILON)
    else:
        hit = score < YELLOW_FROM - _EPSILON
    return func.coalesce(func.sum(case((hit, 1), else_=0)), 0)


def _zone_columns() -> list:
    return [_zone_sum(zone).label(zone.value) for zone in ZONES]


# --- a cycle at a glance ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewSummary:
    objectives: int  # published objectives of the cycle
    scored: int  # ... with a score
    mean_score: float | None
    krs: int
    krs_scored: int
    krs_confirmed: int
    proposals: int  # owners' proposals waiting for a grader
    active: int = 0  # objectives still active (in a closed cycle: closing is unfinished)


def review_summary(session: Session, cycle_id: int) -> ReviewSummary:
    objectives, scored, mean, active = session.execute(
        select(
            func.count(Objective.id),
            func.count(Objective.score),
            func.avg(Objective.score),
            func.coalesce(
                func.sum(case((Objective.state == ObjectiveState.ACTIVE, 1), else_=0)), 0
            ),
        ).where(_published(cycle_id))
    ).one()
    krs, krs_scored, confirmed, proposals = session.execute(
        select(
            func.count(KeyResult.id),
            func.count(KeyResult.score),
            func.coalesce(func.sum(case((KeyResult.score_confirmed.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((_proposal(), 1), else_=0)), 0),
        )
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(_published(cycle_id))
    ).one()
    return ReviewSummary(
        int(objectives),
        int(scored),
        None if mean is None else float(mean),
        int(krs),
        int(krs_scored),
        int(confirmed),
        int(proposals),
        int(active),
    )


def _proposal():
    return and_(KeyResult.score_confirmed.is_(False), KeyResult.score_reason.is_not(None))


def zone_counts(session: Session, cycle_id: int) -> pd.DataFrame:
    """Scored objectives per zone, red to green, zeros included: zone, label, objectives, share."""
    row = session.execute(select(*_zone_columns()).where(_published(cycle_id))).one()
    counts = [int(value) for value in row]
    total = sum(counts)
    return pd.DataFrame(
        {
            "zone": [zone.value for zone in ZONES],
            "label": [zone_label(zone) for zone in ZONES],
            "objectives": counts,
            "share": [count / total if total else 0.0 for count in counts],
        }
    )


# --- by team -----------------------------------------------------------------------------------

TEAM_COLUMNS = ["team_id", "team", "objectives", "scored", "mean_score", "red", "yellow", "green"]


def team_scores(
    session: Session,
    cycle_id: int,
    order: str = "lowest",
    search: str = "",
    limit: int = 15,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page of teams with their objectives' mean score and zone counts, and how many teams
    there are in all (teams with published objectives in the cycle; search by name)."""
    mean = func.avg(Objective.score)
    filters = [_published(cycle_id)]
    if search.strip():
        filters.append(func.lower(Team.name).like(f"%{search.strip().lower()}%"))
    grouped = (
        select(
            Objective.team_id,
            Team.name,
            func.count(Objective.id),
            func.count(Objective.score),
            mean,
            *_zone_columns(),
        )
        .outerjoin(Team, Team.id == Objective.team_id)
        .where(*filters)
        .group_by(Objective.team_id, Team.name)
    )
    total = session.scalar(select(func.count()).select_from(grouped.subquery()))
    if order == "name":
        ordering = [Team.name, Objective.team_id]
    else:
        direction = mean.desc() if order == "highest" else mean.asc()
        ordering = [mean.is_(None), direction, Team.name, Objective.team_id]
    rows = session.execute(grouped.order_by(*ordering).limit(limit).offset(offset)).all()
    frame = pd.DataFrame(rows, columns=TEAM_COLUMNS)
    frame["team"] = frame["team"].fillna(_("No team"))
    frame["mean_score"] = frame["mean_score"].astype("float64")
    return frame, int(total or 0)


# --- across cycles -----------------------------------------------------------------------------

COMPARISON_COLUMNS = [
    "cycle_id",
    "cycle",
    "start_date",
    "state",
    "objectives",
    "scored",
    "mean_score",
    "red",
    "yellow",
    "green",
]


def cycle_comparison(session: Session) -> pd.DataFrame:
    """Per cycle with scored objectives, oldest first: mean objective score and zone counts
    and shares (red_share, yellow_share, green_share) — a handful of rows."""
    rows = session.execute(
        select(
            Cycle.id,
            Cycle.name,
            Cycle.start_date,
            Cycle.state,
            func.count(Objective.id),
            func.count(Objective.score),
            func.avg(Objective.score),
            *_zone_columns(),
        )
        .join(Objective, Objective.cycle_id == Cycle.id)
        .where(Objective.state.in_(PUBLISHED))
        .group_by(Cycle.id, Cycle.name, Cycle.start_date, Cycle.state)
        .having(func.count(Objective.score) > 0)
        .order_by(Cycle.start_date)
    ).all()
    frame = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    frame["mean_score"] = frame["mean_score"].astype("float64")
    for zone in ZONES:
        frame[f"{zone.value}_share"] = (frame[zone.value] / frame["scored"]).astype("float64")
    return frame


# --- grading ------------------------------------------------------------------------------------


def gradable_teams(session: Session, actor: Actor) -> dict[int, str]:
    """Teams whose OKRs the actor may grade, {id: name}: a lead's teams (sub-teams included),
    every team for executives and admins (hundreds at most)."""
    query = select(Team.id, Team.name).order_by(Team.name)
    if actor.role not in (Role.EXECUTIVE, Role.ADMIN):
        if not actor.led_team_ids:
            return {}
        query = query.where(Team.id.in_(sorted(actor.led_team_ids)))
    return dict(session.execute(query).all())


@dataclass(frozen=True)
class GradingView:
    objectives: pd.DataFrame  # one page, with progress and score
    krs: pd.DataFrame  # their KRs, annotated, with default_score, score, grade_state
    total: int  # objectives matching the filter, all pages
    counts: dict[str, int]  # the team's KRs per grade state


def grading_view(
    session: Session,
    actor: Actor,
    cycle: CycleRow,
    team_id: int,
    only_open: bool = False,
    limit: int = 10,
    offset: int = 0,
) -> GradingView:
    """One team's published objectives of the cycle (team and individual level), a page at a
    time, with their KRs' default score and grade. ``only_open``: objectives with a KR whose
    score is not confirmed yet."""
    filters = [_published(cycle.id), Objective.team_id == int(team_id)]
    if only_open:
        filters.append(
            exists().where(
                KeyResult.objective_id == Objective.id, KeyResult.score_confirmed.is_(False)
            )
        )
    total = session.scalar(select(func.count(Objective.id)).where(*filters))
    page_ids = session.scalars(
        select(Objective.id)
        .where(*filters)
        .order_by(Objective.level, Objective.title, Objective.id)
        .limit(limit)
        .offset(offset)
    ).all()
    objs = okrs.objectives(session, actor, cycle.id, ids=page_ids)
    krs = with_grades(
        session,
        okrs.annotate(okrs.krs_of_objectives(session, page_ids), cycle, status_settings(session)),
    )
    objs = okrs.with_progress(objs, krs)
    order = {oid: i for i, oid in enumerate(page_ids)}
    objs = objs.sort_values("objective_id", key=lambda ids: ids.map(order)).reset_index(drop=True)
    return GradingView(objs, krs, int(total or 0), _team_grade_counts(session, cycle.id, team_id))


def _team_grade_counts(session: Session, cycle_id: int, team_id: int) -> dict[str, int]:
    row = session.execute(
        select(
            func.count(KeyResult.id),
            func.coalesce(func.sum(case((KeyResult.score_confirmed.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((_proposal(), 1), else_=0)), 0),
            func.coalesce(func.sum(case((KeyResult.score.is_(None), 1), else_=0)), 0),
        )
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(_published(cycle_id), Objective.team_id == int(team_id))
    ).one()
    total, confirmed, proposed, ungraded = (int(value) for value in row)
    return {
        "krs": total,
        CONFIRMED: confirmed,
        PROPOSED: proposed,
        UNGRADED: ungraded,
        DEFAULT: total - confirmed - proposed - ungraded,
    }


def with_grades(session: Session, krs: pd.DataFrame) -> pd.DataFrame:
    """Add score, score_reason, score_confirmed, default_score and grade_state to annotated KRs."""
    frame = krs.copy()
    ids = [int(value) for value in frame["kr_id"]] if len(frame) else []
    rows = (
        session.execute(
            select(
                KeyResult.id, KeyResult.score, KeyResult.score_reason, KeyResult.score_confirmed
            ).where(KeyResult.id.in_(ids))
        ).all()
        if ids
        else []
    )
    grades = {row.id: row for row in rows}
    frame["score"] = pd.Series(
        [_grade_field(grades, kr_id, "score") for kr_id in frame["kr_id"]],
        index=frame.index,
        dtype="float64",
    )
    frame["score_reason"] = [
        _grade_field(grades, kr_id, "score_reason") for kr_id in frame["kr_id"]
    ]
    frame["score_confirmed"] = [
        bool(_grade_field(grades, kr_id, "score_confirmed")) for kr_id in frame["kr_id"]
    ]
    frame["default_score"] = pd.Series(
        [default_score(None if pd.isna(p) else p) for p in frame["progress"]]
        if "progress" in frame
        else [],
        index=frame.index,
        dtype="float64",
    )
    frame["grade_state"] = [
        grade_state(score, reason, confirmed)
        for score, reason, confirmed in zip(
            frame["score"], frame["score_reason"], frame["score_confirmed"], strict=True
        )
    ]
    return frame


def _grade_field(grades: dict, kr_id, field: str):
    row = grades.get(int(kr_id))
    return None if row is None else getattr(row, field)


PROPOSAL_COLUMNS = [
    "kr_id",
    "kr_version",
    "title",
    "owner_name",
    "score",
    "score_reason",
    "objective_title",
    "team",
]


def pending_proposals(
    session: Session, actor: Actor, cycle_id: int, limit: int = 50
) -> tuple[pd.DataFrame, int]:
    """Owners' proposals the actor may confirm (their teams'; everyone's for executives and
    admins), oldest KR first, at most ``limit``; and how many there are in all."""
    owner = aliased(User)
    filters = [_published(cycle_id), _proposal()]
    if actor.role not in (Role.EXECUTIVE, Role.ADMIN):
        filters.append(Objective.team_id.in_(sorted(actor.led_team_ids) or [-1]))
    total = session.scalar(
        select(func.count(KeyResult.id))
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(*filters)
    )
    rows = session.execute(
        select(
            KeyResult.id,
            KeyResult.version,
            KeyResult.title,
            owner.display_name,
            KeyResult.score,
            KeyResult.score_reason,
            Objective.title,
            Team.name,
        )
        .join(Objective, Objective.id == KeyResult.objective_id)
        .join(owner, owner.id == KeyResult.owner_id)
        .outerjoin(Team, Team.id == Objective.team_id)
        .where(*filters)
        .order_by(Team.name, KeyResult.id)
        .limit(limit)
    ).all()
    return pd.DataFrame(rows, columns=PROPOSAL_COLUMNS), int(total or 0)


def own_scores(session: Session, actor: Actor, cycle: CycleRow) -> pd.DataFrame:
    """The KRs the actor owns in published objectives of the cycle, with their grades (what an
    owner may propose a score for)."""
    krs = okrs.krs_owned_by(session, actor.id, cycle.id)
    krs = krs[krs["objective_state"].isin([state.value for state in PUBLISHED])]
    return with_grades(session, okrs.annotate(krs, cycle, status_settings(session)))
