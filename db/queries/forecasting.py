"""Reads that feed core/forecast.py: check-in points of chosen KRs, and calibration outcomes
sampled from closed cycles; and the forecast of a set of objectives rolled up from them.

Bounded whatever the organisation's size: points are read only for the KRs whose forecast is
shown (the company's objectives, or one team's), and calibration looks at a deterministic
sample of at most :data:`MAX_CALIBRATION_KRS` KRs of closed cycles, each at a few elapsed
fractions of its cycle (one indexed look-up per KR and fraction).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

import pandas as pd
from sqlalchemy import DateTime, Float, Integer, case, cast, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from core.enums import Level, ObjectiveState
from core.forecast import (
    ForecastRange,
    Outcome,
    Point,
    calibration,
    forecast_kr,
    mean_forecast,
    objective_forecast,
)
from core.progress import clamp, kr_progress, mean_progress, objective_progress
from core.status import expected_fraction
from db.frames import row_tuples
from db.models import CheckIn, Cycle, KeyResult, Objective, Team, User, utcnow
from db.queries import okrs
from db.queries.accounts import structure_version
from db.queries.org import CycleRow, status_settings

PUBLISHED = (ObjectiveState.ACTIVE.value, ObjectiveState.CLOSED.value)
MAX_CALIBRATION_KRS = 2_000
FRACTIONS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
MAX_FORECAST_OBJECTIVES = 500
# Each range sorts thousands of past outcomes: objectives get their own only in small sets.
MAX_RANGED_OBJECTIVES = 12
_SHUFFLE_MODULUS = 10_007  # a prime: (id mod p) × k mod p visits ids in a scrambled order
_SHUFFLE_FACTOR = 7_919
# calibrate() keeps past outcomes within its window (0.15) of today's elapsed share; a wider
# window here only shortens the list it filters, never changes what it keeps.
_NEAR = 0.2


def kr_points(session: Session, kr_ids: tuple[int, ...]) -> dict[int, tuple[Point, ...]]:
    """The check-ins of the given KRs as forecast points, oldest first, per KR id."""
    ids = [int(i) for i in kr_ids]
    if not ids:
        return {}
    rows = session.execute(
        select(CheckIn.key_result_id, CheckIn.created_at, CheckIn.value)
        .where(CheckIn.key_result_id.in_(ids))
        .order_by(CheckIn.key_result_id, CheckIn.created_at, CheckIn.id)
    ).all()
    points: dict[int, list[Point]] = defaultdict(list)
    for kr_id, at, value in rows:
        points[kr_id].append(Point(at, value))
    return {kr_id: tuple(found) for kr_id, found in points.items()}


def _moment(cycle_start: date, cycle_end: date, fraction: float) -> datetime:
    """The moment at ``fraction`` of a cycle, on core.forecast.elapsed_share's scale."""
    start = datetime.combine(cycle_start, time.min)
    return start + (datetime.combine(cycle_end, time.min) - start) * fraction


def calibration_outcomes(
    session: Session, exclude_cycle_id: int | None = None, max_krs: int = MAX_CALIBRATION_KRS
) -> tuple[Outcome, ...]:
    """How KRs of closed cycles went: for a deterministic sample of at most ``max_krs`` KRs of
    published objectives, their progress at each of :data:`FRACTIONS` of their cycle (from the
    last check-in before that moment) and their final score (their clamped final progress
    while the cycle is not graded yet). ``exclude_cycle_id``: a cycle not to learn from (the
    one being forecast)."""
    closed = select(Cycle.id, Cycle.start_date, Cycle.end_date).where(Cycle.state == "closed")
    if exclude_cycle_id is not None:
        closed = closed.where(Cycle.id != exclude_cycle_id)
    cycles = session.execute(closed).all()
    if not cycles:
        return ()
    moments = union_all(
        *[
            select(
                cast(literal(cid), Integer).label("cycle_id"),
                cast(literal(fraction), Float).label("fraction"),
                literal(_moment(start, end, fraction), DateTime).label("at"),
            )
            for cid, start, end in cycles
            for fraction in FRACTIONS
        ]
    ).subquery("moments")
    shuffle = ((KeyResult.id % _SHUFFLE_MODULUS) * _SHUFFLE_FACTOR) % _SHUFFLE_MODULUS
    sample = (
        select(
            KeyResult.id.label("kr_id"),
            Objective.cycle_id.label("cycle_id"),
            KeyResult.kind.label("kind"),
            KeyResult.start_value.label("start"),
            KeyResult.target_value.label("target"),
            KeyResult.current_value.label("current"),
            KeyResult.score.label("score"),
        )
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(
            Objective.cycle_id.in_([int(c.id) for c in cycles]),
            Objective.state.in_(PUBLISHED),
        )
        .order_by(shuffle, KeyResult.id)
        .limit(max_krs)
        .subquery("sample")
    )
    value_then = (
        select(CheckIn.value)
        .where(CheckIn.key_result_id == sample.c.kr_id, CheckIn.created_at < moments.c.at)
        .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            sample.c.kind,
            sample.c.start,
            sample.c.target,
            sample.c.current,
            sample.c.score,
            moments.c.fraction,
            value_then,
        )
        .join(moments, moments.c.cycle_id == sample.c.cycle_id)
        .order_by(sample.c.kr_id, moments.c.fraction)
    ).all()
    outcomes = []
    for kind, start, target, current, score, fraction, value in rows:
        then = kr_progress(kind, start, target, value)
        final = score if score is not None else clamp(kr_progress(kind, start, target, current))
        if then is not None and final is not None:
            outcomes.append(Outcome(float(fraction), then, float(final)))
    return tuple(outcomes)


# --- forecasts of objectives -------------------------------------------------------------------

FORECAST_COLUMNS = [
    "objective_id",
    "title",
    "level",
    "team",
    "owner_name",
    "progress",
    "forecast",
    "low",
    "high",
    "kr_count",
]


@dataclass(frozen=True)
class ForecastView:
    """Progress and forecast of a set of objectives, and of the set rolled up (their mean).

    ``range`` is the 10th–90th percentile of past outcomes around the roll-up's forecast
    (None with too little history); ``objectives`` has one row per objective (columns
    :data:`FORECAST_COLUMNS`; low/high, from the same calibration, only in sets of at most
    :data:`MAX_RANGED_OBJECTIVES`); ``capped`` tells that only the first
    :data:`MAX_FORECAST_OBJECTIVES` objectives were used.
    """

    progress: float | None
    forecast: float | None
    range: ForecastRange | None
    elapsed: float
    objectives: pd.DataFrame
    total_objectives: int
    capped: bool


def _published_objectives(session: Session, cycle_id: int, *filters, limit: int):
    owner = aliased(User)
    level_rank = case((Objective.level == Level.COMPANY, 0), (Objective.level == Level.TEAM, 1))
    query = (
        select(
            Objective.id,
            Objective.title,
            Objective.level,
            Team.name,
            owner.display_name,
        )
        .join(owner, owner.id == Objective.owner_id)
        .outerjoin(Team, Team.id == Objective.team_id)
        .where(Objective.cycle_id == cycle_id, Objective.state.in_(PUBLISHED), *filters)
    )
    rows = session.execute(
        query.order_by(func.coalesce(level_rank, 2), Objective.title, Objective.id).limit(limit)
    ).all()
    total = session.scalar(
        select(func.count()).select_from(query.with_only_columns(Objective.id).subquery())
    )
    return pd.DataFrame(rows, columns=FORECAST_COLUMNS[:5]), int(total or 0)


def objectives_forecast(
    session: Session,
    cycle: CycleRow,
    today: date,
    level: str | None = None,
    team_ids: tuple[int, ...] | None = None,
) -> ForecastView:
    """Forecast of the cycle's published objectives at ``level`` and/or in ``team_ids``.

    Per KR: core.forecast.forecast_kr through its check-ins; per objective: their weighted
    mean; for the set: the mean over its objectives, like progress. The range comes from
    :func:`calibration_outcomes`. ``today`` keys the cache; the forecast is made now.
    """
    filters = []
    if level is not None:
        filters.append(Objective.level == level)
    if team_ids is not None:
        filters.append(Objective.team_id.in_([int(t) for t in team_ids]))
    objs, total = _published_objectives(session, cycle.id, *filters, limit=MAX_FORECAST_OBJECTIVES)
    now = utcnow()
    elapsed = expected_fraction(cycle.start_date, cycle.end_date, now.date())
    krs = okrs.annotate(
        okrs.krs_of_objectives(session, objs["objective_id"]), cycle, status_settings(session)
    )
    points = kr_points(session, tuple(int(k) for k in krs["kr_id"]))
    by_objective: dict[int, list[tuple]] = defaultdict(list)
    for kr in row_tuples(krs):
        forecast = forecast_kr(
            kr.kind,
            _number(kr.start),
            _number(kr.target),
            points.get(int(kr.kr_id), ()),
            cycle.start_date,
            cycle.end_date,
            now,
        )
        by_objective[int(kr.objective_id)].append(
            (_number(kr.progress), forecast.progress, _number(kr.weight))
        )
    outcomes = tuple(
        o
        for o in _remembered_outcomes(session, cycle.id)
        if o.elapsed is None or abs(o.elapsed - elapsed) <= _NEAR
    )
    ranges = calibration(outcomes, elapsed)
    ranged = len(objs) <= MAX_RANGED_OBJECTIVES
    rows = []
    for obj in row_tuples(objs):
        mine = by_objective.get(int(obj.objective_id), [])
        progress = objective_progress((p, w) for p, _, w in mine)
        forecast = objective_forecast((f, w) for _, f, w in mine)
        spread = ranges(forecast) if ranged else None
        rows.append(
            {
                **obj._asdict(),
                "progress": progress,
                "forecast": forecast,
                "low": spread.low if spread else None,
                "high": spread.high if spread else None,
                "kr_count": len(mine),
            }
        )
    frame = pd.DataFrame(rows, columns=FORECAST_COLUMNS)
    for column in ("progress", "forecast", "low", "high"):
        frame[column] = frame[column].astype("float64")
    rolled = mean_forecast(frame["forecast"])
    return ForecastView(
        progress=mean_progress(frame["progress"]),
        forecast=rolled,
        range=ranges(rolled),
        elapsed=elapsed,
        objectives=frame,
        total_objectives=total,
        capped=total > len(frame),
    )


_OUTCOMES: OrderedDict[tuple, tuple[Outcome, ...]] = OrderedDict()
_OUTCOMES_LOCK = threading.Lock()


def _remembered_outcomes(session: Session, exclude_cycle_id: int) -> tuple[Outcome, ...]:
    """calibration_outcomes, remembered per database and cycle while the structure does not
    change: the newest write that is not a check-in (check-ins into closed cycles, the only
    ones it reads, are refused; closing or reopening a cycle is such a write), the closed
    cycles, and the newest key result (rows written without the app). It is the same for
    every team's forecast, so the dashboards of many teams share one read (~0.5 s at 5,000
    people) instead of one each, and a check-in does not make it read again. Outcomes are
    frozen, so sharing them is safe."""
    closed = tuple(session.scalars(select(Cycle.id).where(Cycle.state == "closed")))
    key = (
        str(session.get_bind().url),
        exclude_cycle_id,
        structure_version(session),
        closed,
        session.scalar(select(func.max(KeyResult.id))),
    )
    with _OUTCOMES_LOCK:
        if key in _OUTCOMES:
            _OUTCOMES.move_to_end(key)
            return _OUTCOMES[key]
    outcomes = calibration_outcomes(session, exclude_cycle_id=exclude_cycle_id)
    with _OUTCOMES_LOCK:
        _OUTCOMES[key] = outcomes
        while len(_OUTCOMES) > 8:
            _OUTCOMES.popitem(last=False)
    return outcomes


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
