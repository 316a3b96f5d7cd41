"""Set goals: create, edit, align, publish, archive and copy objectives with their key results,
at the levels the role allows (the write functions check it again)."""

from types import SimpleNamespace

import pandas as pd
import streamlit as st

from components.okr_view import (
    kr_value_text,
    objective_header,
    progress_bar,
    status_badge,
)
from components.pickers import id_select, person_picker
from core.enums import (
    KR_KIND_LABELS,
    UNIT_LABELS,
    Level,
    ObjectiveState,
    Role,
    Unit,
    kr_kind_label,
    level_label,
    state_word,
)
from core.enums import unit_label as unit_name
from core.i18n import N_, _, format_decimal, ngettext, pgettext
from core.permissions import can_edit_objective
from core.text import md, md_format
from db import commands, queries
from db.queries import okrs
from shell import store
from shell.context import current_cycle, current_user, my_views
from shell.feedback import toast_after_rerun

user = current_user()
actor = user.actor
cycle = current_cycle()

CURRENCY_EXAMPLE = "VND"  # an ISO 4217 code: the same in every language
PER_PAGE = 10  # objectives a page: a department's lead may edit thousands
# What a state change says once done, one sentence per state it moves to.
STATE_CHANGED = {
    ObjectiveState.ACTIVE: N_("“{title}” is now active."),
    ObjectiveState.ARCHIVED: N_("“{title}” is now archived."),
    ObjectiveState.DRAFT: N_("“{title}” is now draft."),
}
KR_EDITOR_COLUMNS = [
    "title",
    "kind",
    "start",
    "target",
    "unit",
    "currency",
    "unit label",
    "weight",
    "owner",
]


def allowed_levels() -> list[str]:
    if user.role in (Role.ADMIN, Role.EXECUTIVE):
        return [Level.COMPANY, Level.TEAM, Level.INDIVIDUAL]
    if user.role == Role.LEAD and user.led_team_ids:
        return [Level.TEAM, Level.INDIVIDUAL]
    return [Level.INDIVIDUAL]


def team_choices() -> dict[int, str]:
    teams = store.cached(queries.teams_frame, follows=store.STRUCTURE)
    if user.role not in (Role.ADMIN, Role.EXECUTIVE):
        teams = teams[teams["id"].isin(user.led_team_ids)]
    return dict(zip(teams["id"], teams["name"], strict=True))


def people_options(search: str, ids: tuple[int, ...]) -> dict[int, str]:
    return store.cached(queries.person_options, search, ids, follows=store.STRUCTURE)


# --- dialogs stay open across reruns until saved or dismissed ----------------------------


def open_dialog(name: str, *records: dict) -> None:
    """Remember the dialog and the records as they were when opened: a save then carries the
    version the person saw, so an edit made meanwhile by someone else is refused, not lost."""
    st.session_state["goals.dialog"] = (name, records)


def close_dialog() -> None:
    st.session_state.pop("goals.dialog", None)


def done(message: str) -> None:
    """Confirm a write; a plain ``message`` is shown as text (it may quote a title)."""
    close_dialog()
    toast_after_rerun(md(message), icon=":material/check_circle:")
    st.rerun()


# --- objective form ----------------------------------------------------------------------


def parent_picker(prefix: str, level: str, current_id: int | None, exclude_id: int | None):
    search = st.text_input(
        _("Find a parent objective to align to"),
        key=f"{prefix}.parent_search",
        placeholder=_("Search by title or team"),
    )
    options = store.cached(
        okrs.parent_candidates, actor, cycle.id, level, search, exclude_id, follows=store.STRUCTURE
    )
    if current_id and current_id not in options:
        options = {
            current_id: store.cached(
                okrs.objective_titles, (current_id,), follows=store.STRUCTURE
            ).get(current_id, _("current parent")),
            **options,
        }
    return id_select(
        _("Aligns to"), f"{prefix}.parent", options, current_id, none_label=_("— not aligned —")
    )


def kr_slots(prefix: str, owners: dict[int, str]) -> list[commands.KRInput]:
    """Rows of key-result fields inside the form; rows left without a title are skipped."""
    rows = []
    for slot in range(st.session_state.get(f"{prefix}.slots", 3)):
        key = f"{prefix}.kr{slot}"
        title_col, owner_col = st.columns([3, 1])
        title = title_col.text_input(
            md_format(_("Key result {number}"), number=slot + 1),
            key=f"{key}.title",
            placeholder=_("e.g. Raise weekly active users"),
        )
        owner_id = owner_col.selectbox(
            _("Owner"), list(owners), format_func=owners.get, key=f"{key}.owner"
        )
        kind_col, start_col, target_col, unit_col, code_col, weight_col = st.columns(
            [3, 2, 2, 2, 2, 1]
        )
        kind = kind_col.selectbox(
            _("Kind"), list(KR_KIND_LABELS), format_func=kr_kind_label, key=f"{key}.kind"
        )
        start = start_col.text_input(pgettext("key result value", "Start"), key=f"{key}.start")
        target = target_col.text_input(_("Target / threshold"), key=f"{key}.target")
        unit = unit_col.selectbox(
            _("Unit"), list(UNIT_LABELS), format_func=unit_name, key=f"{key}.unit"
        )
        code = code_col.text_input(
            _("Currency / label"),
            key=f"{key}.code",
            help=_("A currency code (VND, USD) or a unit label (customers)"),
        )
        weight = weight_col.text_input(_("Weight"), "1", key=f"{key}.weight")
        if title.strip():
            rows.append(
                commands.KRInput(
                    title,
                    kind,
                    start,
                    target,
                    unit,
                    currency_code=code if unit == Unit.CURRENCY else None,
                    unit_label=code if unit == Unit.TEXT else None,
                    weight=weight,
                    owner_id=owner_id,
                )
            )
    return rows


def more_slots(prefix: str) -> None:
    st.session_state[f"{prefix}.slots"] = st.session_state.get(f"{prefix}.slots", 3) + 1


def objective_form(obj: dict | None) -> None:
    """Create (obj None) or edit an objective; on create, its KRs are entered in a table."""
    prefix = f"goals.objective.{obj['objective_id']}.{obj['version']}" if obj else "goals.new"
    levels = allowed_levels()
    current_level = obj["level"] if obj else levels[-1]
    if current_level not in levels:
        levels = [current_level]
    level = (
        st.segmented_control(
            _("Level"),
            levels,
            default=current_level,
            key=f"{prefix}.level",
            format_func=level_label,
        )
        or current_level
    )
    team_id = None
    if level == Level.TEAM:
        team_id = id_select(
            _("Team"),
            f"{prefix}.team",
            team_choices(),
            obj["team_id"] if obj else None,
            allow_none=False,
        )
    owner_id = user.id
    if level != Level.INDIVIDUAL or user.role == Role.ADMIN:
        owner_id = person_picker(
            _("Owner"),
            f"{prefix}.owner",
            people_options,
            obj["owner_id"] if obj else user.id,
            allow_none=False,
        )
    parent_id = parent_picker(
        prefix, level, obj["parent_id"] if obj else None, obj["objective_id"] if obj else None
    )
    # The objective's owner first; their name is looked up when they are not in the team.
    owners = {owner_id: None} | (
        store.cached(okrs.team_members, team_id, follows=store.STRUCTURE) if team_id else {}
    )
    if owners[owner_id] is None:
        owners[owner_id] = people_options("", (owner_id,)).get(owner_id, _("owner"))
    with st.form(f"{prefix}.form"):
        title = st.text_input(
            _("Objective"),
            obj["title"] if obj else "",
            key=f"{prefix}.title",
            placeholder=_("What do you want to achieve? e.g. Delight new customers"),
        )
        description = st.text_area(
            _("Why it matters (optional)"),
            obj["description"] if obj else "",
            key=f"{prefix}.description",
            height=80,
        )
        key_results = ()
        if obj is None:
            st.markdown(_("**Key results** — how you will measure it"))
            key_results = kr_slots(prefix, owners)
        submitted = st.form_submit_button(
            _("Save as draft") if obj is None else _("Save"), type="primary"
        )
    if obj is None:
        st.button(
            _("Another key result"),
            icon=":material/add:",
            key=f"{prefix}.more",
            on_click=more_slots,
            args=(prefix,),
        )
    if not submitted:
        return
    data = commands.ObjectiveInput(
        cycle_id=cycle.id,
        level=level,
        title=title,
        owner_id=owner_id,
        team_id=team_id,
        description=description,
        parent_id=parent_id,
        key_results=key_results,
    )
    if obj is None:
        if store.write(commands.create_objective, actor, data):
            done(_("Objective saved as a draft. Publish it when it is ready."))
    elif store.write(commands.update_objective, actor, obj["objective_id"], obj["version"], data):
        done(_("Objective saved."))


# Dialog titles are fixed when the page runs (the decorator), in that run's language.
@st.dialog(_("New objective"), width="large", on_dismiss=close_dialog)
def new_objective_dialog() -> None:
    objective_form(None)


@st.dialog(_("Edit objective"), width="large", on_dismiss=close_dialog)
def edit_objective_dialog(obj: dict) -> None:
    objective_form(obj)


# --- key result form ---------------------------------------------------------------------


def kr_form(obj: dict, kr: dict | None) -> None:
    prefix = (
        f"goals.kr.{kr['kr_id']}.{kr['kr_version']}" if kr else f"goals.newkr.{obj['objective_id']}"
    )
    owner_id = kr["owner_id"] if kr else obj["owner_id"]
    if obj["level"] != Level.INDIVIDUAL:
        owner_id = person_picker(
            _("Owner"), f"{prefix}.owner", people_options, owner_id, allow_none=False
        )
    with st.form(f"{prefix}.form"):
        title = st.text_input(_("Key result"), kr["title"] if kr else "", key=f"{prefix}.title")
        kinds = list(KR_KIND_LABELS)
        kind = st.selectbox(
            _("Kind"),
            kinds,
            format_func=kr_kind_label,
            key=f"{prefix}.kind",
            index=kinds.index(kr["kind"]) if kr else 0,
        )
        start_col, target_col, weight_col = st.columns(3)
        start = start_col.text_input(
            pgettext("key result value", "Start"), _text(kr, "start"), key=f"{prefix}.start"
        )
        target = target_col.text_input(
            _("Target / threshold"), _text(kr, "target"), key=f"{prefix}.target"
        )
        weight = weight_col.text_input(
            _("Weight"), _text(kr, "weight") or "1", key=f"{prefix}.weight"
        )
        unit_col, currency_col, label_col = st.columns(3)
        units = list(UNIT_LABELS)
        unit = unit_col.selectbox(
            _("Unit"),
            units,
            format_func=unit_name,
            key=f"{prefix}.unit",
            index=units.index(kr["unit"]) if kr else 0,
        )
        currency = currency_col.text_input(
            _("Currency code"),
            _text(kr, "currency_code"),
            key=f"{prefix}.currency",
            placeholder=CURRENCY_EXAMPLE,
        )
        unit_label = label_col.text_input(
            _("Unit label"),
            _text(kr, "unit_label"),
            key=f"{prefix}.unit_label",
            placeholder=_("customers"),
        )
        submitted = st.form_submit_button(_("Save"), type="primary")
    if not submitted:
        return
    data = commands.KRInput(
        title, kind, start, target, unit, currency or None, unit_label or None, weight, owner_id
    )
    if kr is None:
        if store.write(commands.add_key_result, actor, obj["objective_id"], obj["version"], data):
            done(_("Key result added."))
    elif store.write(commands.update_key_result, actor, kr["kr_id"], kr["kr_version"], data):
        done(_("Key result saved."))


def _text(kr: dict | None, field: str) -> str:
    if not kr or kr.get(field) is None or pd.isna(kr.get(field)):
        return ""
    value = kr[field]
    return f"{value:g}" if isinstance(value, float) else str(value)


@st.dialog(_("Key result"), width="large", on_dismiss=close_dialog)
def kr_dialog(obj: dict, kr: dict | None = None) -> None:
    kr_form(obj, kr)


# --- the list ----------------------------------------------------------------------------


def state_actions(obj: dict) -> None:
    """Publish / archive / restore, and copy to another cycle."""
    oid, version, state = obj["objective_id"], obj["version"], obj["state"]
    actions = {
        ObjectiveState.DRAFT: [
            (_("Publish"), ObjectiveState.ACTIVE, "primary"),
            (_("Archive"), ObjectiveState.ARCHIVED, "secondary"),
        ],
        ObjectiveState.ACTIVE: [(_("Archive"), ObjectiveState.ARCHIVED, "secondary")],
        ObjectiveState.ARCHIVED: [(_("Restore as draft"), ObjectiveState.DRAFT, "secondary")],
        ObjectiveState.CLOSED: [],
    }[ObjectiveState(state)]
    columns = st.columns(len(actions) + 3)
    columns[0].button(
        _("Edit"),
        key=f"goals.edit.{oid}.{version}",
        icon=":material/edit:",
        on_click=open_dialog,
        args=("objective", obj),
    )
    columns[1].button(
        _("Add key result"),
        key=f"goals.addkr.{oid}.{version}",
        icon=":material/add:",
        on_click=open_dialog,
        args=("kr", obj),
    )
    for column, (label, target, kind) in zip(columns[2:], actions, strict=False):
        clicked = column.button(md(label), key=f"goals.{target}.{oid}.{version}", type=kind)
        if clicked and store.write(commands.set_objective_state, actor, oid, version, target):
            done(md_format(_(STATE_CHANGED[target]), title=obj["title"]))
    copy_control(obj, columns[-1])


def copy_control(obj: dict, column) -> None:
    others = {
        c.id: c.name
        for c in store.cached(queries.cycles, follows=store.STRUCTURE)
        if c.id != cycle.id and c.state != "closed"
    }
    if not others:
        return
    with column.popover(_("Copy to cycle"), icon=":material/content_copy:"):
        target = id_select(
            _("Cycle"), f"goals.copy.{obj['objective_id']}", others, None, allow_none=False
        )
        if st.button(_("Copy"), key=f"goals.copy_go.{obj['objective_id']}") and store.write(
            commands.copy_objective, actor, obj["objective_id"], target
        ):
            done(md_format(_("Copied into {cycle} as a draft."), cycle=others[target]))


def objective_block(obj: dict, krs: pd.DataFrame) -> None:
    with st.container(border=True):
        head, bar, badge = st.columns([6, 3, 2], vertical_alignment="center")
        with head:
            objective_header(SimpleNamespace(**obj))  # attribute access, without a Series
        with bar:
            progress_bar(obj["progress"], _("Progress"))
        with badge:
            if obj["state"] == ObjectiveState.ACTIVE:
                status_badge(obj["status"])
            else:
                st.badge(state_word(obj["state"]), color="gray")
        mine = krs[krs["objective_id"] == obj["objective_id"]]
        for kr in mine.to_dict("records"):
            text, edit = st.columns([9, 1], vertical_alignment="center")
            text.markdown(
                md_format(
                    _("• **{title}** — {value} · {owner} · weight {weight}"),
                    title=kr["title"],
                    value=kr_value_text(SimpleNamespace(**kr)),  # the unit label is user text
                    owner=kr["owner_name"],
                    weight=format_decimal(kr["weight"]),
                )
            )
            edit.button(
                _("Edit"),
                key=f"goals.editkr.{kr['kr_id']}.{kr['kr_version']}",
                on_click=open_dialog,
                args=("kr", obj, kr),
            )
        if mine.empty:
            st.caption(_("No key results yet: add at least one before publishing."))
        if can_edit_objective(actor, obj["level"], obj["team_id"], obj["owner_id"]):
            state_actions(obj)


def show_open_dialog() -> None:
    name, records = st.session_state.get("goals.dialog") or (None, ())
    dialogs = {
        "new_objective": new_objective_dialog,
        "objective": edit_objective_dialog,
        "kr": kr_dialog,
    }
    if name in dialogs:
        dialogs[name](*records)


st.title(_("Set goals"))
if cycle is None:
    st.info(_("There is no cycle yet. An admin creates one in Admin → Cycles."))
    st.stop()
if cycle.state == "closed":
    st.warning(
        md_format(
            _(
                "{cycle} is closed: its OKRs can no longer change. Pick an open cycle in "
                "the sidebar, or copy objectives from here into one."
            ),
            cycle=cycle.name,
        )
    )
st.caption(
    md_format(
        _("{cycle} · you can set: {levels} objectives"),
        cycle=cycle.name,
        levels=", ".join(level_label(level).lower() for level in allowed_levels()),
    )
)

new_col, team_col, archived_col = st.columns([2, 3, 2], vertical_alignment="bottom")
new_col.button(
    _("New objective"),
    type="primary",
    icon=":material/add:",
    on_click=open_dialog,
    args=("new_objective",),
    disabled=cycle.state == "closed",
)
team_filter = None
if user.role in (Role.ADMIN, Role.EXECUTIVE, Role.LEAD) and team_choices():
    with team_col:
        team_filter = id_select(
            _("Show a team's objectives"),
            "goals.team",
            team_choices(),
            None,
            none_label=_("Mine and my teams'"),
        )
show_archived = archived_col.toggle(_("Show archived"), key="goals.archived")

page_key = f"goals.page.{team_filter}.{show_archived}"
offset = (st.session_state.get(page_key, 1) - 1) * PER_PAGE
# A member edits only their own objectives; leads and executives whole teams' (the summaries).
editable_follows = my_views(cycle) if user.role == Role.MEMBER else store.SUMMARY
objectives, key_results, total = store.cached(
    okrs.editable_objectives_page,
    actor,
    cycle,
    team_filter,
    show_archived,
    PER_PAGE,
    offset,
    follows=editable_follows,
)
if objectives.empty and total:  # the page ran past the end (fewer objectives now)
    st.session_state[page_key] = max(1, -(-total // PER_PAGE))
    st.rerun()
show_open_dialog()
if objectives.empty:
    st.info(
        _(
            "Nothing here yet. **New objective** starts one: a title, how it aligns, and a few "
            "measurable key results."
        )
    )
for record in objectives.to_dict("records"):
    objective_block(record, key_results)
if total > PER_PAGE:
    st.pagination(-(-total // PER_PAGE), key=page_key)
    st.caption(
        ngettext(
            "{count} objective, {per_page} a page.", "{count} objectives, {per_page} a page.", total
        ).format(count=format_decimal(total, 0), per_page=PER_PAGE)
    )
