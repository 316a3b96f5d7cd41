"""Account: who I am, and changing my password."""

import streamlit as st

from db import commands
from shell import store
from shell.context import current_user

user = current_user()
st.title("Account")
st.write(
    f"**{user.display_name}** · `{user.username}` · {user.role} · {user.team_name or 'no team'}"
)
if user.email:
    st.caption(user.email)

with st.form("account.password", clear_on_submit=True):
    st.subheader("Change password")
    current = st.text_input("Current password", type="password", key="account.current")
    new = st.text_input(
        "New password",
        type="password",
        key="account.new",
        help="At least 10 characters and at most 72 bytes (accented letters and emoji take "
        "2–4 bytes each).",
    )
    repeat = st.text_input("Repeat new password", type="password", key="account.repeat")
    submitted = st.form_submit_button("Change password", type="primary")

if submitted:
    if new != repeat:
        st.error("The two new passwords differ.")
    elif store.write(commands.change_password, user.actor, current, new):
        st.success("Password changed. Use the new one next time you sign in.")
