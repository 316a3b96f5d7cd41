"""What every page needs to know about this run: who is signed in and which cycle is picked.

app.py sets both at the start of each run; pages read them here.
"""

from __future__ import annotations

import streamlit as st

from db.queries import CurrentUser, CycleRow, okrs
from shell import store
from shell.versions import Follows

_USER_KEY = "app.current_user"
_CYCLE_KEY = "app.current_cycle"


def set_run_context(user: CurrentUser, cycle: CycleRow | None) -> None:
    st.session_state[_USER_KEY] = user
    st.session_state[_CYCLE_KEY] = cycle


def current_user() -> CurrentUser:
    user = st.session_state.get(_USER_KEY)
    if user is None:  # a page run without app.py's frame: never show data
        st.stop()
    return user


def signed_in_id() -> int | None:
    """The signed-in person's id, None outside app.py's frame (a component drawn alone)."""
    user = st.session_state.get(_USER_KEY)
    return None if user is None else user.id


def current_cycle() -> CycleRow | None:
    return st.session_state.get(_CYCLE_KEY)


def my_views(cycle: CycleRow) -> Follows:
    """What the signed-in person's own views of a cycle follow (My OKRs, Log progress): the
    structure and the check-ins into the teams they show, not every check-in anywhere."""
    actor = current_user().actor
    shown = store.cached(okrs.teams_in_view, actor, cycle.id, follows=store.STRUCTURE)
    return store.teams(cycle.id, shown)


def key_result_views(kr_id: int) -> Follows:
    """What views of one key result follow: the check-ins into its objective's team."""
    place = store.cached(okrs.key_result_team, kr_id, follows=store.STRUCTURE)
    if place is None:  # no such key result (any more): a change of structure
        return store.STRUCTURE
    cycle_id, team_id = place
    return store.teams(cycle_id, (team_id,))
