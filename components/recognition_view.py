"""Drawing recognition: kudos cards, badges and streaks, the podium and the board's rows.

Reusable across pages. ``person_recognition`` (and its two halves, ``person_badges`` and
``person_kudos``) draws one person's recognition on its own — My OKRs and People call it with a
person id and the selected cycle; it reads through ``store.cached`` like a page does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from core import files_out
from core.badges import ALL_BADGES, STREAK_BADGE_WEEKS
from core.formatting import format_age
from core.i18n import N_, _, format_date, ngettext
from core.progress import format_progress
from core.text import Markdown, badge, bold, md, md_block, md_format, md_join
from db.frames import row_tuples
from db.queries import recognition
from db.queries.org import CycleRow
from shell import store
from shell.context import my_views, signed_in_id
from shell.versions import Follows

BADGES = {badge.key: badge for badge in ALL_BADGES}
BADGE_COLORS = {
    "streak": "orange",
    "first_kr_achieved": "green",
    "all_on_track": "blue",
    "generous": "violet",
    "appreciated": "red",
}
PERCENT_METRICS = ("score", "consistency", "improvement")
NAME_COLUMN = N_("Name")  # the board table's name column, shown as _(NAME_COLUMN)


# --- values and badges as text -------------------------------------------------------------


def badge_keys(value) -> list[str]:
    """Badge keys from a board row's comma-separated ``badges`` (or any iterable of keys)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    keys = value.split(",") if isinstance(value, str) else list(value)
    return [key for key in keys if key in BADGES]


def badges_text(value) -> str:
    """Plain badge labels for tables and CSV: "4-week streak · First KR achieved"."""
    return " · ".join(BADGES[key].label for key in badge_keys(value))


def badges_markdown(value) -> Markdown:
    """Badges as inline Streamlit Markdown badges."""
    return md_join(" ", (_badge(BADGES[key]) for key in badge_keys(value)))


def _badge(kind) -> Markdown:
    return badge(kind.label, BADGE_COLORS[kind.key], kind.icon)


def metric_text(metric: str, value) -> str:
    """A board value as people read it: "57 %", "+12 pts", "3 kudos"."""
    if value is None or pd.isna(value):
        return "—"
    if metric == "improvement":
        points = math.floor(float(value) * 100 + 0.5)
        return _("{points} pts").format(points=f"{points:+d}") if points else _("±0 pts")
    if metric in PERCENT_METRICS:
        return format_progress(float(value))
    count = int(value)
    return ngettext("{count} kudos", "{count} kudos", count).format(count=count)


def rank_text(rank: int, tied: bool) -> str:
    """ "=2" for a shared place, "2" otherwise."""
    return f"={int(rank)}" if tied else str(int(rank))


def streak_text(weeks: int) -> str:
    if weeks <= 0:
        return _("No check-in streak yet")
    if weeks > 1:
        return _("{weeks}-week check-in streak").format(weeks=weeks)
    return _("Checked in this week or last")


# --- kudos ---------------------------------------------------------------------------------


def _when(moment) -> str:
    moment = pd.Timestamp(moment).to_pydatetime()
    days = (datetime.now(UTC).replace(tzinfo=None) - moment).days  # naive UTC, as stored
    return f"{format_date(moment)} · {format_age(max(days, 0))}"


def kudos_card(kudos, highlight_id: int | None = None) -> None:
    """One kudos: who thanked whom, the message (shown literally), the linked work, when."""
    with st.container(border=True):
        to_team = not pd.isna(kudos.receiver_team_id)
        icon = ":material/groups:" if to_team else ":material/person:"
        new = " " + badge(_("new"), "orange") if highlight_id == kudos.id else ""
        st.markdown(
            f":material/celebration: {bold(kudos.giver)} → {icon} {bold(kudos.receiver)}{new}"
        )
        st.markdown(md_block(kudos.message))
        parts = [_when(kudos.at)]
        if isinstance(kudos.objective_title, str):
            if isinstance(kudos.kr_title, str):
                parts.append(
                    md_format(
                        _("for “{objective}” › {key_result}"),
                        objective=kudos.objective_title,
                        key_result=kudos.kr_title,
                    )
                )
            else:
                parts.append(md_format(_("for “{objective}”"), objective=kudos.objective_title))
        st.caption(md_join(" · ", parts))


def kudos_list(
    frame: pd.DataFrame, empty_text: str, highlight_id: int | None = None, columns: int = 1
) -> None:
    """Kudos cards, newest first (read left to right when in several columns)."""
    if frame.empty:
        st.caption(md(empty_text))
        return
    slots = st.columns(columns) if columns > 1 else [st.container()]
    for index, kudos in enumerate(row_tuples(frame)):
        with slots[index % len(slots)]:
            kudos_card(kudos, highlight_id)


# --- one person ----------------------------------------------------------------------------


def person_follows(person_id: int, cycle: CycleRow) -> Follows:
    """One's own badges follow one's own views at once; other people's, the summaries."""
    return my_views(cycle) if int(person_id) == signed_in_id() else store.SUMMARY


def person_badges(person_id: int, cycle: CycleRow | None) -> None:
    """A person's check-in streak and badges in the cycle, with the kudos counts."""
    if cycle is None:
        st.caption(_("Badges and streaks appear once there is a cycle."))
        return
    facts = store.cached(
        recognition.person_recognition,
        int(person_id),
        cycle,
        recognition.as_of(cycle),
        follows=person_follows(person_id, cycle),
    )
    flame = ":material/local_fire_department:" if facts.streak else ":material/schedule:"
    st.markdown(f"{flame} {bold(streak_text(facts.streak))}")
    if facts.badges:
        st.markdown(badges_markdown(facts.badges))
    else:
        st.caption(
            md_format(
                _(
                    "No badges yet in {cycle}: check in {weeks} weeks in a row, "
                    "achieve a key result or thank five people to earn some."
                ),
                cycle=cycle.name,
                weeks=STREAK_BADGE_WEEKS,
            )
        )
    st.caption(
        md_format(
            _(
                "{cycle}: {received} kudos received · {given} given · "
                "{achieved} of {count} key results achieved"
            ),
            cycle=cycle.name,
            received=facts.kudos_received,
            given=facts.kudos_given,
            achieved=facts.krs_achieved,
            count=facts.kr_count,
        )
    )


def person_kudos(person_id: int, limit: int = 5) -> None:
    """The latest kudos a person received (any cycle), newest first."""
    frame, total = store.cached(
        recognition.kudos_page, int(person_id), True, (), None, None, limit, follows=store.STRUCTURE
    )
    kudos_list(frame, _("No kudos received yet."))
    if total > len(frame):
        st.caption(
            md_format(
                _("{shown} of {total} kudos shown — the Kudos page has them all."),
                shown=len(frame),
                total=total,
            )
        )


def person_recognition(person_id: int, cycle: CycleRow | None, kudos_limit: int = 5) -> None:
    """Everything about one person's recognition: streak, badges, latest kudos received."""
    person_badges(person_id, cycle)
    st.markdown(_("**Latest kudos received**"))
    person_kudos(person_id, kudos_limit)


# --- the board -----------------------------------------------------------------------------


def board_table(rows: pd.DataFrame, metric: str, people: bool) -> pd.DataFrame:
    """The rows of a ranked board as the table (and CSV) shows them (the names of its columns
    in the current language; ``NAME_COLUMN`` is the name column's)."""
    table = pd.DataFrame(
        {
            _("Rank"): [rank_text(r, t) for r, t in zip(rows["rank"], rows["tied"], strict=True)],
            _(NAME_COLUMN): rows["name"],
            _("Team") if people else _("Part of"): rows["team" if people else "parent"],
            _("Value"): [metric_text(metric, v) for v in rows["value"]],
            _("Key results"): rows["kr_count"],
        }
    )
    if people:
        table[_("Streak (weeks)")] = rows["streak"].astype(int)
        table[_("Badges")] = [badges_text(b) for b in rows["badges"]]
    else:
        table[_("People")] = rows["members"].astype(int)
    return table.reset_index(drop=True)


def board_csv(rows: pd.DataFrame, metric: str, people: bool) -> bytes:
    """The full board's CSV download (a tie's rank "=3" stays text in a spreadsheet, as do
    names)."""
    return files_out.csv_bytes(board_table(rows, metric, people))


def chart_rows(rows: pd.DataFrame, metric: str, you_ids: Iterable[int]) -> pd.DataFrame:
    """What the podium and bar charts need from ranked rows."""
    you = set(you_ids)
    return pd.DataFrame(
        {
            "rank": rows["rank"].astype(int),
            "rank_text": [rank_text(r, t) for r, t in zip(rows["rank"], rows["tied"], strict=True)],
            "name": rows["name"],
            "value": rows["value"].astype(float),
            "label": [metric_text(metric, v) for v in rows["value"]],
            "you": [int(i) in you for i in rows["id"]],
        }
    ).reset_index(drop=True)


def podium_cards(rows: pd.DataFrame, metric: str, people: bool) -> None:
    """The first three as cards (2nd, 1st, 3rd) with their badges, under the podium chart."""
    top = rows.head(3).reset_index(drop=True)
    columns = st.columns(3)
    for position, column in ((1, columns[0]), (0, columns[1]), (2, columns[2])):
        if position >= len(top):
            continue
        row = top.iloc[position]
        with column.container(border=True):
            place = rank_text(row["rank"], row["tied"])
            st.markdown(bold(md_format("{place} · {name}", place=place, name=row["name"])))
            detail = row["team"] if people else row["parent"]
            st.caption(md_join(" · ", [metric_text(metric, row["value"]), detail or "—"]))
            if people and badge_keys(row["badges"]):
                st.markdown(badges_markdown(row["badges"]))


def badge_legend() -> None:
    st.markdown(
        md_join(
            "\n",
            (
                md_format("- {badge} — {description}", badge=_badge(b), description=b.description)
                for b in ALL_BADGES
            ),
        )
    )
    st.caption(
        _(
            "Streaks and badges are worked out from the check-ins and kudos of the cycle each "
            "time they are shown, so a correction is reflected at once. A streak counts "
            "consecutive weeks with a check-in on any of your key results; this week only breaks "
            "it once it is over."
        )
    )
