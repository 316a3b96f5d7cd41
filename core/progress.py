"""Key-result and objective progress (DESIGN.md "Key result", "Objective progress").

A KR's raw progress may exceed 1 so the UI can show over-achievement (120 %); every roll-up
clamps to [0, 1] first, so one over-achieved KR cannot hide another that is behind.
"""

import math
import re
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from core._text import label
from core.enums import KRKind
from core.errors import ValidationError
from core.i18n import N_, _, current_language, format_percent_value

# Larger magnitudes lose integer precision in a float and overflow sensible DB columns.
MAX_ABS_VALUE = 1e15

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
# Thousands separators: comma, space, no-break space or narrow no-break space, used consistently.
_GROUPED_NUMBER = re.compile(
    r"[+-]?\d{1,3}(?P<sep>[, \u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*(?:\.\d+)?", re.ASCII
)
# Where the reader's language writes 1.250,5 (Vietnamese): dots group thousands, a comma
# marks the decimals. Checked first in that language, so "1.250" is 1250 there, not 1.25.
_DECIMAL_COMMA_LANGUAGES = {"vi"}
_DOT_GROUPED_COMMA_DECIMAL = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?", re.ASCII)
_COMMA_DECIMAL = re.compile(r"[+-]?\d+,\d+", re.ASCII)
_KIND_NAMES = ", ".join(k.value for k in KRKind)


def _kind(kind: object) -> KRKind:
    """The KRKind for ``kind``, or a ValidationError naming the allowed kinds."""
    try:
        return KRKind(kind)
    except ValueError:
        raise ValidationError(
            _("Unknown key result kind {kind}; choose one of: {kinds}.").format(
                kind=repr(kind), kinds=_KIND_NAMES
            )
        ) from None


def _is_finite(value: object) -> bool:
    """True for a real number that is neither NaN nor infinite (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | Fraction):
        return False
    try:
        return math.isfinite(value)
    except (ValueError, OverflowError):  # Decimal("sNaN"), ints too large for a float
        return False


def _require_value(value: object, field: str) -> None:
    """A start/target/weight must be present, a finite number and of storable size."""
    if value is None:
        raise ValidationError(_("{field} is required.").format(field=label(field)))
    if not _is_finite(value):
        raise ValidationError(_("{field} must be a finite number.").format(field=label(field)))
    if abs(value) > MAX_ABS_VALUE:
        raise ValidationError(
            _("{field} is too large (at most 10^15 in size).").format(field=label(field))
        )


def validate_kr_definition(
    kind: str, start: float | None, target: float | None, weight: float
) -> None:
    """Refuse a KR whose progress could not be computed or would run the wrong way."""
    kind = _kind(kind)
    if kind in (KRKind.INCREASE, KRKind.DECREASE):
        _require_value(start, N_("start value"))
        _require_value(target, N_("target value"))
        if start == target:
            raise ValidationError(_("Start and target must differ."))
        if kind is KRKind.INCREASE and target < start:
            raise ValidationError(_("An increasing key result needs a target above its start."))
        if kind is KRKind.DECREASE and target > start:
            raise ValidationError(_("A decreasing key result needs a target below its start."))
    elif kind in (KRKind.STAY_ABOVE, KRKind.STAY_BELOW):
        _require_value(target, N_("threshold"))
    _require_value(weight, N_("weight"))
    if weight <= 0:
        raise ValidationError(_("Weight must be greater than 0."))


def parse_number(text_or_number: object, field_name: str) -> float:
    """Turn form or import input into a float, with a message naming the field if it is not one.

    Accepts plain numbers ("-2.5", "1e6") and consistent thousands separators ("1,000,000",
    "1 000"). A lone comma ("1,5") is refused rather than guessed: it could mean 1.5 or 15 —
    except in a language that writes decimals with a comma (Vietnamese: "1.250,5", "1,5").
    """
    field = label(field_name)
    if text_or_number is None:
        raise ValidationError(_("{field} is required.").format(field=field))
    if isinstance(text_or_number, bool) or not isinstance(
        text_or_number, str | int | float | Decimal | Fraction
    ):
        raise ValidationError(_("{field} must be a number.").format(field=field))
    if not isinstance(text_or_number, str):
        return _checked_float(text_or_number, field)
    text = text_or_number.strip()
    if not text:
        raise ValidationError(_("{field} is required.").format(field=field))
    if current_language() in _DECIMAL_COMMA_LANGUAGES and (
        _DOT_GROUPED_COMMA_DECIMAL.fullmatch(text) or _COMMA_DECIMAL.fullmatch(text)
    ):
        return _checked_float(text.replace(".", "").replace(",", "."), field)
    if _PLAIN_NUMBER.fullmatch(text):
        return _checked_float(text, field)
    grouped = _GROUPED_NUMBER.fullmatch(text)
    if grouped:
        return _checked_float(text.replace(grouped["sep"], ""), field)
    raise ValidationError(
        _("{field} must be a number, e.g. 1250, 1,250.5 or -3.").format(field=field)
    )


def _checked_float(value: object, field: str) -> float:
    try:
        number = float(value)
    except ValueError:  # e.g. Decimal("sNaN")
        raise ValidationError(_("{field} must be a number.").format(field=field)) from None
    except OverflowError:
        raise ValidationError(
            _("{field} is too large (at most 10^15 in size).").format(field=field)
        ) from None
    if math.isnan(number):
        raise ValidationError(_("{field} must be a number.").format(field=field))
    if math.isinf(number) or abs(number) > MAX_ABS_VALUE:
        raise ValidationError(
            _("{field} is too large (at most 10^15 in size).").format(field=field)
        )
    return number


def kr_progress(
    kind: str, start: float | None, target: float | None, current: float | None
) -> float | None:
    """Raw progress of one KR: ≥ 0, may exceed 1 for increase/decrease (over-achievement).

    No current value yet means progress of the start value: 0. Returns None when the KR's
    definition makes progress undefined (missing start/target, start == target) or the
    current value is not finite — "unknown" must not read as 0 % or as done.
    """
    kind = _kind(kind)
    if current is None:
        return 0.0
    if not _is_finite(current):
        return None
    if kind is KRKind.MILESTONE:
        return 1.0 if current >= 1 else 0.0
    if not _is_finite(target):
        return None
    if kind is KRKind.STAY_ABOVE:
        return 1.0 if current >= target else 0.0
    if kind is KRKind.STAY_BELOW:
        return 1.0 if current <= target else 0.0
    if not _is_finite(start) or start == target:
        return None
    # float() first: the DB may hand back Decimal for some values and float for others.
    start, target, current = float(start), float(target), float(current)
    return max((current - start) / (target - start), 0.0)


def clamp(p: float | None) -> float | None:
    """Limit progress to [0, 1] for roll-ups; None (and NaN) stay unknown."""
    if p is None or math.isnan(p):
        return None
    return min(max(float(p), 0.0), 1.0)


def weighted_mean(pairs: Iterable[tuple[float | None, float | None]]) -> float | None:
    """Weighted mean of clamped progress values.

    A KR with unknown progress is skipped (it must not drag the mean to 0). A missing weight
    counts as the default 1; a zero, negative or non-finite weight excludes the KR. Nothing
    left to average → None.
    """
    total = weighted = 0.0
    lowest, highest = math.inf, -math.inf
    for progress, weight in pairs:
        value = clamp(progress)
        w = 1.0 if weight is None else weight
        if value is None or not _is_finite(w) or w <= 0:
            continue
        total += float(w)
        weighted += value * float(w)
        lowest, highest = min(lowest, value), max(highest, value)
    if total == 0:
        return None
    # Float rounding must not push the mean outside the values it averages (e.g. above 1).
    return min(max(weighted / total, lowest), highest)


def objective_progress(krs: Iterable[tuple[float | None, float | None]]) -> float | None:
    """An objective's progress from its KRs' (progress, weight); no KRs → None, not 0."""
    return weighted_mean(krs)


def mean_progress(values: Iterable[float | None]) -> float | None:
    """Unweighted mean of clamped progress (team / company roll-up); unknowns skipped."""
    return weighted_mean((value, 1.0) for value in values)


def format_progress(p: float | None) -> str:
    """Progress as a whole percentage in the reader's language, e.g. "72%" or "120%"
    (rounded half up); unknown → "—"."""
    if p is None or not math.isfinite(p):
        return "—"
    return format_percent_value(math.floor(p * 100 + 0.5))
