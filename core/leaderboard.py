"""Ranking rules of the recognition boards for people and teams (DESIGN.md "Recognition").

The db layer fills plain facts per KR; this module decides what counts and who ranks where, so
the rules shown on the page (RANKING_RULES) and the ranking itself cannot drift apart.
"""

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from core.i18n import N_, _
from core.progress import clamp, mean_progress

PUBLISHED_STATES = frozenset({"active", "closed"})
METRICS = ("score", "consistency", "kudos", "improvement")
# English msgids: show them with metric_label() (or ``_(METRIC_LABELS[metric])``).
METRIC_LABELS = {
    "score": N_("Score"),
    "consistency": N_("Check-in consistency"),
    "kudos": N_("Kudos received"),
    "improvement": N_("Most improved"),
}
_DECIMALS = 4  # float noise below this must not break a tie


@dataclass(frozen=True)
class KRFact:
    """What the boards need to know about one KR of the cycle.

    ``checkin_weeks``: week indexes (0 = the cycle's first 7 days) with at least one check-in.
    ``progress`` / ``progress_30_days_ago``: raw progress (clamped here); None = unknown.
    """

    kr_id: int
    owner_id: int
    team_id: int | None
    objective_state: str
    created_at: datetime
    progress: float | None
    progress_30_days_ago: float | None
    checkin_weeks: frozenset[int]


def _as_utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC (as in core.status)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass(frozen=True)
class CycleWindow:
    """The cycle being ranked: it runs from 00:00 UTC on ``start`` to the end of ``end``.

    Derived values are computed once per window (boards ask for them per key result).
    """

    start: date
    end: date
    now: datetime

    @cached_property
    def _start_at(self) -> datetime:
        return datetime.combine(self.start, time(), tzinfo=UTC)

    @cached_property
    def _length(self) -> timedelta:
        return timedelta(days=max((self.end - self.start).days + 1, 1))

    @cached_property
    def total_weeks(self) -> int:
        """Weeks in the cycle, rounded to the nearest whole week (a 92-day quarter has 13)."""
        return max(1, math.floor(self._length.days / 7 + 0.5))

    def week_of(self, moment: datetime) -> int:
        """Week index of ``moment``: 0 for the first 7 days; leftover days join the last week."""
        days = (_as_utc(moment) - self._start_at).days
        return min(max(days // 7, 0), self.total_weeks - 1)

    @cached_property
    def elapsed_weeks(self) -> int:
        """Weeks started so far (the current one included), 0 before the start, capped."""
        if _as_utc(self.now) < self._start_at:
            return 0
        return self.week_of(self.now) + 1

    @cached_property
    def late_cutoff(self) -> datetime:
        """KRs created from this moment on (the last third of the cycle) don't count for score."""
        return self._start_at + self._length * 2 / 3


@dataclass(frozen=True)
class BoardRow:
    """One person's or team's metrics; None where there is nothing to measure."""

    subject_id: int
    score: float | None
    consistency: float | None
    kudos: int
    improvement: float | None
    kr_count: int


@dataclass(frozen=True)
class RankedRow:
    rank: int
    row: BoardRow
    tied: bool


def is_published(fact: KRFact) -> bool:
    """Only KRs of active or closed objectives count; drafts and archived ones never do."""
    return fact.objective_state in PUBLISHED_STATES


def eligible_for_score(fact: KRFact, window: CycleWindow) -> bool:
    """Published and created before the last third, so a late easy goal can't climb the board."""
    return is_published(fact) and _as_utc(fact.created_at) < window.late_cutoff


def kr_consistency(fact: KRFact, window: CycleWindow) -> float | None:
    """Share of the KR's weeks so far with a check-in, counted from the week it was created."""
    last = window.elapsed_weeks - 1
    if last < 0:
        return None
    first = min(window.week_of(fact.created_at), last)
    weeks = {min(max(w, 0), window.total_weeks - 1) for w in fact.checkin_weeks}
    active = range(first, last + 1)
    return sum(1 for w in active if w in weeks) / len(active)


def _improvement(fact: KRFact) -> float | None:
    now, before = clamp(fact.progress), clamp(fact.progress_30_days_ago)
    return None if now is None or before is None else now - before


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return math.fsum(known) / len(known) if known else None


@dataclass(frozen=True)
class _KRMetrics:
    """One KR's contribution to the boards, worked out once however many teams include it."""

    published: bool
    eligible: bool
    progress: float | None
    consistency: float | None
    improvement: float | None


def _kr_metrics(fact: KRFact, window: CycleWindow) -> _KRMetrics:
    published = is_published(fact)
    return _KRMetrics(
        published=published,
        eligible=published and eligible_for_score(fact, window),
        progress=fact.progress,
        consistency=kr_consistency(fact, window) if published else None,
        improvement=_improvement(fact),
    )


def _row(subject_id: int, metrics: Iterable[_KRMetrics], kudos: int) -> BoardRow:
    published = [m for m in metrics if m.published]
    eligible = [m for m in published if m.eligible]
    return BoardRow(
        subject_id=subject_id,
        score=mean_progress(m.progress for m in eligible),
        consistency=_mean(m.consistency for m in published),
        kudos=int(kudos),
        improvement=_mean(m.improvement for m in eligible),
        kr_count=len(eligible),
    )


def board_row(
    subject_id: int, facts: Iterable[KRFact], kudos: int, window: CycleWindow
) -> BoardRow:
    """Metrics over one subject's KRs: published ones only; score and improvement only over
    the ones created before the last third (an easy goal set late and ticked off at once
    would otherwise climb both boards)."""
    return _row(subject_id, [_kr_metrics(f, window) for f in facts], kudos)


def _metrics_by_owner(facts: Iterable[KRFact], window: CycleWindow) -> dict[int, list[_KRMetrics]]:
    by_owner: dict[int, list[_KRMetrics]] = {}
    for fact in facts:
        by_owner.setdefault(fact.owner_id, []).append(_kr_metrics(fact, window))
    return by_owner


def person_rows(
    facts: Iterable[KRFact], kudos_received: Mapping[int, int], window: CycleWindow
) -> list[BoardRow]:
    """One row per KR owner or kudos receiver, by person id."""
    return _person_rows(_metrics_by_owner(facts, window), kudos_received)


def _person_rows(by_owner: Mapping[int, list[_KRMetrics]], kudos_received) -> list[BoardRow]:
    people = sorted(set(by_owner) | set(kudos_received))
    return [_row(p, by_owner.get(p, ()), kudos_received.get(p, 0)) for p in people]


def team_rows(
    facts: Iterable[KRFact],
    kudos_received_by_team: Mapping[int, int],
    team_members: Mapping[int, set[int]],
    window: CycleWindow,
) -> list[BoardRow]:
    """One row per team (listed in ``team_members`` or receiving kudos), over members' KRs.

    A person in two teams counts for both; a team without members gets a row with no metrics.
    """
    return _team_rows(_metrics_by_owner(facts, window), kudos_received_by_team, team_members)


def _team_rows(
    by_owner: Mapping[int, list[_KRMetrics]],
    kudos_received_by_team: Mapping[int, int],
    team_members: Mapping[int, set[int]],
) -> list[BoardRow]:
    teams = sorted(set(team_members) | set(kudos_received_by_team))
    rows = []
    for team in teams:
        members = sorted(team_members.get(team, ()))
        metrics = [m for member in members for m in by_owner.get(member, ())]
        rows.append(_row(team, metrics, kudos_received_by_team.get(team, 0)))
    return rows


def boards(
    facts: Iterable[KRFact],
    kudos_received: Mapping[int, int],
    kudos_received_by_team: Mapping[int, int],
    team_members: Mapping[int, set[int]],
    window: CycleWindow,
) -> tuple[list[BoardRow], list[BoardRow]]:
    """``person_rows`` and ``team_rows`` together, measuring each KR once (an organisation's
    boards cover tens of thousands of KRs, and every team above a person includes theirs)."""
    by_owner = _metrics_by_owner(facts, window)
    return (
        _person_rows(by_owner, kudos_received),
        _team_rows(by_owner, kudos_received_by_team, team_members),
    )


def _metric_value(row: BoardRow, metric: str) -> float | None:
    """The row's value on a board, or None when it is not ranked there."""
    if metric == "score" and row.kr_count < 1:
        return None
    if metric == "kudos" and row.kudos <= 0:
        return None
    value = getattr(row, metric)
    return None if value is None else round(float(value), _DECIMALS)


def rank(
    rows: Iterable[BoardRow],
    metric: str,
    names: Mapping[int, str] | None = None,
) -> list[RankedRow]:
    """Competition ranking ("1, 2, 2, 4"), best first; rows without a value are left out.

    Ties share a rank and are listed by name (case-insensitive, when ``names`` is given) then id,
    so the board reads the same on every visit.
    """
    if metric not in METRICS:
        raise ValueError(f"Unknown metric {metric!r}; choose one of: {', '.join(METRICS)}.")
    names = names or {}
    valued = [(v, r) for r in rows if (v := _metric_value(r, metric)) is not None]
    valued.sort(
        key=lambda vr: (-vr[0], names.get(vr[1].subject_id, "").casefold(), vr[1].subject_id)
    )
    counts = Counter(value for value, _ in valued)
    ranked: list[RankedRow] = []
    for position, (value, row) in enumerate(valued, start=1):
        shares_previous = ranked and _metric_value(ranked[-1].row, metric) == value
        place = ranked[-1].rank if shares_previous else position
        ranked.append(RankedRow(place, row, counts[value] > 1))
    return ranked


# One msgid (markdown): show it with ranking_rules() (or ``_(RANKING_RULES)``).
RANKING_RULES = N_("""\
**How is this ranked?**

Each board ranks the people (or teams) of the selected cycle on one measure, highest first:

- **Score** — the average progress of the key results they own (each counted from 0% to 100%,
  so over-achieving one KR cannot hide another that is behind). A team's score averages the key
  results owned by its members.
- **Check-in consistency** — for each key result, the share of its weeks so far (from the week
  it was created) with at least one check-in; averaged over their key results.
- **Kudos received** — the number of kudos received in the cycle.
- **Most improved** — how much their key results' progress grew over the last 30 days (from
  their value 30 days ago, or from their start value if they are younger), on average.

Fairness rules:

- Only published OKRs count: drafts and archived objectives never do.
- A key result added in the last third of the cycle does not count toward the score and
  most-improved boards, so easy goals set late cannot climb them.
- To be ranked on the score board you need at least one key result that counts; on the kudos
  board, at least one kudos.
- Equal values (to 4 decimals) share the same rank (1, 2, 2, 4) and are listed in alphabetical order.
""")


def metric_label(metric: str) -> str:
    """A board's name in the reader's language ("Most improved")."""
    return _(METRIC_LABELS[metric])


def ranking_rules() -> str:
    """RANKING_RULES (markdown) in the reader's language."""
    return _(RANKING_RULES)
