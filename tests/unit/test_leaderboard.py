from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.leaderboard import (
    METRICS,
    RANKING_RULES,
    BoardRow,
    CycleWindow,
    KRFact,
    boards,
    eligible_for_score,
    kr_consistency,
    person_rows,
    rank,
    team_rows,
)

# A 90-day cycle: 13 weeks, the last third starts on day 60 (2 March).
START, END = date(2026, 1, 1), date(2026, 3, 31)
BEFORE = datetime(2025, 12, 20, tzinfo=UTC)


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 1, 1, hour, tzinfo=UTC) + timedelta(days=day)


NOW = at(35, 12)  # 5 February, in week 5 → 6 weeks started
WINDOW = CycleWindow(START, END, NOW)
ALICE, BOB, CAROL = 1, 2, 3


def fact(kr_id=1, owner=ALICE, state="active", created=BEFORE, progress=0.5, before=0.2, weeks=()):
    return KRFact(kr_id, owner, None, state, created, progress, before, frozenset(weeks))


def row(subject_id, score=None, consistency=None, kudos=0, improvement=None, kr_count=1):
    return BoardRow(subject_id, score, consistency, kudos, improvement, kr_count)


# --- the cycle window ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "weeks"),
    [
        (at(-1), 0),  # not started
        (at(0), 1),  # the first moment starts week 1
        (at(6, 23), 1),
        (at(7), 2),
        (NOW, 6),
        (at(89, 23), 13),  # last day: the 6 leftover days belong to the last week
        (at(200), 13),  # capped at the cycle's length
    ],
)
def test_elapsed_weeks_counts_started_weeks(now, weeks):
    assert CycleWindow(START, END, now).elapsed_weeks == weeks


def test_late_cutoff_is_two_thirds_into_the_cycle():
    assert WINDOW.late_cutoff == at(60)
    # A 92-day quarter: 2/3 × 92 days = 61 days 8 hours after 1 October.
    q4 = CycleWindow(date(2026, 10, 1), date(2026, 12, 31), NOW)
    assert q4.late_cutoff == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert q4.total_weeks == 13


def test_naive_times_are_read_as_utc():
    assert CycleWindow(START, END, datetime(2026, 1, 8)).elapsed_weeks == 2


# --- eligibility -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "created", "eligible"),
    [
        ("active", BEFORE, True),
        ("closed", at(10), True),
        ("draft", BEFORE, False),  # drafts never count
        ("archived", BEFORE, False),
        ("active", at(59, 23), True),  # just before the last third
        ("active", at(60), False),  # added in the last third: no easy late goals
    ],
)
def test_only_published_krs_created_before_the_last_third_count_for_score(state, created, eligible):
    assert eligible_for_score(fact(state=state, created=created), WINDOW) is eligible


# --- consistency -----------------------------------------------------------------------


def test_consistency_is_the_share_of_weeks_so_far_with_a_check_in():
    assert kr_consistency(fact(weeks={0, 1, 2, 3, 4, 5}), WINDOW) == 1.0
    assert kr_consistency(fact(weeks={0, 2, 4}), WINDOW) == 0.5
    # A check-in is not yet due in a week that has not started.
    assert kr_consistency(fact(weeks={0, 2, 4, 9}), WINDOW) == 0.5


def test_consistency_counts_a_kr_from_the_week_it_was_created():
    # Created on day 21 (week 3): weeks 3, 4, 5 are its weeks; checked in on 2 of them.
    assert kr_consistency(fact(created=at(21), weeks={3, 5}), WINDOW) == pytest.approx(2 / 3)


def test_consistency_before_the_cycle_starts_is_unknown():
    assert kr_consistency(fact(weeks={0}), CycleWindow(START, END, at(-2))) is None


# --- person rows -----------------------------------------------------------------------


def test_person_row_metrics_from_hand_computed_krs():
    facts = [
        fact(10, ALICE, progress=0.8, before=0.5, weeks={0, 1, 2, 3, 4, 5}),
        fact(11, ALICE, progress=1.4, before=0.9, weeks={0, 2, 4}),  # 140 % counts as 100 %
        fact(12, ALICE, state="draft", progress=0.0, before=0.0, weeks=set()),  # ignored
        fact(20, BOB, created=at(21), progress=0.3, before=None, weeks={3, 5}),
    ]
    rows = person_rows(facts, {ALICE: 2, CAROL: 4}, WINDOW)
    assert [r.subject_id for r in rows] == [ALICE, BOB, CAROL]
    alice, bob, carol = rows
    assert alice.score == pytest.approx(0.9)  # (0.8 + 1.0) / 2
    assert alice.consistency == pytest.approx(0.75)  # (6/6 + 3/6) / 2
    assert alice.improvement == pytest.approx(0.2)  # ((0.8 − 0.5) + (1.0 − 0.9)) / 2
    assert (alice.kudos, alice.kr_count) == (2, 2)
    assert bob.score == pytest.approx(0.3)
    assert bob.consistency == pytest.approx(2 / 3)
    assert bob.improvement is None  # no progress known 30 days ago
    assert carol == BoardRow(CAROL, None, None, 4, None, 0)  # kudos only, no KRs


def test_a_late_kr_counts_for_consistency_but_not_for_score():
    window = CycleWindow(START, END, at(70))
    rows = person_rows([fact(created=at(65), progress=1.0, weeks={9, 10})], {}, window)
    assert rows[0].score is None
    assert rows[0].kr_count == 0
    assert rows[0].consistency == 1.0
    assert rank(rows, "score") == []


def test_someone_with_only_drafts_is_not_ranked_anywhere():
    rows = person_rows([fact(state="draft", progress=1.0, weeks={0, 1, 2})], {}, WINDOW)
    assert rows == [BoardRow(ALICE, None, None, 0, None, 0)]
    assert all(rank(rows, metric) == [] for metric in METRICS)


# --- team rows -------------------------------------------------------------------------


def test_team_metrics_cover_the_krs_of_its_members():
    facts = [
        fact(10, ALICE, progress=0.8, weeks={0, 1, 2, 3, 4, 5}),
        fact(11, BOB, progress=0.2, weeks={1, 3, 5}),
        fact(12, CAROL, progress=1.0, weeks={5}),
    ]
    rows = team_rows(facts, {100: 3}, {100: {ALICE, BOB}, 200: {CAROL}}, WINDOW)
    team, other = rows
    assert team.subject_id == 100
    assert team.score == pytest.approx(0.5)  # (0.8 + 0.2) / 2; Carol is not a member
    assert team.consistency == pytest.approx(0.75)  # (6/6 + 3/6) / 2
    assert (team.kudos, team.kr_count) == (3, 2)
    assert (other.subject_id, other.score, other.kudos) == (200, 1.0, 0)


def test_a_team_without_members_gets_an_empty_row():
    rows = team_rows([fact()], {300: 1}, {200: set()}, WINDOW)
    assert rows == [BoardRow(200, None, None, 0, None, 0), BoardRow(300, None, None, 1, None, 0)]
    assert [r.row.subject_id for r in rank(rows, "kudos")] == [300]


# --- rank ------------------------------------------------------------------------------


def places(ranked):
    return [(r.rank, r.row.subject_id, r.tied) for r in ranked]


def test_ties_share_a_rank_and_the_next_rank_is_skipped():
    rows = [row(4, score=0.2), row(3, score=0.5), row(1, score=0.9), row(2, score=0.5)]
    assert places(rank(rows, "score")) == [(1, 1, False), (2, 2, True), (2, 3, True), (4, 4, False)]


def test_float_noise_does_not_break_a_tie():
    rows = [row(1, consistency=0.1 + 0.2), row(2, consistency=0.3)]
    assert places(rank(rows, "consistency")) == [(1, 1, True), (1, 2, True)]


def test_ties_are_listed_by_name_when_names_are_given():
    rows = [row(1, kudos=3), row(2, kudos=3), row(3, kudos=3)]
    names = {1: "zoe", 2: "Anh", 3: "bao"}
    assert [r.row.subject_id for r in rank(rows, "kudos", names)] == [2, 3, 1]


def test_rows_without_a_value_are_not_ranked():
    rows = [row(1, improvement=None), row(2, improvement=-0.1), row(3, improvement=0.25)]
    assert places(rank(rows, "improvement")) == [(1, 3, False), (2, 2, False)]


def test_the_score_board_needs_at_least_one_counting_kr():
    assert rank([row(1, score=0.9, kr_count=0)], "score") == []


def test_the_kudos_board_needs_at_least_one_kudos():
    rows = [row(1, kudos=0), row(2, kudos=1)]
    assert places(rank(rows, "kudos")) == [(1, 2, False)]


def test_unknown_metric_is_refused():
    with pytest.raises(ValueError, match="metric"):
        rank([], "speed")


@given(st.lists(st.integers(0, 5), max_size=30))
def test_competition_ranks_count_everyone_ahead(values):
    rows = [row(i, kudos=v) for i, v in enumerate(values)]
    ranked = rank(rows, "kudos")
    for entry in ranked:
        ahead = sum(1 for other in ranked if other.row.kudos > entry.row.kudos)
        assert entry.rank == ahead + 1
        assert entry.tied == (sum(1 for o in ranked if o.row.kudos == entry.row.kudos) > 1)


# --- the rules shown on the page ---------------------------------------------------------


def test_ranking_rules_state_every_board_and_fairness_rule():
    text = RANKING_RULES.lower()
    for phrase in (
        "score",
        "consistency",
        "kudos received",
        "most improved",
        "drafts",
        "last third",
        "at least one key result",
        "share the same rank",
    ):
        assert phrase in text


# --- fairness on crafted boards ----------------------------------------------------------


def test_a_kr_added_late_does_not_lift_a_rank():
    window = CycleWindow(START, END, at(75))
    facts = [
        fact(10, ALICE, progress=0.6, weeks={0}),
        fact(20, BOB, progress=0.5, weeks={0}),
        # Bob adds an easy goal in the last third and ticks it off at once.
        fact(21, BOB, created=at(70), progress=1.0, before=0.0, weeks={10}),
    ]
    rows = person_rows(facts, {}, window)
    names = {ALICE: "Alice", BOB: "Bob"}
    assert [r.row.subject_id for r in rank(rows, "score", names)] == [ALICE, BOB]
    assert [r.row.subject_id for r in rank(rows, "improvement", names)] == [ALICE, BOB]
    bob = next(r for r in rows if r.subject_id == BOB)
    assert bob.score == pytest.approx(0.5) and bob.improvement == pytest.approx(0.3)
    # Without the late KR's date, the same goal would have put Bob first.
    early = [f if f.kr_id != 21 else fact(21, BOB, progress=1.0, before=0.0) for f in facts]
    assert rank(person_rows(early, {}, window), "score")[0].row.subject_id == BOB


def test_ties_across_people_and_teams_read_the_same_every_time():
    facts = [fact(1, ALICE, progress=0.5), fact(2, BOB, progress=0.5), fact(3, CAROL, progress=0.5)]
    names = {ALICE: "carol", BOB: "Anna", CAROL: "bea"}
    people = rank(person_rows(facts, {}, WINDOW), "score", names)
    assert [(r.rank, r.row.subject_id, r.tied) for r in people] == [
        (1, BOB, True),
        (1, CAROL, True),
        (1, ALICE, True),
    ]
    teams = team_rows(facts, {}, {7: {ALICE}, 8: {BOB, CAROL}}, WINDOW)
    assert [(r.rank, r.row.subject_id, r.tied) for r in rank(teams, "score")] == [
        (1, 7, True),
        (1, 8, True),
    ]


def test_a_team_without_members_is_listed_but_never_ranked_on_kr_boards():
    rows = team_rows(
        [fact(1, ALICE, progress=0.4, weeks={0, 1})], {}, {7: {ALICE}, 8: set()}, WINDOW
    )
    assert rows[1] == BoardRow(8, None, None, 0, None, 0)
    for metric in METRICS:
        assert 8 not in [r.row.subject_id for r in rank(rows, metric)]


def test_boards_give_the_person_and_team_rows_in_one_pass():
    facts = [
        fact(10, ALICE, progress=0.8, before=0.5, weeks={0, 1, 2}),
        fact(11, BOB, created=at(21), progress=0.2, weeks={3}),
        fact(12, CAROL, state="draft", progress=1.0),
    ]
    members = {100: {ALICE, BOB}, 200: {CAROL}, 300: set()}
    people, teams = boards(facts, {CAROL: 2}, {300: 1}, members, WINDOW)
    assert people == person_rows(facts, {CAROL: 2}, WINDOW)
    assert teams == team_rows(facts, {300: 1}, members, WINDOW)
