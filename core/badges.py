"""Check-in streaks and badges, always computed from the data (never stored counters).

Computing them from check-ins and kudos means a correction, a deleted kudos or a reopened cycle
can never leave a badge out of step with what actually happened.
"""

from collections.abc import Iterable
from dataclasses import dataclass

STREAK_BADGE_WEEKS = 4
GENEROUS_KUDOS = 5
APPRECIATED_KUDOS = 5


@dataclass(frozen=True)
class Badge:
    key: str
    label: str
    icon: str  # a Streamlit material icon, e.g. ":material/local_fire_department:"
    description: str


STREAK = Badge(
    "streak",
    f"{STREAK_BADGE_WEEKS}-week streak",
    ":material/local_fire_department:",
    f"Checked in {STREAK_BADGE_WEEKS} weeks in a row or more.",
)
FIRST_KR_ACHIEVED = Badge(
    "first_kr_achieved",
    "First KR achieved",
    ":material/emoji_events:",
    "Reached the target of a key result.",
)
ALL_ON_TRACK = Badge(
    "all_on_track",
    "All on track",
    ":material/verified:",
    "Every key result is on track or achieved.",
)
GENEROUS = Badge(
    "generous",
    "Generous",
    ":material/volunteer_activism:",
    f"Gave {GENEROUS_KUDOS} kudos or more.",
)
APPRECIATED = Badge(
    "appreciated",
    "Appreciated",
    ":material/favorite:",
    f"Received {APPRECIATED_KUDOS} kudos or more.",
)
ALL_BADGES = (STREAK, FIRST_KR_ACHIEVED, ALL_ON_TRACK, GENEROUS, APPRECIATED)


def checkin_streak(week_indexes: Iterable[int], current_week: int) -> int:
    """Consecutive weeks with a check-in, ending this week or last week.

    This week may still be in progress, so not having checked in yet does not break the streak;
    a whole week without a check-in does. Weeks after ``current_week`` are ignored.
    """
    weeks = {w for w in week_indexes if w <= current_week}
    week = current_week if current_week in weeks else current_week - 1
    streak = 0
    while week in weeks:
        streak += 1
        week -= 1
    return streak


def badges_for(
    *,
    streak_weeks: int,
    krs_achieved: int,
    all_on_track: bool,
    kudos_given: int,
    kudos_received: int,
) -> list[Badge]:
    """The badges earned, always in the order of ALL_BADGES.

    ``all_on_track`` must be False for someone with no key results (nothing to be on track).
    """
    earned = {
        STREAK: streak_weeks >= STREAK_BADGE_WEEKS,
        FIRST_KR_ACHIEVED: krs_achieved >= 1,
        ALL_ON_TRACK: bool(all_on_track),
        GENEROUS: kudos_given >= GENEROUS_KUDOS,
        APPRECIATED: kudos_received >= APPRECIATED_KUDOS,
    }
    return [badge for badge in ALL_BADGES if earned[badge]]
