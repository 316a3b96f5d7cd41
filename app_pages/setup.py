"""First-run setup: on an empty database, create the first admin or load the demo organisation."""

import logging

import streamlit as st

from core.enums import role_label
from core.errors import DomainError
from core.i18n import _
from core.text import md, md_block
from db import commands, deployment
from db.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from shell import store

DONE_KEY = "setup.done"


def create_admin_form() -> None:
    with st.form("setup.admin"):
        st.subheader(_("Create the first admin account"))
        username = st.text_input(_("Username"), key="setup.username", placeholder=_("e.g. admin"))
        display_name = st.text_input(_("Full name"), key="setup.display_name")
        email = st.text_input(_("Email (optional)"), key="setup.email")
        password = st.text_input(
            _("Password"),
            type="password",
            key="setup.password",
            help=_("At least 10 characters, at most 72 bytes."),
        )
        repeat = st.text_input(_("Repeat password"), type="password", key="setup.repeat")
        token = setup_token_input()
        if not st.form_submit_button(_("Create admin"), type="primary"):
            return
    if password != repeat:
        st.error(_("The two passwords differ."))
        return
    data = commands.UserInput(username, display_name, email or None, password=password)
    if store.write(commands.create_first_admin, data, setup_token=token):
        st.session_state[DONE_KEY] = "admin"
        st.rerun()


def setup_token_input() -> str | None:
    """In production, the token from the server's log (or OKR_SETUP_TOKEN); None elsewhere."""
    if not deployment.is_production():
        return None
    deployment.setup_token()  # made and logged now, unless OKR_SETUP_TOKEN gives it
    return st.text_input(
        _("Setup token"),
        type="password",
        key="setup.token",
        help=_(
            "In the log of the server showing this page, on the line “First-run setup "
            "token: …”; or the value of OKR_SETUP_TOKEN when it is set."
        ),
    )


def demo_loader() -> None:
    st.subheader(_("…or explore with a demo organisation"))
    st.write(
        _(
            "50 people in 6 teams, two cycles of OKRs with check-ins and kudos. "
            "One sign-in per role is created; you can add real people later."
        )
    )
    if not st.button(_("Load the demo organisation"), key="setup.demo"):
        return
    bar = st.progress(0.0, text=_("Creating the demo organisation…"))
    try:
        load_demo(
            store.database().engine,
            "small",
            progress=lambda fraction, text: bar.progress(min(fraction, 1.0), text=md(text)),
        )
    except DomainError as error:  # e.g. someone else set the database up meanwhile
        st.error(md_block(str(error)))
        return
    except Exception:
        logging.getLogger("okr").exception("loading the demo failed")
        st.error(_("The demo could not be loaded. Reload and try again."))
        return
    st.session_state[DONE_KEY] = "demo"
    st.rerun()


def finished(kind: str) -> None:
    if kind == "demo":
        st.success(_("The demo organisation is ready. Sign in with one of these accounts:"))
        st.table(
            {
                _("Username"): [md(username) for username in DEMO_LOGINS],
                _("Role"): [role_label(role) for role in DEMO_LOGINS.values()],
                _("Password"): [md(DEMO_PASSWORD)] * len(DEMO_LOGINS),
            }
        )
    else:
        st.success(_("Your admin account is ready."))
    if st.button(_("Continue to sign in"), type="primary", key="setup.continue"):
        del st.session_state[DONE_KEY]
        st.rerun()


st.title(_("Welcome to OKR Tracker"))
if st.session_state.get(DONE_KEY):
    finished(st.session_state[DONE_KEY])
else:
    st.write(_("The database is empty. Set up your organisation to begin."))
    if deployment.is_production():  # the demo's accounts share a published password
        st.info(
            _(
                "This server runs in production: creating the first admin needs the setup "
                "token from the server's log, and the demo organisation is not offered."
            ),
            icon=":material/lock:",
        )
        create_admin_form()
    else:
        left, right = st.columns(2, gap="large")
        with left:
            create_admin_form()
        with right:
            demo_loader()
