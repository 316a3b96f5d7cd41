"""Reads about objectives and key results, with progress and status worked out by core/.

Every function is bounded by what a page shows: one person's KRs, one objective's history,
a search with a limit. Frames are plain DataFrames, safe to cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from core.enums import LEVEL_RANK, Level, ObjectiveState, Status
from core.i18n import N_, _
from core.permissions import Actor
from core.progress import kr_progress, objective_progress
from core.settings import StatusSettings
from core.status import STATUS_SEVERITY, expected_fraction, kr_status, worst_status
from db.frames import row_tuples
from db.models import CheckIn, Cycle, KeyResult, Objective, Team, User, utcnow
from db.queries.org import CycleRow, status_settings

# A level as a lower-case word (pickers: "Grow revenue · Sales (team)").
LEVEL_WORDS = {
    Level.COMPANY: N_("company"),
    Level.TEAM: N_("team"),
    Level.INDIVIDUAL: N_("individual"),
}

KR_COLUMNS = [
    "kr_id",
    "kr_version",
    "title",
    "kind",
    "unit",
    "currency_code",
    "unit_label",
    "start",
    "target",
    "current",
    "weight",
    "confidence",
    "last_checkin_at",
    "created_at",
    "owner_id",
    "owner_name",
    "objective_id",
    "objective_title",
    "objective_level",
    "objective_state",
    "objective_team_id",
    "objective_owner_id",
    "cycle_id",
]
OBJECTIVE_COLUMNS = [
    "objective_id",
    "version",
    "cycle_id",
    "level",
    "team_id",
    "team",
    "owner_id",
    "owner_name",
    "parent_id",
    "parent_title",
    "title",
    "description",
    "state",
    "score",
    "created_at",
]


# --- key results -------------------------------------------------------------------------


def _kr_select() -> Select:
    owner = aliased(User)
    return (
        select(
            KeyResult.id,
            KeyResult.version,
            KeyResult.title,
            KeyResult.kind,
            KeyResult.unit,
            KeyResult.currency_code,
            KeyResult.unit_label,
            KeyResult.start_value,
            KeyResult.target_value,
            KeyResult.current_value,
            KeyResult.weight,
            KeyResult.confidence,
            KeyResult.last_checkin_at,
            KeyResult.created_at,
            KeyResult.owner_id,
            owner.display_name,
            Objective.id,
            Objective.title,
            Objective.level,
            Objective.state,
            Objective.team_id,
            Objective.owner_id,
            Objective.cycle_id,
        )
        .join(Objective, Objective.id == KeyResult.objective_id)
        .join(owner, owner.id == KeyResult.owner_id)
    )


def _kr_frame(session: Session, query: Select) -> pd.DataFrame:
    rows = session.execute(query.order_by(Objective.id, KeyResult.id)).all()
    return pd.DataFrame(rows, columns=KR_COLUMNS)


def annotate(
    krs: pd.DataFrame, cycle: CycleRow, settings: StatusSettings, now: datetime | None = None
) -> pd.DataFrame:
    """Add progress (raw, may exceed 1), expected pace, status, days since the last update and
    whether the KR is stale (silent for the stale period, not achieved: it needs an update
    even when its status shows something worse, such as off track).

    A KR's last update is its last check-in, or its creation (but not before the cycle
    starts): silence is never green, and a KR made during planning is not stale on day one.
    """
    now = now or utcnow()
    frame = krs.copy()
    expected = expected_fraction(cycle.start_date, cycle.end_date, now.date())
    cycle_start = datetime.combine(cycle.start_date, datetime.min.time())
    started = now.date() >= cycle.start_date
    progress, statuses, idle_days = [], [], []
    for row in row_tuples(frame):
        value = kr_progress(row.kind, _num(row.start), _num(row.target), _num(row.current))
        last = _last_update(row.last_checkin_at, row.created_at, cycle_start)
        progress.append(value)
        statuses.append(
            kr_status(value, expected, _int(row.confidence), last, now, settings, started)
        )
        idle_days.append((now - last).days if last is not None else None)
    frame["progress"] = pd.Series(progress, index=frame.index, dtype="float64")
    frame["expected"] = expected
    frame["status"] = statuses
    frame["days_since_update"] = pd.Series(idle_days, index=frame.index, dtype="Int64")
    frame["stale"] = (
        started
        & (frame["days_since_update"].fillna(0) >= settings.stale_days)
        & (frame["status"] != Status.ACHIEVED)
    ).astype(bool)
    return frame


def _last_update(last_checkin, created_at, cycle_start: datetime) -> datetime | None:
    if _present(last_checkin):
        return pd.Timestamp(last_checkin).to_pydatetime()
    if _present(created_at):
        return max(pd.Timestamp(created_at).to_pydatetime(), cycle_start)
    return None


def _present(value) -> bool:
    return value is not None and not pd.isna(value)


def _num(value) -> float | None:
    return float(value) if _present(value) else None


def _int(value) -> int | None:
    return int(value) if _present(value) else None


def krs_owned_by(session: Session, owner_id: int, cycle_id: int) -> pd.DataFrame:
    """The person's KRs in published or draft objectives of the cycle (not archived)."""
    query = _kr_select().where(
        KeyResult.owner_id == owner_id,
        Objective.cycle_id == cycle_id,
        Objective.state != ObjectiveState.ARCHIVED,
    )
    return _kr_frame(session, query)


def _ids(values: Iterable) -> list[int]:
    """Plain ints for SQL parameters (pandas hands out numpy integers, which drivers reject)."""
    return [int(value) for value in values]


def krs_of_objectives(session: Session, objective_ids: Iterable[int]) -> pd.DataFrame:
    ids = _ids(objective_ids)
    if not ids:
        return pd.DataFrame(columns=KR_COLUMNS)
    return _kr_frame(session, _kr_select().where(KeyResult.objective_id.in_(ids)))


def key_result(session: Session, kr_id: int) -> pd.DataFrame:
    """One KR, annotated in its own cycle (a one-row frame, empty when it does not exist)."""
    return _annotated_one(session, _kr_select().where(KeyResult.id == kr_id))


def visible_key_result(session: Session, actor: Actor, kr_id: int) -> pd.DataFrame:
    """One KR the actor may see (see ``_visible_to``; its owner sees it too, as on My OKRs),
    annotated; empty both when it does not exist and when it is hidden, so that a link to
    someone else's draft cannot be told from a link to nothing."""
    query = _kr_select().where(
        KeyResult.id == kr_id, or_(_visible_to(actor), KeyResult.owner_id == actor.id)
    )
    return _annotated_one(session, query)


def _annotated_one(session: Session, query: Select) -> pd.DataFrame:
    kr = _kr_frame(session, query)
    if kr.empty:
        return kr
    return annotate(kr, cycle_row(session, int(kr["cycle_id"].iloc[0])), status_settings(session))


def team_key_results(session: Session, team_ids: Iterable[int], cycle: CycleRow) -> pd.DataFrame:
    """KRs of the published objectives of the given teams (a lead's teams), most in need first."""
    query = _kr_select().where(
        Objective.cycle_id == cycle.id,
        Objective.team_id.in_(_ids(team_ids)),
        Objective.state == ObjectiveState.ACTIVE,
    )
    return sort_by_need(annotate(_kr_frame(session, query), cycle, status_settings(session)))


def my_key_results(session: Session, user_id: int, cycle: CycleRow) -> pd.DataFrame:
    """The person's KRs in the cycle, annotated, the one that most needs an update first."""
    settings = status_settings(session)
    krs = annotate(krs_owned_by(session, user_id, cycle.id), cycle, settings)
    return sort_by_need(krs)


def sort_by_need(krs: pd.DataFrame) -> pd.DataFrame:
    """Stale first, then the worst status, then the furthest behind the expected pace.

    Only KRs of published objectives can take a check-in, so drafts come last.
    """
    if krs.empty:
        return krs
    frame = krs.copy()
    frame["_draft"] = frame["objective_state"] != ObjectiveState.ACTIVE
    frame["_stale"] = ~frame["stale"]
    frame["_severity"] = -frame["status"].map(STATUS_SEVERITY)
    frame["_gap"] = -(frame["expected"] - frame["progress"].fillna(0).clip(upper=1))
    ordered = frame.sort_values(["_draft", "_stale", "_severity", "_gap", "kr_id"], kind="stable")
    return ordered.drop(columns=["_draft", "_stale", "_severity", "_gap"])


def check_ins(session: Session, kr_id: int, limit: int = 200) -> pd.DataFrame:
    """A KR's check-in history, oldest first (the newest `limit` of them)."""
    author = aliased(User)
    rows = session.execute(
        select(
            CheckIn.id,
            CheckIn.created_at,
            CheckIn.value,
            CheckIn.confidence,
            CheckIn.note,
            author.display_name,
        )
        .join(author, author.id == CheckIn.author_id)
        .where(CheckIn.key_result_id == kr_id)
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        .limit(limit)
    ).all()
    frame = pd.DataFrame(rows, columns=["id", "at", "value", "confidence", "note", "author"])
    return frame.iloc[::-1].reset_index(drop=True)


# --- objectives --------------------------------------------------------------------------


def _objective_select() -> Select:
    owner = aliased(User)
    parent = aliased(Objective)
    return (
        select(
            Objective.id,
            Objective.version,
            Objective.cycle_id,
            Objective.level,
            Objective.team_id,
            Team.name,
            Objective.owner_id,
            owner.display_name,
            Objective.parent_id,
            parent.title,
            Objective.title,
            Objective.description,
            Objective.state,
            Objective.score,
            Objective.created_at,
        )
        .join(owner, owner.id == Objective.owner_id)
        .outerjoin(Team, Team.id == Objective.team_id)
        .outerjoin(parent, parent.id == Objective.parent_id)
    )


def _visible_to(actor: Actor):
    """Published OKRs are visible to everyone; drafts to their owner, the owner's lead,
    executives and admins; archived ones only to those who may edit them."""
    if actor.role in ("admin", "executive"):
        return Objective.state != ObjectiveState.ARCHIVED
    own_or_led = or_(Objective.owner_id == actor.id, Objective.team_id.in_(actor.led_team_ids))
    return or_(
        Objective.state.in_([ObjectiveState.ACTIVE, ObjectiveState.CLOSED]),
        and_(Objective.state == ObjectiveState.DRAFT, own_or_led),
    )


def _objective_frame(session: Session, query: Select) -> pd.DataFrame:
    rows = session.execute(query.order_by(Objective.level, Objective.title, Objective.id)).all()
    return pd.DataFrame(rows, columns=OBJECTIVE_COLUMNS)


def objectives(
    session: Session,
    actor: Actor,
    cycle_id: int,
    *,
    owner_id: int | None = None,
    team_ids: Iterable[int] | None = None,
    ids: Iterable[int] | None = None,
    level: str | None = None,
    include_archived: bool = False,
) -> pd.DataFrame:
    """Objectives of a cycle the actor may see, filtered by owner, teams, ids or level."""
    query = _objective_select().where(Objective.cycle_id == cycle_id)
    visible = _visible_to(actor)
    if include_archived:
        visible = or_(visible, Objective.owner_id == actor.id)
    query = query.where(visible)
    if owner_id is not None:
        query = query.where(Objective.owner_id == owner_id)
    if team_ids is not None:
        query = query.where(Objective.team_id.in_(_ids(team_ids)))
    if ids is not None:
        query = query.where(Objective.id.in_(_ids(ids)))
    if level is not None:
        query = query.where(Objective.level == level)
    return _objective_frame(session, query)


def objective(session: Session, objective_id: int) -> pd.DataFrame:
    return _objective_frame(session, _objective_select().where(Objective.id == objective_id))


def with_progress(objs: pd.DataFrame, krs: pd.DataFrame) -> pd.DataFrame:
    """Add each objective's progress (weighted mean of its KRs; none without KRs), its status
    (its worst KR's) and its KR count."""
    frame = objs.copy()
    grouped = {oid: group for oid, group in krs.groupby("objective_id")} if len(krs) else {}
    progress, status, counts = [], [], []
    for oid in frame["objective_id"]:
        group = grouped.get(oid)
        if group is None:
            progress.append(None)
            status.append(None)
            counts.append(0)
            continue
        progress.append(objective_progress(zip(group["progress"], group["weight"], strict=True)))
        status.append(worst_status(group["status"]))
        counts.append(len(group))
    frame["progress"] = pd.Series(progress, index=frame.index, dtype="float64")
    frame["status"] = status
    frame["kr_count"] = counts
    return frame


def objectives_with_krs(
    session: Session, actor: Actor, cycle: CycleRow, **filters
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Objectives matching the filters, with progress, and their annotated KRs."""
    objs = objectives(session, actor, cycle.id, **filters)
    krs = annotate(
        krs_of_objectives(session, objs["objective_id"]), cycle, status_settings(session)
    )
    return with_progress(objs, krs), krs


def ancestors(session: Session, objective_ids: Iterable[int]) -> list[int]:
    """Ids of the objectives the given ones align to, up to the top (nearest first)."""
    found: list[int] = []
    frontier = set(_ids(objective_ids))
    seen = set(frontier)
    while frontier:
        parents = (
            set(
                session.scalars(
                    select(Objective.parent_id).where(
                        Objective.id.in_(frontier), Objective.parent_id.is_not(None)
                    )
                )
            )
            - seen
        )
        found.extend(sorted(parents))
        seen |= parents
        frontier = parents
    return found


def teams_in_view(session: Session, actor: Actor, cycle_id: int) -> frozenset[int | None]:
    """The teams whose objectives the person's own views read in the cycle (None: company
    objectives): their objectives, the objectives holding their KRs, those theirs align to,
    and their team's. A check-in elsewhere changes none of those views, so their caches
    follow check-ins into these teams only (see shell/store)."""
    owned = set(
        session.scalars(
            select(Objective.id).where(
                Objective.cycle_id == cycle_id, Objective.owner_id == actor.id
            )
        )
    )
    holding_mine = set(
        session.scalars(
            select(KeyResult.objective_id)
            .join(Objective, Objective.id == KeyResult.objective_id)
            .where(Objective.cycle_id == cycle_id, KeyResult.owner_id == actor.id)
        )
    )
    shown = owned | holding_mine | set(ancestors(session, owned))
    teams = set(
        session.scalars(select(Objective.team_id).where(Objective.id.in_(_ids(shown))).distinct())
    )
    return frozenset(teams | {actor.team_id}) if actor.team_id is not None else frozenset(teams)


def key_result_team(session: Session, kr_id: int) -> tuple[int, int | None] | None:
    """(cycle id, team id) of a KR's objective: whose check-ins change what is shown of it."""
    row = session.execute(
        select(Objective.cycle_id, Objective.team_id)
        .join(KeyResult, KeyResult.objective_id == Objective.id)
        .where(KeyResult.id == kr_id)
    ).first()
    return (row.cycle_id, row.team_id) if row else None


def parent_candidates(
    session: Session,
    actor: Actor,
    cycle_id: int,
    level: str,
    search: str = "",
    exclude_id: int | None = None,
    limit: int = 30,
) -> dict[int, str]:
    """Objectives an objective of `level` may align to: same cycle, higher or equal level,
    any team, not archived, visible to the actor (no one else's drafts); searched by title or
    team name; {id: "title · team (level)"}."""
    allowed = [lvl.value for lvl in Level if LEVEL_RANK[lvl] <= LEVEL_RANK[Level(level)]]
    query = (
        select(Objective.id, Objective.title, Objective.level, Team.name)
        .outerjoin(Team, Team.id == Objective.team_id)
        .where(
            Objective.cycle_id == cycle_id,
            Objective.level.in_(allowed),
            Objective.state != ObjectiveState.ARCHIVED,
            _visible_to(actor),
        )
    )
    if exclude_id is not None:
        query = query.where(Objective.id != exclude_id)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(
            or_(func.lower(Objective.title).like(pattern), func.lower(Team.name).like(pattern))
        )
    rows = session.execute(query.order_by(Objective.level, Objective.title).limit(limit)).all()
    company = _("company")
    return {
        row.id: f"{row.title} · {row.name or company} ({_level_word(row.level)})" for row in rows
    }


def _level_word(level: str) -> str:
    """A level in a picker's parentheses, lower-case: "(team)"."""
    return _(LEVEL_WORDS[Level(level)]) if level in LEVEL_WORDS else str(level)


def objective_titles(session: Session, ids: Iterable[int]) -> dict[int, str]:
    ids = _ids(ids)
    if not ids:
        return {}
    rows = session.execute(select(Objective.id, Objective.title).where(Objective.id.in_(ids)))
    return dict(rows.all())


def owned_objectives(session: Session, owner_id: int, cycle_id: int) -> pd.DataFrame:
    rows = session.execute(
        select(Objective.id, Objective.title, Objective.level, Objective.state)
        .where(Objective.owner_id == owner_id, Objective.cycle_id == cycle_id)
        .order_by(Objective.level, Objective.title)
    )
    return pd.DataFrame(rows.all(), columns=["id", "title", "level", "state"])


def cycle_row(session: Session, cycle_id: int) -> CycleRow | None:
    row = session.execute(
        select(Cycle.id, Cycle.name, Cycle.start_date, Cycle.end_date, Cycle.state).where(
            Cycle.id == cycle_id
        )
    ).first()
    return CycleRow(*row) if row else None


def today() -> date:
    return utcnow().date()


@dataclass(frozen=True)
class MyOKRs:
    """Everything the My OKRs page shows, read in one go."""

    my_krs: pd.DataFrame  # every KR I own in the cycle, most in need of an update first
    objectives: pd.DataFrame  # my objectives, with progress
    krs: pd.DataFrame  # the KRs of all objectives below
    team_objectives: pd.DataFrame
    aligned_to: pd.DataFrame  # the objectives mine align to, up to the company's


def my_okrs(session: Session, actor: Actor, cycle: CycleRow) -> MyOKRs:
    settings = status_settings(session)
    mine = objectives(session, actor, cycle.id, owner_id=actor.id)
    team = (
        objectives(session, actor, cycle.id, team_ids=[actor.team_id], level=Level.TEAM)
        if actor.team_id is not None
        else mine.iloc[0:0]
    )
    team = team[~team["objective_id"].isin(mine["objective_id"])]
    above = objectives(session, actor, cycle.id, ids=ancestors(session, mine["objective_id"]))
    above = above[
        ~above["objective_id"].isin(pd.concat([mine["objective_id"], team["objective_id"]]))
    ]
    shown = pd.concat([mine["objective_id"], team["objective_id"], above["objective_id"]])
    krs = annotate(krs_of_objectives(session, shown.unique()), cycle, settings)
    my_krs = sort_by_need(annotate(krs_owned_by(session, actor.id, cycle.id), cycle, settings))
    return MyOKRs(
        my_krs=my_krs,
        objectives=with_progress(mine, krs),
        krs=krs,
        team_objectives=with_progress(team, krs),
        aligned_to=with_progress(above, krs).sort_values(["level", "title"]),
    )


def editable_objectives(
    session: Session,
    actor: Actor,
    cycle: CycleRow,
    team_id: int | None = None,
    include_archived: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Objectives the actor may edit, as Set goals lists them: their own; the team objectives
    of the teams they lead; for executives and admins the company's. A chosen team shows
    that team's team objectives instead (bounded by one team, whatever the org's size)."""
    objs = _objective_frame(session, _editable_select(actor, cycle, team_id, include_archived))
    krs = annotate(
        krs_of_objectives(session, objs["objective_id"]), cycle, status_settings(session)
    )
    return with_progress(objs, krs), krs


def editable_objectives_page(
    session: Session,
    actor: Actor,
    cycle: CycleRow,
    team_id: int | None = None,
    include_archived: bool = False,
    limit: int = 20,
    offset: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """One page of :func:`editable_objectives` (same rules, same order) and how many there
    are in all: whoever leads a whole department — or the company — can edit every team
    objective below it, thousands at 5,000 people; Set goals reads and draws a page."""
    query = _editable_select(actor, cycle, team_id, include_archived)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    objs = _objective_frame(session, query.limit(limit).offset(offset))
    krs = annotate(
        krs_of_objectives(session, objs["objective_id"]), cycle, status_settings(session)
    )
    return with_progress(objs, krs), krs, int(total)


def _editable_select(
    actor: Actor, cycle: CycleRow, team_id: int | None, include_archived: bool
) -> Select:
    query = _objective_select().where(Objective.cycle_id == cycle.id)
    if team_id is not None:
        query = query.where(Objective.team_id == team_id, Objective.level == Level.TEAM)
    else:
        mine = Objective.owner_id == actor.id
        led = and_(Objective.level == Level.TEAM, Objective.team_id.in_(actor.led_team_ids))
        company = Objective.level == Level.COMPANY
        scope = or_(mine, led, company) if actor.role in ("admin", "executive") else or_(mine, led)
        query = query.where(scope)
    if not include_archived:
        query = query.where(Objective.state != ObjectiveState.ARCHIVED)
    return query


def team_members(session: Session, team_id: int, limit: int = 200) -> dict[int, str]:
    """Active members of one team, {id: name} (KR owner choices for a team objective)."""
    rows = session.execute(
        select(User.id, User.display_name)
        .where(User.team_id == team_id, User.active.is_(True))
        .order_by(User.display_name)
        .limit(limit)
    )
    return dict(rows.all())
