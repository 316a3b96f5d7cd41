"""Reads for the Dashboard: status, freshness and progress of a whole cycle, aggregated in SQL.

The dashboard summarises every published KR of a cycle (tens of thousands in a large
organisation), so the KR rules run in SQL here: :func:`progress_sql` mirrors
``core.progress.kr_progress`` and :func:`kr_facts` mirrors ``core.status.kr_status`` as
``okrs.annotate`` applies it (tests hold the two to the same answers). Results are grouped per
team (hundreds of rows at most) or limited lists; pages roll teams up to departments with
:func:`org_units`. Only published objectives (active or closed) count: drafts are not part of
the plan yet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import (
    Float,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from core.enums import STATUS_SEVERITY, ObjectiveState, Status
from core.i18n import N_, _, format_date
from core.settings import StatusSettings
from core.status import expected_fraction
from db.frames import row_tuples
from db.models import CheckIn, Cycle, KeyResult, Objective, Team, User, utcnow
from db.queries.org import CycleRow, status_settings, teams_frame

PUBLISHED = (ObjectiveState.ACTIVE.value, ObjectiveState.CLOSED.value)
SEVERITY_STATUS = {severity: status for status, severity in STATUS_SEVERITY.items()}
_GAP_TOLERANCE = 1e-9  # as core.status: a gap equal to a threshold is within it
FRESH_DAYS = 7
FRESHNESS = ("this week", "1–2 weeks ago", "stale", "never")
# English msgids (the chart keys its colours by them): show with freshness_label() or ``_(…)``.
FRESHNESS_LABELS = {
    "this week": N_("within 7 days"),
    "1–2 weeks ago": N_("8–13 days ago"),
    "stale": N_("14+ days ago"),
    "never": N_("never"),
}


def freshness_label(bucket: str) -> str:
    """A freshness bucket as the reader's language says it ("within 7 days")."""
    return _(FRESHNESS_LABELS[bucket])


# --- the KR rules in SQL ---------------------------------------------------------------------


def progress_sql(kind, start, target, value) -> ColumnElement:
    """Raw KR progress (≥ 0, may exceed 1) from a value, as core.progress.kr_progress: no value
    yet → 0; undefined (missing target, start == target) → NULL."""
    ratio = (value - start) * 1.0 / (target - start)
    return case(
        (value.is_(None), literal(0.0, Float)),
        (kind == "milestone", case((value >= 1, 1.0), else_=0.0)),
        (target.is_(None), null()),
        (kind == "stay_above", case((value >= target, 1.0), else_=0.0)),
        (kind == "stay_below", case((value <= target, 1.0), else_=0.0)),
        (or_(start.is_(None), start == target), null()),
        (ratio < 0, 0.0),
        else_=ratio,
    )


def clamp_sql(progress) -> ColumnElement:
    """Progress limited to 1 for roll-ups (it is never below 0); NULL stays unknown."""
    return case((progress > 1, 1.0), else_=progress)


def defined_sql(kind, start, target) -> ColumnElement:
    """True for a KR whose progress can be computed (core.progress.kr_progress not None)."""
    return or_(
        kind == "milestone",
        and_(kind.in_(["stay_above", "stay_below"]), target.is_not(None)),
        and_(start.is_not(None), target.is_not(None), start != target),
    )


@dataclass(frozen=True)
class Moment:
    """What the status rule needs to know about "now" in one cycle."""

    now: datetime
    expected: float
    started: bool
    cycle_start: datetime
    stale_before: datetime  # a last update at or before this is stale
    settings: StatusSettings


def moment(cycle: CycleRow, settings: StatusSettings, now: datetime | None = None) -> Moment:
    now = now or utcnow()
    return Moment(
        now=now,
        expected=expected_fraction(cycle.start_date, cycle.end_date, now.date()),
        started=now.date() >= cycle.start_date,
        cycle_start=datetime.combine(cycle.start_date, time.min),
        stale_before=now - timedelta(days=settings.stale_days),
        settings=settings,
    )


def _max_of(*values) -> ColumnElement:
    first, *rest = values
    if not rest:
        return first
    other = _max_of(*rest)
    return case((first >= other, first), else_=other)


def kr_facts(cycle_id: int, at: Moment, *filters):
    """Subquery: every published KR of the cycle (narrowed by ``filters`` on KeyResult /
    Objective) with its raw ``progress``, ``last_update`` and status ``severity``
    (core.enums.STATUS_SEVERITY; :data:`SEVERITY_STATUS` turns it back into a Status)."""
    last_update = func.coalesce(
        KeyResult.last_checkin_at,
        case((KeyResult.created_at > at.cycle_start, KeyResult.created_at), else_=at.cycle_start),
    )
    base = (
        select(
            KeyResult.id.label("kr_id"),
            KeyResult.title.label("title"),
            KeyResult.objective_id.label("objective_id"),
            Objective.title.label("objective_title"),
            Objective.level.label("level"),
            Objective.team_id.label("team_id"),
            KeyResult.owner_id.label("owner_id"),
            KeyResult.weight.label("weight"),
            KeyResult.confidence.label("confidence"),
            KeyResult.last_checkin_at.label("last_checkin_at"),
            progress_sql(
                KeyResult.kind,
                KeyResult.start_value,
                KeyResult.target_value,
                KeyResult.current_value,
            ).label("progress"),
            last_update.label("last_update"),
        )
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(Objective.cycle_id == cycle_id, Objective.state.in_(PUBLISHED), *filters)
        .subquery("kr_base")
    )
    s = at.settings
    gap = at.expected - func.coalesce(clamp_sql(base.c.progress), 0.0)
    sev = STATUS_SEVERITY
    pace = case(
        (gap <= s.on_track_gap + _GAP_TOLERANCE, sev[Status.ON_TRACK]),
        (gap <= s.at_risk_gap + _GAP_TOLERANCE, sev[Status.AT_RISK]),
        else_=sev[Status.OFF_TRACK],
    )
    confidence = case(
        (base.c.confidence.is_(None), sev[Status.ON_TRACK]),
        (base.c.confidence <= s.off_track_confidence, sev[Status.OFF_TRACK]),
        (base.c.confidence <= s.at_risk_confidence, sev[Status.AT_RISK]),
        else_=sev[Status.ON_TRACK],
    )
    stale = (
        case((base.c.last_update <= at.stale_before, sev[Status.NEEDS_UPDATE]), else_=0)
        if at.started
        else literal(0, Integer)
    )
    scored = select(
        *base.c, pace.label("pace"), confidence.label("conf"), stale.label("stale")
    ).subquery("kr_scored")
    severity = case(
        (scored.c.progress >= 1, sev[Status.ACHIEVED]),
        else_=_max_of(scored.c.pace, scored.c.conf, scored.c.stale),
    )
    columns = [c for c in scored.c if c.name not in ("pace", "conf", "stale")]
    return select(*columns, severity.label("severity")).subquery("kr_facts")


def _scope(team_ids: tuple[int, ...] | None) -> list:
    return [] if team_ids is None else [Objective.team_id.in_([int(t) for t in team_ids])]


def _status_of(severity) -> Status | None:
    return None if severity is None or pd.isna(severity) else SEVERITY_STATUS[int(severity)]


# --- organisation units ----------------------------------------------------------------------


def org_units(session: Session) -> pd.DataFrame:
    """Every team with its department: the top-level team it belongs to below the company.

    Columns team_id, name, parent_id, department_id, department, is_root (a team without a
    parent: the company itself). A root is its own department; hundreds of rows at most.
    """
    teams = teams_frame(session)[["id", "name", "parent_id"]]
    parent = {
        int(r.id): (None if pd.isna(r.parent_id) else int(r.parent_id)) for r in row_tuples(teams)
    }
    names = dict(zip(teams["id"].astype(int), teams["name"], strict=True))

    def department(team_id: int) -> int:
        seen = {team_id}
        node = team_id
        while parent.get(node) is not None and parent.get(parent[node]) is not None:
            node = parent[node]
            if node in seen:  # a loop in bad data: stop where it closes
                break
            seen.add(node)
        return node

    rows = [
        {
            "team_id": tid,
            "name": names[tid],
            "parent_id": parent[tid],
            "department_id": department(tid),
            "is_root": parent[tid] is None,
        }
        for tid in names
    ]
    frame = pd.DataFrame(rows, columns=["team_id", "name", "parent_id", "department_id", "is_root"])
    frame["department"] = frame["department_id"].map(names)
    return frame


def subtree(units: pd.DataFrame, team_id: int) -> tuple[int, ...]:
    """The team and all teams below it, as a sorted tuple (hashable: a cache argument)."""
    children: dict[int, list[int]] = {}
    for row in row_tuples(units):
        if row.parent_id is not None and not pd.isna(row.parent_id):
            children.setdefault(int(row.parent_id), []).append(int(row.team_id))
    found, frontier = {int(team_id)}, [int(team_id)]
    while frontier:
        node = frontier.pop()
        for child in children.get(node, []):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return tuple(sorted(found))


def roll_up(frame: pd.DataFrame, units: pd.DataFrame, by: str, sums: list[str]) -> pd.DataFrame:
    """Sum the per-team columns ``sums`` of ``frame`` (keyed by team_id) into departments
    (``by="department"``) or keep the teams (``by="team"``); adds a ``unit`` name column."""
    keyed = frame.merge(units[["team_id", "name", "department_id", "department"]], on="team_id")
    if by == "team":
        keyed["unit_id"], keyed["unit"] = keyed["team_id"], keyed["name"]
    else:
        keyed["unit_id"], keyed["unit"] = keyed["department_id"], keyed["department"]
    extra = [c for c in frame.columns if c not in sums and c != "team_id"]
    return keyed.groupby(["unit_id", "unit", *extra], as_index=False, dropna=False)[sums].sum()


# --- status, progress and freshness by team -------------------------------------------------


def silent_sql(facts, at: Moment) -> ColumnElement:
    """True for a KR not yet achieved whose last update (check-in, or creation for a new KR)
    is older than the stale period: silent, whatever its other status."""
    if not at.started:
        return literal(False)
    return and_(facts.c.last_update <= at.stale_before, facts.c.progress < 1)


def status_by_team(session: Session, cycle: CycleRow, today: date) -> pd.DataFrame:
    """Per team and status: KR count, how many of them are silent (:func:`silent_sql`), and
    the sum/count of their clamped progress (for means).

    ``today`` only keys the cache (statuses change with the date); the status is taken now.
    """
    at = moment(cycle, status_settings(session))
    facts = kr_facts(cycle.id, at)
    rows = session.execute(
        select(
            facts.c.team_id,
            facts.c.severity,
            func.count().label("krs"),
            func.sum(case((silent_sql(facts, at), 1), else_=0)).label("silent"),
            func.coalesce(func.sum(clamp_sql(facts.c.progress)), 0.0).label("progress_sum"),
            func.count(facts.c.progress).label("progress_n"),
        ).group_by(facts.c.team_id, facts.c.severity)
    ).all()
    frame = pd.DataFrame(
        rows, columns=["team_id", "severity", "krs", "silent", "progress_sum", "progress_n"]
    )
    frame["silent"] = frame["silent"].fillna(0).astype(int)
    frame["status"] = [_status_of(s) for s in frame["severity"]]
    return frame.drop(columns=["severity"])


def freshness_by_team(session: Session, cycle: CycleRow, today: date) -> pd.DataFrame:
    """Per team: how many published KRs were last checked in this week, 1–2 weeks ago, 14+
    days ago (stale) or never. Columns team_id, freshness, krs."""
    at = moment(cycle, status_settings(session))
    facts = kr_facts(cycle.id, at)
    bucket = case(
        (facts.c.last_checkin_at.is_(None), "never"),
        (facts.c.last_checkin_at > at.now - timedelta(days=FRESH_DAYS), "this week"),
        (facts.c.last_checkin_at > at.stale_before, "1–2 weeks ago"),
        else_="stale",
    )
    # Grouped from a subquery: PostgreSQL cannot match a GROUP BY expression with parameters.
    bucketed = select(facts.c.team_id, bucket.label("freshness")).subquery("buckets")
    rows = session.execute(
        select(bucketed.c.team_id, bucketed.c.freshness, func.count()).group_by(
            bucketed.c.team_id, bucketed.c.freshness
        )
    ).all()
    return pd.DataFrame(rows, columns=["team_id", "freshness", "krs"])


# --- the at-risk list ------------------------------------------------------------------------

AT_RISK_COLUMNS = [
    "kr_id",
    "title",
    "objective_title",
    "team",
    "owner",
    "progress",
    "confidence",
    "last_checkin_at",
    "status",
]


def krs_by_status(
    session: Session,
    cycle: CycleRow,
    today: date,
    statuses: tuple[str, ...],
    team_ids: tuple[int, ...] | None = None,
    limit: int = 25,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page of the published KRs with the given statuses (worst first, then the furthest
    behind), in the given teams or the whole cycle, and how many there are in all (counted in
    the same pass; 0 when the page lies beyond the end)."""
    severities = [STATUS_SEVERITY[Status(s)] for s in statuses]
    if not severities:
        return pd.DataFrame(columns=AT_RISK_COLUMNS), 0
    facts = kr_facts(cycle.id, moment(cycle, status_settings(session)), *_scope(team_ids))
    wanted = facts.c.severity.in_(severities)
    owner = aliased(User)
    rows = session.execute(
        select(
            facts.c.kr_id,
            facts.c.title,
            facts.c.objective_title,
            Team.name,
            owner.display_name,
            facts.c.progress,
            facts.c.confidence,
            facts.c.last_checkin_at,
            facts.c.severity,
            func.count().over().label("total"),
        )
        .join(owner, owner.id == facts.c.owner_id)
        .outerjoin(Team, Team.id == facts.c.team_id)
        .where(wanted)
        .order_by(
            facts.c.severity.desc(),
            func.coalesce(clamp_sql(facts.c.progress), 0.0),
            facts.c.kr_id,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    frame = pd.DataFrame(rows, columns=[*AT_RISK_COLUMNS, "total"])
    frame["status"] = [_status_of(s) for s in frame["status"]]
    total = int(frame["total"].iloc[0]) if len(frame) else 0
    return frame.drop(columns=["total"]), total


# --- weekly progress ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Week:
    index: int
    start: datetime
    end: datetime  # exclusive; the current week ends now
    label: str


def cycle_weeks(cycle: CycleRow, now: datetime | None = None) -> list[Week]:
    """The cycle's weeks from its first day, up to the week that contains now (or all of them
    once the cycle is over); the last week of a cycle may be shorter."""
    now = now or utcnow()
    start = datetime.combine(cycle.start_date, time.min)
    finish = datetime.combine(cycle.end_date + timedelta(days=1), time.min)
    weeks = []
    for index in range(math.ceil((finish - start).days / 7)):
        begin = start + timedelta(days=7 * index)
        if begin > now:
            break
        end = min(begin + timedelta(days=7), finish, max(now, begin))
        label = _("W{number} · {day}").format(number=index + 1, day=format_date(begin, "dd MMM"))
        weeks.append(Week(index, begin, end, label))
    return weeks


def week_sql(column, weeks: list[Week]) -> ColumnElement:
    """The index of the week a moment falls in (before the cycle: week 0; after: the last)."""
    if len(weeks) == 1:
        return literal(0, Integer)
    return case(*[(column < week.end, week.index) for week in weeks[:-1]], else_=weeks[-1].index)


def weekly_progress(session: Session, cycle: CycleRow, today: date) -> pd.DataFrame:
    """Per team and week of the cycle: the mean over the team's published KRs of the progress
    implied by each KR's last check-in up to the end of that week (0 before its first).

    One pass over the cycle's check-ins: each check-in changes its KR's progress by the
    difference to the one before, so the SQL sums these changes per team and week; a running
    total over the weeks (at most a few hundred teams × 13 weeks, in pandas) gives the sum of
    the KRs' latest progress. KRs count from the week they were created. Columns team_id, week, label,
    progress_sum, krs, progress (clamped KR progress, 0..1).
    """
    weeks = cycle_weeks(cycle)
    columns = ["team_id", "week", "label", "progress_sum", "krs", "progress"]
    if not weeks:
        return pd.DataFrame(columns=columns)
    in_cycle = [
        Objective.cycle_id == cycle.id,
        Objective.state.in_(PUBLISHED),
        defined_sql(KeyResult.kind, KeyResult.start_value, KeyResult.target_value),
    ]
    # Each check-in moves its KR's progress by (its progress − the previous check-in's);
    # summed per team over the weeks so far, these changes telescope to the latest progress.
    progress = clamp_sql(
        progress_sql(KeyResult.kind, KeyResult.start_value, KeyResult.target_value, CheckIn.value)
    )
    steps = (
        select(
            Objective.team_id.label("team_id"),
            week_sql(CheckIn.created_at, weeks).label("week"),
            (
                progress
                - func.lag(progress, 1, 0.0).over(
                    partition_by=CheckIn.key_result_id,
                    order_by=[CheckIn.created_at, CheckIn.id],
                )
            ).label("change"),
        )
        .join(KeyResult, KeyResult.id == CheckIn.key_result_id)
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(*in_cycle)
        .subquery("steps")
    )
    moved = session.execute(
        select(steps.c.team_id, steps.c.week, func.sum(steps.c.change)).group_by(
            steps.c.team_id, steps.c.week
        )
    ).all()
    born = (
        select(
            Objective.team_id.label("team_id"),
            week_sql(KeyResult.created_at, weeks).label("week"),
        )
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(*in_cycle)
        .subquery("born")
    )
    created = session.execute(
        select(born.c.team_id, born.c.week, func.count()).group_by(born.c.team_id, born.c.week)
    ).all()
    return _running_totals(moved, created, weeks, columns)


def _running_totals(moved, created, weeks: list[Week], columns: list[str]) -> pd.DataFrame:
    teams = sorted({row[0] for row in created}, key=lambda t: (t is None, t))
    index = pd.MultiIndex.from_product([teams, [w.index for w in weeks]], names=["team_id", "week"])
    frame = pd.DataFrame(index=index)
    changes = pd.Series({(t, w): float(d or 0.0) for t, w, d in moved}, dtype="float64")
    counts = pd.Series({(t, w): int(n) for t, w, n in created}, dtype="float64")
    frame["progress_sum"] = changes.reindex(index, fill_value=0.0).to_numpy()
    frame["krs"] = counts.reindex(index, fill_value=0).to_numpy()
    frame = frame.groupby(level="team_id", dropna=False).cumsum().reset_index()
    frame["krs"] = frame["krs"].astype(int)
    frame["progress_sum"] = frame["progress_sum"].clip(lower=0.0)
    frame["progress"] = (frame["progress_sum"] / frame["krs"].where(frame["krs"] > 0)).clip(0, 1)
    frame["label"] = frame["week"].map({w.index: w.label for w in weeks})
    return frame[columns]


# --- the cycle against earlier ones ------------------------------------------------------------


def cycle_comparison(session: Session, cycle: CycleRow, count: int = 6) -> pd.DataFrame:
    """The selected cycle and up to ``count - 1`` cycles before it, oldest first: published
    objectives and KRs, mean KR progress (clamped, as of now), mean KR score and mean
    objective score (set when a cycle is graded)."""
    chosen = (
        select(Cycle.id)
        .where(Cycle.start_date <= cycle.start_date)
        .order_by(Cycle.start_date.desc())
        .limit(count)
        .subquery()
    )
    progress = clamp_sql(
        progress_sql(
            KeyResult.kind, KeyResult.start_value, KeyResult.target_value, KeyResult.current_value
        )
    )
    kr_rows = (
        select(
            Objective.cycle_id,
            func.count(KeyResult.id).label("krs"),
            func.avg(progress).label("mean_progress"),
            func.avg(KeyResult.score).label("mean_kr_score"),
        )
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(Objective.cycle_id.in_(select(chosen.c.id)), Objective.state.in_(PUBLISHED))
        .group_by(Objective.cycle_id)
        .subquery()
    )
    objective_rows = (
        select(
            Objective.cycle_id,
            func.count(Objective.id).label("objectives"),
            func.avg(Objective.score).label("mean_objective_score"),
        )
        .where(Objective.cycle_id.in_(select(chosen.c.id)), Objective.state.in_(PUBLISHED))
        .group_by(Objective.cycle_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Cycle.id,
            Cycle.name,
            Cycle.state,
            Cycle.start_date,
            func.coalesce(objective_rows.c.objectives, 0),
            func.coalesce(kr_rows.c.krs, 0),
            cast(kr_rows.c.mean_progress, Float),
            cast(kr_rows.c.mean_kr_score, Float),
            cast(objective_rows.c.mean_objective_score, Float),
        )
        .outerjoin(kr_rows, kr_rows.c.cycle_id == Cycle.id)
        .outerjoin(objective_rows, objective_rows.c.cycle_id == Cycle.id)
        .where(Cycle.id.in_(select(chosen.c.id)))
        .order_by(Cycle.start_date)
    ).all()
    return pd.DataFrame(
        rows,
        columns=[
            "cycle_id",
            "cycle",
            "state",
            "start_date",
            "objectives",
            "krs",
            "mean_progress",
            "mean_kr_score",
            "mean_objective_score",
        ],
    )


# --- the lead's member table --------------------------------------------------------------------

MEMBER_COLUMNS = [
    "user_id",
    "name",
    "team",
    "krs",
    "progress",
    "last_checkin_at",
    "stale_krs",
    "behind_krs",
    "confidence",
    "confidence_trend",
]


def members(
    session: Session,
    cycle: CycleRow,
    today: date,
    team_ids: tuple[int, ...],
    limit: int = 25,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """One page of the active people in the given teams with their published KRs of the cycle:
    how many, mean progress (clamped), last check-in, stale KRs (no update for the stale
    period), KRs at risk or off track, current mean confidence and its weekly trend (mean
    confidence of the check-ins on their KRs, week by week). People with the most stale KRs
    come first, then the furthest behind; people without KRs are listed too (after them)."""
    at = moment(cycle, status_settings(session))
    scope = _member_scope(team_ids)
    total = session.scalar(select(func.count(User.id)).where(*scope)) or 0
    facts = kr_facts(cycle.id, at, KeyResult.owner_id.in_(select(User.id).where(*scope)))
    behind = [STATUS_SEVERITY[Status.AT_RISK], STATUS_SEVERITY[Status.OFF_TRACK]]
    stale = silent_sql(facts, at)
    per_owner = (
        select(
            facts.c.owner_id,
            func.count().label("krs"),
            func.avg(clamp_sql(facts.c.progress)).label("progress"),
            func.max(facts.c.last_checkin_at).label("last_checkin_at"),
            func.sum(case((stale, 1), else_=0)).label("stale_krs"),
            func.sum(case((facts.c.severity.in_(behind), 1), else_=0)).label("behind_krs"),
            func.avg(facts.c.confidence).label("confidence"),
        )
        .group_by(facts.c.owner_id)
        .subquery("per_owner")
    )
    rows = session.execute(
        select(
            User.id,
            User.display_name,
            Team.name,
            func.coalesce(per_owner.c.krs, 0),
            cast(per_owner.c.progress, Float),
            per_owner.c.last_checkin_at,
            func.coalesce(per_owner.c.stale_krs, 0),
            func.coalesce(per_owner.c.behind_krs, 0),
            cast(per_owner.c.confidence, Float),
        )
        .outerjoin(Team, Team.id == User.team_id)
        .outerjoin(per_owner, per_owner.c.owner_id == User.id)
        .where(*scope)
        .order_by(
            case((per_owner.c.krs.is_(None), 1), else_=0),
            func.coalesce(per_owner.c.stale_krs, 0).desc(),
            func.coalesce(per_owner.c.progress, 0.0),
            User.display_name,
            User.id,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    frame = pd.DataFrame(rows, columns=MEMBER_COLUMNS[:-1])
    trends = _confidence_trends(session, cycle, tuple(int(i) for i in frame["user_id"]))
    frame["confidence_trend"] = [trends.get(int(uid), []) for uid in frame["user_id"]]
    return frame, int(total)


def _member_scope(team_ids: tuple[int, ...]) -> list:
    return [User.active.is_(True), User.team_id.in_([int(t) for t in team_ids])]


def member_count(session: Session, team_ids: tuple[int, ...]) -> int:
    """How many active people the given teams have (the member table's length)."""
    return session.scalar(select(func.count(User.id)).where(*_member_scope(team_ids))) or 0


def _confidence_trends(
    session: Session, cycle: CycleRow, owner_ids: tuple[int, ...]
) -> dict[int, list[float]]:
    """Per person, the mean confidence of the check-ins on their KRs in each week so far."""
    weeks = cycle_weeks(cycle)
    if not owner_ids or not weeks:
        return {}
    weekly = (
        select(
            KeyResult.owner_id,
            week_sql(CheckIn.created_at, weeks).label("week"),
            CheckIn.confidence,
        )
        .join(KeyResult, KeyResult.id == CheckIn.key_result_id)
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(
            KeyResult.owner_id.in_(owner_ids),
            Objective.cycle_id == cycle.id,
            Objective.state.in_(PUBLISHED),
            CheckIn.confidence.is_not(None),
        )
        .subquery("weekly_confidence")
    )
    rows = session.execute(
        select(weekly.c.owner_id, weekly.c.week, func.avg(weekly.c.confidence)).group_by(
            weekly.c.owner_id, weekly.c.week
        )
    ).all()
    means: dict[int, dict[int, float]] = {}
    for owner_id, index, mean in rows:
        means.setdefault(int(owner_id), {})[int(index)] = round(float(mean), 1)
    return {owner: _carried_forward(by_week, len(weeks)) for owner, by_week in means.items()}


def _carried_forward(by_week: dict[int, float], weeks: int) -> list[float]:
    """Week-by-week values from the first week with one; a silent week keeps the last value."""
    series: list[float] = []
    for index in range(min(by_week), weeks):
        series.append(by_week.get(index, series[-1] if series else by_week[min(by_week)]))
    return series
