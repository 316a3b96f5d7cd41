import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ValidationError
from core.progress import kr_progress
from core.scoring import (
    MAX_REASON_LENGTH,
    ZONE_COLORS,
    ZONE_LABELS,
    Zone,
    default_score,
    objective_score,
    score_distribution,
    validate_score_override,
    zone,
)

# --- default_score ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("progress", "score"),
    [
        (0.65, 0.7),  # half rounds up, as people expect
        (0.649, 0.6),
        (0.35, 0.4),  # 0.35 is 0.34999… as a float; still rounds up
        (0.05, 0.1),
        (0.04, 0.0),
        (0.0, 0.0),
        (1.0, 1.0),
        (1.3, 1.0),  # over-achievement scores 1.0 at most
        (None, 0.0),  # never measured → 0
        (float("nan"), 0.0),
    ],
)
def test_default_score_is_clamped_progress_rounded_half_up_to_a_tenth(progress, score):
    assert default_score(progress) == score


def test_progress_shown_as_65_percent_scores_0_7_despite_float_noise():
    progress = kr_progress("increase", 1, 3, 2.3)  # 0.6499999999999999
    assert progress < 0.65
    assert default_score(progress) == 0.7


@given(st.floats(0, 1))
def test_default_score_is_a_tenth_within_half_a_tenth_of_progress(progress):
    score = default_score(progress)
    assert score * 10 == round(score * 10)
    assert abs(score - progress) <= 0.05 + 1e-9


# --- validate_score_override -----------------------------------------------------------


def test_an_override_on_a_tenth_with_a_reason_is_accepted():
    assert validate_score_override(0.7, "Shipped late but complete", default=0.5) == 0.7


def test_floating_noise_from_a_number_input_is_snapped_to_the_tenth():
    assert validate_score_override(0.7000001, "reason", default=0.5) == 0.7
    assert validate_score_override(0.30000000000000004, "reason", default=0.5) == 0.3


def test_text_input_is_accepted():
    assert validate_score_override("0.8", "reason", default=0.5) == 0.8


@pytest.mark.parametrize("score", [0.75, 1.1, -0.1, 0.05])
def test_a_score_off_the_tenths_or_outside_0_1_is_refused_with_a_clear_message(score):
    with pytest.raises(ValidationError, match=r"between 0\.0 and 1\.0 in steps of 0\.1"):
        validate_score_override(score, "reason", default=0.5)


@pytest.mark.parametrize("score", ["abc", None, float("nan")])
def test_a_score_that_is_not_a_number_is_refused(score):
    with pytest.raises(ValidationError, match="Score"):
        validate_score_override(score, "reason", default=0.5)


@pytest.mark.parametrize("reason", [None, "", "   \n "])
def test_changing_the_score_needs_a_reason(reason):
    with pytest.raises(ValidationError, match="reason"):
        validate_score_override(0.9, reason, default=0.5)


def test_keeping_the_default_score_needs_no_reason():
    assert validate_score_override(0.5, None, default=0.5) == 0.5
    assert validate_score_override(0.5000000001, "", default=0.5) == 0.5


def test_without_a_known_default_every_score_needs_a_reason():
    with pytest.raises(ValidationError):
        validate_score_override(0.5, "")


def test_a_reason_longer_than_1000_characters_is_refused():
    assert validate_score_override(0.9, "x" * MAX_REASON_LENGTH, default=0.5) == 0.9
    with pytest.raises(ValidationError, match="too long"):
        validate_score_override(0.9, "x" * (MAX_REASON_LENGTH + 1), default=0.5)


# --- objective_score -------------------------------------------------------------------


def test_objective_score_is_the_weighted_mean_of_kr_scores_to_2_decimals():
    # (0.7 × 2 + 0.4 × 1) / 3 = 0.6
    assert objective_score([(0.7, 2), (0.4, 1)]) == 0.6
    # (1.0 + 0.3 + 0.3) / 3 = 0.5333… → 0.53
    assert objective_score([(1.0, 1), (0.3, 1), (0.3, 1)]) == 0.53
    # (0.6 + 0.7 × 3) / 4 = 0.675 → 0.68 (half up)
    assert objective_score([(0.6, 1), (0.7, 3)]) == 0.68


def test_objective_without_kr_scores_has_no_score():
    assert objective_score([]) is None


# --- zones -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.0, Zone.RED),
        (0.3, Zone.RED),
        (0.39, Zone.RED),
        (0.4, Zone.YELLOW),
        (0.6, Zone.YELLOW),
        (0.69, Zone.YELLOW),
        (0.7, Zone.GREEN),
        (0.1 * 7, Zone.GREEN),  # 0.7000000000000001
        (0.6999999999999999, Zone.GREEN),  # float noise is still success
        (1.0, Zone.GREEN),
    ],
)
def test_zones_red_below_0_4_yellow_up_to_0_7_green_from_0_7(score, expected):
    assert zone(score) is expected


def test_every_zone_has_a_label_and_a_colour():
    assert set(ZONE_LABELS) == set(ZONE_COLORS) == set(Zone)
    assert "0.7" in ZONE_LABELS[Zone.GREEN]


def test_score_distribution_counts_each_zone_including_empty_ones():
    counts = score_distribution([0.2, 0.5, 0.7, 0.9, 1.0, None])
    assert counts == {Zone.RED: 1, Zone.YELLOW: 1, Zone.GREEN: 3}
    assert list(counts) == [Zone.RED, Zone.YELLOW, Zone.GREEN]
    assert score_distribution([]) == {Zone.RED: 0, Zone.YELLOW: 0, Zone.GREEN: 0}
