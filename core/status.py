"""KR and objective status (DESIGN.md "Status"): pace, confidence and silence, worst wins."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from core.enums import STATUS_SEVERITY, Status
from core.errors import ValidationError
from core.i18n import N_, _
from core.progress import clamp
from core.settings import DEFAULT_SETTINGS, StatusSettings

# A gap equal to a threshold is within it; float noise (0.5 - 0.35 = 0.15000000000000002)
# must not tip a KR into the next status.
_GAP_TOLERANCE = 1e-9

# English msgids: show them with status_label() (or ``_(STATUS_LABELS[status])``).
STATUS_LABELS: dict[Status, str] = {
    Status.ACHIEVED: N_("Achieved"),
    Status.ON_TRACK: N_("On track"),
    Status.AT_RISK: N_("At risk"),
    Status.NEEDS_UPDATE: N_("Needs update"),
    Status.OFF_TRACK: N_("Off track"),
}

# Each colour carries white text at a WCAG contrast of at least 4.5:1; always shown with
# its label, never colour alone.
STATUS_COLORS: dict[Status, str] = {
    Status.ACHIEVED: "#1B7F3B",  # green
    Status.ON_TRACK: "#0F766E",  # teal (blue-ish green)
    Status.AT_RISK: "#B45309",  # amber
    Status.NEEDS_UPDATE: "#6B5B95",  # muted purple
    Status.OFF_TRACK: "#B91C1C",  # red
}


def status_label(status: Status | str | None) -> str:
    """A status as the reader's language names it ("On track" / "Đúng hướng"); "—" for none."""
    if status is None or status != status:  # None or NaN (a KR-less objective in a frame)
        return "—"
    return _(STATUS_LABELS[Status(status)])


def expected_fraction(cycle_start: date, cycle_end: date, today: date) -> float:
    """Share of the cycle elapsed: 0 on (and before) the first day, 1 on (and after) the last.

    Linear in whole days between, so the expected pace is the same all day long.
    """
    if cycle_end < cycle_start:
        raise ValidationError(_("The end date must be after the start date."))
    if cycle_end == cycle_start:
        return 1.0 if today >= cycle_start else 0.0
    elapsed = (today - cycle_start).days / (cycle_end - cycle_start).days
    return min(max(elapsed, 0.0), 1.0)


def _worse(a: Status, b: Status) -> Status:
    return a if STATUS_SEVERITY[a] >= STATUS_SEVERITY[b] else b


def _pace_status(gap: float, settings: StatusSettings) -> Status:
    if gap <= settings.on_track_gap + _GAP_TOLERANCE:
        return Status.ON_TRACK
    if gap <= settings.at_risk_gap + _GAP_TOLERANCE:
        return Status.AT_RISK
    return Status.OFF_TRACK


def _confidence_status(confidence: int | None, settings: StatusSettings) -> Status:
    """The best status the owner's own confidence still allows."""
    if confidence is None:
        return Status.ON_TRACK
    if confidence <= settings.off_track_confidence:
        return Status.OFF_TRACK
    if confidence <= settings.at_risk_confidence:
        return Status.AT_RISK
    return Status.ON_TRACK


def _as_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC, so a naive SQLite value compares with an aware now."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _is_stale(last_update: datetime | None, now: datetime, stale_days: int) -> bool:
    if last_update is None:
        return False
    return _as_utc(now) - _as_utc(last_update) >= timedelta(days=stale_days)


def kr_status(
    progress: float | None,
    expected: float,
    confidence: int | None,
    last_update: datetime | None,
    now: datetime,
    settings: StatusSettings = DEFAULT_SETTINGS,
    cycle_started: bool = True,
) -> Status:
    """Status of one KR: achieved, else the worst of pace, confidence and staleness.

    ``progress`` is raw or clamped (None = unknown, counted as 0 for pace); ``expected`` comes
    from :func:`expected_fraction`. ``last_update`` is the last check-in time, or the KR's
    creation time when it has none (the caller passes it; passing the later of that and the
    cycle start avoids flagging a KR as stale in the first days of a cycle). A KR silent for
    ``stale_days`` needs an update — silence is never green — unless it is already off track,
    which is worse. Nothing is stale before the cycle starts. Naive datetimes are read as UTC.
    """
    if progress is not None and progress >= 1:
        return Status.ACHIEVED
    gap = expected - (clamp(progress) or 0.0)
    status = _worse(_pace_status(gap, settings), _confidence_status(confidence, settings))
    if cycle_started and _is_stale(last_update, now, settings.stale_days):
        status = _worse(status, Status.NEEDS_UPDATE)
    return status


def worst_status(statuses: Iterable[Status | None]) -> Status | None:
    """The most severe status (an objective's status is its worst KR's); none known → None."""
    known = [Status(s) for s in statuses if s is not None]
    return max(known, key=STATUS_SEVERITY.__getitem__, default=None)


def needs_update_rank(status: Status | None, progress: float | None, expected: float) -> tuple:
    """Sort key (ascending) for "which KR most needs my update".

    Stale KRs come first, then the furthest behind the expected pace (largest gap).
    """
    gap = expected - (clamp(progress) or 0.0)
    return (0 if status == Status.NEEDS_UPDATE else 1, -gap)
