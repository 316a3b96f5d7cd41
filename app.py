"""OKR Tracker: the frame of every page — database, sign-in, navigation by role, sidebar.

Pages live in app_pages/ (not pages/, which Streamlit would serve without running this
file, i.e. without the sign-in gate). Every run builds the page list from the signed-in
person's role, so a page the role may not use is not reachable at all.
"""

from __future__ import annotations

import logging
from datetime import date

import streamlit as st

from core import i18n
from core.enums import Role, cycle_state_label, role_label
from core.i18n import _
from core.text import bold, md_block, md_join
from db import commands, deployment, queries
from shell import auth, sso, store, streamlit_tuning
from shell.context import set_run_context
from shell.feedback import show_pending_toasts
from shell.navigation import PAGE_SPECS, pages_for

log = logging.getLogger("okr")
LANGUAGE_KEY = "app.language"

# An emoji favicon is drawn in the browser; a :material/…: one is fetched from Google's servers.
st.set_page_config(page_title="OKR Tracker", page_icon="🎯", layout="wide")


def database_problem(error: Exception) -> None:
    log.exception("database unavailable", exc_info=error)
    st.title(_("OKR Tracker can't reach its database"))
    st.error(
        _("The app could not connect to or prepare its database, so nothing can be shown yet."),
        icon=":material/database:",
    )
    st.markdown(
        _(
            "**What to check**\n"
            "- `OKR_DATABASE_URL` points at the right server and database "
            "(default `sqlite:///data/okr.db`).\n"
            "- The database server is running and accepts connections from this machine.\n"
            "- The user in the URL may create tables (the app applies migrations at start).\n\n"
            "Then reload this page."
        )
    )
    st.navigation([st.Page(lambda: None, title=_("Unavailable"))], position="hidden")
    st.stop()


def first_run_setup() -> None:
    st.navigation(
        [st.Page("app_pages/setup.py", title=_("Set up OKR Tracker"))], position="hidden"
    ).run()
    st.stop()


def _signed_out() -> None:
    """What any page shows before sign-in: nothing (the sign-in form is already drawn)."""


def sign_in_screen() -> None:
    # Every page's address is known here but shows nothing, so a link to a page (a reminder's
    # /log-progress?kr=…) keeps its address through the sign-in and opens once signed in.
    st.navigation(
        [
            st.Page(_signed_out, title=_("Sign in"), url_path=spec.url_path, default=spec.default)
            for spec in PAGE_SPECS
        ],
        position="hidden",
    )
    st.stop()


def cycle_picker(user: queries.CurrentUser) -> queries.CycleRow | None:
    """The cycle choice, mirrored to ?cycle= so a link opens the same cycle."""
    cycles = store.cached(queries.cycles, follows=store.STRUCTURE)
    if not cycles:
        st.caption(
            _("No cycles yet. Create one in Admin.")
            if user.role == Role.ADMIN
            else _("No cycles yet.")
        )
        return None
    by_id = {c.id: c for c in cycles}
    requested = st.query_params.get("cycle", "")
    if requested.isdigit() and int(requested) in by_id:
        st.session_state["app.cycle"] = int(requested)
    elif st.session_state.get("app.cycle") not in by_id:
        st.session_state["app.cycle"] = queries.default_cycle_id(cycles, date.today())
    labels = {c.id: f"{c.name} · {cycle_state_label(c.state)}" for c in cycles}  # this language
    chosen = st.selectbox(
        _("Cycle"),
        list(by_id),
        format_func=labels.get,
        key="app.cycle",
        on_change=lambda: st.query_params.update(cycle=str(st.session_state["app.cycle"])),
    )
    st.query_params["cycle"] = str(chosen)
    return by_id[chosen]


def signed_in_user(username: str | None, cookies) -> queries.CurrentUser | None:
    """The person of this session as the database knows them now (role changes apply at once)."""
    if username is None:
        return None
    # By the database's own versions, not the shared view that may lag other people's
    # writes by OKR_REFRESH_S: a change of role or a deactivation applies at once.
    user = store.cached_exact(queries.current_user, username)
    if user is None:
        auth.sign_out(cookies)
        st.warning(_("Your account is no longer active. Ask an admin if this is a mistake."))
    return user


def apply_language(user: queries.CurrentUser | None) -> None:
    """This run's language: the switch's value, or the saved choice of whoever just signed in."""
    if user is not None and st.session_state.get("app.language_of") != user.id:
        st.session_state["app.language_of"] = user.id
        st.session_state[LANGUAGE_KEY] = user.language
    i18n.set_language(st.session_state.get(LANGUAGE_KEY))


def language_switch(user: queries.CurrentUser | None) -> None:
    """English or Vietnamese; a signed-in person's choice is saved for their next visit.

    The widget's key names the language the page is drawn in, so a page drawn in another
    language gets a new widget showing that language. With one key, the browser now and then
    kept showing the choice of a session's first run (before the cookie signed it in) beside
    a page in the person's saved language.
    """
    shown = i18n.current_language()
    key = f"{LANGUAGE_KEY}.{shown}"

    def remember() -> None:
        language = i18n.set_language(st.session_state[key])
        st.session_state[LANGUAGE_KEY] = language
        if user is not None:
            store.write(commands.set_language, user.actor, language)

    languages = list(i18n.LANGUAGES)
    st.selectbox(
        _("Language"),
        languages,
        index=languages.index(shown),
        format_func=i18n.LANGUAGES.get,
        key=key,
        on_change=remember,
    )


def main() -> None:
    streamlit_tuning.install()  # once per server process
    i18n.set_resolver(lambda: st.session_state.get(LANGUAGE_KEY))
    apply_language(None)
    try:
        deployment.check()  # OKR_ENV and OKR_SETUP_TOKEN, before anything relies on them
    except deployment.ConfigurationError as error:
        st.error(md_block(str(error)), icon=":material/settings:")
        st.stop()
    try:
        store.database()
        store.begin_run()
        has_users = store.cached(queries.has_users, follows=store.STRUCTURE)
    except Exception as error:  # unreachable or unmigratable database
        database_problem(error)
    if not has_users or st.session_state.get("setup.done"):
        first_run_setup()
    try:
        auth.cookie_key()  # a missing or short key stops here, with how to set it
    except auth.ConfigurationError as error:
        st.error(md_block(str(error)), icon=":material/key:")
        st.stop()
    cookies = auth.cookie_manager()  # a component: once per run

    frame = st.sidebar.container()
    username = auth.signed_in_username(cookies)  # this session's, or the cookie's
    refusal = None
    if username is None:
        refusal = sso.accept_identity()  # a single sign-on identity signs the session in
        if auth.current_token():
            auth.remember(cookies)  # a reload resumes this session (and its idle clock)
            username = auth.signed_in_username(cookies)
    user = signed_in_user(username, cookies)
    if user is None:
        title = st.empty()
        with title.container():
            st.title(_("OKR Tracker"))
            sso.sign_in_options(refusal)  # "Sign in with <provider>", when configured
        auth.render_login(cookies)  # no st.rerun() after a sign-in: the cookie must be sent
        user = signed_in_user(st.session_state.get("username"), cookies)
        if user is None:
            with frame:
                language_switch(None)
            sign_in_screen()
        title.empty()
    apply_language(user)

    with frame:
        st.markdown(bold(user.display_name))
        st.caption(md_join(" · ", [role_label(user.role), user.team_name or _("no team")]))
        cycle = cycle_picker(user)
        language_switch(user)
        if st.button(_("Sign out"), key="app.logout", icon=":material/logout:"):
            auth.sign_out(cookies)
            sso.sign_out()
            st.rerun()
    set_run_context(user, cycle)
    show_pending_toasts()
    page = st.navigation(pages_for(user.role), expanded=True)  # admins have 14 pages
    try:
        page.run()
    except Exception:
        log.exception("page %s failed", page.title)
        st.error(
            _("Something went wrong on this page. It has been logged; reload, or try again later."),
            icon=":material/error:",
        )


main()
