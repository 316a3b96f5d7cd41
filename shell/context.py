"""What every page needs to know about this run: who is signed in and which cycle is picked.

app.py sets both at the start of each run; pages read them here.
"""

from __future__ import annotations

import streamlit as st

from db.queries import CurrentUser, CycleRow

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


def current_cycle() -> CycleRow | None:
    return st.session_state.get(_CYCLE_KEY)
