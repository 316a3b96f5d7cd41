"""Check-in streaks and badges, always computed from the data (never stored counters).

Computing them from check-ins and kudos means a correction, a deleted kudos or a reopened cycle
can never leave a badge out of step with what actually happened.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from core.i18n import N_, _

STREAK_BADGE_WEEKS = 4
GENEROUS_KUDOS = 5
APPRECIATED_KUDOS = 5


@dataclass(frozen=True)
class Badge:
    """A badge; ``label`` and ``description`` read in the current language.

    ``label_text`` / ``description_text`` are the English msgids (marked with ``N_``); their
    ``{count}`` is ``count`` (the weeks or kudos the badge asks for).
    """

    key: str
    label_text: str
    icon: str  # a Streamlit material icon, e.g. ":material/local_fire_department:"
    description_text: str
    count: int = 0

    @property
    def label(self) -> str:
        return _(self.label_text).format(count=self.count)

    @property
    def description(self) -> str:
        return _(self.description_text).format(count=self.count)


STREAK = Badge(
    "streak",
    N_("{count}-week streak"),
    ":material/local_fire_department:",
    N_("Checked in {count} weeks in a row or more."),
    STREAK_BADGE_WEEKS,
)
FIRST_KR_ACHIEVED = Badge(
    "first_kr_achieved",
    N_("First KR achieved"),
    ":material/emoji_events:",
    N_("Reached the target of a key result."),
)
ALL_ON_TRACK = Badge(
    "all_on_track",
    N_("All on track"),
    ":material/verified:",
    N_("Every key result is on track or achieved."),
)
GENEROUS = Badge(
    "generous",
    N_("Generous"),
    ":material/volunteer_activism:",
    N_("Gave {count} kudos or more."),
    GENEROUS_KUDOS,
)
APPRECIATED = Badge(
    "appreciated",
    N_("Appreciated"),
    ":material/favorite:",
    N_("Received {count} kudos or more."),
    APPRECIATED_KUDOS,
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
