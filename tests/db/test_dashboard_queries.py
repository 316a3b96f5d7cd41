"""Dashboard reads on SQLite and PostgreSQL: the KR rules in SQL give the same progress and
status as core (via okrs.annotate), weekly team progress equals a direct replay of the
check-ins, freshness, the at-risk list, the member table, the cycle comparison, and the
forecast's reads (points, calibration outcomes, roll-up)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from core.enums import Status
from core.forecast import Point, calibrate, forecast_kr, mean_forecast
from core.progress import clamp, kr_progress, mean_progress
from core.settings import DEFAULT_SETTINGS
from db.engine import transaction
from db.models import CheckIn, Cycle, KeyResult, Objective, utcnow
from db.queries import dashboard, forecasting, okrs
from db.queries.org import CycleRow
from tests.factories import Org, build_org

NOW = utcnow()


@pytest.fixture
def org(sessions) -> Org:
    return build_org(sessions)


def cycle_of(org: Org, cycle_id: int | None = None) -> CycleRow:
    with org.sessions() as session:
        return okrs.cycle_row(session, cycle_id or org.ids["cycle"])


def add_objective(
    org: Org,
    title: str,
    level: str = "team",
    team: str | None = "product",
    owner: str = "lena",
    parent: int | None = None,
    state: str = "active",
    cycle_id: int | None = None,
) -> int:
    with transaction(org.sessions) as session:
        row = Objective(
            cycle_id=cycle_id or org.ids["cycle"],
            level=level,
            team_id=org.ids[team] if team else None,
            owner_id=org.ids[owner],
            parent_id=parent,
            title=title,
            state=state,
        )
        session.add(row)
        session.flush()
        return row.id


def add_kr(
    org: Org,
    objective_id: int,
    owner: str = "mia",
    kind: str = "increase",
    start: float | None = 0.0,
    target: float | None = 100.0,
    current: float | None = None,
    confidence: int | None = None,
    last: datetime | None = None,
    created: datetime | None = None,
    weight: float = 1.0,
    score: float | None = None,
    title: str = "KR",
) -> int:
    with transaction(org.sessions) as session:
        row = KeyResult(
            objective_id=objective_id,
            owner_id=org.ids[owner],
            title=title,
            kind=kind,
            start_value=start,
            target_value=target,
            current_value=current,
            confidence=confidence,
            last_checkin_at=last,
            created_at=created or NOW - timedelta(days=40),
            weight=weight,
            score=score,
        )
        session.add(row)
        session.flush()
        return row.id


def add_check_in(org: Org, kr_id: int, value: float, at: datetime, confidence: int = 7) -> None:
    """A check-in at ``at``; the KR mirrors its latest one, as the check-in command does."""
    with transaction(org.sessions) as session:
        session.add(
            CheckIn(
                key_result_id=kr_id,
                author_id=session.get(KeyResult, kr_id).owner_id,
                value=value,
                confidence=confidence,
                created_at=at,
            )
        )
        session.flush()
        latest = session.execute(
            select(CheckIn.value, CheckIn.confidence, CheckIn.created_at)
            .where(CheckIn.key_result_id == kr_id)
            .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
            .limit(1)
        ).one()
        kr = session.get(KeyResult, kr_id)
        kr.current_value, kr.confidence, kr.last_checkin_at = latest


def facts(org: Org, at: dashboard.Moment) -> pd.DataFrame:
    with org.sessions() as session:
        subquery = dashboard.kr_facts(org.ids["cycle"], at)
        rows = session.execute(
            select(subquery.c.kr_id, subquery.c.progress, subquery.c.severity)
        ).all()
    frame = pd.DataFrame(rows, columns=["kr_id", "progress", "severity"])
    frame["status"] = [dashboard.SEVERITY_STATUS[int(s)] for s in frame["severity"]]
    return frame.set_index("kr_id")


def annotated(org: Org, now: datetime) -> pd.DataFrame:
    with org.sessions() as session:
        ids = session.scalars(
            select(Objective.id).where(
                Objective.cycle_id == org.ids["cycle"], Objective.state == "active"
            )
        ).all()
        krs = okrs.krs_of_objectives(session, ids)
    return okrs.annotate(krs, cycle_of(org), DEFAULT_SETTINGS, now).set_index("kr_id")


# --- the KR rules in SQL agree with core --------------------------------------------------------

# The cycle "Now" runs from 30 days ago to 60 days ahead: a third is over (expected ≈ 0.33).
CASES = [
    # kind, start, target, current, confidence, days since last check-in (None: never)
    ("increase", 0, 100, 40, 8, 2),  # ahead: on track
    ("increase", 0, 100, 10, 8, 2),  # behind: at risk
    ("increase", 0, 100, None, None, None),  # silent since the cycle start: off track
    ("increase", 0, 100, 30, 5, 2),  # confidence 5: at risk
    ("increase", 0, 100, 30, 2, 2),  # confidence 2: off track
    ("increase", 0, 100, 30, 8, 20),  # silent 20 days: needs update
    ("increase", 0, 100, 120, 1, 40),  # over-achieved: achieved, whatever else
    ("increase", 0, 300, 55, 8, 1),  # exactly 0.15 behind: still on track
    ("increase", 50, 50, 60, 8, 1),  # start == target: unknown progress
    ("decrease", 100, 50, 80, 8, 1),  # 40 %
    ("decrease", 100, 50, 110, 8, 1),  # the wrong way: 0
    ("stay_above", None, 90, 95, 8, 1),  # met: achieved
    ("stay_above", None, 90, 80, 8, 1),  # not met: off track
    ("stay_below", 7, 5, 3, 8, 1),  # met
    ("stay_above", None, None, 80, 8, 1),  # no threshold: unknown
    ("milestone", None, None, 1, 8, 1),  # done
    ("milestone", None, None, 0, 9, 3),  # not done
]


def test_sql_progress_and_status_match_core_for_every_kind_of_kr(org):
    objective_id = add_objective(org, "Everything")
    for kind, start, target, current, confidence, days in CASES:
        add_kr(
            org,
            objective_id,
            kind=kind,
            start=start,
            target=target,
            current=current,
            confidence=confidence,
            last=None if days is None else NOW - timedelta(days=days),
        )
    at = dashboard.moment(cycle_of(org), DEFAULT_SETTINGS, NOW)
    sql, core = facts(org, at), annotated(org, NOW)
    assert len(sql) == len(CASES)
    for kr_id, expected in core.iterrows():
        got = sql.loc[kr_id]
        assert got["status"] == expected["status"], (kr_id, got, expected)
        if pd.isna(expected["progress"]):
            assert pd.isna(got["progress"])
        else:
            assert got["progress"] == pytest.approx(expected["progress"])
    # The cases cover every status, so none of them can pass by accident.
    assert set(sql["status"]) == set(Status)


def test_a_new_kr_is_not_stale_and_nothing_is_stale_before_the_cycle_starts(org):
    objective_id = add_objective(org, "New")
    fresh = add_kr(org, objective_id, current=40, confidence=8, created=NOW - timedelta(days=3))
    old = add_kr(org, objective_id, current=40, confidence=8, created=NOW - timedelta(days=40))
    at = dashboard.moment(cycle_of(org), DEFAULT_SETTINGS, NOW)
    statuses = facts(org, at)["status"]
    assert statuses[fresh] == Status.ON_TRACK
    assert statuses[old] == Status.NEEDS_UPDATE  # silent since the cycle started, 30 days
    before = replace(at, started=False, expected=0.0)
    assert facts(org, before)["status"][old] == Status.ON_TRACK


def test_thresholds_come_from_the_settings(org):
    objective_id = add_objective(org, "Strict")
    kr_id = add_kr(org, objective_id, current=25, confidence=8, last=NOW)
    at = dashboard.moment(cycle_of(org), DEFAULT_SETTINGS, NOW)
    assert facts(org, at)["status"][kr_id] == Status.ON_TRACK  # 0.08 behind
    strict = replace(DEFAULT_SETTINGS, on_track_gap=0.05)
    at = dashboard.moment(cycle_of(org), strict, NOW)
    assert facts(org, at)["status"][kr_id] == Status.AT_RISK


def test_drafts_and_other_cycles_are_not_counted(org):
    add_kr(org, add_objective(org, "Draft", state="draft"), current=10)
    add_kr(org, add_objective(org, "Archived", state="archived"), current=10)
    counted = add_kr(org, add_objective(org, "Live"), current=10, last=NOW)
    with org.sessions() as session:
        status = dashboard.status_by_team(session, cycle_of(org), NOW.date())
    assert status["krs"].sum() == 1
    at = dashboard.moment(cycle_of(org), DEFAULT_SETTINGS, NOW)
    assert list(facts(org, at).index) == [counted]


# --- status, freshness and the at-risk list ---------------------------------------------------


def test_status_by_team_counts_krs_silent_ones_and_progress_per_team(org):
    product = add_objective(org, "Product goal")
    sales = add_objective(org, "Sales goal", team="sales", owner="sam")
    add_kr(org, product, current=40, confidence=8, last=NOW)  # on track
    add_kr(org, product, current=20, confidence=8, last=NOW - timedelta(days=20))  # silent
    add_kr(org, sales, owner="sue", current=150, confidence=8, last=NOW - timedelta(days=30))
    with org.sessions() as session:
        frame = dashboard.status_by_team(session, cycle_of(org), NOW.date())
    by_team = frame.groupby("team_id")[["krs", "silent", "progress_sum", "progress_n"]].sum()
    assert by_team.loc[org.ids["product"]].tolist() == pytest.approx([2, 1, 0.6, 2])
    # An achieved KR is never silent, and counts as 100 % (not 150 %) in a mean.
    assert by_team.loc[org.ids["sales"]].tolist() == pytest.approx([1, 0, 1.0, 1])
    product_statuses = set(frame[frame["team_id"] == org.ids["product"]]["status"])
    assert product_statuses == {Status.ON_TRACK, Status.NEEDS_UPDATE}


def test_freshness_buckets_by_time_since_the_last_check_in(org):
    objective_id = add_objective(org, "Fresh")
    for days in (1, 6, 9, 13, 15, 29):
        add_kr(org, objective_id, current=30, confidence=8, last=NOW - timedelta(days=days))
    add_kr(org, objective_id)
    with org.sessions() as session:
        frame = dashboard.freshness_by_team(session, cycle_of(org), NOW.date())
    counts = dict(zip(frame["freshness"], frame["krs"], strict=True))
    assert counts == {"this week": 2, "1–2 weeks ago": 2, "stale": 2, "never": 1}
    assert set(dashboard.FRESHNESS_LABELS) == set(dashboard.FRESHNESS)


def test_at_risk_list_is_worst_first_then_furthest_behind_paged_and_scoped(org):
    product = add_objective(org, "Product goal")
    sales = add_objective(org, "Sales goal", team="sales", owner="sam")
    behind = add_kr(org, product, current=0, confidence=8, last=NOW, title="Zero")
    worse = add_kr(org, product, current=10, confidence=2, last=NOW, title="Low confidence")
    risky = add_kr(org, product, current=12, confidence=8, last=NOW, title="A bit behind")
    add_kr(org, product, current=60, confidence=8, last=NOW, title="Ahead")
    other = add_kr(org, sales, owner="sue", current=5, confidence=8, last=NOW, title="Sales")
    cycle, wanted = cycle_of(org), (Status.AT_RISK.value, Status.OFF_TRACK.value)
    with org.sessions() as session:
        everything, total = dashboard.krs_by_status(session, cycle, NOW.date(), wanted)
        page, paged_total = dashboard.krs_by_status(session, cycle, NOW.date(), wanted, None, 2, 2)
        product_only, product_total = dashboard.krs_by_status(
            session, cycle, NOW.date(), wanted, (org.ids["product"],)
        )
        none, zero = dashboard.krs_by_status(session, cycle, NOW.date(), ())
    # Off track (the confidence of 2 makes one so), then at risk; least progress first.
    assert list(everything["kr_id"]) == [behind, worse, other, risky]
    assert total == paged_total == 4
    assert list(page["kr_id"]) == [other, risky]
    assert set(product_only["kr_id"]) == {behind, worse, risky} and product_total == 3
    assert none.empty and zero == 0
    first = everything.iloc[0]
    assert (first["owner"], first["team"], first["status"]) == (
        "Mia Member",
        "Product",
        "off_track",
    )


# --- weekly progress ----------------------------------------------------------------------------


def test_weekly_progress_equals_a_replay_of_the_check_ins(org):
    cycle = cycle_of(org)
    start = datetime.combine(cycle.start_date, time(10))
    product = add_objective(org, "Product goal")
    individual = add_objective(org, "Mine", level="individual", owner="mia")
    sales = add_objective(org, "Sales goal", team="sales", owner="sam")
    rising = add_kr(org, product, created=start - timedelta(days=5))
    falling = add_kr(org, product, kind="decrease", start=100, target=50, created=start)
    flip = add_kr(org, individual, kind="stay_above", start=None, target=90, created=start)
    late = add_kr(org, sales, owner="sue", created=start + timedelta(days=15))
    never = add_kr(org, sales, owner="sue", created=start)
    add_kr(org, product, start=5, target=5, current=9, created=start)  # undefined: not counted
    for days, value in ((1, 10), (2, 25), (9, 40), (22, 130)):
        add_check_in(org, rising, value, start + timedelta(days=days))
    for days, value in ((3, 90), (10, 60), (16, 120)):
        add_check_in(org, falling, value, start + timedelta(days=days))
    for days, value in ((4, 95), (12, 80), (25, 91)):
        add_check_in(org, flip, value, start + timedelta(days=days))
    add_check_in(org, late, 50, start + timedelta(days=17))
    assert never  # counted as 0 % throughout

    with org.sessions() as session:
        frame = dashboard.weekly_progress(session, cycle, NOW.date())
        kr_rows = session.execute(
            select(
                KeyResult.id,
                Objective.team_id,
                KeyResult.kind,
                KeyResult.start_value,
                KeyResult.target_value,
                KeyResult.created_at,
            ).join(Objective, Objective.id == KeyResult.objective_id)
        ).all()
        check_ins = session.execute(
            select(CheckIn.key_result_id, CheckIn.created_at, CheckIn.value)
        ).all()

    weeks = dashboard.cycle_weeks(cycle)
    expected = []
    for team in sorted({row.team_id for row in kr_rows}):
        for week in weeks:
            values = []
            for kr in kr_rows:
                if kr.team_id != team or kr.created_at >= week.end:
                    continue
                if kr_progress(kr.kind, kr.start_value, kr.target_value, 1) is None:
                    continue
                before = [
                    c for c in check_ins if c.key_result_id == kr.id and c.created_at < week.end
                ]
                value = max(before, key=lambda c: c.created_at).value if before else None
                values.append(clamp(kr_progress(kr.kind, kr.start_value, kr.target_value, value)))
            expected.append((team, week.index, sum(values) / len(values) if values else None))
    got = {(r.team_id, r.week): r.progress for r in frame.itertuples(index=False)}
    assert len(got) == len(expected) == 2 * len(weeks)
    for team, week, value in expected:
        if value is None:
            assert pd.isna(got[team, week])
        else:
            assert got[team, week] == pytest.approx(value), (team, week)
    # The replay is not trivial: product progress moved both ways over the weeks.
    product = frame[frame["team_id"] == org.ids["product"]]["progress"].tolist()
    steps = [b - a for a, b in zip(product, product[1:], strict=False)]
    assert max(steps) > 0 > min(steps)


def test_cycle_weeks_run_from_the_first_day_to_now():
    cycle = CycleRow(1, "Q", date(2026, 1, 1), date(2026, 3, 31), "active")
    weeks = dashboard.cycle_weeks(cycle, datetime(2026, 1, 20, 12))
    assert [w.index for w in weeks] == [0, 1, 2]
    assert weeks[0].start == datetime(2026, 1, 1) and weeks[0].end == datetime(2026, 1, 8)
    assert weeks[-1].end == datetime(2026, 1, 20, 12)  # the current week ends now
    assert weeks[0].label == "W1 · 01 Jan"
    over = dashboard.cycle_weeks(cycle, datetime(2026, 6, 1))
    assert len(over) == 13 and over[-1].end == datetime(2026, 4, 1)  # 90 days: last is short
    assert dashboard.cycle_weeks(cycle, datetime(2025, 12, 1)) == []


# --- the member table ----------------------------------------------------------------------------


def test_member_table_shows_each_person_of_the_teams_stale_ones_first(org):
    cycle = cycle_of(org)
    start = datetime.combine(cycle.start_date, time(10))
    mine = add_objective(org, "Mia's", level="individual", owner="mia")
    maxs = add_objective(org, "Max's", level="individual", owner="max")
    silent = add_kr(org, mine, owner="mia", created=start)
    add_check_in(org, silent, 20, start + timedelta(days=1), confidence=8)
    add_check_in(org, silent, 25, start + timedelta(days=9), confidence=6)
    active = add_kr(org, maxs, owner="max", created=start)
    add_check_in(org, active, 50, NOW - timedelta(days=1), confidence=9)
    with org.sessions() as session:
        frame, total = dashboard.members(session, cycle, NOW.date(), (org.ids["product"],))
        page, _ = dashboard.members(session, cycle, NOW.date(), (org.ids["product"],), 1, 1)
        count = dashboard.member_count(session, (org.ids["product"],))
    assert total == count == 3  # lena, mia, max
    assert list(frame["name"]) == ["Mia Member", "Max Member", "Lena Lead"]
    mia = frame.iloc[0]
    # Silent for 21 days: "needs update", which is worse than the at-risk confidence of 6.
    assert (mia["krs"], mia["stale_krs"], mia["behind_krs"]) == (1, 1, 0)
    assert mia["progress"] == pytest.approx(0.25)
    # Weekly mean confidence, carried over silent weeks from the first week with a check-in.
    assert mia["confidence_trend"][:2] == [8.0, 6.0]
    assert set(mia["confidence_trend"][2:]) == {6.0}
    assert frame.iloc[2]["krs"] == 0 and frame.iloc[2]["confidence_trend"] == []
    assert list(page["name"]) == ["Max Member"]


# --- the cycle comparison ------------------------------------------------------------------------


def past_cycle(org: Org, name: str, days_ago: int, length: int = 90) -> int:
    with transaction(org.sessions) as session:
        end = NOW.date() - timedelta(days=days_ago)
        row = Cycle(name=name, start_date=end - timedelta(days=length), end_date=end)
        row.state = "closed"
        session.add(row)
        session.flush()
        return row.id


def test_cycle_comparison_lists_earlier_cycles_oldest_first_with_means(org):
    old = past_cycle(org, "Old", 200)
    last = past_cycle(org, "Last", 40)
    for cycle_id, scores in ((old, (0.2, 0.4)), (last, (0.9, 0.7))):
        objective_id = add_objective(org, "Past", cycle_id=cycle_id, state="closed")
        for score in scores:
            add_kr(org, objective_id, current=score * 100, score=score)
    add_kr(org, add_objective(org, "Now"), current=50)
    with org.sessions() as session:
        frame = dashboard.cycle_comparison(session, cycle_of(org))
        only_two = dashboard.cycle_comparison(session, cycle_of(org), count=2)
    assert list(frame["cycle"]) == ["Old", "Last", "Now"]
    assert frame["mean_progress"].tolist() == pytest.approx([0.3, 0.8, 0.5])
    assert frame["mean_kr_score"].tolist()[:2] == pytest.approx([0.3, 0.8])
    assert pd.isna(frame["mean_kr_score"].iloc[2])
    assert list(frame["krs"]) == [2, 2, 1]
    assert list(only_two["cycle"]) == ["Last", "Now"]


# --- organisation units ----------------------------------------------------------------------------


def test_teams_roll_up_to_their_department(org):
    from db import commands
    from tests.factories import run

    ids = org.ids
    ids["web"] = run(org.sessions, commands.create_team, org.admin, "Web", ids["product"], None)
    with org.sessions() as session:
        units = dashboard.org_units(session)
    by_id = units.set_index("team_id")
    assert by_id.loc[ids["web"], "department"] == "Product"
    assert by_id.loc[ids["company"], "is_root"]
    assert by_id.loc[ids["company"], "department_id"] == ids["company"]
    assert dashboard.subtree(units, ids["product"]) == tuple(sorted((ids["product"], ids["web"])))
    frame = pd.DataFrame({"team_id": [ids["web"], ids["product"], ids["sales"]], "krs": [1, 2, 4]})
    departments = dashboard.roll_up(frame, units, "department", ["krs"])
    assert dict(zip(departments["unit"], departments["krs"], strict=True)) == {
        "Product": 3,
        "Sales": 4,
    }
    teams = dashboard.roll_up(frame, units, "team", ["krs"])
    assert dict(zip(teams["unit"], teams["krs"], strict=True)) == {
        "Web": 1,
        "Product": 2,
        "Sales": 4,
    }


# --- forecasting reads ---------------------------------------------------------------------------


def test_kr_points_are_the_check_ins_of_the_asked_krs_oldest_first(org):
    objective_id = add_objective(org, "Points")
    first, second = add_kr(org, objective_id), add_kr(org, objective_id)
    add_check_in(org, first, 30, NOW - timedelta(days=2))
    add_check_in(org, first, 10, NOW - timedelta(days=9))
    add_check_in(org, second, 5, NOW - timedelta(days=1))
    with org.sessions() as session:
        points = forecasting.kr_points(session, (first,))
        assert forecasting.kr_points(session, ()) == {}
    assert [p.value for p in points[first]] == [10, 30]
    assert second not in points


def closed_history(org: Org, krs: int, length: int = 100) -> int:
    """A closed cycle of ``length`` days whose KRs went 0 → 100 at an even pace to 60 %, each
    checked in at 25 %, 50 % and 90 % of the cycle, and scored 0.6."""
    cycle_id = past_cycle(org, f"History {krs}", 30, length)
    cycle = cycle_of(org, cycle_id)
    begin = datetime.combine(cycle.start_date, time())
    objective_id = add_objective(org, "History", cycle_id=cycle_id, state="closed")
    for _ in range(krs):
        kr_id = add_kr(org, objective_id, score=0.6)
        for share in (0.25, 0.5, 0.9):
            add_check_in(org, kr_id, 60 * share, begin + timedelta(days=length * share))
    return cycle_id


def test_calibration_outcomes_replay_progress_at_fractions_of_closed_cycles(org):
    history = closed_history(org, 3)
    add_kr(org, add_objective(org, "Draft past", cycle_id=history, state="draft"), score=1.0)
    with org.sessions() as session:
        outcomes = forecasting.calibration_outcomes(session)
        again = forecasting.calibration_outcomes(session)
        capped = forecasting.calibration_outcomes(session, max_krs=1)
        excluded = forecasting.calibration_outcomes(session, exclude_cycle_id=history)
    assert outcomes == again  # a deterministic sample
    assert len(outcomes) == 3 * len(forecasting.FRACTIONS)  # drafts do not count
    by_fraction = {o.elapsed: o for o in outcomes}
    # The last check-in before 30 % of the cycle was the one at 25 %: 15 of 100.
    assert by_fraction[0.3].progress_then == pytest.approx(0.15)
    assert by_fraction[0.1].progress_then == 0.0  # nothing yet
    assert by_fraction[0.9].progress_then == pytest.approx(0.3)  # the 90 % one is not before
    assert {o.final_score for o in outcomes} == {0.6}
    assert len(capped) == len(forecasting.FRACTIONS)
    assert excluded == ()


def test_objectives_forecast_rolls_kr_forecasts_up_and_ranges_them_with_history(org):
    cycle = cycle_of(org)
    begin = datetime.combine(cycle.start_date, time())
    company = [
        add_objective(org, f"Company {n}", level="company", team="company", owner="eve")
        for n in (1, 2)
    ]
    trend = add_kr(org, company[0], owner="eve", created=begin)
    for day, value in ((10, 10), (20, 25)):
        add_check_in(org, trend, value, begin + timedelta(days=day))
    pace = add_kr(org, company[1], owner="eve", current=None, created=begin)
    add_kr(org, add_objective(org, "Team"), current=90)  # not a company objective
    with org.sessions() as session:
        thin = forecasting.objectives_forecast(session, cycle, NOW.date(), "company")
    points = [Point(begin + timedelta(days=d), v) for d, v in ((10, 10), (20, 25))]
    expected_trend = forecast_kr("increase", 0, 100, points, cycle.start_date, cycle.end_date, NOW)
    assert expected_trend.method == "trend"
    assert pace  # no check-in: pace method, 0 %
    by_title = thin.objectives.set_index("title")
    assert by_title.loc["Company 1", "forecast"] == pytest.approx(clamp(expected_trend.progress))
    assert by_title.loc["Company 2", "forecast"] == 0.0
    assert thin.forecast == pytest.approx(mean_forecast(by_title["forecast"]))
    assert thin.progress == pytest.approx(mean_progress([0.25, 0.0]))
    assert thin.total_objectives == 2 and not thin.capped
    assert thin.range is None  # fewer than 20 past KRs: no range rather than a made-up one

    closed_history(org, 25)
    with org.sessions() as session:
        rich = forecasting.objectives_forecast(session, cycle, NOW.date(), "company")
        outcomes = forecasting.calibration_outcomes(session, exclude_cycle_id=cycle.id)
        team = forecasting.objectives_forecast(
            session, cycle, NOW.date(), None, (org.ids["product"],)
        )
    assert rich.range == calibrate(outcomes, rich.elapsed, rich.forecast)
    assert rich.range.low <= rich.range.mid <= rich.range.high
    assert rich.objectives["low"].notna().all()
    assert list(team.objectives["title"]) == ["Team"]
    assert team.progress == pytest.approx(0.9)
