"""Drawing objectives and key results: status badges, progress bars, KR rows, objective cards.

Rows come from db.queries.okrs frames (annotated with progress and status); nothing here
reads the database.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.enums import Status, level_label, state_word
from core.formatting import format_age, format_target, format_value
from core.i18n import _
from core.progress import clamp, format_progress
from core.status import status_label
from core.text import Markdown, badge, bold, md, md_format, md_join, small
from db.frames import row_tuples

BADGE_COLORS = {
    Status.ACHIEVED: "green",
    Status.ON_TRACK: "blue",
    Status.AT_RISK: "orange",
    Status.NEEDS_UPDATE: "violet",
    Status.OFF_TRACK: "red",
}
STATUS_ICONS = {
    Status.ACHIEVED: ":material/verified:",
    Status.ON_TRACK: ":material/trending_up:",
    Status.AT_RISK: ":material/warning:",
    Status.NEEDS_UPDATE: ":material/schedule:",
    Status.OFF_TRACK: ":material/trending_down:",
}
STATE_BADGES = {"draft": "gray", "archived": "gray", "closed": "gray"}


def _badge(status: str | None) -> tuple[str, str | None, str]:
    """A status badge's label, icon and colour (no status: no key results yet)."""
    if status is None or pd.isna(status):
        return _("no key results"), None, "gray"
    status = Status(status)
    return status_label(status), STATUS_ICONS[status], BADGE_COLORS[status]


def status_badge(status: str | None) -> None:
    label, icon, color = _badge(status)
    st.badge(md(label), icon=icon, color=color)


def badge_text(label: str, color: str, icon: str | None = None) -> Markdown:
    """A badge as a Markdown directive, to put in a line of text (one element, where
    ``st.badge`` is one more)."""
    return badge(label, color, icon)


def status_badge_text(status: str | None) -> Markdown:
    label, icon, color = _badge(status)
    return badge(label, color, icon)


def small_text(details: object) -> Markdown:
    """Text shown small and grey, as a caption shows it, inside a Markdown element
    (``details`` made literal unless it is ``Markdown`` already)."""
    return small(details)


def titled_line(title: str, details: object, status: str | None) -> Markdown:
    """A row's text as one Markdown element: the bold title and its status badge, then the
    details small and grey, as a caption would show them (each element a row draws costs a
    message to the browser on every run). ``title`` and ``details`` are made literal unless
    they are ``Markdown`` already."""
    return md_format(
        "{title} {badge}  \n{details}",
        title=bold(title),
        badge=status_badge_text(status),
        details=small(details),
    )


def progress_bar(progress: float | None, label: str = "") -> None:
    """A bar clamped to 100 %, with the real figure (e.g. 120 %) in its text; ``label`` is
    already translated (``_("Progress")``) and comes before the figure."""
    value = clamp(None if pd.isna(progress) else progress)
    figure = format_progress(None if pd.isna(progress) else progress)
    st.progress(
        value or 0.0, text=md_join(" ", [label.strip(), figure] if label.strip() else [figure])
    )


def kr_value_text(kr) -> str:
    """Where the KR stands and what it aims for: "now 49,000 USD · 71,200 USD → 27,000 USD"."""
    aim = format_target(
        kr.kind, _value(kr.start), _value(kr.target), kr.unit, kr.currency_code, kr.unit_label
    )
    if pd.isna(kr.last_checkin_at):
        return _("no check-in yet · {aim}").format(aim=aim)
    current = format_value(_value(kr.current), kr.kind, kr.unit, kr.currency_code, kr.unit_label)
    return _("now {current} · {aim}").format(current=current, aim=aim)


def _value(value) -> float | None:
    return None if pd.isna(value) else float(value)


def kr_row(kr, check_in_link: Callable[[object], None] | None = None) -> None:
    """One key result: title and owner, progress, status, value, last update, check-in link."""
    title, bar, action = st.columns([7, 3, 2], vertical_alignment="center")
    details = md_format(
        _("{owner} · {value} · updated {age}"),
        owner=kr.owner_name,
        value=kr_value_text(kr),  # unit labels are user text
        age=format_age(_days(kr.days_since_update)),
    )
    title.markdown(titled_line(kr.title, details, kr.status))
    with bar:
        progress_bar(kr.progress)
    if check_in_link is not None:
        with action:
            check_in_link(kr)


def _days(value) -> int | None:
    return None if pd.isna(value) else int(value)


def objective_header(obj) -> None:
    parts = [level_label(obj.level)]
    if isinstance(obj.team, str):
        parts.append(obj.team)
    parts.append(obj.owner_name)
    if isinstance(obj.parent_title, str):
        parts.append(md_format(_("aligned to “{title}”"), title=obj.parent_title))
    st.markdown(
        md_format("#### {title}\n{details}", title=obj.title, details=small(md_join(" · ", parts)))
    )


def rows_by(frame: pd.DataFrame, column: str) -> dict:
    """The rows of ``frame`` as named tuples, grouped by ``column``, in one pass: filtering
    the frame and making rows once per card costs ~1–3 ms a card."""
    groups: dict = {}
    for row in row_tuples(frame):
        groups.setdefault(getattr(row, column), []).append(row)
    return groups


def objective_card(
    obj, krs: pd.DataFrame | dict, check_in_link: Callable[[object], None] | None = None
) -> None:
    """An objective with its progress, status and key results, in a bordered box.
    ``krs``: a KR frame, or ``rows_by(krs, "objective_id")`` when drawing many cards."""
    with st.container(border=True):
        head, bar, badge = st.columns([6, 3, 2], vertical_alignment="center")
        with head:
            objective_header(obj)
        with bar:
            progress_bar(obj.progress, _("Progress"))
        with badge:
            if obj.state != "active":
                st.badge(state_word(obj.state), color=STATE_BADGES.get(obj.state, "gray"))
            else:
                status_badge(obj.status)
        if isinstance(krs, dict):
            mine = krs.get(obj.objective_id, [])
        else:
            mine = row_tuples(krs[krs["objective_id"] == obj.objective_id])
        if not mine:
            st.caption(_("No key results yet."))
        for kr in mine:
            kr_row(kr, check_in_link)
