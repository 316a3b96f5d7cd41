"""My OKRs: what needs my update, then my objectives, my team's, or the goals mine serve."""

import streamlit as st

from components.okr_view import escape_markdown, objective_card, rows_by, status_badge
from components.recognition_view import person_recognition
from core.enums import Status, state_word
from core.formatting import format_age
from core.i18n import _, format_date
from core.permissions import can_check_in
from db.queries import okrs
from shell import store
from shell.context import current_cycle, current_user

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


def needs_update(my_krs) -> None:
    st.subheader(_("Needs your update"))
    if my_krs.empty:
        st.info(_("You own no key results in this cycle yet. Create them in **Set goals**."))
        return
    due = my_krs[
        (my_krs["objective_state"] == "active")
        & (my_krs["status"].isin(NEEDS_ATTENTION) | my_krs["stale"])
    ]
    if due.empty:
        st.success(_("All your key results are on track and up to date."), icon=":material/check:")
        return
    # Every silent KR (the ones the weekly reminder lists; they sort first), then the worst,
    # at least three.
    shown = max(3, int(due["stale"].sum()))
    for kr in due.head(shown).itertuples(index=False):
        with st.container(border=True):
            text, badge, action = st.columns([6, 2, 2], vertical_alignment="center")
            text.markdown(f"**{escape_markdown(kr.title)}**")
            text.caption(
                _("{objective} · last update {age}").format(
                    objective=escape_markdown(kr.objective_title),
                    age=format_age(kr.days_since_update),
                )
            )
            with badge:
                status_badge(kr.status)
            with action:
                check_in_link(kr)
    if len(due) > shown:
        st.caption(
            _(
                "…and {count} more. **Log progress → Update all my KRs** does them in one go."
            ).format(count=len(due) - shown)
        )


def objective_list(tab, objectives, empty: str, action=None) -> None:
    """A tab's objectives, drawn only when the tab is the one chosen."""
    if not tab.open:
        return
    with tab:
        if objectives.empty:
            st.caption(empty)
        for obj in objectives.itertuples(index=False):
            objective_card(obj, krs, action)


st.title(_("My OKRs"))
if cycle is None:
    st.info(_("There is no cycle yet. An admin creates one in Admin → Cycles."))
    st.stop()
st.caption(
    _("{person} · {team} · {cycle} ({start} – {end}, {state})").format(
        person=user.display_name,
        team=user.team_name or _("no team"),
        cycle=cycle.name,
        start=format_date(cycle.start_date),
        end=format_date(cycle.end_date),
        state=state_word(cycle.state),
    )
)

view = store.cached(okrs.my_okrs, user.actor, cycle)
needs_update(view.my_krs)
krs = rows_by(view.krs, "objective_id")  # once, for every card below

# One list at a time, drawn when its tab is chosen: the page costs what it shows.
mine, team, served = st.tabs(
    [
        _("My objectives ({count})").format(count=len(view.objectives)),
        _("My team's objectives · {team} ({count})").format(
            team=user.team_name or _("no team"), count=len(view.team_objectives)
        ),
        _("The goals mine contribute to ({count})").format(count=len(view.aligned_to)),
    ],
    key="my_okrs.list",
    on_change="rerun",
)
objective_list(
    mine,
    view.objectives,
    _("No objectives of your own in this cycle. **Set goals** to create one."),
    check_in_link,
)
objective_list(
    team, view.team_objectives, _("Your team has no team objectives in this cycle."), check_in_link
)
objective_list(
    served, view.aligned_to, _("None of your objectives is aligned to a goal above it yet.")
)

st.subheader(_("My recognition"))
person_recognition(user.id, cycle, kudos_limit=3)
