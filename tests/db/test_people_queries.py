"""People-page reads on SQLite and PostgreSQL: who may see whom (enforced in the query), the
picker offers only those, and one person's scores, check-in discipline and confidence."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from core.errors import PermissionDenied
from db.commands import grading
from db.models import CheckIn, Cycle, KeyResult
from db.queries import people
from tests.db.test_okr_commands import check_in, create, key_results, kr, load, publish, write
from tests.factories import Org, build_org


@pytest.fixture
def org(sessions) -> Org:
    return build_org(sessions)


def see(org: Org, viewer: str, person: str):
    with org.sessions() as session:
        return people.person(session, org.actor(viewer), org.ids[person])


def options(org: Org, viewer: str, search: str = "") -> set[int]:
    with org.sessions() as session:
        return set(people.person_options(session, org.actor(viewer), search))


def test_member_sees_only_themself(org):
    assert see(org, "mia", "mia").display_name == "Mia Member"
    with pytest.raises(PermissionDenied, match="only see your own performance"):
        see(org, "mia", "max")
    assert options(org, "mia") == {org.ids["mia"]}


def test_lead_sees_themself_and_the_people_of_their_teams(org):
    assert see(org, "lena", "mia").team == "Product"
    with pytest.raises(PermissionDenied, match="people in the teams you lead"):
        see(org, "lena", "sue")  # Sales
    with pytest.raises(PermissionDenied, match="people in the teams you lead"):
        see(org, "lena", "eve")
    ids = org.ids
    assert options(org, "lena") == {ids["lena"], ids["mia"], ids["max"]}
    assert options(org, "lena", "ma") == {ids["max"]}  # searched, still only visible people


def test_executives_and_admins_see_everyone(org):
    assert see(org, "eve", "sue").manager is None
    assert len(options(org, "eve")) == 7  # admin, eve, lena, sam, mia, max, sue
    with org.sessions() as session:
        assert people.person(session, org.admin, org.ids["sam"]).role == "lead"


def test_every_performance_read_refuses_someone_not_visible(org):
    with org.sessions() as session, pytest.raises(PermissionDenied):
        people.performance(session, org.actor("mia"), org.ids["sue"])
    with org.sessions() as session, pytest.raises(PermissionDenied):
        people.confidence_history(session, org.actor("sam"), org.ids["mia"], org.ids["cycle"])


def at_day(org: Org, day: int) -> datetime:
    """A moment on ``day`` of the cycle (0 = its first day)."""
    start = load(org, Cycle, org.ids["cycle"]).start_date
    return datetime.combine(start + timedelta(days=day), time(10))


def test_scores_discipline_and_confidence_across_cycles(org):
    mine = create(org, "mia", krs=(kr("Signups", start=0, target=100), kr("Docs", "milestone")))
    publish(org, "mia", mine)
    signups, docs = (k.id for k in key_results(org, mine))
    # A team KR owned by mia in lena's objective counts for mia too.
    team = create(
        org, "lena", level="team", team="product", krs=(kr("Churn", owner_id=org.ids["mia"]),)
    )
    publish(org, "lena", team)
    churn = key_results(org, team)[0].id
    for kr_id, value, confidence in ((signups, 20, 8), (signups, 40, 6), (churn, 10, 3)):
        check_in(org, "mia", kr_id, value, confidence)
    # Both KRs exist since the cycle's first day; signups got check-ins in weeks 0 and 1 only.
    with org.sessions.begin() as session:
        session.execute(
            update(KeyResult)
            .where(KeyResult.id.in_([signups, docs, churn]))
            .values(created_at=at_day(org, 0))
        )
        first, second = sorted(
            session.scalars(select(CheckIn.id).where(CheckIn.key_result_id == signups))
        )
        for check_in_id, day in ((first, 1), (second, 8)):
            session.execute(
                update(CheckIn).where(CheckIn.id == check_in_id).values(created_at=at_day(org, day))
            )
    write(org, "eve", grading.close_cycle, org.ids["cycle"])

    with org.sessions() as session:
        perf = people.performance(session, org.actor("lena"), org.ids["mia"])
        history = people.confidence_history(
            session, org.actor("mia"), org.ids["mia"], org.ids["cycle"]
        )

    assert list(perf.objectives["title"]) == ["Grow the product"]
    objective = perf.objectives.iloc[0]
    assert objective["score"] == pytest.approx(0.2)  # signups 40 % → 0.4, docs 0 → mean 0.2
    assert objective["progress"] == pytest.approx(0.2)
    assert set(perf.krs["title"]) == {"Signups", "Docs", "Churn"}
    cycle = perf.cycles.iloc[0]
    assert (cycle["cycle"], cycle["state"], cycle["objectives"], cycle["krs"]) == (
        "Now",
        "closed",
        1,
        3,
    )
    # Week 4 of the cycle is under way (it started 30 days ago): 5 weeks so far. Signups: weeks
    # 0 and 1 → 2/5; Docs: none → 0; Churn: this week → 1/5. Mean: (0.4 + 0 + 0.2) / 3.
    consistency = dict(zip(perf.krs["title"], perf.krs["consistency"], strict=True))
    assert consistency == pytest.approx({"Signups": 0.4, "Docs": 0.0, "Churn": 0.2})
    assert cycle["consistency"] == pytest.approx(0.2)
    assert cycle["mean_confidence"] == pytest.approx((6 + 3) / 2)  # the KRs' latest
    assert list(history["confidence"]) == [8, 6, 3]  # oldest first
    assert list(history["kr"]) == ["Signups", "Signups", "Churn"]


def test_a_person_without_okrs_has_empty_frames(org):
    with org.sessions() as session:
        perf = people.performance(session, org.actor("sue"), org.ids["sue"])
    assert perf.cycles.empty and perf.objectives.empty and perf.krs.empty
