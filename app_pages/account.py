"""Account: who I am, and changing my password."""

import streamlit as st

from core.enums import role_label
from core.i18n import _
from db import commands
from shell import store
from shell.context import current_user

user = current_user()
st.title(_("Account"))
st.write(
    f"**{user.display_name}** · `{user.username}` · {role_label(user.role)} · "
    f"{user.team_name or _('no team')}"
)
if user.email:
    st.caption(user.email)

with st.form("account.password", clear_on_submit=True):
    st.subheader(_("Change password"))
    current = st.text_input(_("Current password"), type="password", key="account.current")
    new = st.text_input(
        _("New password"),
        type="password",
        key="account.new",
        help=_(
            "At least 10 characters and at most 72 bytes (accented letters and emoji take "
            "2–4 bytes each)."
        ),
    )
    repeat = st.text_input(_("Repeat new password"), type="password", key="account.repeat")
    submitted = st.form_submit_button(_("Change password"), type="primary")

if submitted:
    if new != repeat:
        st.error(_("The two new passwords differ."))
    elif store.write(commands.change_password, user.actor, current, new):
        st.success(_("Password changed. Use the new one next time you sign in."))
