"""Reads for recognition: the kudos wall, the leaderboard's facts, badges and streaks.

The boards need, per key result of the cycle, its progress now and 30 days ago and the weeks
it got a check-in. All of it is aggregated in SQL over the selected cycle (one row per KR, a
bitmask of weeks per KR), so the cost follows the cycle's key results, never the check-in
history; core.leaderboard and core.badges then decide what counts and who ranks where.
Badges and streaks are computed from these facts on every read — nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import Select, and_, case, distinct, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from core.badges import badges_for, checkin_streak
from core.enums import ObjectiveState, Status
from core.leaderboard import (
    BoardRow,
    CycleWindow,
    KRFact,
    boards,
    rank,
)
from core.progress import kr_progress
from core.settings import StatusSettings
from core.status import expected_fraction, kr_status
from db.frames import row_tuples
from db.models import CheckIn, KeyResult, Kudos, Objective, Team, User, utcnow
from db.queries.org import CycleRow, status_settings

PUBLISHED = (ObjectiveState.ACTIVE.value, ObjectiveState.CLOSED.value)
IMPROVEMENT_DAYS = 30
_BITS_PER_MASK = 60  # week bits per SQL integer (64-bit on both databases)

PEOPLE_COLUMNS = [
    "id",
    "name",
    "team_id",
    "team",
    "score",
    "consistency",
    "kudos",
    "improvement",
    "kr_count",
    "streak",
    "krs_achieved",
    "all_on_track",
    "kudos_given",
    "badges",
]
TEAM_COLUMNS = [
    "id",
    "name",
    "parent_id",
    "parent",
    "kind",
    "members",
    "score",
    "consistency",
    "kudos",
    "improvement",
    "kr_count",
]
KUDOS_COLUMNS = [
    "id",
    "at",
    "giver_id",
    "giver",
    "receiver_user_id",
    "receiver_team_id",
    "receiver",
    "message",
    "objective_title",
    "kr_title",
]


# --- the cycle's clock -------------------------------------------------------------------


def as_of(cycle: CycleRow, now: datetime | None = None) -> datetime:
    """The moment the boards describe: now (to the hour, so reads can be cached), but never
    after the cycle's last day — a closed cycle is ranked as it ended."""
    now = (now or utcnow()).replace(minute=0, second=0, microsecond=0)
    end = datetime.combine(cycle.end_date + timedelta(days=1), time()) - timedelta(seconds=1)
    return min(now, end)


def window(cycle: CycleRow, moment: datetime) -> CycleWindow:
    return CycleWindow(cycle.start_date, cycle.end_date, moment)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time())


def _cycle_span(cycle: CycleRow) -> tuple[datetime, datetime]:
    """[start, end) of the cycle as naive UTC datetimes (its last day included)."""
    return _day_start(cycle.start_date), _day_start(cycle.end_date + timedelta(days=1))


# --- per-KR facts ------------------------------------------------------------------------


def _week_mask_columns(moment_column, win: CycleWindow) -> list:
    """SUM(DISTINCT bit of the week) per KR, in chunks of 60 weeks: portable SQL (CASE on
    precomputed week boundaries) with the same weeks as CycleWindow.week_of (before the start
    → week 0, leftover days → the last week)."""
    total = win.total_weeks
    start = _day_start(win.start)
    bounds = [start + timedelta(days=7 * k) for k in range(total + 1)]  # week k: [b_k, b_k+1)
    columns = []
    for first in range(0, total, _BITS_PER_MASK):
        last = min(first + _BITS_PER_MASK, total) - 1
        whens = []
        if first > 0:
            whens.append((moment_column < bounds[first], literal_column("0")))
        for week in range(first, last + 1):
            bit = literal_column(str(1 << (week - first)))
            if week == total - 1:
                whens.append((moment_column >= bounds[week], bit))
            else:
                whens.append((moment_column < bounds[week + 1], bit))
        columns.append(func.sum(distinct(case(*whens, else_=literal_column("0")))))
    return columns


def _weeks_from_masks(masks: Iterable) -> frozenset[int]:
    weeks = set()
    for chunk, mask in enumerate(masks):
        value = int(mask or 0)
        weeks.update(
            chunk * _BITS_PER_MASK + b for b in range(value.bit_length()) if value >> b & 1
        )
    return frozenset(weeks)


def _cycle_krs(cycle_id: int, owner_id: int | None) -> list:
    filters = [Objective.cycle_id == cycle_id, Objective.state.in_(PUBLISHED)]
    if owner_id is not None:
        filters.append(KeyResult.owner_id == int(owner_id))
    return filters


def kr_facts(
    session: Session, cycle: CycleRow, moment: datetime, owner_id: int | None = None
) -> pd.DataFrame:
    """One row per published KR of the cycle (of one owner, if given): owner and their team,
    progress now and 30 days before ``moment``, the weeks with a check-in, and status."""
    win = window(cycle, moment)
    baseline_at = moment - timedelta(days=IMPROVEMENT_DAYS)
    past_value = (
        select(CheckIn.value)
        .where(CheckIn.key_result_id == KeyResult.id, CheckIn.created_at <= baseline_at)
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        .limit(1)
        .correlate(KeyResult)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            KeyResult.id,
            KeyResult.owner_id,
            User.team_id,
            Objective.state,
            KeyResult.created_at,
            KeyResult.kind,
            KeyResult.start_value,
            KeyResult.target_value,
            KeyResult.current_value,
            KeyResult.confidence,
            KeyResult.last_checkin_at,
            past_value,
        )
        .join(Objective, Objective.id == KeyResult.objective_id)
        .join(User, User.id == KeyResult.owner_id)
        .where(*_cycle_krs(cycle.id, owner_id))
        .order_by(KeyResult.id)
    ).all()
    masks = _week_mask_columns(CheckIn.created_at, win)
    weeks = {
        row[0]: _weeks_from_masks(row[1:])
        for row in session.execute(
            select(CheckIn.key_result_id, *masks)
            .join(KeyResult, KeyResult.id == CheckIn.key_result_id)
            .join(Objective, Objective.id == KeyResult.objective_id)
            .where(*_cycle_krs(cycle.id, owner_id))
            .group_by(CheckIn.key_result_id)
        )
    }
    settings = status_settings(session)
    return _facts_frame(rows, weeks, cycle, moment, settings)


def _facts_frame(
    rows, weeks: Mapping[int, frozenset[int]], cycle: CycleRow, moment, settings: StatusSettings
) -> pd.DataFrame:
    expected = expected_fraction(cycle.start_date, cycle.end_date, moment.date())
    started = moment.date() >= cycle.start_date
    cycle_start = _day_start(cycle.start_date)
    records = []
    for (
        kr_id,
        owner_id,
        team_id,
        state,
        created_at,
        kind,
        start,
        target,
        current,
        confidence,
        last_checkin_at,
        past,
    ) in rows:
        progress = kr_progress(kind, start, target, current)
        # No check-in 30 days ago: the KR stood at its start value then (or when it was made).
        initial = 0.0 if kind == "milestone" else start
        before = kr_progress(kind, start, target, past if past is not None else initial)
        last_update = last_checkin_at or max(created_at, cycle_start)
        status = kr_status(progress, expected, confidence, last_update, moment, settings, started)
        records.append(
            (
                kr_id,
                owner_id,
                team_id,
                state,
                created_at,
                progress,
                before,
                weeks.get(kr_id, frozenset()),
                status.value,
            )
        )
    return pd.DataFrame(
        records,
        columns=[
            "kr_id",
            "owner_id",
            "team_id",
            "objective_state",
            "created_at",
            "progress",
            "progress_30_days_ago",
            "checkin_weeks",
            "status",
        ],
    )


def _kr_facts(frame: pd.DataFrame) -> list[KRFact]:
    return [
        KRFact(
            int(r.kr_id),
            int(r.owner_id),
            None if pd.isna(r.team_id) else int(r.team_id),
            r.objective_state,
            r.created_at,
            None if pd.isna(r.progress) else float(r.progress),
            None if pd.isna(r.progress_30_days_ago) else float(r.progress_30_days_ago),
            r.checkin_weeks,
        )
        for r in row_tuples(frame)
    ]


# --- badge inputs ------------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeInputs:
    streak: int
    krs_achieved: int
    all_on_track: bool
    kudos_given: int
    kudos_received: int

    def badge_keys(self) -> tuple[str, ...]:
        return tuple(
            b.key
            for b in badges_for(
                streak_weeks=self.streak,
                krs_achieved=self.krs_achieved,
                all_on_track=self.all_on_track,
                kudos_given=self.kudos_given,
                kudos_received=self.kudos_received,
            )
        )


def _badge_inputs(
    krs: Iterable[tuple[float | None, str, frozenset[int]]],
    win: CycleWindow,
    kudos_given: int,
    kudos_received: int,
) -> BadgeInputs:
    """One person's badge facts from (progress, status, check-in weeks) of their published
    KRs of the cycle."""
    krs = list(krs)
    current_week = win.week_of(win.now) if win.elapsed_weeks > 0 else -1
    good = (Status.ON_TRACK.value, Status.ACHIEVED.value)
    return BadgeInputs(
        streak=checkin_streak(frozenset().union(*(weeks for _, _, weeks in krs)), current_week),
        krs_achieved=sum(1 for progress, _, _ in krs if progress is not None and progress >= 1),
        all_on_track=bool(krs) and all(status in good for _, status, _ in krs),
        kudos_given=int(kudos_given),
        kudos_received=int(kudos_received),
    )


def _badge_facts(frame: pd.DataFrame) -> dict[int, list[tuple[float | None, str, frozenset]]]:
    by_owner: dict[int, list] = {}
    for owner, progress, status, weeks in zip(
        frame["owner_id"], frame["progress"], frame["status"], frame["checkin_weeks"], strict=True
    ):
        by_owner.setdefault(int(owner), []).append(
            (None if pd.isna(progress) else float(progress), status, weeks)
        )
    return by_owner


# --- kudos counts ------------------------------------------------------------------------


def _kudos_counts(session: Session, column, cycle: CycleRow, only: int | None = None) -> dict:
    begin, end = _cycle_span(cycle)
    query = (
        select(column, func.count(Kudos.id))
        .where(column.is_not(None), Kudos.created_at >= begin, Kudos.created_at < end)
        .group_by(column)
    )
    if only is not None:
        query = query.where(column == int(only))
    return {int(key): int(count) for key, count in session.execute(query)}


# --- the leaderboard ---------------------------------------------------------------------


@dataclass(frozen=True)
class Leaderboard:
    """Everything the boards of one cycle need, at one moment (cache-friendly: plain frames).

    ``people``: one row per person who owns a published KR of the cycle or received kudos in
    it (PEOPLE_COLUMNS; ``badges`` is a comma-separated list of badge keys). ``teams``: every
    team (TEAM_COLUMNS), measured over the people in it and its sub-teams; ``kind`` is
    "organisation" (a root with sub-teams), "department" (has sub-teams) or "team".
    """

    cycle_id: int
    as_of: datetime
    total_weeks: int
    elapsed_weeks: int
    people: pd.DataFrame
    teams: pd.DataFrame


def leaderboard(session: Session, cycle: CycleRow, moment: datetime) -> Leaderboard:
    win = window(cycle, moment)
    facts_frame = kr_facts(session, cycle, moment)
    facts = _kr_facts(facts_frame)
    received = _kudos_counts(session, Kudos.receiver_user_id, cycle)
    given = _kudos_counts(session, Kudos.giver_id, cycle)
    team_received = _kudos_counts(session, Kudos.receiver_team_id, cycle)
    tree = team_tree(session)
    below = subtrees(tree)
    members, team_kudos, sizes = _team_membership(facts, team_received, tree, below)
    person_board, team_board = boards(facts, received, team_kudos, members, win)
    people = _people_frame(session, facts_frame, person_board, received, given, win)
    teams = _teams_frame(tree, below, team_board, sizes)
    return Leaderboard(cycle.id, moment, win.total_weeks, win.elapsed_weeks, people, teams)


def _people_frame(session, facts_frame, rows: list[BoardRow], received, given, win):
    ids = [row.subject_id for row in rows]
    info = _people_info(session, ids)
    by_owner = _badge_facts(facts_frame)
    records = []
    for row in rows:
        name, team_id, team = info.get(row.subject_id, ("(unknown)", None, None))
        inputs = _badge_inputs(
            by_owner.get(row.subject_id, ()),
            win,
            given.get(row.subject_id, 0),
            received.get(row.subject_id, 0),
        )
        records.append(
            (
                row.subject_id,
                name,
                team_id,
                team,
                row.score,
                row.consistency,
                row.kudos,
                row.improvement,
                row.kr_count,
                inputs.streak,
                inputs.krs_achieved,
                inputs.all_on_track,
                inputs.kudos_given,
                ",".join(inputs.badge_keys()),
            )
        )
    frame = pd.DataFrame(records, columns=PEOPLE_COLUMNS)
    for column in ("score", "consistency", "improvement"):
        frame[column] = frame[column].astype("float64")
    frame["team_id"] = frame["team_id"].astype("Int64")
    return frame


def _people_info(session: Session, ids: list[int]) -> dict[int, tuple[str, int | None, str]]:
    info = {}
    for start in range(0, len(ids), 5000):  # keep IN lists within every driver's limits
        chunk = ids[start : start + 5000]
        for pid, name, team_id, team in session.execute(
            select(User.id, User.display_name, User.team_id, Team.name)
            .outerjoin(Team, Team.id == User.team_id)
            .where(User.id.in_(chunk))
        ):
            info[pid] = (name, team_id, team)
    return info


def team_tree(session: Session) -> pd.DataFrame:
    """Every team with its parent and active members directly in it (hundreds of rows)."""
    parent = aliased(Team)
    members = (
        select(User.team_id, func.count(User.id).label("n"))
        .where(User.active.is_(True), User.team_id.is_not(None))
        .group_by(User.team_id)
        .subquery()
    )
    rows = session.execute(
        select(Team.id, Team.name, Team.parent_id, parent.name, func.coalesce(members.c.n, 0))
        .outerjoin(parent, parent.id == Team.parent_id)
        .outerjoin(members, members.c.team_id == Team.id)
        .order_by(Team.name, Team.id)
    ).all()
    return pd.DataFrame(rows, columns=["id", "name", "parent_id", "parent", "direct_members"])


def subtrees(tree: pd.DataFrame) -> dict[int, frozenset[int]]:
    """Each team's id with the ids of all teams below it."""
    children: dict[int, list[int]] = {}
    for team_id, parent_id in zip(tree["id"], tree["parent_id"], strict=True):
        if not pd.isna(parent_id):
            children.setdefault(int(parent_id), []).append(int(team_id))
    result = {}
    for team_id in tree["id"]:
        seen, stack = set(), [int(team_id)]
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(children.get(current, ()))
        result[int(team_id)] = frozenset(seen)
    return result


def _team_membership(facts: list[KRFact], team_received: dict, tree, below) -> tuple:
    """Per team, over it and its sub-teams: the KR owners, the kudos it received, its size."""
    owners_in: dict[int, set[int]] = {}  # team → KR owners directly in it
    for fact in facts:
        if fact.team_id is not None:
            owners_in.setdefault(fact.team_id, set()).add(fact.owner_id)
    direct = dict(zip(tree["id"].astype(int), tree["direct_members"].astype(int), strict=True))
    members, kudos, sizes = {}, {}, {}
    for team_id, teams in below.items():
        members[team_id] = set().union(*(owners_in.get(t, ()) for t in teams))
        kudos[team_id] = sum(team_received.get(t, 0) for t in teams)
        sizes[team_id] = sum(direct.get(t, 0) for t in teams)
    return members, kudos, sizes


def _teams_frame(tree, below, board: list[BoardRow], sizes: dict) -> pd.DataFrame:
    rows = {row.subject_id: row for row in board}
    records = []
    for team in row_tuples(tree):
        row = rows.get(int(team.id), BoardRow(int(team.id), None, None, 0, None, 0))
        has_children = len(below[int(team.id)]) > 1
        is_root = pd.isna(team.parent_id)
        kind = (
            "organisation" if is_root and has_children else "department" if has_children else "team"
        )
        records.append(
            (
                int(team.id),
                team.name,
                None if is_root else int(team.parent_id),
                None if is_root else team.parent,
                kind,
                sizes[int(team.id)],
                row.score,
                row.consistency,
                row.kudos,
                row.improvement,
                row.kr_count,
            )
        )
    frame = pd.DataFrame(records, columns=TEAM_COLUMNS)
    for column in ("score", "consistency", "improvement"):
        frame[column] = frame[column].astype("float64")
    frame["parent_id"] = frame["parent_id"].astype("Int64")
    return frame


def ranked(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The rows ranked on ``metric`` by core.leaderboard.rank (rows without a value left out),
    with ``rank``, ``tied`` and ``value`` columns, best first."""
    rows = [
        BoardRow(
            int(r.id),
            _float(r.score),
            _float(r.consistency),
            int(r.kudos),
            _float(r.improvement),
            int(r.kr_count),
        )
        for r in row_tuples(frame)
    ]
    names = dict(zip(frame["id"].astype(int), frame["name"], strict=True))
    result = rank(rows, metric, names)
    if not result:
        return frame.iloc[0:0].assign(rank=pd.Series(dtype="int64"), tied=False, value=None)
    order = [r.row.subject_id for r in result]
    out = frame.set_index("id").loc[order].reset_index()
    out.insert(0, "rank", [r.rank for r in result])
    out["tied"] = [r.tied for r in result]
    out["value"] = out[metric].astype("float64")
    return out


def _float(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


# --- one person --------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRecognition:
    """One person's streak, badges (keys, in ALL_BADGES order) and kudos in a cycle."""

    streak: int
    badges: tuple[str, ...]
    kudos_received: int
    kudos_given: int
    krs_achieved: int
    kr_count: int
    current_week: int  # 0-based; -1 before the cycle starts
    total_weeks: int


def person_recognition(
    session: Session, person_id: int, cycle: CycleRow, moment: datetime
) -> PersonRecognition:
    """Computed exactly as the leaderboard computes it, over this person's KRs only."""
    win = window(cycle, moment)
    krs = kr_facts(session, cycle, moment, owner_id=person_id)
    received = _kudos_counts(session, Kudos.receiver_user_id, cycle, person_id).get(person_id, 0)
    given = _kudos_counts(session, Kudos.giver_id, cycle, person_id).get(person_id, 0)
    inputs = _badge_inputs(_badge_facts(krs).get(int(person_id), ()), win, given, received)
    return PersonRecognition(
        streak=inputs.streak,
        badges=inputs.badge_keys(),
        kudos_received=received,
        kudos_given=given,
        krs_achieved=inputs.krs_achieved,
        kr_count=len(krs),
        current_week=win.week_of(moment) if win.elapsed_weeks > 0 else -1,
        total_weeks=win.total_weeks,
    )


# --- the kudos wall ----------------------------------------------------------------------


def _wall_filters(
    person_id: int | None,
    received_only: bool,
    team_ids: tuple[int, ...],
    since: date | None,
    until: date | None,
) -> list:
    filters = []
    if person_id is not None:
        pid = int(person_id)
        mine = Kudos.receiver_user_id == pid
        filters.append(mine if received_only else or_(mine, Kudos.giver_id == pid))
    if team_ids:
        ids = [int(t) for t in team_ids]
        filters.append(
            or_(
                Kudos.receiver_team_id.in_(ids),
                Kudos.receiver_user_id.in_(select(User.id).where(User.team_id.in_(ids))),
            )
        )
    if since is not None:
        filters.append(Kudos.created_at >= _day_start(since))
    if until is not None:
        filters.append(Kudos.created_at < _day_start(until + timedelta(days=1)))
    return filters


def _wall_select() -> Select:
    giver = aliased(User)
    receiver = aliased(User)
    team = aliased(Team)
    objective = aliased(Objective)
    kr = aliased(KeyResult)
    return (
        select(
            Kudos.id,
            Kudos.created_at,
            Kudos.giver_id,
            giver.display_name,
            Kudos.receiver_user_id,
            Kudos.receiver_team_id,
            func.coalesce(receiver.display_name, team.name),
            Kudos.message,
            objective.title,
            kr.title,
        )
        .join(giver, giver.id == Kudos.giver_id)
        .outerjoin(receiver, receiver.id == Kudos.receiver_user_id)
        .outerjoin(team, team.id == Kudos.receiver_team_id)
        # A link is shown only while its objective is published (it may be archived later).
        .outerjoin(
            objective,
            and_(objective.id == Kudos.objective_id, objective.state.in_(PUBLISHED)),
        )
        .outerjoin(kr, and_(kr.id == Kudos.key_result_id, objective.id.is_not(None)))
    )


def kudos_page(
    session: Session,
    person_id: int | None = None,
    received_only: bool = False,
    team_ids: tuple[int, ...] = (),
    since: date | None = None,
    until: date | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page of kudos, newest first, and how many match in all.

    ``person_id``: kudos to that person (and from them, unless ``received_only``);
    ``team_ids``: kudos to those teams or to people in them; ``since``/``until``: days.
    """
    filters = _wall_filters(person_id, received_only, tuple(team_ids), since, until)
    total = session.scalar(select(func.count(Kudos.id)).where(*filters))
    rows = session.execute(
        _wall_select()
        .where(*filters)
        .order_by(Kudos.created_at.desc(), Kudos.id.desc())
        .limit(int(limit))
        .offset(int(offset))
    ).all()
    return pd.DataFrame(rows, columns=KUDOS_COLUMNS), int(total or 0)


def kudos_link_options(
    session: Session,
    cycle_id: int,
    person_id: int | None = None,
    team_id: int | None = None,
    limit: int = 200,
) -> pd.DataFrame:
    """Published work of the cycle a kudos may point at: a person's objectives and the key
    results they own, or a team's objectives; columns objective_id, objective_title, kr_id,
    kr_title (kr_id None for the objective itself)."""
    if person_id is None and team_id is None:
        return pd.DataFrame(columns=["objective_id", "objective_title", "kr_id", "kr_title"])
    published = [Objective.cycle_id == int(cycle_id), Objective.state.in_(PUBLISHED)]
    if person_id is not None:
        pid = int(person_id)
        objectives = select(Objective.id, Objective.title).where(
            *published,
            or_(
                Objective.owner_id == pid,
                Objective.id.in_(select(KeyResult.objective_id).where(KeyResult.owner_id == pid)),
            ),
        )
    else:
        objectives = select(Objective.id, Objective.title).where(
            *published, Objective.team_id == int(team_id), Objective.level == "team"
        )
    objs = session.execute(objectives.order_by(Objective.title).limit(limit)).all()
    ids = [row[0] for row in objs]
    kr_query = select(KeyResult.objective_id, KeyResult.id, KeyResult.title).where(
        KeyResult.objective_id.in_(ids)
    )
    if person_id is not None:  # theirs only; a team's objectives show every KR
        kr_query = kr_query.where(KeyResult.owner_id == int(person_id))
    krs: dict[int, list] = {}
    for objective_id, kr_id, title in session.execute(kr_query.order_by(KeyResult.id)):
        krs.setdefault(objective_id, []).append((kr_id, title))
    records = []
    for objective_id, title in objs:
        records.append((objective_id, title, None, None))
        records += [
            (objective_id, title, kr_id, kr_title) for kr_id, kr_title in krs.get(objective_id, [])
        ]
    frame = pd.DataFrame(records, columns=["objective_id", "objective_title", "kr_id", "kr_title"])
    frame["kr_id"] = frame["kr_id"].astype("Int64")
    return frame
