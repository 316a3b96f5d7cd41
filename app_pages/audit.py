"""Audit log (admins only): who did what and when, filtered by person, action, record and
dates; one page at a time; any entry's before and after side by side; CSV of the filtered log.

The filters live in the URL (?who=&action=&entity=&id=&from=&to=&page=), so a view can be
shared with another admin.
"""

import contextlib
from datetime import date

import pandas as pd
import streamlit as st

from core.enums import Role
from core.i18n import N_, _, format_date, format_datetime, format_decimal, ngettext
from core.text import md, md_format
from db.frames import row_tuples
from db.queries import audit
from shell import store
from shell.context import current_user

user = current_user()
if user.role != Role.ADMIN:  # the navigation never offers it; this is the second lock
    st.error(_("Only admins can read the audit log."))
    st.stop()
actor = user.actor
ANY = "All"  # the option's value (also in the URL); shown translated
ANYONE = 0  # no person has id 0
PARAMS = {  # query parameter -> widget key
    "who": "audit.who",
    "action": "audit.action",
    "entity": "audit.entity",
    "id": "audit.entity_id",
    "from": "audit.from",
    "to": "audit.to",
    "page": "audit.page",
}


def from_url() -> None:
    """Seed the filters from the URL once per session (a shared link opens the same view)."""
    if st.session_state.get("audit.seeded"):
        return
    st.session_state["audit.seeded"] = True
    params = st.query_params
    if params.get("who", "").isdigit():
        st.session_state["audit.who"] = int(params["who"])
    for name in ("action", "entity"):
        if params.get(name):
            st.session_state[PARAMS[name]] = params[name]
    if params.get("id", "").isdigit():
        st.session_state["audit.entity_id"] = params["id"]
    for name in ("from", "to"):
        with contextlib.suppress(ValueError):
            st.session_state[PARAMS[name]] = date.fromisoformat(params.get(name, ""))
    if params.get("page", "").isdigit():
        st.session_state["audit.page"] = max(1, int(params["page"]))


def to_url(filters: audit.AuditFilter, page: int) -> None:
    values = {
        "who": filters.actor_id,
        "action": filters.action,
        "entity": filters.entity,
        "id": filters.entity_id,
        "from": filters.since,
        "to": filters.until,
        "page": page if page > 1 else None,
    }
    for name, value in values.items():
        if value is None:
            st.query_params.pop(name, None)
        else:
            st.query_params[name] = str(value)


def who_picker() -> int | None:
    """Search, then pick a person (deactivated people too); empty means anyone."""
    search = st.text_input(
        _("Search who"),
        key="audit.who_search",
        placeholder=_("Type part of a name or username"),
    )
    current = st.session_state.get("audit.who") or ANYONE
    options = store.cached(audit.actor_options, actor, search, (current,) if current else ())
    st.session_state["audit.who"] = current if current in options else ANYONE
    chosen = st.selectbox(
        _("Who"),
        [ANYONE, *options],
        key="audit.who",
        format_func=lambda pid: _("Anyone") if pid == ANYONE else options[pid],
        on_change=first_page,
    )
    return None if chosen == ANYONE else chosen


def choice(label: str, options: list[str], key: str) -> str | None:
    if st.session_state.get(key) not in [ANY, *options]:
        st.session_state[key] = ANY
    chosen = st.selectbox(
        md(label),
        [ANY, *options],
        key=key,
        on_change=first_page,
        format_func=lambda option: _("All") if option == ANY else option,
    )
    return None if chosen == ANY else chosen


def first_page() -> None:
    st.session_state["audit.page"] = 1


def filters() -> audit.AuditFilter:
    who_col, action_col, entity_col, id_col = st.columns([3, 2, 2, 1], vertical_alignment="bottom")
    with who_col:
        who = who_picker()
    with action_col:
        action = choice(_("Action"), store.cached(audit.actions, actor), "audit.action")
    with entity_col:
        entity = choice(_("Record type"), store.cached(audit.entities, actor), "audit.entity")
    raw_id = id_col.text_input(_("Record id"), key="audit.entity_id", on_change=first_page)
    if raw_id.strip() and not raw_id.strip().isdigit():
        id_col.caption(":red[{}]".format(_("A record id is a whole number.")))
    since_col, until_col, _rest = st.columns([1, 1, 3])
    since = since_col.date_input(
        _("From (UTC)"), value=None, key="audit.from", on_change=first_page
    )
    until = until_col.date_input(_("To (UTC)"), value=None, key="audit.to", on_change=first_page)
    if since and until and until < since:
        st.warning(_("“To” is before “From”: nothing can match."))
    return audit.AuditFilter(
        actor_id=who,
        action=action,
        entity=entity,
        entity_id=int(raw_id) if raw_id.strip().isdigit() else None,
        since=since,
        until=until,
    )


def pager(result: audit.AuditPage) -> None:
    left, middle, right = st.columns([1, 3, 1], vertical_alignment="center")
    if left.button(_("Newer"), key="audit.newer", disabled=result.page <= 1, width="stretch"):
        st.session_state["audit.page"] = result.page - 1
        st.rerun()
    middle.caption(
        ngettext(
            "{count} entry · page {page} of {pages} · newest first",
            "{count} entries · page {page} of {pages} · newest first",
            result.total,
        ).format(
            count=format_decimal(result.total, 0),
            page=format_decimal(result.page, 0),
            pages=format_decimal(result.pages, 0),
        ),
        text_alignment="center",
    )
    if right.button(
        _("Older"), key="audit.older", disabled=result.page >= result.pages, width="stretch"
    ):
        st.session_state["audit.page"] = result.page + 1
        st.rerun()


COLUMN_LABELS = {  # the log's columns → their headings
    "id": "#",
    "at": N_("When (UTC)"),
    "who": N_("Who"),
    "action": N_("Action"),
    "what": N_("Record"),
    "changes": N_("Changes"),
}


def heading(column: str) -> str:
    label = COLUMN_LABELS[column]
    return label if column == "id" else _(label)


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    table = frame[list(COLUMN_LABELS)]
    return table.rename(columns={column: heading(column) for column in COLUMN_LABELS})


def when(at) -> str:
    """An entry's time, to the minute: the date in the reader's language, a 24-hour clock."""
    return f"{format_date(at)} {at:%H:%M}"


def details(frame: pd.DataFrame) -> None:
    st.subheader(_("Before and after"))
    labels = {
        int(row.id): f"#{row.id} · {when(row.at)} · {row.action} · {row.what}"
        for row in row_tuples(frame)
    }
    if st.session_state.get("audit.entry") not in labels:
        st.session_state["audit.entry"] = next(iter(labels))
    entry_id = st.selectbox(
        _("Entry"), list(labels), key="audit.entry", format_func=lambda i: labels[i]
    )
    entry = store.cached(audit.audit_entry, actor, entry_id)
    if entry is None:
        st.info(_("That entry is no longer there."))
        return
    record = f"{entry.entity.replace('_', ' ')} #{entry.entity_id}" if entry.entity_id else ""
    st.markdown(
        _("**{who}** · `{action}` · {what} · {at} UTC").format(
            who=md(entry.who),
            action=entry.action,
            what=md(entry.what),
            at=format_datetime(entry.at),
        )
    )
    if record:
        st.caption(md_format(_("Record: {record}"), record=record))
    changes = audit.changed_fields(entry.before, entry.after)
    if changes:
        diff = pd.DataFrame(
            [(field, _plain(old), _plain(new)) for field, old, new in changes],
            columns=[_("Field"), _("Before"), _("After")],
        )
        st.dataframe(diff, hide_index=True, width="stretch")
    else:
        st.caption(_("No field values were recorded for this entry."))
    before_col, after_col = st.columns(2)
    with before_col:
        st.caption(_("Before (JSON)"))
        st.json(entry.before if entry.before is not None else {}, expanded=False)
    with after_col:
        st.caption(_("After (JSON)"))
        st.json(entry.after if entry.after is not None else {}, expanded=False)


def _plain(value) -> str:
    return "—" if value is None else str(value)


st.title(_("Audit log"))
st.caption(
    _(
        "Every change anyone made, with the record before and after. "
        "Sign-in counters are recorded when they lock an account."
    )
)
from_url()
chosen = filters()
page = int(st.session_state.get("audit.page", 1))
result = store.cached(audit.audit_page, actor, chosen, page)
st.session_state["audit.page"] = result.page
to_url(chosen, result.page)

if result.total == 0:
    st.info(_("No entries match these filters."))
    st.stop()
st.dataframe(
    shown(result.rows),
    hide_index=True,
    width="stretch",
    column_config={
        # TRANSLATORS: a date format (moment.js tokens) for the table's times, e.g. "DD/MM/YYYY
        # HH:mm:ss"; keep the letters as tokens, not words.
        heading("at"): st.column_config.DatetimeColumn(format=_("D MMM YYYY, HH:mm:ss")),
        heading("id"): st.column_config.NumberColumn(format="%d", width="small"),
        heading("what"): st.column_config.TextColumn(width="medium"),
        heading("changes"): st.column_config.TextColumn(width="large"),
    },
)
pager(result)
st.download_button(
    _("Download CSV (up to {limit} newest matching entries)").format(
        limit=format_decimal(audit.CSV_LIMIT, 0)
    ),
    data=lambda: store.read(audit.audit_csv, actor, chosen),
    file_name=f"audit-log-{date.today():%Y-%m-%d}.csv",
    mime="text/csv",
    icon=":material/download:",
    key="audit.csv",
    on_click="ignore",
)
details(result.rows)
