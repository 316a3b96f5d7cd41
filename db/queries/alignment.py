"""Reads for the Alignment page: the tree company → team → individual objectives of a cycle,
how much of each team's work is aligned to a company objective, and what is not.

Only published objectives (active or closed) take part: drafts are not part of the plan yet.
An objective is *aligned* when its parent chain reaches a company objective; an *orphan*
(unaligned) objective is a team or individual objective whose chain does not (no parent, or
a parent that is itself unaligned). Whole-cycle figures come from one recursive query
(SQLite and PostgreSQL); the tree loads only the nodes on screen: one level at a time, when a
node is opened.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from core.enums import Level, ObjectiveState
from core.progress import mean_progress
from db.models import Objective, Team, User
from db.queries import okrs
from db.queries.org import CycleRow, status_settings

PUBLISHED = (ObjectiveState.ACTIVE.value, ObjectiveState.CLOSED.value)
MAX_CHILDREN = 500
NODE_COLUMNS = [
    "objective_id",
    "title",
    "level",
    "team_id",
    "team",
    "owner_name",
    "parent_id",
    "parent_title",
    "state",
]
ORPHAN_COLUMNS = ["objective_id", "title", "level", "team", "owner", "parent_title"]


def _level_rank():
    return case((Objective.level == Level.COMPANY, 0), (Objective.level == Level.TEAM, 1), else_=2)


def aligned_ids(cycle_id: int):
    """Recursive CTE of the ids of the cycle's published objectives that are company
    objectives or reach one through their parent chain (UNION: bad data cannot loop it)."""
    top = (
        select(Objective.id)
        .where(
            Objective.cycle_id == cycle_id,
            Objective.level == Level.COMPANY,
            Objective.state.in_(PUBLISHED),
        )
        .cte("aligned", recursive=True)
    )
    child = aliased(Objective)
    return top.union(
        select(child.id)
        .join(top, child.parent_id == top.c.id)
        .where(child.cycle_id == cycle_id, child.state.in_(PUBLISHED))
    )


def _counted(cycle_id: int) -> list:
    """The objectives whose alignment is measured: the cycle's published team and individual
    objectives (company objectives are what the others align to)."""
    return [
        Objective.cycle_id == cycle_id,
        Objective.state.in_(PUBLISHED),
        Objective.level != Level.COMPANY,
    ]


def alignment_by_team(session: Session, cycle_id: int) -> pd.DataFrame:
    """Per team: published team/individual objectives and how many are aligned to a company
    objective (directly or through a parent chain). Columns team_id, objectives, aligned,
    orphans; one row per team that has objectives (team_id None: objectives without a team)."""
    aligned = aligned_ids(cycle_id)
    rows = session.execute(
        select(
            Objective.team_id,
            func.count(Objective.id),
            func.count(aligned.c.id),
        )
        .outerjoin(aligned, aligned.c.id == Objective.id)
        .where(*_counted(cycle_id))
        .group_by(Objective.team_id)
    ).all()
    frame = pd.DataFrame(rows, columns=["team_id", "objectives", "aligned"])
    frame["orphans"] = frame["objectives"] - frame["aligned"]
    return frame


def _orphan_select(cycle_id: int, team_ids: tuple[int, ...] | None) -> Select:
    aligned = aligned_ids(cycle_id)
    owner = aliased(User)
    parent = aliased(Objective)
    query = (
        select(
            Objective.id,
            Objective.title,
            Objective.level,
            Team.name,
            owner.display_name,
            parent.title,
        )
        .join(owner, owner.id == Objective.owner_id)
        .outerjoin(Team, Team.id == Objective.team_id)
        .outerjoin(parent, parent.id == Objective.parent_id)
        .where(*_counted(cycle_id), Objective.id.not_in(select(aligned.c.id)))
    )
    if team_ids is not None:
        query = query.where(Objective.team_id.in_([int(t) for t in team_ids]))
    return query


def orphans(
    session: Session,
    cycle_id: int,
    team_ids: tuple[int, ...] | None = None,
    limit: int = 25,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page of the unaligned objectives (in the given teams, or all), by team, level and
    title, and how many there are in all. ``parent_title`` is set when the chain breaks higher
    up (the parent is itself unaligned)."""
    query = _orphan_select(cycle_id, team_ids)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(Team.name, _level_rank(), Objective.title, Objective.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return pd.DataFrame(rows, columns=ORPHAN_COLUMNS), int(total)


# --- tree nodes ---------------------------------------------------------------------------------


def _node_select() -> Select:
    owner = aliased(User)
    parent = aliased(Objective)
    return (
        select(
            Objective.id,
            Objective.title,
            Objective.level,
            Objective.team_id,
            Team.name,
            owner.display_name,
            Objective.parent_id,
            parent.title,
            Objective.state,
        )
        .join(owner, owner.id == Objective.owner_id)
        .outerjoin(Team, Team.id == Objective.team_id)
        .outerjoin(parent, parent.id == Objective.parent_id)
    )


def _nodes(session: Session, cycle: CycleRow, query: Select) -> pd.DataFrame:
    """The objectives of ``query`` as tree nodes: progress (weighted mean of their KRs),
    status (the worst KR's), KR count and the number of published objectives aligned to
    each (``children``)."""
    rows = session.execute(query).all()
    objs = pd.DataFrame(rows, columns=NODE_COLUMNS)
    krs = okrs.annotate(
        okrs.krs_of_objectives(session, objs["objective_id"]), cycle, status_settings(session)
    )
    nodes = okrs.with_progress(objs, krs)
    counts = _child_counts(session, tuple(int(i) for i in objs["objective_id"]))
    nodes["children"] = [counts.get(int(i), 0) for i in nodes["objective_id"]]
    return nodes


def _child_counts(session: Session, ids: tuple[int, ...]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        select(Objective.parent_id, func.count(Objective.id))
        .where(Objective.parent_id.in_(ids), Objective.state.in_(PUBLISHED))
        .group_by(Objective.parent_id)
    ).all()
    return {int(parent): int(count) for parent, count in rows}


def _published(cycle_id: int):
    return [Objective.cycle_id == cycle_id, Objective.state.in_(PUBLISHED)]


def company_objectives(session: Session, cycle: CycleRow) -> pd.DataFrame:
    """The roots of the tree: the cycle's published company objectives (a handful)."""
    query = (
        _node_select()
        .where(*_published(cycle.id), Objective.level == Level.COMPANY)
        .order_by(Objective.title, Objective.id)
    )
    return _nodes(session, cycle, query)


def children(session: Session, cycle: CycleRow, parent_id: int) -> pd.DataFrame:
    """The published objectives aligned directly to one objective (at most
    :data:`MAX_CHILDREN`), higher levels first, then by team and title."""
    query = (
        _node_select()
        .where(*_published(cycle.id), Objective.parent_id == int(parent_id))
        .order_by(_level_rank(), Team.name, Objective.title, Objective.id)
        .limit(MAX_CHILDREN)
    )
    return _nodes(session, cycle, query)


def objective_krs(session: Session, cycle: CycleRow, objective_id: int) -> pd.DataFrame:
    """One objective's KRs, annotated with progress and status."""
    return okrs.annotate(
        okrs.krs_of_objectives(session, [int(objective_id)]), cycle, status_settings(session)
    )


def entry_points(
    session: Session,
    cycle: CycleRow,
    team_ids: tuple[int, ...],
    search: str = "",
    limit: int = 30,
) -> tuple[pd.DataFrame, int]:
    """Where a team's part of the tree begins: its published objectives that align to
    something outside the teams (or to nothing). With ``search``, instead every published
    objective of the teams (all teams when ``team_ids`` is empty) whose title contains it.
    At most ``limit`` nodes, and how many match in all."""
    query = _node_select().where(*_published(cycle.id))
    if team_ids:
        query = query.where(Objective.team_id.in_([int(t) for t in team_ids]))
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(func.lower(Objective.title).like(pattern))
    elif team_ids:
        inside = select(Objective.id).where(
            *_published(cycle.id), Objective.team_id.in_([int(t) for t in team_ids])
        )
        query = query.where(or_(Objective.parent_id.is_(None), Objective.parent_id.not_in(inside)))
    total = (
        session.scalar(
            select(func.count()).select_from(query.with_only_columns(Objective.id).subquery())
        )
        or 0
    )
    ordered = query.order_by(_level_rank(), Team.name, Objective.title, Objective.id).limit(limit)
    return _nodes(session, cycle, ordered), int(total)


def mean_of(nodes: pd.DataFrame) -> float | None:
    """Mean progress of a set of nodes (clamped; nodes without KRs are skipped)."""
    return mean_progress(nodes["progress"]) if len(nodes) else None
