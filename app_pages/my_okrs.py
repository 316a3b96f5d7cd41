"""My OKRs: what needs my update, then my objectives, my team's, or the goals mine serve."""

import streamlit as st

from components.okr_view import objective_card, rows_by, titled_line
from components.recognition_view import person_recognition
from core.enums import Status, state_word
from core.formatting import format_age
from core.i18n import _, format_date
from core.permissions import can_check_in
from core.text import Markdown, md, md_format
from db.frames import row_tuples
from db.queries import okrs
from shell import store
from shell.context import current_cycle, current_user, my_views

NEEDS_ATTENTION = {Status.NEEDS_UPDATE, Status.OFF_TRACK, Status.AT_RISK}

user = current_user()
cycle = current_cycle()


def check_in_link(kr) -> None:
    """A link to the KR's check-in form, for the people who may check in on it."""
    if kr.objective_state == "active" and can_check_in(
        user.actor, kr.owner_id, kr.objective_team_id
    ):
        st.page_link(
            "app_pages/log_progress.py",
            label=_("Check in"),
            icon=":material/edit_note:",
            query_params={"kr": int(kr.kr_id), "cycle": cycle.id},
        )


def page_rows(actor, cycle) -> dict:
    """The page's frames as rows (named tuples), made once per data version through
    store.derived: turning a wide frame into rows costs ~1 ms, on every run otherwise."""
    view = store.cached(okrs.my_okrs, actor, cycle, follows=my_views(cycle))
    mine = view.my_krs
    due = mine[
        (mine["objective_state"] == "active")
        & (mine["status"].isin(NEEDS_ATTENTION) | mine["stale"])
    ]
    return {
        "owns_krs": not mine.empty,
        "due": row_tuples(due),
        "silent": int(due["stale"].sum()),
        "krs": rows_by(view.krs, "objective_id"),
        "objectives": row_tuples(view.objectives),
        "team_objectives": row_tuples(view.team_objectives),
        "aligned_to": row_tuples(view.aligned_to),
    }


def needs_update(rows: dict) -> None:
    st.subheader(_("Needs your update"))
    if not rows["owns_krs"]:
        st.info(_("You own no key results in this cycle yet. Create them in **Set goals**."))
        return
    due = rows["due"]
    if not due:
        st.success(_("All your key results are on track and up to date."), icon=":material/check:")
        return
    # Every silent KR (the ones the weekly reminder lists; they sort first), then the worst,
    # at least three.
    shown = max(3, rows["silent"])
    for kr in due[:shown]:
        with st.container(border=True):
            text, action = st.columns([8, 2], vertical_alignment="center")
            details = md_format(
                _("{objective} · last update {age}"),
                objective=kr.objective_title,
                age=format_age(kr.days_since_update),
            )
            text.markdown(titled_line(kr.title, details, kr.status))
            with action:
                check_in_link(kr)
    if len(due) > shown:
        st.caption(
            md_format(
                _("…and {count} more. **Log progress → Update all my KRs** does them in one go."),
                count=len(due) - shown,
            )
        )


def objective_list(tab, objectives, empty: Markdown, action=None) -> None:
    """A tab's objectives, drawn only when the tab is the one chosen."""
    if not tab.open:
        return
    with tab:
        if not objectives:
            st.caption(md(empty))
        for obj in objectives:
            objective_card(obj, rows["krs"], action)


st.title(_("My OKRs"))
if cycle is None:
    st.info(_("There is no cycle yet. An admin creates one in Admin → Cycles."))
    st.stop()
st.caption(
    md_format(
        _("{person} · {team} · {cycle} ({start} – {end}, {state})"),
        person=user.display_name,
        team=user.team_name or _("no team"),
        cycle=cycle.name,
        start=format_date(cycle.start_date),
        end=format_date(cycle.end_date),
        state=state_word(cycle.state),
    )
)

rows = store.derived(page_rows, user.actor, cycle, follows=my_views(cycle))
needs_update(rows)

# One list at a time, drawn when its tab is chosen: the page costs what it shows.
mine, team, served = st.tabs(
    [
        md_format(_("My objectives ({count})"), count=len(rows["objectives"])),
        md_format(
            _("My team's objectives · {team} ({count})"),
            team=user.team_name or _("no team"),
            count=len(rows["team_objectives"]),
        ),
        md_format(_("The goals mine contribute to ({count})"), count=len(rows["aligned_to"])),
    ],
    key="my_okrs.list",
    on_change="rerun",
)
objective_list(
    mine,
    rows["objectives"],
    md_format(_("No objectives of your own in this cycle. **Set goals** to create one.")),
    check_in_link,
)
objective_list(
    team,
    rows["team_objectives"],
    md_format(_("Your team has no team objectives in this cycle.")),
    check_in_link,
)
objective_list(
    served,
    rows["aligned_to"],
    md_format(_("None of your objectives is aligned to a goal above it yet.")),
)

st.subheader(_("My recognition"))
person_recognition(user.id, cycle, kudos_limit=3)
