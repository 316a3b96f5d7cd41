import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.badges import ALL_BADGES, badges_for, checkin_streak

# --- checkin_streak --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weeks", "current", "streak"),
    [
        ({0, 1, 2, 3}, 3, 4),  # checked in every week up to this one
        ({0, 1, 2}, 3, 3),  # not yet this week: the streak is still alive
        ({0, 1}, 3, 0),  # last week missed: the streak is broken
        ({0, 1, 3, 4, 5}, 5, 3),  # week 2 missed: only weeks 3–5 count
        ({0, 1, 3, 4}, 5, 2),  # week 2 missed, this week not yet
        ({5}, 5, 1),
        (set(), 5, 0),
        ({0}, 0, 1),  # first week of the cycle
        ({0, 1, 2, 7}, 2, 3),  # a future week is ignored
    ],
)
def test_streak_counts_consecutive_weeks_ending_this_week_or_last(weeks, current, streak):
    assert checkin_streak(weeks, current) == streak


def test_several_check_ins_in_a_week_count_once():
    assert checkin_streak([4, 4, 5, 5, 5], 5) == 2


@given(st.sets(st.integers(0, 20)), st.integers(0, 20))
def test_streak_never_exceeds_the_weeks_with_a_check_in(weeks, current):
    streak = checkin_streak(weeks, current)
    assert 0 <= streak <= len({w for w in weeks if w <= current})


# --- badges_for ------------------------------------------------------------------------


def earned(**overrides):
    facts = dict(
        streak_weeks=0, krs_achieved=0, all_on_track=False, kudos_given=0, kudos_received=0
    )
    facts.update(overrides)
    return [badge.key for badge in badges_for(**facts)]


def test_nothing_done_earns_no_badge():
    assert earned() == []


@pytest.mark.parametrize(
    ("facts", "key"),
    [
        ({"streak_weeks": 4}, "streak"),
        ({"krs_achieved": 1}, "first_kr_achieved"),
        ({"all_on_track": True}, "all_on_track"),
        ({"kudos_given": 5}, "generous"),
        ({"kudos_received": 5}, "appreciated"),
    ],
)
def test_each_badge_is_earned_at_its_threshold(facts, key):
    assert earned(**facts) == [key]


@pytest.mark.parametrize(
    "facts",
    [{"streak_weeks": 3}, {"kudos_given": 4}, {"kudos_received": 4}],
)
def test_just_below_a_threshold_earns_nothing(facts):
    assert earned(**facts) == []


def test_badges_come_in_a_fixed_order():
    everything = earned(
        streak_weeks=9, krs_achieved=3, all_on_track=True, kudos_given=7, kudos_received=12
    )
    assert everything == [badge.key for badge in ALL_BADGES]


def test_badges_are_labelled_for_people_with_material_icons():
    labels = {badge.key: badge.label for badge in ALL_BADGES}
    assert labels["streak"] == "4-week streak"
    assert labels["first_kr_achieved"] == "First KR achieved"
    for badge in ALL_BADGES:
        assert badge.icon.startswith(":material/") and badge.icon.endswith(":")
        assert badge.description
