"""End-of-cycle forecast of a KR, and its range learned from closed cycles (DESIGN.md "Forecast").

How a KR's forecast is made:

- increase / decrease: each check-in up to *now* is a point (how far into the cycle it was
  made, its value); the start value at 00:00 on the cycle's first day is one more point. A
  straight least-squares line through the points, read at the cycle's end, gives the forecast
  value and its progress. Method "trend".
- With fewer than two points (no check-in yet, or all made at the very same moment) the KR is
  assumed to keep its average pace so far: progress / expected share of the cycle. Method "pace".
- stay_above / stay_below / milestone are met or not met; there is no line to extend, so the
  forecast is the current progress (0 or 1). Method "pace".
- Before the cycle starts the forecast is the current progress ("pace"); once the cycle's time is
  up (from its last day, when the expected share reaches 1) it is the actual progress ("final").
- A KR whose progress cannot be computed (e.g. start == target) has no forecast. Method "none".

Forecast progress is raw, so it may exceed 1 (over-achievement), but it is capped at 2 (200 %):
beyond that a line through a handful of points says more about noise than about the KR. Roll-ups
clamp to [0, 1] like progress does.

How the range is made (calibration): for each KR of a closed cycle we know its progress at some
moment of that cycle and the score it finally got. Take the KRs observed at about the same point
of their cycle as now (within 15 % of the cycle either way). For each, compare what a simple pace
forecast would have said then (progress / elapsed share, limited to 0..1) with its final score:
the difference is how far such a forecast turned out too high or too low. Adding each difference
to today's forecast gives a set of outcomes that history makes plausible; the range shown is
their 10th to 90th percentile, with the median as the middle, all limited to 0..1. With fewer
than 20 such past KRs there is no range: too little history to say anything honest.
"""

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal

from core.enums import KRKind
from core.progress import clamp, kr_progress, mean_progress, weighted_mean
from core.status import expected_fraction

# A forecast above 200 % is extrapolation noise, not information.
MAX_FORECAST_PROGRESS = 2.0
_TOLERANCE = 1e-9
_BINARY_KINDS = frozenset({KRKind.STAY_ABOVE, KRKind.STAY_BELOW, KRKind.MILESTONE})

Method = Literal["trend", "pace", "final", "none"]


@dataclass(frozen=True)
class Point:
    """One check-in: when it was made and the value it recorded."""

    at: datetime
    value: float


@dataclass(frozen=True)
class KRForecast:
    """Forecast value and raw progress (may exceed 1) at the cycle's end, and how it was made."""

    value: float | None
    progress: float | None
    method: Method


@dataclass(frozen=True)
class Outcome:
    """One KR of a closed cycle: its progress at ``elapsed`` share of the cycle, its final score."""

    elapsed: float
    progress_then: float
    final_score: float


@dataclass(frozen=True)
class ForecastRange:
    """Likely final progress: 10th percentile, median, 90th percentile, from ``samples`` past KRs."""

    low: float
    mid: float
    high: float
    samples: int = 0


def least_squares(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float] | None:
    """(slope, intercept) of the best straight line through the points; None if it is undefined.

    A line needs at least two distinct x values; with all points at one x any slope fits.
    """
    if len(xs) != len(ys):
        raise ValueError("xs and ys must have the same length.")
    if len(set(xs)) < 2:
        return None
    n = len(xs)
    mean_x, mean_y = math.fsum(xs) / n, math.fsum(ys) / n
    # Centred sums keep precision when x values are close together (check-ins on one day).
    sxx = math.fsum((x - mean_x) ** 2 for x in xs)
    sxy = math.fsum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    if sxx == 0:  # distinct but so close that their spread underflows
        return None
    slope = sxy / sxx
    return slope, mean_y - slope * mean_x


def _as_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC (as in core.status), so naive and aware values compare."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def elapsed_share(moment: datetime, cycle_start: date, cycle_end: date) -> float:
    """How far into the cycle ``moment`` is: 0 at the first day's 00:00, 1 at the last day's.

    Not limited to [0, 1] (a check-in during planning is below 0), to the second; the same scale
    as core.status.expected_fraction, so "trend" and "pace" agree on where the cycle ends.
    """
    length = (_midnight(cycle_end) - _midnight(cycle_start)).total_seconds()
    if length <= 0:
        raise ValueError("The cycle must end after it starts to measure a share of it.")
    return (_as_utc(moment) - _midnight(cycle_start)).total_seconds() / length


def _as_float(value: object) -> float | None:
    """A finite float (the DB may hand back Decimal), or None for anything else."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _usable_points(points: Sequence[Point], now: datetime) -> list[tuple[datetime, float]]:
    """(time, value) of check-ins known at ``now`` with a real value, oldest first."""
    known = [(_as_utc(p.at), _as_float(p.value)) for p in points]
    return sorted(((at, v) for at, v in known if at <= now and v is not None), key=lambda p: p[0])


def _capped(progress: float | None) -> float | None:
    return None if progress is None else min(progress, MAX_FORECAST_PROGRESS)


def _held_value(kind: KRKind, start: float | None, current_value: float | None) -> float | None:
    """The value as it stands: the last check-in, or for increase/decrease the start value."""
    if current_value is None and kind not in _BINARY_KINDS:
        return start
    return current_value


def forecast_kr(
    kind: str,
    start: float | None,
    target: float | None,
    points: Sequence[Point],
    cycle_start: date,
    cycle_end: date,
    now: datetime,
) -> KRForecast:
    """Forecast one KR's value and progress at the cycle's end from its check-ins up to ``now``.

    ``points`` are the KR's check-ins in any order; those after ``now`` are ignored, so a past
    forecast can be replayed from the full history. Naive datetimes are read as UTC and the
    cycle's days start at 00:00 UTC. See the module docstring for the methods.
    """
    now = _as_utc(now)
    known = _usable_points(points, now)
    current_value = known[-1][1] if known else None
    current = kr_progress(kind, start, target, current_value)  # refuses an unknown kind
    kind = KRKind(kind)
    expected = expected_fraction(cycle_start, cycle_end, now.date())  # refuses end < start
    if current is None:
        return KRForecast(None, None, "none")
    start = _as_float(start)
    held = _held_value(kind, start, current_value)
    if now >= _midnight(cycle_end):
        return KRForecast(held, current, "final")
    if kind in _BINARY_KINDS or now < _midnight(cycle_start):
        return KRForecast(held, current, "pace")
    xs = [0.0] + [elapsed_share(at, cycle_start, cycle_end) for at, _ in known]
    ys = [start] + [value for _, value in known]
    line = least_squares(xs, ys)
    if line is not None:
        slope, intercept = line
        value = slope + intercept
        return KRForecast(value, _capped(kr_progress(kind, start, target, value)), "trend")
    if expected <= 0:
        return KRForecast(held, current, "pace")
    pace_value = start + (held - start) / expected
    return KRForecast(pace_value, _capped(current / expected), "pace")


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (q in 0..100) with linear interpolation between ranks.

    Same rule as a spreadsheet's PERCENTILE / numpy's default: rank = q/100 × (n − 1).
    """
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values is undefined.")
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100.")
    rank = q / 100 * (len(ordered) - 1)
    below = math.floor(rank)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (rank - below)


def _pace_estimate(outcome: Outcome) -> float | None:
    """What a pace forecast would have said at the time, limited to 0..1."""
    if outcome.elapsed <= 0:
        return clamp(outcome.progress_then)
    return clamp(outcome.progress_then / outcome.elapsed)


def _residuals(outcomes: Iterable[Outcome], elapsed: float, window: float) -> list[float]:
    """Final score minus the estimate then, for past KRs observed near ``elapsed``."""
    residuals = []
    for outcome in outcomes:
        fields = (outcome.elapsed, outcome.progress_then, outcome.final_score)
        if any(_as_float(f) is None for f in fields):
            continue
        if abs(outcome.elapsed - elapsed) > window + _TOLERANCE:
            continue
        estimate, final = _pace_estimate(outcome), clamp(outcome.final_score)
        residuals.append(final - estimate)
    return residuals


def calibrate(
    outcomes: Iterable[Outcome],
    elapsed: float,
    forecast: float | None,
    window: float = 0.15,
    min_samples: int = 20,
) -> ForecastRange | None:
    """Range of likely final progress around ``forecast``, from how past forecasts turned out.

    ``elapsed`` is today's share of the cycle (0..1); ``forecast`` a KR's or a roll-up's forecast
    progress (clamped to 0..1 here). None when history has fewer than ``min_samples`` KRs
    observed within ``window`` of ``elapsed`` — no range rather than a made-up one.
    """
    return calibration(outcomes, elapsed, window, min_samples)(forecast)


def calibration(
    outcomes: Iterable[Outcome], elapsed: float, window: float = 0.15, min_samples: int = 20
) -> Callable[[float | None], ForecastRange | None]:
    """``calibrate`` for many forecasts at one ``elapsed``: the past outcomes are sorted out
    once, and each forecast's range costs a few additions (the same numbers: adding the
    forecast to sorted residuals keeps their order)."""
    ordered = sorted(_residuals(outcomes, elapsed, window))

    def spread(forecast: float | None) -> ForecastRange | None:
        base = clamp(forecast)
        if base is None or len(ordered) < max(min_samples, 1):
            return None
        low, mid, high = (clamp(_shifted_percentile(ordered, base, q)) for q in (10, 50, 90))
        return ForecastRange(low, mid, high, samples=len(ordered))

    return spread


def _shifted_percentile(ordered: list[float], shift: float, q: float) -> float:
    """``percentile([shift + v for v in ordered], q)`` for sorted values, without the list."""
    rank = q / 100 * (len(ordered) - 1)
    below = math.floor(rank)
    above = min(below + 1, len(ordered) - 1)
    low, high = shift + ordered[below], shift + ordered[above]
    return low + (high - low) * (rank - below)


def objective_forecast(krs: Iterable[tuple[float | None, float | None]]) -> float | None:
    """An objective's forecast from its KRs' (forecast progress, weight), rolled up like progress."""
    return weighted_mean(krs)


def mean_forecast(values: Iterable[float | None]) -> float | None:
    """Team / company forecast: unweighted mean of objectives' clamped forecasts."""
    return mean_progress(values)
