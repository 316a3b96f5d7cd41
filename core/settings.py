"""Status thresholds: settings an admin may tune; the defaults are DESIGN.md's."""

import math
from dataclasses import dataclass

from core.errors import ValidationError
from core.i18n import _


@dataclass(frozen=True)
class StatusSettings:
    """Thresholds that turn a KR's pace, confidence and silence into a status.

    Gaps are fractions of the cycle (0.15 = 15 percentage points behind the expected pace);
    confidences are on the check-in scale 0–10.
    """

    on_track_gap: float = 0.15
    at_risk_gap: float = 0.30
    stale_days: int = 14
    off_track_confidence: int = 3
    at_risk_confidence: int = 6

    def validate(self) -> None:
        """Refuse settings that would make the status rules contradict themselves."""
        gaps = (self.on_track_gap, self.at_risk_gap)
        if not all(_is_number(g) and math.isfinite(g) for g in gaps) or not (
            0 <= self.on_track_gap <= self.at_risk_gap <= 1
        ):
            raise ValidationError(
                _(
                    "Gaps must satisfy 0 ≤ on-track gap ≤ at-risk gap ≤ 1 "
                    "(e.g. 0.15 and 0.30 for 15 and 30 percentage points)."
                )
            )
        if not _is_int(self.stale_days) or not 1 <= self.stale_days <= 365:
            raise ValidationError(_("Days before a key result needs an update must be 1 to 365."))
        confidences = (self.off_track_confidence, self.at_risk_confidence)
        if not all(_is_int(c) for c in confidences) or not (
            0 <= self.off_track_confidence < self.at_risk_confidence <= 10
        ):
            raise ValidationError(
                _(
                    "Confidence thresholds must be whole numbers with "
                    "0 ≤ off-track confidence < at-risk confidence ≤ 10."
                )
            )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


DEFAULT_SETTINGS = StatusSettings()
