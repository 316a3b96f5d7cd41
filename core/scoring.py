"""Scores at cycle close (DESIGN.md "Scoring at cycle close").

Each KR gets a score from 0.0 to 1.0 in steps of 0.1: by default its clamped progress rounded
half up; the owner may override it with a reason. An objective's score is the weighted mean of
its KRs' scores. Zones read a score the way OKR practice does: 0.7 is success for an
aspirational goal.
"""

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from core.errors import ValidationError
from core.i18n import N_, _
from core.progress import clamp, parse_number, weighted_mean
from core.validation import clean_text

MAX_REASON_LENGTH = 1000
# 0.7000001 from a float widget is 0.7; 0.75 is not a step.
_STEP_TOLERANCE = 1e-6
# Progress a user sees as 65 % may be 0.6499999999999999 after float arithmetic.
_NOISE_DIGITS = Decimal("1e-9")


class Zone(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"


# English msgids: show them with zone_label() (or ``_(ZONE_LABELS[zone])``).
ZONE_LABELS: dict[Zone, str] = {
    Zone.RED: N_("Red (below 0.4)"),
    Zone.YELLOW: N_("Yellow (0.4–0.6)"),
    Zone.GREEN: N_("Green (0.7 and above)"),
}


def zone_label(zone_: Zone | str) -> str:
    """A zone's label in the reader's language, e.g. "Green (0.7 and above)"."""
    return _(ZONE_LABELS[Zone(zone_)])


# White text on each at a WCAG contrast of at least 4.5:1 (yellow is drawn as amber for that
# reason); always shown with its label, never colour alone.
ZONE_COLORS: dict[Zone, str] = {
    Zone.RED: "#B91C1C",
    Zone.YELLOW: "#B45309",
    Zone.GREEN: "#1B7F3B",
}

YELLOW_FROM = 0.4
GREEN_FROM = 0.7


def _round_half_up(value: float, places: str) -> float:
    """Round as people do (0.65 → 0.7), after dropping float noise below 1e-9."""
    exact = Decimal(repr(float(value))).quantize(_NOISE_DIGITS, rounding=ROUND_HALF_UP)
    return float(exact.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def default_score(progress: float | None) -> float:
    """A KR's suggested score: clamped progress rounded half up to 0.1; unknown progress → 0.0."""
    value = clamp(progress)
    return 0.0 if value is None else _round_half_up(value, "0.1")


def validate_score_override(
    score: object, reason: str | None, default: float | None = None
) -> float:
    """The override score snapped to its 0.1 step, or a ValidationError the user can act on.

    A reason is required whenever the score differs from ``default`` (the KR's default score;
    None = treat every score as an override). Store ``reason`` cleaned with
    core.validation.clean_text(reason, "reason", max_len=MAX_REASON_LENGTH, required=False).
    """
    number = parse_number(score, N_("score"))
    snapped = round(number * 10) / 10
    if abs(number - snapped) > _STEP_TOLERANCE or not 0 <= snapped <= 1:
        raise ValidationError(
            _("Score must be between 0.0 and 1.0 in steps of 0.1 (e.g. 0.7); got {score}.").format(
                score=f"{number:g}"
            )
        )
    is_override = default is None or not math.isclose(snapped, default, abs_tol=_STEP_TOLERANCE)
    text = clean_text(reason, N_("reason"), max_len=MAX_REASON_LENGTH, required=False)
    if is_override and not text:
        raise ValidationError(_("Please give a reason for changing the score."))
    return snapped


def objective_score(krs: Iterable[tuple[float, float]]) -> float | None:
    """Weighted mean of the KRs' (score, weight), rounded half up to 2 decimals; no KRs → None."""
    mean = weighted_mean(krs)
    return None if mean is None else _round_half_up(mean, "0.01")


def zone(score: float) -> Zone:
    """Red below 0.4, yellow from 0.4 up to (not including) 0.7, green from 0.7."""
    value = round(float(score), 9)  # 0.7 computed as 0.6999999999 is still a success
    if value >= GREEN_FROM:
        return Zone.GREEN
    if value >= YELLOW_FROM:
        return Zone.YELLOW
    return Zone.RED


def score_distribution(scores: Iterable[float | None]) -> dict[Zone, int]:
    """How many scores fall in each zone, red to green, zeros included; unscored are skipped."""
    counts = dict.fromkeys(Zone, 0)
    for score in scores:
        if score is not None and not math.isnan(score):
            counts[zone(score)] += 1
    return counts
