"""Admin: people, teams, cycles and status settings (admins only; the writes check it too)."""

from datetime import date, timedelta

import streamlit as st

from components.pickers import id_select, person_picker
from core.accounts import is_locked
from core.enums import CycleState, Role, role_label, state_word
from core.formatting import format_day
from core.i18n import LANGUAGES, N_, _, format_decimal, ngettext
from core.settings import StatusSettings
from core.sso import allowed_domains, shown_domain
from core.text import bold, md, md_format
from db import commands, queries
from db.commands import grading, sign_in
from db.commands import sso as sso_commands
from db.models import utcnow
from db.queries import sso as sso_queries
from shell import sso, store
from shell.context import current_user
from shell.feedback import toast_after_rerun

PAGE_SIZE = 50
ROLES = [role.value for role in Role]
# Each language is named in itself (core.i18n.LANGUAGES), so those names are not translated.
CYCLE_ACTIONS = {"activate": N_("Activate"), "close": N_("Close"), "reopen": N_("Reopen")}

actor = current_user().actor


def people_options(search: str, ids: tuple[int, ...]) -> dict[int, str]:
    return store.cached(queries.person_options, search, ids, follows=store.STRUCTURE)


def team_names() -> dict[int, str]:
    teams = store.cached(queries.teams_frame, follows=store.STRUCTURE)
    return dict(zip(teams["id"], teams["name"], strict=True))


def table_key(name: str) -> str:
    """A table's widget key; renewing it clears the row selection (and so closes its dialog)."""
    return f"admin.{name}.table.{st.session_state.get('admin.nonce', 0)}"


def clear_selection() -> None:
    st.session_state["admin.nonce"] = st.session_state.get("admin.nonce", 0) + 1


def open_dialog(name: str) -> None:
    """Dialogs stay open across reruns until saved or dismissed (a button click does not)."""
    st.session_state["admin.dialog"] = name


def close_dialogs() -> None:
    st.session_state.pop("admin.dialog", None)
    clear_selection()


def dialog_open(name: str) -> bool:
    return st.session_state.get("admin.dialog") == name


def saved(message: str) -> None:
    """Confirm a write; ``message`` quotes names as typed (shown as text)."""
    close_dialogs()
    toast_after_rerun(md(message), icon=":material/check_circle:")
    st.rerun()


# --- people ------------------------------------------------------------------------------


def person_fields(prefix: str, person: dict) -> commands.UserInput:
    """The editable fields of a person; the manager picker sits outside the form (it searches)."""
    manager_id = person_picker(
        _("Manager"), f"{prefix}.manager", people_options, person.get("manager_id")
    )
    with st.form(f"{prefix}.form"):
        username = st.text_input(
            _("Username"),
            person.get("username", ""),
            key=f"{prefix}.username",
            disabled="id" in person,
        )
        display_name = st.text_input(
            _("Full name"), person.get("display_name", ""), key=f"{prefix}.display_name"
        )
        email = st.text_input(_("Email"), person.get("email") or "", key=f"{prefix}.email")
        role = st.selectbox(
            _("Role"),
            ROLES,
            index=ROLES.index(person.get("role", "member")),
            format_func=role_label,
            key=f"{prefix}.role",
        )
        team_id = id_select(_("Team"), f"{prefix}.team", team_names(), person.get("team_id"))
        language = st.selectbox(
            _("Language"),
            list(LANGUAGES),
            format_func=LANGUAGES.get,
            index=list(LANGUAGES).index(person.get("language", "en")),
            key=f"{prefix}.language",
        )
        password = None
        if "id" not in person:
            password = st.text_input(
                _("First password"),
                type="password",
                key=f"{prefix}.password",
                help=_("At least 10 characters; they can change it later."),
            )
        submitted = st.form_submit_button(_("Save"), type="primary")
    data = commands.UserInput(
        username, display_name, email or None, role, team_id, manager_id, language, password
    )
    return data if submitted else None


@st.dialog(_("Add a person"), on_dismiss=close_dialogs)
def add_person() -> None:
    data = person_fields("admin.new_person", {})
    if data and store.write(commands.create_user, actor, data):
        saved(
            _("{name} can now sign in as {username}.").format(
                name=data.display_name, username=data.username.strip().lower()
            )
        )


@st.dialog(_("Edit person"), width="large", on_dismiss=close_dialogs)
def edit_person(person: dict) -> None:
    prefix = f"admin.person.{person['id']}"
    data = person_fields(prefix, person)
    if data and store.write(commands.update_user, actor, person["id"], data):
        saved(_("Saved {name}.").format(name=data.display_name))
    st.divider()
    with st.form(f"{prefix}.reset", clear_on_submit=True):
        new_password = st.text_input(
            _("New password"), type="password", key=f"{prefix}.new_password"
        )
        if st.form_submit_button(_("Reset password and unlock")) and store.write(
            commands.reset_password, actor, person["id"], new_password
        ):
            saved(_("Password reset for {name}.").format(name=person["display_name"]))
    locked, end_sessions, active = st.columns(3)
    if (
        is_locked(person["locked_until"], utcnow())
        and locked.button(_("Unlock sign-in"), key=f"{prefix}.unlock", icon=":material/lock_open:")
        and store.write(sign_in.unlock_account, actor, person["id"])
    ):
        saved(_("{name} can sign in again.").format(name=person["display_name"]))
    if end_sessions.button(
        _("Sign out everywhere"), key=f"{prefix}.end_sessions", icon=":material/logout:"
    ) and store.write(sign_in.end_all_sessions, actor, person["id"]):
        saved(_("{name} is signed out everywhere.").format(name=person["display_name"]))
    label = _("Reactivate") if not person["active"] else _("Deactivate")
    if active.button(label, key=f"{prefix}.active") and store.write(
        commands.set_user_active, actor, person["id"], not person["active"]
    ):
        done = _("{name} reactivated.") if not person["active"] else _("{name} deactivated.")
        saved(done.format(name=person["display_name"]))
    linked_identity(person)


def linked_identity(person: dict) -> None:
    """The person's single sign-on identity, which an admin can unlink (say after they
    changed accounts at the identity provider: their next single sign-on links the new one)."""
    linked = store.cached(sso_queries.linked_identity, person["id"], follows=store.STRUCTURE)
    if linked is None:
        return
    about, unlink = st.columns([3, 1], vertical_alignment="center")
    about.caption(
        md_format(
            _("Single sign-on: linked on {day} to {email} at {issuer}."),
            day=format_day(linked.created_at),
            email=linked.email or "–",
            issuer=linked.issuer,
        )
    )
    if unlink.button(
        _("Unlink"),
        key=f"admin.person.{person['id']}.unlink",
        icon=":material/link_off:",
        help=_("Their next single sign-on links a new identity, found by their email."),
    ) and store.write(sso_commands.unlink_identity, actor, person["id"]):
        saved(
            _("{name}'s single sign-on identity is unlinked.").format(name=person["display_name"])
        )


def people_tab() -> None:
    search_col, team_col, page_col, add_col = st.columns([3, 2, 1, 1], vertical_alignment="bottom")
    search = search_col.text_input(
        _("Search people"), key="admin.people.search", placeholder=_("Name, username or email")
    )
    with team_col:
        team_id = id_select(
            _("Team"), "admin.people.team", team_names(), None, none_label=_("All teams")
        )
    page = page_col.number_input(_("Page"), min_value=1, value=1, step=1, key="admin.people.page")
    add_col.button(
        _("Add person"),
        icon=":material/person_add:",
        key="admin.people.add",
        on_click=open_dialog,
        args=("new_person",),
    )
    if dialog_open("new_person"):
        add_person()
    people, total = store.cached(
        queries.people_page,
        search,
        team_id,
        True,
        PAGE_SIZE,
        (page - 1) * PAGE_SIZE,
        follows=store.STRUCTURE,
    )
    st.caption(
        md_format(
            ngettext(
                "{count} person · page {page} of {pages}",
                "{count} people · page {page} of {pages}",
                total,
            ),
            count=format_decimal(total, 0),
            page=page,
            pages=max(1, -(-total // PAGE_SIZE)),
        )
    )
    shown = people[["display_name", "username", "email", "role", "team", "manager", "active"]]
    shown = shown.assign(
        role=shown["role"].map(role_label),
        locked=people["locked_until"].map(lambda until: is_locked(until, utcnow())),
    )
    event = st.dataframe(
        shown,
        hide_index=True,
        column_config={
            "display_name": _("Full name"),
            "username": _("Username"),
            "email": _("Email"),
            "role": _("Role"),
            "team": _("Team"),
            "manager": _("Manager"),
            "active": st.column_config.CheckboxColumn(_("Active")),
            "locked": st.column_config.CheckboxColumn(
                _("Locked"), help=_("Locked after 5 failed sign-ins; select to unlock.")
            ),
        },
        on_select="rerun",
        selection_mode="single-row",
        key=table_key(f"people.{search}.{team_id}.{page}"),
    )
    if event.selection.rows:
        edit_person(people.iloc[event.selection.rows[0]].to_dict())
    else:
        st.caption(_("Select a row to edit that person."))


# --- teams -------------------------------------------------------------------------------


def team_form(prefix: str, team: dict) -> None:
    lead_id = person_picker(_("Lead"), f"{prefix}.lead", people_options, team.get("lead_id"))
    names = {tid: name for tid, name in team_names().items() if tid != team.get("id")}
    with st.form(f"{prefix}.form"):
        name = st.text_input(_("Team name"), team.get("name", ""), key=f"{prefix}.name")
        parent_id = id_select(
            _("Part of"),
            f"{prefix}.parent",
            names,
            team.get("parent_id"),
            none_label=_("— top level —"),
        )
        if not st.form_submit_button(_("Save"), type="primary"):
            return
    if "id" in team:
        outcome = store.write(commands.update_team, actor, team["id"], name, parent_id, lead_id)
    else:
        outcome = store.write(commands.create_team, actor, name, parent_id, lead_id)
    if outcome:
        saved(_("Saved team {name}.").format(name=name.strip()))


@st.dialog(_("Create a team"), on_dismiss=close_dialogs)
def add_team() -> None:
    team_form("admin.new_team", {})


@st.dialog(_("Edit team"), on_dismiss=close_dialogs)
def edit_team(team: dict) -> None:
    team_form(f"admin.team.{team['id']}", team)


def teams_tab() -> None:
    st.button(
        _("Create team"),
        icon=":material/group_add:",
        key="admin.teams.add",
        on_click=open_dialog,
        args=("new_team",),
    )
    if dialog_open("new_team"):
        add_team()
    teams = store.cached(queries.teams_frame, follows=store.STRUCTURE)
    event = st.dataframe(
        teams[["name", "parent", "lead", "members"]],
        hide_index=True,
        column_config={
            "name": _("Team"),
            "parent": _("Part of"),
            "lead": _("Lead"),
            "members": st.column_config.NumberColumn(_("Members")),
        },
        on_select="rerun",
        selection_mode="single-row",
        key=table_key("teams"),
    )
    if event.selection.rows:
        edit_team(_plain(teams.iloc[event.selection.rows[0]].to_dict()))
    else:
        st.caption(_("Select a row to rename a team, nest it elsewhere or change its lead."))


def _plain(row: dict) -> dict:
    """DataFrame rows carry NaN for missing ids; the forms want None or int."""
    return {k: (None if v != v else int(v) if k.endswith("id") else v) for k, v in row.items()}


# --- cycles ------------------------------------------------------------------------------


def cycle_form() -> None:
    today = date.today()
    with st.form("admin.cycles.new", clear_on_submit=True):
        st.subheader(_("New cycle"))
        name = st.text_input(_("Name"), key="admin.cycles.name", placeholder=_("e.g. 2027 Q1"))
        start, end = st.columns(2)
        start_date = start.date_input(_("Start"), today, key="admin.cycles.start")
        end_date = end.date_input(_("End"), today + timedelta(days=90), key="admin.cycles.end")
        if st.form_submit_button(_("Create cycle"), type="primary") and store.write(
            commands.create_cycle, actor, name, start_date, end_date
        ):
            saved(_("Cycle {name} created (planning).").format(name=name.strip()))


def cycle_actions(cycle: queries.CycleRow) -> None:
    cols = st.columns([3, 1, 1])
    cols[0].markdown(
        md_format(
            "{name} · {start} → {end} · {state}",
            name=bold(cycle.name),
            start=format_day(cycle.start_date),
            end=format_day(cycle.end_date),
            state=state_word(cycle.state),
        )
    )
    # Closing also closes the cycle's objectives and gives ungraded KRs their default score;
    # reopening reopens them, so check-ins work again.
    action, command, args = {
        CycleState.PLANNING: ("activate", commands.set_cycle_state, (CycleState.ACTIVE,)),
        CycleState.ACTIVE: ("close", grading.close_cycle, ()),
        CycleState.CLOSED: ("reopen", grading.reopen_cycle, ()),
    }[CycleState(cycle.state)]
    label = CYCLE_ACTIONS[action]  # English in the key: it must not change with the language
    if cols[1].button(_(label), key=f"admin.cycle.{cycle.id}.{label}") and store.write(
        command, actor, cycle.id, *args
    ):
        done = {
            "activate": _("{cycle} is now active."),
            "close": _("{cycle} is closed and graded."),
            "reopen": _("{cycle} is active again."),
        }[action]
        saved(done.format(cycle=cycle.name))


def cycles_tab() -> None:
    for cycle in store.cached(queries.cycles, follows=store.STRUCTURE):
        cycle_actions(cycle)
    cycle_form()


# --- settings ----------------------------------------------------------------------------


def settings_tab() -> None:
    current = store.cached(queries.status_settings, follows=store.STRUCTURE)
    with st.form("admin.settings"):
        st.subheader(_("Status thresholds"))
        st.caption(
            _(
                "A KR is on track while it is behind the expected pace by at most the first "
                "gap, at risk up to the second, off track beyond it."
            )
        )
        on_track = st.slider(
            _("On-track gap"), 0.0, 1.0, current.on_track_gap, 0.01, key="admin.settings.on_track"
        )
        at_risk = st.slider(
            _("At-risk gap"), 0.0, 1.0, current.at_risk_gap, 0.01, key="admin.settings.at_risk"
        )
        off_conf = st.slider(
            _("Confidence at or below which a KR is off track"),
            0,
            10,
            current.off_track_confidence,
            key="admin.settings.off_conf",
        )
        risk_conf = st.slider(
            _("Confidence at or below which a KR is at least at risk"),
            0,
            10,
            current.at_risk_confidence,
            key="admin.settings.risk_conf",
        )
        stale = st.number_input(
            _("Days without a check-in before “needs update”"),
            1,
            365,
            current.stale_days,
            key="admin.settings.stale",
        )
        if st.form_submit_button(_("Save settings"), type="primary") and store.write(
            commands.save_status_settings,
            actor,
            StatusSettings(on_track, at_risk, int(stale), off_conf, risk_conf),
        ):
            saved(_("Settings saved."))
    with st.form("admin.sso"):
        st.subheader(_("Single sign-on"))
        st.caption(
            _(
                "A person's first single sign-on links their account, found by a verified "
                "email, to that identity; from then on only that identity signs in as them. "
                "People shows the link and can unlink it."
            )
            if sso.is_configured()
            else _(
                "Single sign-on is not configured on this server ([auth] in "
                ".streamlit/secrets.toml, see the README); this setting applies once it is."
            )
        )
        domains = ", ".join(shown_domain(domain) for domain in sorted(allowed_domains()))
        auto_create = st.toggle(
            md_format(
                _("Create a member account on first sign-in for unknown emails of: {domains}"),
                domains=domains or "–",
            ),
            value=store.cached(sso_queries.auto_create_enabled, follows=store.STRUCTURE),
            key="admin.sso.auto_create",
            disabled=not domains,
            help=_(
                "Both must allow it: this switch and the email domains of "
                "`OKR_SSO_ALLOWED_DOMAINS` (exact domains: list a sub-domain to allow it). "
                "New members join without a team; set role and team in People."
            ),
        )
        if not domains:
            st.caption(
                _(
                    "No accounts are created on first sign-in: `OKR_SSO_ALLOWED_DOMAINS` lists "
                    "no email domain."
                )
            )
        if st.form_submit_button(_("Save single sign-on settings")) and store.write(
            sso_commands.save_sso_settings, actor, auto_create
        ):
            saved(_("Single sign-on settings saved."))


st.title(_("Admin"))
people, teams, cycles, settings = st.tabs([_("People"), _("Teams"), _("Cycles"), _("Settings")])
with people:
    people_tab()
with teams:
    teams_tab()
with cycles:
    cycles_tab()
with settings:
    settings_tab()
