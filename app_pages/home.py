"""Home: my team and role, and my objectives in the selected cycle."""

import streamlit as st

from db import queries
from shell import store
from shell.context import current_cycle, current_user

user = current_user()
cycle = current_cycle()
st.title(f"Hello, {user.display_name}")
st.write(f"You are **{user.role}** in **{user.team_name or 'no team yet'}**.")

if cycle is None:
    st.info("There is no cycle yet. An admin creates one in Admin → Cycles.")
else:
    st.subheader(f"My objectives · {cycle.name}")
    objectives = store.cached(queries.owned_objectives, user.id, cycle.id)
    if objectives.empty:
        st.info("You have no objectives in this cycle yet.")
    else:
        st.dataframe(objectives[["title", "level", "state"]], hide_index=True)
