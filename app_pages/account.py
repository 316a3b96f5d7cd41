"""Account: who I am, changing my password, and where I am signed in."""

import streamlit as st

from core.accounts import session_policy
from core.enums import role_label
from core.i18n import _
from core.text import bold, md, md_format, md_join
from db import commands, queries
from db.commands import sign_in
from shell import auth, store
from shell.context import current_user

user = current_user()
st.title(_("Account"))
st.write(
    md_join(
        " · ",
        [
            bold(user.display_name),
            user.username,
            role_label(user.role),
            user.team_name or _("no team"),
        ],
    )
)
if user.email:
    st.caption(md(user.email))

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
    elif store.write(commands.change_password, user.actor, current, new, auth.current_token()):
        st.success(_("Password changed. Your other sessions have been signed out."))

st.subheader(_("Where you are signed in"))
METHODS = {"password": _("Password"), "sso": _("Single sign-on")}
policy = session_policy()
sessions = store.read(queries.live_sessions, user.id, auth.current_token())
st.dataframe(
    sessions.assign(
        method=sessions["method"].map(lambda m: METHODS.get(m, m)),
        client=sessions["client"].fillna(_("not known")),
    ),
    hide_index=True,
    column_config={
        "method": st.column_config.TextColumn(_("Signed in with")),
        "client": st.column_config.TextColumn(_("From address")),
        "created_at": st.column_config.DatetimeColumn(_("Since"), format="YYYY-MM-DD HH:mm"),
        "last_seen_at": st.column_config.DatetimeColumn(_("Last seen"), format="YYYY-MM-DD HH:mm"),
        "this": st.column_config.CheckboxColumn(_("This browser")),
    },
)
st.caption(
    md_format(
        _(
            "A session ends when you sign out, after {hours} hours without a visit, or {days} "
            "days after you signed in. Changing your password signs out your other sessions."
        ),
        hours=round(policy.idle.total_seconds() / 3600),
        days=policy.lifetime.days,
    )
)
if st.button(_("Sign out everywhere"), key="account.sign_out_everywhere") and store.write(
    sign_in.end_all_sessions, user.actor, user.id
):
    st.rerun()  # this session ended too: the next run shows the sign-in form
