"""Kudos: thank a person or a team (optionally for a piece of published work), see your own
streak, badges and kudos, and read the kudos wall — newest first, filtered by team or person.

?to=<person id> opens the form addressed to that person (the leaderboard links here).
"""

import pandas as pd
import streamlit as st

from components.pickers import id_select, person_picker
from components.recognition_view import kudos_list, person_recognition
from core.i18n import N_, _
from core.text import md, md_format
from db.commands import kudos as kudos_commands
from db.frames import row_tuples
from db.queries import org, recognition
from shell import store
from shell.context import current_cycle, current_user
from shell.feedback import toast_after_rerun

PAGE_SIZE = 20
NOTHING = (None, None)
EVERYONE = N_("— everyone —")
A_PERSON, A_TEAM = N_("A person"), N_("A team")  # the "Thank" choice's values, shown as _(v)
ALL = 0  # "no filter" in the wall's selects (None would show as an empty choice)

user = current_user()
cycle = current_cycle()
actor = user.actor


def team_names() -> dict[int, str]:
    return {
        int(t.id): t.name
        for t in row_tuples(store.cached(org.teams_frame, follows=store.STRUCTURE))
    }


def others(search: str, ids: tuple[int, ...]) -> dict[int, str]:
    """People to thank: anyone active but yourself."""
    found = store.cached(org.person_options, search, ids, follows=store.STRUCTURE)
    return {pid: name for pid, name in found.items() if pid != user.id}


def requested_id(name: str) -> int | None:
    value = st.query_params.get(name, "")
    return int(value) if value.isdigit() else None


# --- give kudos ------------------------------------------------------------------------------


def link_choices(person_id: int | None, team_id: int | None) -> dict[tuple, str]:
    """Published work of the receiver in this cycle a kudos may point at."""
    choices = {NOTHING: _("— nothing in particular —")}
    if cycle is None or (person_id is None and team_id is None):
        return choices
    options = store.cached(
        recognition.kudos_link_options, cycle.id, person_id, team_id, follows=store.STRUCTURE
    )
    for row in row_tuples(options):
        if pd.isna(row.kr_id):
            label = _("Objective: {title}").format(title=row.objective_title)
            choices[(int(row.objective_id), None)] = label
        else:
            label = _("Key result: {title}").format(title=row.kr_title)
            choices[(int(row.objective_id), int(row.kr_id))] = f"    ↳ {label}"
    return choices


def give_kudos() -> None:
    st.subheader(_("Give kudos"))
    to_person = (
        st.radio(
            _("Thank"),
            [A_PERSON, A_TEAM],
            format_func=lambda choice: md(_(choice)),
            horizontal=True,
            key="kudos.to",
        )
        == A_PERSON
    )
    person_id = team_id = None
    if to_person:
        person_id = person_picker(
            _("Person"), "kudos.person", others, current_id=requested_id("to")
        )
    else:
        team_id = id_select(
            _("Team"), "kudos.team", team_names(), None, none_label=_("— choose a team —")
        )
    links = link_choices(person_id, team_id)
    nonce = st.session_state.get("kudos.nonce", 0)
    with st.form(f"kudos.form.{nonce}"):
        link = st.selectbox(
            md_format(_("For (optional: their published work in {cycle})"), cycle=cycle.name)
            if cycle
            else _("For (optional: their published work in this cycle)"),
            list(links),
            format_func=links.get,
            key=f"kudos.link.{nonce}",
        )
        message = st.text_area(
            _("Message"),
            key=f"kudos.message.{nonce}",
            max_chars=kudos_commands.MESSAGE_MAX,
            placeholder=_("What did they do, and why did it matter?"),
            height=110,
        )
        sent = st.form_submit_button(_("Send kudos"), type="primary", icon=":material/celebration:")
    if not sent:
        return
    objective_id, key_result_id = link
    outcome = store.write(
        kudos_commands.give_kudos,
        actor,
        message,
        receiver_user_id=person_id,
        receiver_team_id=team_id,
        objective_id=objective_id,
        key_result_id=key_result_id,
    )
    if outcome:
        if person_id is not None:  # the picker shows "Name (username)"
            receiver = others("", (person_id,))[person_id].rsplit(" (", 1)[0]
        else:
            receiver = team_names()[team_id]
        st.session_state["kudos.nonce"] = nonce + 1
        st.session_state["kudos.wall.page"] = 0
        st.session_state["kudos.sent"] = outcome.value
        toast_after_rerun(
            md_format(_("Kudos sent to {name}."), name=receiver),
            icon=":material/celebration:",
        )
        st.rerun()


# --- the wall --------------------------------------------------------------------------------


def remember(param: str, key: str) -> None:
    value = st.session_state.get(key)
    if not value:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(value)


def wall_filters() -> tuple[int | None, int | None, bool]:
    teams = team_names()
    team_col, search_col, person_col, cycle_col = st.columns(
        [3, 2, 3, 2], vertical_alignment="bottom"
    )
    requested_team = requested_id("team")
    if requested_team in teams:
        st.session_state["kudos.wall.team"] = requested_team
    with team_col:
        team_id = st.selectbox(
            _("Team (with its sub-teams)"),
            [ALL, *teams],
            format_func=lambda t: _("All teams") if t == ALL else teams[t],
            key="kudos.wall.team",
            on_change=remember,
            args=("team", "kudos.wall.team"),
        )
    requested_person = requested_id("person")
    search = search_col.text_input(
        _("Find a person"), key="kudos.wall.search", placeholder=_("Part of a name")
    )
    people = store.cached(
        org.person_options,
        search,
        (requested_person,) if requested_person else (),
        follows=store.STRUCTURE,
    )
    if requested_person in people:
        st.session_state["kudos.wall.person"] = requested_person
    elif st.session_state.get("kudos.wall.person") not in people:
        st.session_state["kudos.wall.person"] = ALL
    with person_col:
        person_id = st.selectbox(
            _("Person (kudos to or from them)"),
            [ALL, *people],
            format_func=lambda p: _(EVERYONE) if p == ALL else people[p],
            key="kudos.wall.person",
            on_change=remember,
            args=("person", "kudos.wall.person"),
        )
    this_cycle = cycle_col.toggle(
        _("This cycle only"),
        value=cycle is not None,
        key="kudos.wall.cycle",
        disabled=cycle is None,
    )
    return team_id or None, person_id or None, this_cycle


def wall() -> None:
    st.subheader(_("Kudos wall"))
    team_id, person_id, this_cycle = wall_filters()
    team_ids = ()
    if team_id is not None:
        tree = store.cached(recognition.team_tree, follows=store.STRUCTURE)
        team_ids = tuple(sorted(recognition.subtrees(tree)[team_id]))
    since, until = (cycle.start_date, cycle.end_date) if this_cycle and cycle else (None, None)
    filters = (team_ids, person_id, since, until)
    if st.session_state.get("kudos.wall.filters") != filters:
        st.session_state["kudos.wall.filters"] = filters
        st.session_state["kudos.wall.page"] = 0
    page = st.session_state.get("kudos.wall.page", 0)
    frame, total = store.cached(
        recognition.kudos_page,
        person_id,
        False,
        team_ids,
        since,
        until,
        PAGE_SIZE,
        page * PAGE_SIZE,
        follows=store.STRUCTURE,
    )
    if total == 0:
        st.info(
            _("No kudos here yet. Be the first to thank someone!"), icon=":material/celebration:"
        )
        return
    first, last = page * PAGE_SIZE + 1, page * PAGE_SIZE + len(frame)
    st.caption(
        md_format(
            _("Kudos {first}–{last} of {total}, newest first."), first=first, last=last, total=total
        )
    )
    kudos_list(frame, _("No kudos on this page."), st.session_state.get("kudos.sent"), columns=2)
    newer, _gap, older = st.columns([1, 3, 1])
    if page > 0 and newer.button(_("Newer"), icon=":material/arrow_back:", key="kudos.wall.newer"):
        st.session_state["kudos.wall.page"] = page - 1
        st.rerun()
    if last < total and older.button(
        _("Older"), icon=":material/arrow_forward:", key="kudos.wall.older"
    ):
        st.session_state["kudos.wall.page"] = page + 1
        st.rerun()


st.title(_("Kudos"))
st.caption(
    _(
        "Recognise the people and teams who deliver. Everyone can read the wall; "
        "kudos count toward the “Kudos received” leaderboard."
    )
)
form_col, mine_col = st.columns([3, 2], gap="large")
with form_col:
    give_kudos()
with mine_col:
    st.subheader(_("Your recognition"))
    person_recognition(user.id, cycle, kudos_limit=3)
st.divider()
wall()
