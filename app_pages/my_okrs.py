"""My OKRs: what needs my update, my objectives, my team's, and the goals mine serve."""

import streamlit as st

from components.okr_view import escape_markdown, objective_card, rows_by, status_badge
from components.recognition_view import person_recognition
from core.enums import Status
from core.formatting import format_age
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
            label="Check in",
            icon=":material/edit_note:",
            query_params={"kr": int(kr.kr_id), "cycle": cycle.id},
        )


def needs_update(my_krs) -> None:
    st.subheader("Needs your update")
    if my_krs.empty:
        st.info("You own no key results in this cycle yet. Create them in **Set goals**.")
        return
    due = my_krs[
        (my_krs["objective_state"] == "active")
        & (my_krs["status"].isin(NEEDS_ATTENTION) | my_krs["stale"])
    ]
    if due.empty:
        st.success("All your key results are on track and up to date.", icon=":material/check:")
        return
    # Every silent KR (the ones the weekly reminder lists; they sort first), then the worst,
    # at least three.
    shown = max(3, int(due["stale"].sum()))
    for kr in due.head(shown).itertuples(index=False):
        with st.container(border=True):
            text, badge, action = st.columns([6, 2, 2], vertical_alignment="center")
            text.markdown(f"**{escape_markdown(kr.title)}**")
            text.caption(
                f"{escape_markdown(kr.objective_title)} · "
                f"last update {format_age(kr.days_since_update)}"
            )
            with badge:
                status_badge(kr.status)
            with action:
                check_in_link(kr)
    if len(due) > shown:
        st.caption(
            f"…and {len(due) - shown} more. **Log progress → Update all my KRs** does them in "
            "one go."
        )


st.title("My OKRs")
if cycle is None:
    st.info("There is no cycle yet. An admin creates one in Admin → Cycles.")
    st.stop()
st.caption(
    f"{user.display_name} · {user.team_name or 'no team'} · {cycle.name} "
    f"({cycle.start_date:%d %b} – {cycle.end_date:%d %b %Y}, {cycle.state})"
)

view = store.cached(okrs.my_okrs, user.actor, cycle)
needs_update(view.my_krs)
krs = rows_by(view.krs, "objective_id")  # once, for every card below

if not view.aligned_to.empty:
    st.subheader("The goals mine contribute to")
    for obj in view.aligned_to.itertuples(index=False):
        objective_card(obj, krs)

st.subheader("My objectives")
if view.objectives.empty:
    st.info("No objectives of your own in this cycle. **Set goals** to create one.")
for obj in view.objectives.itertuples(index=False):
    objective_card(obj, krs, check_in_link)

st.subheader(f"My team's objectives · {user.team_name or 'no team'}")
if view.team_objectives.empty:
    st.caption("Your team has no team objectives in this cycle.")
for obj in view.team_objectives.itertuples(index=False):
    objective_card(obj, krs, check_in_link)

st.subheader("My recognition")
person_recognition(user.id, cycle, kudos_limit=3)
