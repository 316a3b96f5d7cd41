"""Log progress: check in on one KR (the one most in need by default, or ?kr=), see its
history against the expected pace, or update all my KRs in one form."""

import pandas as pd
import streamlit as st

from components.charts import checkin_history_chart, pace_line
from components.okr_view import kr_value_text, progress_bar, status_badge
from core.enums import KRKind, ObjectiveState, Role, unit_label
from core.formatting import format_age, format_value
from core.i18n import N_, _, ngettext
from core.permissions import can_check_in
from core.progress import format_progress
from core.status import status_label
from core.text import bold, md, md_format
from db import commands
from db.frames import row_tuples
from db.queries import okrs
from shell import charts, store
from shell.context import current_cycle, current_user, key_result_views, my_views
from shell.feedback import toast_after_rerun

user = current_user()
cycle = current_cycle()
actor = user.actor

# A milestone's values as the check-in forms offer them (the codes are what a check-in saves).
MILESTONE_LABELS = {"": "", "done": N_("done"), "not done": N_("not done")}


def milestone_label(value: str) -> str:
    return _(MILESTONE_LABELS[value]) if value else ""


def linked_kr() -> pd.DataFrame | None:
    """The KR named in ?kr=, when the actor may see it and check in on it. A KR they may not
    see (someone else's draft) gets the same answer as one that does not exist."""
    requested = st.query_params.get("kr", "")
    if not requested.isdigit():
        return None
    kr_id = int(requested)
    kr = store.cached(okrs.visible_key_result, actor, kr_id, follows=key_result_views(kr_id))
    if kr.empty:
        st.warning(_("The key result in this link no longer exists."))
        return None
    row = kr.iloc[0]
    if not can_check_in(actor, int(row.owner_id), row.objective_team_id):
        st.warning(
            md_format(
                _(
                    "You cannot check in on “{title}”: only its owner, the lead of its team "
                    "or an admin can."
                ),
                title=row.title,
            )
        )
        return None
    if row.objective_state == ObjectiveState.DRAFT:
        st.info(
            md_format(
                _("“{title}” is in a draft objective: publish it to check in."), title=row.title
            )
        )
    return kr


def choices() -> pd.DataFrame:
    """My KRs (and, for leads, my teams' KRs), most in need first, plus a linked one."""
    frames = [store.cached(okrs.my_key_results, user.id, cycle, follows=my_views(cycle))]
    if (
        user.role == Role.LEAD
        and user.led_team_ids
        and st.toggle(_("Include my teams' key results"), key="log.team_krs")
    ):
        led = tuple(sorted(user.led_team_ids))
        frames.append(
            store.cached(okrs.team_key_results, led, cycle, follows=store.teams(cycle.id, led))
        )
    linked = linked_kr()
    if linked is not None:
        frames.insert(0, linked)
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame()
    krs = pd.concat(frames).drop_duplicates("kr_id")
    return krs[krs["objective_state"] == "active"]


def remember_choice() -> None:
    st.query_params["kr"] = str(st.session_state["log.kr"])


def check_in_form(kr) -> None:
    kr_id, version = int(kr.kr_id), int(kr.kr_version)
    with st.form(f"log.form.{kr_id}.{version}", clear_on_submit=False):
        if kr.kind == KRKind.MILESTONE:
            done = st.radio(
                _("Milestone"),
                ["not done", "done"],
                format_func=lambda value: md(milestone_label(value)),  # radio labels: Markdown
                horizontal=True,
                index=int((kr.current or 0) >= 1),
                key=f"log.done.{kr_id}.{version}",
            )
            value = 1.0 if done == "done" else 0.0
        else:
            current = "" if pd.isna(kr.current) else f"{kr.current:g}"
            value = st.text_input(
                _("New value"),
                current,
                key=f"log.value.{kr_id}.{version}",
                help=_("A number; thousands separators are fine (1,250,000)."),
            )
        confidence = st.slider(
            _("Confidence that it will be achieved (0–10)"),
            0,
            10,
            5 if pd.isna(kr.confidence) else int(kr.confidence),
            key=f"log.conf.{kr_id}.{version}",
        )
        note = st.text_area(
            _("What changed? Any blockers?"),
            key=f"log.note.{kr_id}.{version}",
            max_chars=2000,
            height=90,
        )
        submitted = st.form_submit_button(_("Save check-in"), type="primary")
    if submitted and store.write(
        commands.check_in, actor, commands.CheckInInput(kr_id, value, confidence, note)
    ):
        after = store.cached(okrs.key_result, kr_id, follows=key_result_views(kr_id)).iloc[0]
        toast_after_rerun(
            md_format(
                _("Saved. {title}: {progress} · {status}"),
                title=after.title,
                progress=format_progress(after.progress),
                status=status_label(after.status),
            ),
            icon=":material/check_circle:",
        )
        st.rerun()


def history(kr) -> None:
    checkins = store.cached(okrs.check_ins, int(kr.kr_id), follows=key_result_views(int(kr.kr_id)))
    st.subheader(_("History"))
    if checkins.empty:
        st.caption(_("No check-ins yet."))
        return
    chart_tab, table_tab = st.tabs(
        [_("Chart"), _("Table")], key=f"log.history.tabs.{int(kr.kr_id)}", on_change="rerun"
    )
    if chart_tab.open:
        kr_cycle = okrs_cycle(int(kr.cycle_id))
        pace = pace_line(kr.kind, kr.start, kr.target, kr_cycle.start_date, kr_cycle.end_date)
        chart = charts.spec(checkin_history_chart, checkins, pace, unit_title=axis_title(kr))
        chart_tab.vega_lite_chart(chart, width="stretch")
    if table_tab.open:
        history_table(table_tab, checkins, kr)


def history_table(tab, checkins, kr) -> None:
    shown = checkins[["at", "value", "confidence", "author", "note"]].iloc[::-1]
    shown = shown.assign(  # as the rest of the page writes values: "49.000,00 US$", "done"
        value=[
            format_value(value, kr.kind, kr.unit, kr.currency_code, kr.unit_label)
            for value in shown["value"]
        ]
    )
    tab.dataframe(
        shown,
        hide_index=True,
        column_config={
            "at": st.column_config.DatetimeColumn(
                _("When"),
                # TRANSLATORS: a date and time pattern (Moment.js tokens), e.g. 26 Nov 2026, 14:05.
                format=_("D MMM YYYY, HH:mm"),
            ),
            "value": st.column_config.TextColumn(_("Value"), alignment="right"),
            "confidence": st.column_config.NumberColumn(_("Confidence")),
            "author": st.column_config.TextColumn(_("By")),
            "note": st.column_config.TextColumn(_("Note")),
        },
    )


def axis_title(kr) -> str:
    """What the values are in: the KR's own unit, its currency ("USD"), else the kind of unit."""
    if isinstance(kr.unit_label, str):
        return kr.unit_label
    if kr.unit == "currency" and isinstance(kr.currency_code, str):
        return kr.currency_code.upper()
    return unit_label(kr.unit)


def okrs_cycle(cycle_id: int):
    if cycle.id == cycle_id:
        return cycle
    return store.cached(okrs.cycle_row, cycle_id, follows=store.STRUCTURE)


def single_check_in(krs: pd.DataFrame) -> None:
    by_id = {int(row.kr_id): row for row in row_tuples(krs)}
    requested = st.query_params.get("kr", "")
    if requested.isdigit() and int(requested) in by_id:
        st.session_state["log.kr"] = int(requested)
    elif st.session_state.get("log.kr") not in by_id:
        st.session_state["log.kr"] = next(iter(by_id))
    kr_id = st.selectbox(
        _("Key result"),
        list(by_id),
        key="log.kr",
        on_change=remember_choice,
        format_func=lambda k: (
            f"{by_id[k].title} — {by_id[k].objective_title} ({status_label(by_id[k].status)})"
        ),
    )
    kr = by_id[kr_id]
    with st.container(border=True):
        left, right = st.columns([4, 1], vertical_alignment="center")
        with left:
            progress_bar(kr.progress, _("Progress"))
            st.caption(
                md_format(
                    _("{value} · last update {age}"),
                    value=kr_value_text(kr),  # the unit label is user text
                    age=format_age(kr.days_since_update),
                )
            )
        with right:
            status_badge(kr.status)
    check_in_form(kr)
    history(kr)


def update_all(krs: pd.DataFrame) -> None:
    """One form for every KR I own: fill the ones that moved; all save together, or none."""
    mine = krs[krs["owner_id"] == user.id]
    if mine.empty:
        st.info(_("You own no published key results in this cycle."))
        return
    nonce = st.session_state.get("log.all_nonce", 0)
    rows = []
    with st.form("log.all"):
        st.caption(_("Leave a value empty to skip that key result."))
        for kr in row_tuples(mine):
            key = f"log.all.{kr.kr_id}.{nonce}"
            text, value_col, conf_col = st.columns([4, 2, 2], vertical_alignment="bottom")
            text.markdown(bold(kr.title))
            text.caption(md(kr_value_text(kr)))
            if kr.kind == KRKind.MILESTONE:
                value = value_col.selectbox(
                    _("Milestone"),
                    ["", "done", "not done"],
                    format_func=milestone_label,
                    key=f"{key}.v",
                )
            else:
                value = value_col.text_input(_("New value"), key=f"{key}.v")
            confidence = conf_col.number_input(
                _("Confidence"),
                0,
                10,
                5 if pd.isna(kr.confidence) else int(kr.confidence),
                key=f"{key}.c",
            )
            rows.append((int(kr.kr_id), value, confidence))
        note = st.text_input(_("Note for all (optional)"), key=f"log.all.note.{nonce}")
        submitted = st.form_submit_button(_("Save all"), type="primary")
    if not submitted:
        return
    entries = [
        commands.CheckInInput(kr_id, value, confidence, note)
        for kr_id, value, confidence in rows
        if str(value).strip()
    ]
    if store.write(commands.check_in_many, actor, entries):
        st.session_state["log.all_nonce"] = nonce + 1
        toast_after_rerun(
            md_format(
                ngettext("Saved {count} check-in.", "Saved {count} check-ins.", len(entries)),
                count=len(entries),
            ),
            icon=":material/check_circle:",
        )
        st.rerun()


st.title(_("Log progress"))
if cycle is None:
    st.info(_("There is no cycle yet."))
    st.stop()
available = choices()
if available.empty:
    st.info(
        _(
            "You have no published key results to check in on in this cycle. "
            "Create and publish them in **Set goals**."
        )
    )
    st.stop()
# Only the open tab is drawn (the other when chosen): the bulk form is a row per KR.
one, many = st.tabs([_("Check in"), _("Update all my KRs")], key="log.tabs", on_change="rerun")
if one.open:
    with one:
        single_check_in(available)
if many.open:
    with many:
        update_all(available)
