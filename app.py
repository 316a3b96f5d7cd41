"""OKR Tracker: the frame of every page — database, sign-in, navigation by role, sidebar.

Pages live in app_pages/ (not pages/, which Streamlit would serve without running this
file, i.e. without the sign-in gate). Every run builds the page list from the signed-in
person's role, so a page the role may not use is not reachable at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import streamlit as st

from core.enums import Role
from db import queries
from shell import auth, sso, store
from shell.context import set_run_context
from shell.feedback import show_pending_toasts

log = logging.getLogger("okr")

st.set_page_config(page_title="OKR Tracker", page_icon=":material/flag:", layout="wide")


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    icon: str
    url_path: str
    section: str
    roles: frozenset[str] = frozenset(Role)
    default: bool = False


PAGE_SPECS = (
    PageSpec("my_okrs.py", "My OKRs", ":material/home:", "my-okrs", "OKRs", default=True),
    PageSpec("log_progress.py", "Log progress", ":material/edit_note:", "log-progress", "OKRs"),
    PageSpec("set_goals.py", "Set goals", ":material/flag:", "set-goals", "OKRs"),
    PageSpec("dashboard.py", "Dashboard", ":material/monitoring:", "dashboard", "Insights"),
    PageSpec("alignment.py", "Alignment", ":material/account_tree:", "alignment", "Insights"),
    PageSpec(
        "review.py",
        "Review & grade",
        ":material/grading:",
        "review",
        "Insights",
        frozenset({Role.LEAD, Role.EXECUTIVE, Role.ADMIN}),
    ),
    PageSpec("people.py", "People", ":material/badge:", "people", "Insights"),
    PageSpec("kudos.py", "Kudos", ":material/celebration:", "kudos", "Recognition"),
    PageSpec(
        "leaderboard.py", "Leaderboard", ":material/leaderboard:", "leaderboard", "Recognition"
    ),
    PageSpec("account.py", "Account", ":material/person:", "account", "You"),
    PageSpec(
        "admin.py",
        "Admin",
        ":material/admin_panel_settings:",
        "admin",
        "Organisation",
        frozenset({Role.ADMIN}),
    ),
    PageSpec(
        "audit.py",
        "Audit log",
        ":material/history:",
        "audit",
        "Organisation",
        frozenset({Role.ADMIN}),
    ),
    PageSpec(
        "import_export.py",
        "Import & export",
        ":material/import_export:",
        "import-export",
        "Organisation",
        frozenset({Role.ADMIN}),
    ),
)


def pages_for(role: str) -> dict[str, list[st.Page]]:
    """The navigation of a role: only the pages it may use exist for it."""
    sections: dict[str, list[st.Page]] = {}
    for spec in PAGE_SPECS:
        if role in spec.roles:
            page = st.Page(
                f"app_pages/{spec.file}",
                title=spec.title,
                icon=spec.icon,
                url_path=spec.url_path,
                default=spec.default,
            )
            sections.setdefault(spec.section, []).append(page)
    return sections


def database_problem(error: Exception) -> None:
    log.exception("database unavailable", exc_info=error)
    st.title("OKR Tracker can't reach its database")
    st.error(
        "The app could not connect to or prepare its database, so nothing can be shown yet.",
        icon=":material/database:",
    )
    st.markdown(
        "**What to check**\n"
        "- `OKR_DATABASE_URL` points at the right server and database "
        "(default `sqlite:///data/okr.db`).\n"
        "- The database server is running and accepts connections from this machine.\n"
        "- The user in the URL may create tables (the app applies migrations at start).\n\n"
        "Then reload this page."
    )
    st.navigation([st.Page(lambda: None, title="Unavailable")], position="hidden")
    st.stop()


def first_run_setup() -> None:
    st.navigation(
        [st.Page("app_pages/setup.py", title="Set up OKR Tracker")], position="hidden"
    ).run()
    st.stop()


def _signed_out() -> None:
    """What any page shows before sign-in: nothing (the sign-in form is already drawn)."""


def sign_in_screen() -> None:
    # Every page's address is known here but shows nothing, so a link to a page (a reminder's
    # /log-progress?kr=…) keeps its address through the sign-in and opens once signed in.
    st.navigation(
        [
            st.Page(_signed_out, title="Sign in", url_path=spec.url_path, default=spec.default)
            for spec in PAGE_SPECS
        ],
        position="hidden",
    )
    st.stop()


def cycle_picker(user: queries.CurrentUser) -> queries.CycleRow | None:
    """The cycle choice, mirrored to ?cycle= so a link opens the same cycle."""
    cycles = store.cached(queries.cycles)
    if not cycles:
        st.caption("No cycles yet." + (" Create one in Admin." if user.role == Role.ADMIN else ""))
        return None
    by_id = {c.id: c for c in cycles}
    requested = st.query_params.get("cycle", "")
    if requested.isdigit() and int(requested) in by_id:
        st.session_state["app.cycle"] = int(requested)
    elif st.session_state.get("app.cycle") not in by_id:
        st.session_state["app.cycle"] = queries.default_cycle_id(cycles, date.today())
    chosen = st.selectbox(
        "Cycle",
        list(by_id),
        format_func=lambda cid: f"{by_id[cid].name} · {by_id[cid].state}",
        key="app.cycle",
        on_change=lambda: st.query_params.update(cycle=str(st.session_state["app.cycle"])),
    )
    st.query_params["cycle"] = str(chosen)
    return by_id[chosen]


def signed_in_user(authenticator) -> queries.CurrentUser | None:
    """The person of this session as the database knows them now (role changes apply at once)."""
    if not st.session_state.get("authentication_status"):
        return None
    # Cached per data version: a change of role or a deactivation is a write, so it misses.
    user = store.cached(queries.current_user, st.session_state["username"])
    if user is None:
        auth.sign_out(authenticator)
        st.warning("Your account is no longer active. Ask an admin if this is a mistake.")
    return user


def main() -> None:
    try:
        store.database()
        store.begin_run()
        has_users = store.cached(queries.has_users)
    except Exception as error:  # unreachable or unmigratable database
        database_problem(error)
    if not has_users or st.session_state.get("setup.done"):
        first_run_setup()
    try:
        authenticator, directory = auth.make_authenticator()
    except auth.ConfigurationError as error:
        st.error(str(error), icon=":material/key:")
        st.stop()

    frame = st.sidebar.container()
    refusal = sso.accept_identity()  # a single sign-on identity signs the session in
    user = signed_in_user(authenticator)
    if user:
        # Logout before login: a click here must end the session before the cookie is read.
        authenticator.logout("Sign out", "sidebar", key="app.logout", callback=sso.sign_out)
    title = st.empty()
    if not st.session_state.get("authentication_status"):
        with title.container():
            st.title("OKR Tracker")
            sso.sign_in_options(refusal)  # "Sign in with <provider>", when configured
    auth.render_login(authenticator, directory)  # reads the cookie; no st.rerun() after it
    if not st.session_state.get("authentication_status"):
        sign_in_screen()
    if user is None:  # signed in just now, by the form or the cookie
        user = signed_in_user(authenticator)
        if user is None:
            sign_in_screen()
        authenticator.logout("Sign out", "sidebar", key="app.logout", callback=sso.sign_out)
    title.empty()

    with frame:
        st.markdown(f"**{user.display_name}**")
        st.caption(f"{user.role.capitalize()} · {user.team_name or 'no team'}")
        cycle = cycle_picker(user)
    set_run_context(user, cycle)
    show_pending_toasts()
    page = st.navigation(pages_for(user.role), expanded=True)  # admins have 14 pages
    try:
        page.run()
    except Exception:
        log.exception("page %s failed", page.title)
        st.error(
            "Something went wrong on this page. It has been logged; reload, or try again later.",
            icon=":material/error:",
        )


main()
