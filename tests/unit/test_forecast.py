from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ValidationError
from core.forecast import (
    MAX_FORECAST_PROGRESS,
    ForecastRange,
    KRForecast,
    Outcome,
    Point,
    calibrate,
    calibration,
    elapsed_share,
    forecast_kr,
    least_squares,
    mean_forecast,
    objective_forecast,
    percentile,
)

# A 10-day cycle: each day is 0.1 of it, so hand-computed lines stay readable.
START, END = date(2026, 1, 1), date(2026, 1, 11)


def day(n: int, hour: int = 0) -> datetime:
    """Midnight (or ``hour``) of day n of the cycle, UTC; day 0 is the first day."""
    return datetime(2026, 1, 1, hour, tzinfo=UTC) + timedelta(days=n)


def forecast(kind="increase", start=0.0, target=100.0, points=(), now=None):
    return forecast_kr(kind, start, target, list(points), START, END, now or day(5, 12))


# --- least_squares ---------------------------------------------------------------------


def test_least_squares_through_two_points_is_the_line_between_them():
    assert least_squares([0, 0.5], [0, 30]) == pytest.approx((60.0, 0.0))


def test_least_squares_fits_the_best_line_through_scattered_points():
    # mean x 0.2, mean y 40/3; Sxx = 0.08, Sxy = 6 → slope 75, intercept 40/3 − 15 = −5/3
    slope, intercept = least_squares([0, 0.2, 0.4], [0, 10, 30])
    assert slope == pytest.approx(75.0)
    assert intercept == pytest.approx(-5 / 3)


@pytest.mark.parametrize(("xs", "ys"), [([], []), ([0.3], [5]), ([0.3, 0.3], [5, 9])])
def test_least_squares_needs_two_distinct_x_values(xs, ys):
    assert least_squares(xs, ys) is None


def test_least_squares_refuses_mismatched_lengths():
    with pytest.raises(ValueError):
        least_squares([0, 1], [1])


QUARTER_SECONDS = 91 * 86400


@given(
    st.floats(-1e3, 1e3),
    st.floats(-1e3, 1e3),
    st.lists(st.integers(0, QUARTER_SECONDS), min_size=2, max_size=20, unique=True),
)
def test_least_squares_recovers_an_exact_line(slope, intercept, seconds):
    # Check-in moments are whole seconds into a quarter, as forecast_kr measures them.
    xs = [s / QUARTER_SECONDS for s in seconds]
    fit = least_squares(xs, [slope * x + intercept for x in xs])
    assert fit[0] + fit[1] == pytest.approx(slope + intercept, rel=1e-6, abs=1e-6)


# --- elapsed share ---------------------------------------------------------------------


def test_elapsed_share_runs_from_first_to_last_day_to_the_second():
    assert elapsed_share(day(0), START, END) == 0.0
    assert elapsed_share(day(5), START, END) == pytest.approx(0.5)
    assert elapsed_share(day(2, 12), START, END) == pytest.approx(0.25)
    assert elapsed_share(day(10), START, END) == pytest.approx(1.0)
    assert elapsed_share(day(-1), START, END) == pytest.approx(-0.1)  # a planning check-in


def test_naive_datetimes_are_read_as_utc():
    assert elapsed_share(datetime(2026, 1, 6), START, END) == pytest.approx(0.5)


# --- forecast_kr: trend ----------------------------------------------------------------


def test_one_check_in_plus_the_start_value_extends_the_pace_to_the_end():
    # start 0 at x=0, 30 at x=0.5 → 60 at the end → 60 %
    result = forecast(points=[Point(day(5), 30)])
    assert result == KRForecast(pytest.approx(60.0), pytest.approx(0.6), "trend")


def test_trend_is_a_least_squares_line_not_the_last_two_points():
    result = forecast(points=[Point(day(2), 10), Point(day(4), 30)])
    assert result.method == "trend"
    assert result.value == pytest.approx(75 - 5 / 3)  # 73.33…
    assert result.progress == pytest.approx(0.7333, abs=1e-4)


def test_check_ins_are_taken_in_time_order_whatever_order_they_come_in():
    ordered = forecast(points=[Point(day(2), 10), Point(day(4), 30)])
    shuffled = forecast(points=[Point(day(4), 30), Point(day(2), 10)])
    assert ordered == shuffled


def test_decreasing_kr_forecast_runs_towards_its_lower_target():
    # 100 → 50; 90 at half-time → 80 at the end → (80 − 100) / (50 − 100) = 40 %
    result = forecast("decrease", 100, 50, [Point(day(5), 90)])
    assert result.value == pytest.approx(80.0)
    assert result.progress == pytest.approx(0.4)


def test_a_kr_heading_the_wrong_way_is_forecast_at_zero_not_negative():
    result = forecast(points=[Point(day(5), -20)])
    assert result.value == pytest.approx(-40.0)
    assert result.progress == 0.0


def test_forecast_may_show_over_achievement():
    result = forecast(points=[Point(day(5), 60)])
    assert result.progress == pytest.approx(1.2)


def test_wild_extrapolation_is_capped_at_200_percent():
    result = forecast(points=[Point(day(1), 90)], now=day(1, 12))
    assert result.value == pytest.approx(900.0)  # the line itself is not hidden
    assert result.progress == MAX_FORECAST_PROGRESS == 2.0


def test_check_ins_after_now_are_ignored_so_a_past_forecast_can_be_replayed():
    history = [Point(day(5), 30), Point(day(8), 95)]
    assert forecast(points=history, now=day(6)) == forecast(points=history[:1], now=day(6))


def test_decimal_values_from_the_database_are_accepted():
    result = forecast_kr(
        "increase", Decimal("0"), Decimal("100"), [Point(day(5), Decimal("30"))], START, END, day(6)
    )
    assert result.progress == pytest.approx(0.6)


# --- forecast_kr: pace, final, none --------------------------------------------------------


def test_no_check_in_yet_forecasts_the_start_value():
    assert forecast(points=[]) == KRForecast(0.0, 0.0, "pace")


def test_with_a_single_moment_the_forecast_is_progress_over_expected():
    # A check-in at the very first moment gives no line; 20 % done at half-time → 40 %.
    result = forecast(points=[Point(day(0), 20)], now=day(5))
    assert result == KRForecast(pytest.approx(40.0), pytest.approx(0.4), "pace")


def test_pace_on_the_first_day_is_the_current_progress():
    result = forecast(points=[Point(day(0), 20)], now=day(0, 9))
    assert result == KRForecast(20.0, pytest.approx(0.2), "pace")


def test_pace_is_capped_at_200_percent():
    result = forecast(points=[Point(day(0), 80)], now=day(1))  # 80 % at 10 % elapsed
    assert result.progress == MAX_FORECAST_PROGRESS


def test_before_the_cycle_starts_the_forecast_is_the_current_progress():
    result = forecast(points=[Point(day(-3), 10)], now=day(-1))
    assert result == KRForecast(10.0, pytest.approx(0.1), "pace")


@pytest.mark.parametrize("now", [day(10), day(10, 18), day(40)])
def test_once_the_cycle_is_over_the_forecast_is_the_actual_progress(now):
    result = forecast(points=[Point(day(3), 10), Point(day(9), 55)], now=now)
    assert result == KRForecast(55.0, pytest.approx(0.55), "final")


def test_final_forecast_without_check_ins_is_zero():
    assert forecast(points=[], now=day(12)) == KRForecast(0.0, 0.0, "final")


@pytest.mark.parametrize(
    ("kind", "target", "value", "progress"),
    [
        ("stay_above", 95, 97, 1.0),
        ("stay_above", 95, 90, 0.0),
        ("stay_below", 2, 1.5, 1.0),
        ("milestone", None, 0, 0.0),
        ("milestone", None, 1, 1.0),
    ],
)
def test_threshold_and_milestone_kinds_are_forecast_as_they_stand(kind, target, value, progress):
    result = forecast(kind, None, target, [Point(day(2), value)])
    assert result == KRForecast(value, progress, "pace")
    assert forecast(kind, None, target, [Point(day(2), value)], now=day(11)).method == "final"


def test_a_milestone_without_check_in_is_forecast_not_done():
    assert forecast("milestone", None, None, []) == KRForecast(None, 0.0, "pace")


def test_a_kr_with_an_undefined_progress_has_no_forecast():
    assert forecast("increase", None, 100, [Point(day(5), 30)]) == KRForecast(None, None, "none")
    assert forecast("increase", 5, 5, [Point(day(5), 30)]).method == "none"


def test_unknown_kind_is_refused():
    with pytest.raises(ValidationError):
        forecast("grow", 0, 1)


def test_one_day_cycle_does_not_divide_by_zero():
    one = date(2026, 5, 1)
    before = forecast_kr("increase", 0, 10, [], one, one, datetime(2026, 4, 30, tzinfo=UTC))
    during = forecast_kr(
        "increase", 0, 10, [Point(datetime(2026, 5, 1, 9), 7)], one, one, datetime(2026, 5, 1, 10)
    )
    assert before == KRForecast(0.0, 0.0, "pace")
    assert during == KRForecast(7.0, pytest.approx(0.7), "final")


# --- percentile ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4], 0, 1),
        ([1, 2, 3, 4], 10, 1.3),  # rank 0.3 → 1 + 0.3 × (2 − 1)
        ([1, 2, 3, 4], 50, 2.5),
        ([1, 2, 3, 4], 90, 3.7),  # rank 2.7
        ([1, 2, 3, 4], 100, 4),
        ([4, 1, 3, 2], 50, 2.5),  # order does not matter
        ([10, 20, 30], 25, 15),  # rank 0.5
        ([7], 90, 7),
    ],
)
def test_percentile_interpolates_between_ranks(values, q, expected):
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_of_nothing_or_outside_0_100_is_refused():
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30), st.floats(0, 100))
def test_percentile_lies_between_the_smallest_and_largest_value(values, q):
    assert min(values) - 1e-6 <= percentile(values, q) <= max(values) + 1e-6


# --- calibrate -------------------------------------------------------------------------


def past(finals, elapsed=0.5, progress_then=0.25):
    """Past KRs seen at ``elapsed`` with ``progress_then``; pace estimate = 0.25/0.5 = 0.5."""
    return [Outcome(elapsed, progress_then, f) for f in finals]


def test_range_is_the_10th_to_90th_percentile_of_how_past_forecasts_turned_out():
    # Past pace forecasts said 0.5; finals were 0.00, 0.05, … 0.95 → residuals −0.5 … +0.45.
    # Today's forecast 0.5 + residuals = 0.00 … 0.95 → p10 = 0.095, p50 = 0.475, p90 = 0.855.
    outcomes = past([i / 20 for i in range(20)])
    result = calibrate(outcomes, elapsed=0.5, forecast=0.5)
    assert result == ForecastRange(
        pytest.approx(0.095), pytest.approx(0.475), pytest.approx(0.855), samples=20
    )


def test_forecasts_that_were_too_optimistic_pull_the_range_down():
    # Past KRs on pace for 100 % ended at 0.6: today's 0.9 forecast is likely nearer 0.5.
    outcomes = past([0.6] * 20, progress_then=0.5)
    result = calibrate(outcomes, elapsed=0.5, forecast=0.9)
    assert (result.low, result.mid, result.high) == pytest.approx((0.5, 0.5, 0.5))


def test_range_is_limited_to_0_and_1():
    high = calibrate(past([1.0] * 20, progress_then=0.1), elapsed=0.5, forecast=0.9)
    low = calibrate(past([0.0] * 20, progress_then=0.5), elapsed=0.5, forecast=0.2)
    assert (high.low, high.high) == (1.0, 1.0)
    assert (low.low, low.high) == (0.0, 0.0)


@given(
    st.lists(st.floats(0, 1), min_size=20, max_size=60),
    st.lists(st.floats(-0.5, 1.5, allow_nan=False), min_size=1, max_size=10),
)
def test_one_calibration_for_many_forecasts_gives_each_the_range_of_its_own(finals, forecasts):
    """The same numbers as shifting every past residual by the forecast and taking the
    percentiles of that list, as the rule says."""
    outcomes = past(finals)
    ranges = calibration(outcomes, elapsed=0.5)
    residuals = [f - 0.5 for f in finals]  # the pace estimate then was 0.25 / 0.5
    for forecast in forecasts:
        base = min(max(forecast, 0.0), 1.0)
        shifted = [base + r for r in residuals]
        expected = [min(max(percentile(shifted, q), 0.0), 1.0) for q in (10, 50, 90)]
        found = ranges(forecast)
        assert [found.low, found.mid, found.high] == expected
        assert found == calibrate(outcomes, 0.5, forecast)


def test_too_little_history_gives_no_range():
    assert calibrate(past([0.5] * 19), elapsed=0.5, forecast=0.5) is None
    assert calibrate(past([0.5] * 5), elapsed=0.5, forecast=0.5, min_samples=5) is not None
    assert calibrate([], elapsed=0.5, forecast=0.5, min_samples=0) is None


def test_only_past_kRs_seen_at_a_similar_point_of_their_cycle_count():
    near = past([0.5] * 20, elapsed=0.65)  # exactly at the window's edge: counts
    far = past([0.0] * 50, elapsed=0.9)
    result = calibrate(near + far, elapsed=0.5, forecast=0.5)
    assert result.samples == 20
    assert calibrate(far, elapsed=0.5, forecast=0.5) is None


def test_early_history_estimates_by_progress_when_no_time_had_elapsed():
    # elapsed 0: the pace estimate is the progress itself (0.2); finals 0.2 → no correction.
    result = calibrate(past([0.2] * 20, elapsed=0.0, progress_then=0.2), elapsed=0.05, forecast=0.3)
    assert result.mid == pytest.approx(0.3)


def test_unusable_history_rows_are_skipped():
    outcomes = past([0.5] * 20) + [Outcome(float("nan"), 0.2, 0.5)]
    assert calibrate(outcomes, elapsed=0.5, forecast=0.5).samples == 20


def test_no_forecast_gives_no_range():
    assert calibrate(past([0.5] * 20), elapsed=0.5, forecast=None) is None


@given(
    st.lists(
        st.builds(Outcome, st.floats(0, 1), st.floats(0, 2), st.floats(0, 1)),
        min_size=1,
        max_size=40,
    ),
    st.floats(0, 1),
    st.floats(0, 2),
)
def test_range_is_ordered_and_within_0_and_1(outcomes, elapsed, value):
    result = calibrate(outcomes, elapsed, value, window=1.0, min_samples=1)
    assert 0.0 <= result.low <= result.mid <= result.high <= 1.0


# --- roll-ups --------------------------------------------------------------------------


def test_objective_forecast_is_the_weighted_mean_of_clamped_kr_forecasts():
    # (1.0 × 1 + 0.4 × 3) / 4 = 0.55: the 150 % KR counts as 100 %; unknown is skipped.
    assert objective_forecast([(1.5, 1), (0.4, 3), (None, 5)]) == pytest.approx(0.55)
    assert objective_forecast([]) is None


def test_company_forecast_is_the_plain_mean_of_objective_forecasts():
    assert mean_forecast([0.2, 0.9, None, 1.4]) == pytest.approx((0.2 + 0.9 + 1.0) / 3)
    assert mean_forecast([None]) is None
