import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.enums import KRKind
from core.errors import ValidationError
from core.i18n import using_language
from core.progress import (
    clamp,
    format_progress,
    kr_progress,
    mean_progress,
    objective_progress,
    parse_number,
    validate_kr_definition,
    weighted_mean,
)

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


# --- validate_kr_definition ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "start", "target"),
    [
        ("increase", 0, 100),
        ("decrease", 30, 10),
        ("stay_above", None, 95),
        ("stay_below", 5, 2),  # start is ignored for thresholds
        ("milestone", None, None),
        (KRKind.INCREASE, -10.5, 0),
        ("increase", Decimal("1.5"), Decimal("2")),
    ],
)
def test_valid_definitions_pass(kind, start, target):
    validate_kr_definition(kind, start, target, 1)


def test_unknown_kind_names_the_allowed_kinds():
    with pytest.raises(ValidationError, match="Unknown key result kind 'grow'.*increase"):
        validate_kr_definition("grow", 0, 1, 1)


@pytest.mark.parametrize("kind", ["increase", "decrease"])
def test_start_equal_to_target_is_invalid(kind):
    with pytest.raises(ValidationError, match="^Start and target must differ.$"):
        validate_kr_definition(kind, 5, 5, 1)


def test_increase_needs_target_above_start():
    with pytest.raises(ValidationError, match="increasing key result needs a target above"):
        validate_kr_definition("increase", 10, 5, 1)


def test_decrease_with_target_above_start_is_invalid():
    with pytest.raises(ValidationError, match="decreasing key result needs a target below"):
        validate_kr_definition("decrease", 5, 10, 1)


@pytest.mark.parametrize(
    ("start", "target", "message"),
    [
        (None, 10, "Start value is required."),
        (0, None, "Target value is required."),
        (math.nan, 10, "Start value must be a finite number."),
        (0, math.inf, "Target value must be a finite number."),
        ("0", 10, "Start value must be a finite number."),
        (0, 1e16, "Target value is too large"),
    ],
)
def test_increase_needs_finite_start_and_target(start, target, message):
    with pytest.raises(ValidationError, match=message):
        validate_kr_definition("increase", start, target, 1)


@pytest.mark.parametrize("kind", ["stay_above", "stay_below"])
@pytest.mark.parametrize("target", [None, math.nan, -math.inf])
def test_threshold_kinds_need_a_finite_threshold(kind, target):
    with pytest.raises(ValidationError, match="Threshold"):
        validate_kr_definition(kind, 0, target, 1)


def test_milestone_ignores_start_and_target():
    validate_kr_definition("milestone", math.nan, 5, 1)


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        (0, "greater than 0"),
        (-1, "greater than 0"),
        (math.inf, "finite"),
        (math.nan, "finite"),
        (None, "Weight is required"),
    ],
)
def test_weight_must_be_finite_and_positive(weight, message):
    with pytest.raises(ValidationError, match=message):
        validate_kr_definition("milestone", None, None, weight)


# --- parse_number ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42.0),
        ("  -2.5 ", -2.5),
        ("+3", 3.0),
        (".5", 0.5),
        ("1e6", 1_000_000.0),
        ("1,000,000", 1_000_000.0),
        ("1,250.75", 1250.75),
        ("-12,345", -12345.0),
        ("1 000", 1000.0),
        ("1\u00a0000\u00a0000", 1_000_000.0),
        (7, 7.0),
        (2.5, 2.5),
        (Decimal("3.25"), 3.25),
    ],
)
def test_parse_number_accepts_plain_and_grouped_numbers(text, expected):
    assert parse_number(text, "value") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.250", 1250.0),  # a Vietnamese reader groups thousands with dots
        ("1.250.000", 1_250_000.0),
        ("1.250,5", 1250.5),
        ("-2,5", -2.5),
        ("12.5", 12.5),  # not a thousands group: a plain decimal still reads as one
        ("1 000", 1000.0),
        ("42", 42.0),
    ],
)
def test_parse_number_reads_numbers_the_way_vietnamese_writes_them(text, expected):
    with using_language("vi"):
        assert parse_number(text, "value") == expected
    assert parse_number("1.250", "value") == 1.25  # English: a decimal point


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Current value is required."),
        ("   ", "Current value is required."),
        (None, "Current value is required."),
        ("abc", "Current value must be a number"),
        ("1,5", "Current value must be a number"),  # ambiguous: 1.5 or 15?
        ("1,000 000", "Current value must be a number"),  # mixed separators
        ("1,0000", "Current value must be a number"),
        ("12%", "Current value must be a number"),
        ("nan", "Current value must be a number"),
        ("inf", "Current value must be a number"),
        ("0x10", "Current value must be a number"),
        ("1_000", "Current value must be a number"),
        (True, "Current value must be a number"),
        (math.nan, "Current value must be a number"),
        (math.inf, "Current value is too large"),
        (-math.inf, "Current value is too large"),
        ("2e15", "Current value is too large"),
        (-1.5e15, "Current value is too large"),
        (10**400, "Current value is too large"),
        ("1e999", "Current value is too large"),
    ],
)
def test_parse_number_rejects_bad_input_naming_the_field(raw, message):
    with pytest.raises(ValidationError, match=message):
        parse_number(raw, "current value")


def test_parse_number_accepts_the_size_limit_itself():
    assert parse_number("-1e15", "value") == -1e15


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False))
def test_parse_number_round_trips_any_storable_float(x):
    assert parse_number(repr(x), "value") == x


# --- kr_progress -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "start", "target", "current", "expected"),
    [
        ("increase", 0, 100, 50, 0.5),
        ("increase", 100, 200, 172, 0.72),
        ("increase", 0, 100, 120, 1.2),  # over-achievement is shown
        ("increase", 10, 20, 5, 0.0),  # moved the wrong way
        ("increase", 0, 100, None, 0.0),  # no check-in yet: progress of the start value
        ("decrease", 30, 10, 20, 0.5),
        ("decrease", 30, 10, 10, 1.0),
        ("decrease", 30, 10, 6, 1.2),
        ("decrease", 30, 10, 40, 0.0),  # got worse
        ("decrease", 30, 10, None, 0.0),
        ("stay_above", None, 95, 95, 1.0),
        ("stay_above", None, 95, 94.9, 0.0),
        ("stay_above", None, 95, None, 0.0),
        ("stay_below", None, 2, 2, 1.0),
        ("stay_below", None, 2, 2.1, 0.0),
        ("stay_below", None, 2, None, 0.0),
        ("milestone", None, None, None, 0.0),
        ("milestone", None, None, 0, 0.0),
        ("milestone", None, None, 0.99, 0.0),
        ("milestone", None, None, 1, 1.0),
    ],
)
def test_kr_progress(kind, start, target, current, expected):
    assert kr_progress(kind, start, target, current) == pytest.approx(expected)


def test_kr_progress_mixes_decimal_and_float():
    assert kr_progress("increase", Decimal("0"), Decimal("200"), 50.0) == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("kind", "start", "target", "current"),
    [
        ("increase", 5, 5, 7),  # start == target: undefined
        ("increase", None, 5, 3),
        ("stay_above", None, None, 3),
        ("increase", 0, 10, math.nan),
    ],
)
def test_kr_progress_is_unknown_when_undefined(kind, start, target, current):
    assert kr_progress(kind, start, target, current) is None


def test_kr_progress_rejects_unknown_kind():
    with pytest.raises(ValidationError):
        kr_progress("grow", 0, 1, 1)


@given(start=finite, span=st.floats(min_value=0.01, max_value=1e6), current=finite)
def test_progress_is_never_negative_and_mirrors_for_decrease(start, span, current):
    up = kr_progress("increase", start, start + span, current)
    down = kr_progress("decrease", -start, -start - span, -current)
    assert up >= 0
    assert down == pytest.approx(up)


# --- clamp and roll-ups ----------------------------------------------------------------


@pytest.mark.parametrize(("p", "expected"), [(1.2, 1.0), (-0.3, 0.0), (0.4, 0.4), (None, None)])
def test_clamp(p, expected):
    assert clamp(p) == expected


def test_clamp_treats_nan_as_unknown():
    assert clamp(math.nan) is None


@given(st.floats(allow_nan=False))
def test_clamp_is_always_within_unit_interval(p):
    assert 0.0 <= clamp(p) <= 1.0


def test_weighted_mean_weights_each_kr():
    assert weighted_mean([(1.0, 3), (0.0, 1)]) == pytest.approx(0.75)


def test_over_achievement_never_rolls_up_above_one():
    assert weighted_mean([(1.2, 1), (1.5, 1)]) == 1.0
    assert weighted_mean([(1.2, 1), (0.0, 1)]) == pytest.approx(0.5)


def test_missing_weight_counts_as_one():
    assert weighted_mean([(1.0, None), (0.0, 1)]) == pytest.approx(0.5)


@pytest.mark.parametrize("bad_weight", [0, -2, math.nan, math.inf])
def test_zero_negative_or_non_finite_weight_excludes_the_kr(bad_weight):
    assert weighted_mean([(1.0, 1), (0.0, bad_weight)]) == 1.0


def test_unknown_progress_is_skipped_not_counted_as_zero():
    assert weighted_mean([(None, 5), (0.8, 1)]) == pytest.approx(0.8)


@pytest.mark.parametrize("pairs", [[], [(None, 1)], [(0.5, 0)], [(0.5, -1)]])
def test_weighted_mean_with_nothing_to_average_is_none(pairs):
    assert weighted_mean(pairs) is None


@given(
    st.lists(
        st.tuples(
            st.floats(min_value=-2, max_value=3, allow_nan=False),
            st.floats(min_value=1e-3, max_value=1e6),
        ),
        min_size=1,
    )
)
def test_weighted_mean_lies_between_the_clamped_values(pairs):
    values = [clamp(p) for p, _ in pairs]
    assert min(values) <= weighted_mean(pairs) <= max(values)


def test_objective_without_krs_has_no_progress():
    assert objective_progress([]) is None


def test_objective_progress_is_the_weighted_mean_of_its_krs():
    krs = [(kr_progress("increase", 0, 100, 120), 1), (kr_progress("decrease", 30, 10, 20), 1)]
    assert objective_progress(krs) == pytest.approx(0.75)


def test_mean_progress_is_unweighted_and_clamped():
    assert mean_progress([0.2, 1.4, None]) == pytest.approx(0.6)
    assert mean_progress([]) is None
    assert mean_progress([None]) is None


@pytest.mark.parametrize(
    ("p", "text"),
    [(0.72, "72%"), (1.2, "120%"), (0, "0%"), (0.005, "1%"), (None, "—"), (math.nan, "—")],
)
def test_format_progress(p, text):
    assert format_progress(p) == text
