from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.enums import STATUS_SEVERITY, Status
from core.errors import ValidationError
from core.settings import DEFAULT_SETTINGS, StatusSettings
from core.status import (
    STATUS_COLORS,
    STATUS_LABELS,
    expected_fraction,
    kr_status,
    needs_update_rank,
    worst_status,
)

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
FRESH = NOW - timedelta(days=1)
START, END = date(2026, 10, 1), date(2026, 12, 31)


def status(progress, expected=0.5, confidence=None, last_update=FRESH, **kw):
    return kr_status(progress, expected, confidence, last_update, NOW, **kw)


# --- expected_fraction -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 9, 1), 0.0),  # cycle not started yet
        (START, 0.0),  # first day
        (date(2026, 11, 15), 45 / 91),
        (END, 1.0),  # last day
        (date(2027, 2, 1), 1.0),  # already ended
    ],
)
def test_expected_fraction(today, expected):
    assert expected_fraction(START, END, today) == pytest.approx(expected)


def test_one_day_cycle_is_fully_elapsed_from_its_day():
    day = date(2026, 5, 1)
    assert expected_fraction(day, day, day) == 1.0
    assert expected_fraction(day, day, day - timedelta(days=1)) == 0.0


def test_expected_fraction_refuses_an_end_before_the_start():
    with pytest.raises(ValidationError):
        expected_fraction(END, START, START)


@given(st.dates())
def test_expected_fraction_stays_within_unit_interval(today):
    assert 0.0 <= expected_fraction(START, END, today) <= 1.0


# --- kr_status: pace ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("progress", "expected", "result"),
    [
        (1.0, 0.5, Status.ACHIEVED),
        (1.3, 1.0, Status.ACHIEVED),  # raw over-achievement counts as achieved
        (0.5, 0.5, Status.ON_TRACK),
        (0.9, 0.5, Status.ON_TRACK),  # ahead of pace
        (0.35, 0.5, Status.ON_TRACK),  # gap exactly 0.15 (despite float noise)
        (0.34, 0.5, Status.AT_RISK),
        (0.2, 0.5, Status.AT_RISK),  # gap exactly 0.30
        (0.19, 0.5, Status.OFF_TRACK),
        (None, 0.5, Status.OFF_TRACK),  # unknown progress counts as 0
        (-0.5, 0.1, Status.ON_TRACK),  # negative raw progress is clamped to 0
    ],
)
def test_pace_sets_status(progress, expected, result):
    assert status(progress, expected) is result


def test_cycle_not_started_is_on_track_at_zero_progress():
    assert status(0.0, expected=0.0, cycle_started=False) is Status.ON_TRACK


def test_cycle_ended_without_reaching_target_is_off_track():
    assert status(0.6, expected=1.0) is Status.OFF_TRACK


def test_thresholds_come_from_settings():
    strict = StatusSettings(on_track_gap=0.05, at_risk_gap=0.1)
    assert status(0.4, 0.5, settings=strict) is Status.AT_RISK
    assert status(0.4, 0.5) is Status.ON_TRACK


# --- kr_status: confidence ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("confidence", "result"),
    [
        (0, Status.OFF_TRACK),
        (3, Status.OFF_TRACK),
        (4, Status.AT_RISK),
        (6, Status.AT_RISK),
        (7, Status.ON_TRACK),
        (10, Status.ON_TRACK),
        (None, Status.ON_TRACK),
    ],
)
def test_low_confidence_overrides_good_pace(confidence, result):
    assert status(0.5, 0.5, confidence) is result


def test_high_confidence_does_not_rescue_bad_pace():
    assert status(0.1, 0.5, confidence=10) is Status.OFF_TRACK
    assert status(0.25, 0.5, confidence=9) is Status.AT_RISK


def test_low_confidence_does_not_undo_achieved():
    assert status(1.0, 0.5, confidence=1) is Status.ACHIEVED


# --- kr_status: staleness ----------------------------------------------------------------


def test_silent_for_stale_days_needs_update():
    assert status(0.5, last_update=NOW - timedelta(days=14)) is Status.NEEDS_UPDATE
    assert status(0.5, last_update=NOW - timedelta(days=13, hours=23)) is Status.ON_TRACK


def test_stale_at_risk_becomes_needs_update_but_off_track_stays_off_track():
    old = NOW - timedelta(days=30)
    assert status(0.25, last_update=old) is Status.NEEDS_UPDATE
    assert status(0.0, last_update=old) is Status.OFF_TRACK
    assert status(0.5, confidence=2, last_update=old) is Status.OFF_TRACK


def test_achieved_kr_is_not_nagged_for_updates():
    assert status(1.0, last_update=NOW - timedelta(days=60)) is Status.ACHIEVED


def test_nothing_is_stale_before_the_cycle_starts():
    old = NOW - timedelta(days=60)
    assert status(0.0, 0.0, last_update=old, cycle_started=False) is Status.ON_TRACK


def test_unknown_last_update_is_not_stale():
    assert status(0.5, last_update=None) is Status.ON_TRACK


def test_stale_days_come_from_settings():
    settings = StatusSettings(stale_days=7)
    assert status(0.5, last_update=NOW - timedelta(days=8), settings=settings) is (
        Status.NEEDS_UPDATE
    )


def test_naive_last_update_is_read_as_utc():
    naive = (NOW - timedelta(days=20)).replace(tzinfo=None)
    assert status(0.5, last_update=naive) is Status.NEEDS_UPDATE


# --- worst_status, labels, ranking -----------------------------------------------------


def test_objective_status_is_its_worst_kr_status():
    statuses = [Status.ON_TRACK, Status.ACHIEVED, Status.NEEDS_UPDATE, None, Status.AT_RISK]
    assert worst_status(statuses) is Status.NEEDS_UPDATE
    assert worst_status([Status.NEEDS_UPDATE, Status.OFF_TRACK]) is Status.OFF_TRACK
    assert worst_status(["achieved", "on_track"]) is Status.ON_TRACK


@pytest.mark.parametrize("statuses", [[], [None, None]])
def test_worst_status_of_nothing_is_none(statuses):
    assert worst_status(statuses) is None


@given(st.lists(st.sampled_from(list(Status)), min_size=1))
def test_worst_status_is_one_of_them_and_at_least_as_severe_as_each(statuses):
    worst = worst_status(statuses)
    assert worst in statuses
    assert all(STATUS_SEVERITY[worst] >= STATUS_SEVERITY[s] for s in statuses)


def test_every_status_has_a_label_and_a_distinct_colour():
    assert STATUS_LABELS[Status.ON_TRACK] == "On track"
    assert STATUS_LABELS[Status.NEEDS_UPDATE] == "Needs update"
    assert set(STATUS_LABELS) == set(Status) == set(STATUS_COLORS)
    assert len(set(STATUS_COLORS.values())) == len(Status)


def _luminance(hex_colour):
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@pytest.mark.parametrize("colour", STATUS_COLORS.values())
def test_white_badge_text_is_readable_on_every_status_colour(colour):
    assert (1.05) / (_luminance(colour) + 0.05) >= 4.5  # WCAG AA


def test_stale_krs_come_first_then_the_furthest_behind():
    krs = {
        "ahead": (Status.ON_TRACK, 0.9, 0.5),
        "far behind": (Status.OFF_TRACK, 0.0, 0.5),
        "slightly behind": (Status.AT_RISK, 0.3, 0.5),
        "stale": (Status.NEEDS_UPDATE, 0.45, 0.5),
        "done": (Status.ACHIEVED, 1.2, 0.5),
    }
    order = sorted(krs, key=lambda name: needs_update_rank(*krs[name]))
    assert order == ["stale", "far behind", "slightly behind", "ahead", "done"]


# --- settings ----------------------------------------------------------------------------


def test_default_settings_match_the_design():
    defaults = DEFAULT_SETTINGS
    assert defaults == StatusSettings(0.15, 0.30, 14, 3, 6)
    DEFAULT_SETTINGS.validate()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"on_track_gap": 0.4}, "on-track gap ≤ at-risk gap"),
        ({"on_track_gap": -0.1}, "0 ≤ on-track gap"),
        ({"at_risk_gap": 1.5}, "at-risk gap ≤ 1"),
        ({"at_risk_gap": float("nan")}, "at-risk gap"),
        ({"stale_days": 0}, "1 to 365"),
        ({"stale_days": 366}, "1 to 365"),
        ({"stale_days": 7.5}, "1 to 365"),
        ({"off_track_confidence": 6}, "off-track confidence < at-risk confidence"),
        ({"at_risk_confidence": 11}, "at-risk confidence ≤ 10"),
        ({"off_track_confidence": -1}, "0 ≤ off-track confidence"),
    ],
)
def test_invalid_settings_are_refused(changes, message):
    with pytest.raises(ValidationError, match=message):
        StatusSettings(**changes).validate()


def test_edge_settings_are_accepted():
    StatusSettings(on_track_gap=0, at_risk_gap=0, stale_days=1).validate()
    StatusSettings(on_track_gap=1, at_risk_gap=1, stale_days=365).validate()
    StatusSettings(off_track_confidence=0, at_risk_confidence=10).validate()
