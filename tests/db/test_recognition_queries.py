"""Recognition reads on crafted data: facts computed in SQL, the boards ranked from them,
badges and streaks, the kudos wall and what kudos may link to.

The cycle started 70 days ago (of 91), so "now" is in its last third: a key result created
today is late, while the ones backdated to before the start count.
"""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from core.leaderboard import CycleWindow
from db import commands
from db.commands import kudos
from db.engine import transaction
from db.models import CheckIn, KeyResult, Kudos, Objective
from db.queries import okrs, recognition
from tests.factories import build_org, run

DAYS_IN = 70


def start_of(cycle) -> datetime:
    return datetime.combine(cycle.start_date, time())


def new_objective(sessions, actor, cycle_id, title, krs, team_id=None, level="individual"):
    objective_id = run(
        sessions,
        commands.create_objective,
        actor,
        commands.ObjectiveInput(cycle_id, level, title, actor.id, team_id, key_results=krs),
    )
    with sessions() as session:
        kr_ids = list(
            session.scalars(
                select(KeyResult.id)
                .where(KeyResult.objective_id == objective_id)
                .order_by(KeyResult.id)
            )
        )
    return objective_id, kr_ids


def publish(sessions, actor, objective_id):
    run(sessions, commands.set_objective_state, actor, objective_id, 1, "active")


def backdate_kr(sessions, kr_id, at):
    with transaction(sessions) as session:
        session.execute(update(KeyResult).where(KeyResult.id == kr_id).values(created_at=at))


def check_in_at(sessions, actor, kr_id, value, at=None):
    entry = run(sessions, commands.check_in, actor, commands.CheckInInput(kr_id, value, 8))
    if at is not None:
        with transaction(sessions) as session:
            session.execute(update(CheckIn).where(CheckIn.id == entry).values(created_at=at))
    return entry


@pytest.fixture
def org(sessions):
    """mia: one KR at 70 % (was 50 % 30 days ago), check-ins in weeks 0, 2, 5, 7, 9.
    max: one KR at 60 % with check-ins in weeks 8, 9, 10, plus a late KR ticked off today.
    lena: a milestone KR checked in weeks 3, 4, 6–9 (a missed week 5), not yet this week.
    Kudos: sue → mia twice, lena → Product once; an empty team "Ghosts" under Sales."""
    org = build_org(sessions, today=date.today() - timedelta(days=DAYS_IN - 30))
    with sessions() as session:
        cycle = okrs.cycle_row(session, org.ids["cycle"])
    org.cycle = cycle
    s = start_of(cycle)
    mia, max_, lena = org.actor("mia"), org.actor("max"), org.actor("lena")

    goal, (kr_mia,) = new_objective(
        sessions, mia, cycle.id, "Mia's goal", [commands.KRInput("Signups", "increase", 0, 100)]
    )
    secret, (kr_secret,) = new_objective(
        sessions, mia, cycle.id, "Mia's draft", [commands.KRInput("Secret", "milestone")]
    )
    publish(sessions, mia, goal)
    backdate_kr(sessions, kr_mia, s - timedelta(days=1))
    for value, day in ((20, 1), (40, 15), (50, 35), (60, 49), (70, 63)):
        check_in_at(sessions, mia, kr_mia, value, s + timedelta(days=day, hours=10))

    max_goal, (kr_max,) = new_objective(
        sessions, max_, cycle.id, "Max's goal", [commands.KRInput("Demos", "increase", 0, 10)]
    )
    publish(sessions, max_, max_goal)
    backdate_kr(sessions, kr_max, s)
    for value, day in ((2, 57), (4, 64)):
        check_in_at(sessions, max_, kr_max, value, s + timedelta(days=day))
    check_in_at(sessions, max_, kr_max, 6)  # today: week 10
    late_goal, (kr_late,) = new_objective(
        sessions, max_, cycle.id, "An easy one", [commands.KRInput("Say hello", "milestone")]
    )
    publish(sessions, max_, late_goal)
    check_in_at(sessions, max_, kr_late, 1)  # created and achieved today, in the last third

    lena_goal, (kr_lena,) = new_objective(
        sessions, lena, cycle.id, "Lena's goal", [commands.KRInput("Ship it", "milestone")]
    )
    publish(sessions, lena, lena_goal)
    backdate_kr(sessions, kr_lena, s)
    for day in (22, 29, 43, 50, 57, 64):
        check_in_at(sessions, lena, kr_lena, 0, s + timedelta(days=day))

    sue = org.actor("sue")
    run(sessions, kudos.give_kudos, sue, "Thanks Mia!", receiver_user_id=mia.id)
    run(sessions, kudos.give_kudos, sue, "Again, thanks!", receiver_user_id=mia.id)
    run(sessions, kudos.give_kudos, lena, "Go Product!", receiver_team_id=org.ids["product"])
    org.ids["ghosts"] = run(
        sessions, commands.create_team, org.admin, "Ghosts", org.ids["sales"], None
    )
    org.ids.update(
        goal=goal,
        secret=secret,
        kr_mia=kr_mia,
        kr_secret=kr_secret,
        kr_max=kr_max,
        kr_late=kr_late,
        kr_lena=kr_lena,
    )
    return org


def read(sessions, query, *args, **kwargs):
    with sessions() as session:
        return query(session, *args, **kwargs)


def moment_of(org):
    return recognition.as_of(org.cycle)


# --- facts -------------------------------------------------------------------------------


def test_facts_have_progress_now_and_30_days_ago_and_the_weeks_checked_in(org, sessions):
    facts = read(sessions, recognition.kr_facts, org.cycle, moment_of(org)).set_index("kr_id")
    assert org.ids["kr_secret"] not in facts.index  # drafts never count
    mia = facts.loc[org.ids["kr_mia"]]
    assert mia.owner_id == org.ids["mia"] and mia.team_id == org.ids["product"]
    assert mia.progress == pytest.approx(0.7)
    assert mia.progress_30_days_ago == pytest.approx(0.5)  # the check-in of day 35
    assert mia.checkin_weeks == frozenset({0, 2, 5, 7, 9})
    max_ = facts.loc[org.ids["kr_max"]]
    assert max_.checkin_weeks == frozenset({8, 9, 10})
    assert max_.progress_30_days_ago == 0.0  # no check-in by then: its start value
    assert facts.loc[org.ids["kr_late"]].progress == 1.0


def test_week_indexes_from_sql_match_the_cycle_window_at_the_boundaries(org, sessions):
    s = start_of(org.cycle)
    kr = org.ids["kr_lena"]
    moments = [
        s - timedelta(days=3),  # before the start: week 0
        s + timedelta(days=14) - timedelta(microseconds=1),  # last instant of week 1
        s + timedelta(days=14),  # first instant of week 2
        s + timedelta(days=90, hours=23),  # the last day: the last week (12)
    ]
    lena = org.actor("lena")
    for moment in moments:
        check_in_at(sessions, lena, kr, 1, moment)
    facts = read(sessions, recognition.kr_facts, org.cycle, moment_of(org)).set_index("kr_id")
    window = CycleWindow(org.cycle.start_date, org.cycle.end_date, moment_of(org))
    expected = {window.week_of(m) for m in moments}
    assert expected == {0, 1, 2, 12}
    assert expected <= facts.loc[kr].checkin_weeks


def test_a_cycle_longer_than_sixty_weeks_keeps_every_week(org, sessions):
    today = date.today()
    cycle_id = run(
        sessions, commands.create_cycle, org.admin, "Long haul", today - timedelta(weeks=70), today
    )
    sue = org.actor("sue")
    goal, (kr,) = new_objective(
        sessions, sue, cycle_id, "Marathon", [commands.KRInput("Miles", "increase", 0, 100)]
    )
    publish(sessions, sue, goal)
    cycle = read(sessions, okrs.cycle_row, cycle_id)
    s = start_of(cycle)
    for week in (0, 59, 60, 65):
        check_in_at(sessions, sue, kr, week, s + timedelta(weeks=week, days=2))
    facts = read(sessions, recognition.kr_facts, cycle, recognition.as_of(cycle))
    assert facts.iloc[0].checkin_weeks == frozenset({0, 59, 60, 65})


# --- the boards --------------------------------------------------------------------------


def board(org, sessions):
    return read(sessions, recognition.leaderboard, org.cycle, moment_of(org))


def order(frame, metric):
    ranked = recognition.ranked(frame, metric)
    return list(zip(ranked["name"], ranked["rank"], ranked["tied"], strict=True))


def test_a_kr_added_late_does_not_lift_a_rank(org, sessions):
    data = board(org, sessions)
    people = data.people.set_index("name")
    # Max's late milestone (100 %) would make his score 80 % and put him first.
    assert people.loc["Max Member", "score"] == pytest.approx(0.6)
    assert people.loc["Max Member", "kr_count"] == 1
    assert order(data.people, "score")[:2] == [("Mia Member", 1, False), ("Max Member", 2, False)]
    assert order(data.people, "improvement")[0] == ("Max Member", 1, False)  # +60 pts vs +20


def test_kudos_and_consistency_boards(org, sessions):
    data = board(org, sessions)
    assert order(data.people, "kudos") == [("Mia Member", 1, False)]
    people = data.people.set_index("name")
    assert people.loc["Mia Member", "consistency"] == pytest.approx(5 / 11)  # weeks 0–10
    assert people.loc["Lena Lead", "consistency"] == pytest.approx(6 / 11)
    assert people.loc["Mia Member", "kudos_given"] == 0
    assert people.loc["Lena Lead", "kudos_given"] == 1


def test_teams_cover_their_sub_teams_and_an_empty_team_is_never_ranked(org, sessions):
    teams = board(org, sessions).teams.set_index("name")
    assert teams.loc["Company", "kind"] == "organisation"
    assert teams.loc["Sales", "kind"] == "department"  # Ghosts is below it
    assert teams.loc["Product", "kind"] == "team"
    ghosts = teams.loc["Ghosts"]
    assert (ghosts.members, ghosts.kr_count, ghosts.kudos) == (0, 0, 0)
    assert pd_isna(ghosts.score) and pd_isna(ghosts.consistency)
    assert teams.loc["Product", "kudos"] == 1
    assert teams.loc["Company", "kudos"] == 1  # rolled up from Product
    # Product: Mia 70 % and Max 60 % (his late KR does not count); Lena's milestone 0 %.
    assert teams.loc["Product", "score"] == pytest.approx((0.7 + 0.6 + 0.0) / 3)
    ranked = recognition.ranked(board(org, sessions).teams, "score")
    assert "Ghosts" not in set(ranked["name"])


def pd_isna(value) -> bool:
    return value is None or value != value


def test_ties_share_a_rank_in_alphabetical_order(org, sessions):
    sam, sue = org.actor("sam"), org.actor("sue")
    for actor in (sam, sue):
        goal, (kr,) = new_objective(
            sessions, actor, org.cycle.id, "Tie", [commands.KRInput("X", "increase", 0, 10)]
        )
        publish(sessions, actor, goal)
        backdate_kr(sessions, kr, start_of(org.cycle))
        check_in_at(sessions, actor, kr, 5)
    ranks = dict(((n, (r, t)) for n, r, t in order(board(org, sessions).people, "score")))
    assert ranks["Sam Lead"] == ranks["Sue Member"] == (3, True)
    names = [n for n, _, _ in order(board(org, sessions).people, "score")]
    assert names.index("Sam Lead") < names.index("Sue Member")


# --- badges and streaks ------------------------------------------------------------------


def test_streaks_and_badges_are_computed_from_the_check_ins(org, sessions):
    people = board(org, sessions).people.set_index("name")
    # Lena: weeks 3, 4, 6, 7, 8, 9 — week 5 was missed, this week (10) not yet checked in.
    assert people.loc["Lena Lead", "streak"] == 4
    assert "streak" in people.loc["Lena Lead", "badges"].split(",")
    assert people.loc["Max Member", "streak"] == 3  # weeks 8, 9 and this week
    assert people.loc["Mia Member", "streak"] == 1  # week 9; week 8 was missed
    assert "first_kr_achieved" in people.loc["Max Member", "badges"].split(",")


def test_one_persons_recognition_matches_the_board(org, sessions):
    data = board(org, sessions).people.set_index("id")
    for name in ("lena", "max", "mia"):
        mine = read(
            sessions, recognition.person_recognition, org.ids[name], org.cycle, moment_of(org)
        )
        row = data.loc[org.ids[name]]
        assert mine.streak == row.streak
        assert ",".join(mine.badges) == row.badges
        assert mine.kudos_given == row.kudos_given
    mia = read(sessions, recognition.person_recognition, org.ids["mia"], org.cycle, moment_of(org))
    assert (mia.kudos_received, mia.kr_count, mia.current_week, mia.total_weeks) == (2, 1, 10, 13)


def test_a_closed_cycle_is_ranked_as_it_ended(org):
    cycle = org.cycle.__class__(1, "Old", date(2025, 1, 1), date(2025, 3, 31), "closed")
    assert recognition.as_of(cycle) == datetime(2025, 3, 31, 23, 59, 59)


# --- the kudos wall ----------------------------------------------------------------------


def wall(sessions, **filters):
    frame, total = read(sessions, recognition.kudos_page, **filters)
    return list(frame["message"]), total


def test_the_wall_is_newest_first_and_paginated(org, sessions):
    messages, total = wall(sessions)
    assert total == 3
    assert messages == ["Go Product!", "Again, thanks!", "Thanks Mia!"]
    assert wall(sessions, limit=2, offset=2) == (["Thanks Mia!"], 3)


def test_the_wall_filters_by_person_and_team(org, sessions):
    ids = org.ids
    assert wall(sessions, person_id=ids["sue"])[1] == 2  # given by Sue
    assert wall(sessions, person_id=ids["sue"], received_only=True)[1] == 0
    assert wall(sessions, person_id=ids["mia"], received_only=True)[1] == 2
    # Product: to the team and to its people; Company includes its sub-teams.
    assert wall(sessions, team_ids=(ids["product"],))[1] == 3
    assert wall(sessions, team_ids=(ids["sales"], ids["ghosts"]))[1] == 0
    today = date.today()
    assert wall(sessions, since=today + timedelta(days=1))[1] == 0
    assert wall(sessions, since=today, until=today)[1] == 3


def test_the_wall_names_giver_receiver_and_published_link(org, sessions):
    run(
        sessions,
        kudos.give_kudos,
        org.actor("lena"),
        "Signups are flying",
        receiver_user_id=org.ids["mia"],
        key_result_id=org.ids["kr_mia"],
    )
    frame, _ = read(sessions, recognition.kudos_page, limit=1)
    row = frame.iloc[0]
    assert (row.giver, row.receiver, row.objective_title, row.kr_title) == (
        "Lena Lead",
        "Mia Member",
        "Mia's goal",
        "Signups",
    )
    team_row = read(sessions, recognition.kudos_page, team_ids=(org.ids["product"],))[0]
    assert "Product" in set(team_row["receiver"])
    # Archived later: the link is no longer shown.
    with sessions() as session:
        version = session.get(Objective, org.ids["goal"]).version
    run(
        sessions,
        commands.set_objective_state,
        org.actor("mia"),
        org.ids["goal"],
        version,
        "archived",
    )
    frame, _ = read(sessions, recognition.kudos_page, limit=1)
    assert frame.iloc[0].objective_title is None or pd_isna(frame.iloc[0].objective_title)


def test_link_options_list_only_published_work_of_the_receiver(org, sessions):
    options = read(sessions, recognition.kudos_link_options, org.cycle.id, person_id=org.ids["mia"])
    assert list(options["objective_title"].unique()) == ["Mia's goal"]
    assert list(options["kr_title"].dropna()) == ["Signups"]
    none = read(sessions, recognition.kudos_link_options, org.cycle.id, team_id=org.ids["product"])
    assert none.empty


def test_kudos_counts_only_the_cycle(org, sessions):
    with transaction(sessions) as session:
        session.execute(
            update(Kudos)
            .where(Kudos.message == "Thanks Mia!")
            .values(created_at=start_of(org.cycle) - timedelta(days=5))
        )
    people = board(org, sessions).people.set_index("name")
    assert people.loc["Mia Member", "kudos"] == 1
