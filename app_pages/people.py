"""People: one person's performance across cycles, for 1:1s and reviews — objectives and scores
per cycle, check-in discipline, confidence history; on your own page, your score proposals.

A member sees themself, a lead the people of the teams they lead, executives and admins
everyone (db.queries.people enforces it). The person is in the URL (?person=).
"""

import streamlit as st

from components.charts import confidence_history_chart, discipline_chart, mean_score_chart
from components.okr_view import kr_value_text, small_text
from components.pickers import person_picker
from components.recognition_view import person_recognition
from components.review_view import (
    chart_and_table,
    cycle_state_column,
    grade_text,
    has_value,
    score_badge,
    score_column,
    score_form,
    score_text,
    share_column,
)
from core.enums import CycleState, Role, level_label, role_label
from core.errors import DomainError
from core.i18n import _, ngettext
from core.progress import format_progress
from core.text import bold, md, md_block, md_format, md_join
from db.commands import grading
from db.frames import row_tuples
from db.queries import people, review
from shell import charts, store
from shell.context import current_cycle, current_user
from shell.feedback import toast_after_rerun

user = current_user()
cycle = current_cycle()
actor = user.actor


def requested_person() -> int | None:
    requested = st.query_params.get("person", "")
    return int(requested) if requested.isdigit() else None


def choose_person() -> int:
    """Members see themselves; leads, executives and admins search the people they may see."""
    requested = requested_person()
    if user.role == Role.MEMBER:
        return requested or user.id
    # ?person= differs from what this page last showed: a link was opened, it wins...
    linked = requested is not None and requested != st.session_state.get("people.shown")
    if linked:
        st.session_state.pop("people.person", None)
        refusal = refused(requested)
        if refusal:  # ...unless it names someone the viewer may not see: say so, show them
            st.warning(md_block(refusal), icon=":material/visibility_off:")
            requested, linked = user.id, False
    chosen = person_picker(
        _("Person"),
        "people.person",
        lambda search, ids: store.cached(
            people.person_options, actor, search, ids, follows=store.STRUCTURE
        ),
        current_id=(requested if linked else st.session_state.get("people.person"))
        or requested
        or user.id,
        allow_none=False,
    )
    st.session_state["people.shown"] = chosen or user.id
    return chosen or user.id


def refused(person_id: int) -> str | None:
    """Why the viewer may not see this person, or None."""
    try:
        store.cached(people.person, actor, person_id, follows=store.STRUCTURE)
    except DomainError as refusal:
        return str(refusal)
    return None


def load_person(person_id: int) -> people.Person | None:
    try:
        return store.cached(people.person, actor, person_id, follows=store.STRUCTURE)
    except DomainError as refusal:
        st.warning(md_block(str(refusal)), icon=":material/visibility_off:")
        st.page_link(
            "app_pages/people.py",
            label=_("Show my own performance"),
            icon=":material/person:",
            query_params={"person": user.id},
        )
        return None


def header(person: people.Person) -> None:
    st.subheader(md(person.display_name))
    details = [role_label(person.role), person.team or _("no team")]
    if person.manager:
        details.append(md_format(_("reports to {manager}"), manager=person.manager))
    if not person.active:
        details.append(_("no longer active"))
    st.caption(md_join(" · ", details))


def at_a_glance(perf: people.Performance) -> None:
    cycles = perf.cycles
    closed = cycles[(cycles["state"] == CycleState.CLOSED) & cycles["objective_score"].notna()]
    latest_closed = closed.iloc[0] if len(closed) else None
    shown = cycles[cycles["cycle_id"] == (cycle.id if cycle is not None else None)]
    current = shown.iloc[0] if len(shown) else None
    score, discipline, confidence, taking_part = st.columns(4)
    score.metric(
        md_format(_("Mean objective score · {cycle}"), cycle=latest_closed.cycle)
        if latest_closed is not None
        else _("Mean objective score"),
        score_text(latest_closed.objective_score, 2) if latest_closed is not None else "—",
        border=True,
    )
    discipline.metric(
        _("Check-in discipline, all cycles"),
        format_progress(perf.krs["consistency"].mean()) if len(perf.krs) else "—",
        border=True,
        help=_("The share of weeks with a check-in on each key result they own, averaged."),
    )
    confidence.metric(
        md_format(_("Mean confidence · {cycle}"), cycle=current.cycle)
        if current is not None
        else _("Mean confidence"),
        f"{score_text(current.mean_confidence)} / 10"
        if current is not None and has_value(current.mean_confidence)
        else "—",
        border=True,
    )
    taking_part.metric(_("Cycles with OKRs"), len(cycles), border=True)


def scores_by_cycle(perf: people.Performance, person: people.Person) -> None:
    st.markdown("#### " + _("Scores by cycle"))
    cycles = perf.cycles
    oldest_first = cycles.iloc[::-1]
    table = cycles[
        ["cycle", "state", "objectives", "objective_score", "objective_progress", "krs",
         "kr_score", "consistency", "mean_confidence"]
    ]  # fmt: skip
    chart = (
        charts.spec(
            mean_score_chart,
            oldest_first,
            score="objective_score",
            title=_("Mean score of their objectives"),
        )
        if oldest_first["objective_score"].notna().any()
        else None
    )
    chart_and_table(
        chart,
        table,
        f"scores-{person.username}.csv",
        "people.cycles",
        {
            "cycle": _("Cycle"),
            "state": cycle_state_column(_("State")),
            "objectives": _("Objectives"),
            "objective_score": score_column(_("Objective score")),
            "objective_progress": share_column(_("Objective progress")),
            "krs": _("Key results"),
            "kr_score": score_column(_("Key result score")),
            "consistency": share_column(_("Weeks with a check-in")),
            "mean_confidence": st.column_config.NumberColumn(_("Mean confidence"), format="%.1f"),
        },
        empty=_("No published objectives or key results in any cycle yet."),
    )


def objectives_by_cycle(perf: people.Performance, person: people.Person) -> None:
    st.markdown("#### " + _("Objectives"))
    if perf.objectives.empty:
        st.caption(_("No objectives of their own; key results they own are listed below."))
    for name, objs in perf.objectives.groupby("cycle", sort=False):
        count = ngettext("{count} objective", "{count} objectives", len(objs)).format(
            count=len(objs)
        )
        with st.expander(
            md_join(" · ", [name, count]),
            expanded=name == _cycle_name(),
            key=f"people.objectives.{person.id}.{name}",
            on_change="rerun",  # a closed cycle's list is drawn when opened, not on every run
        ) as box:
            if not box.open:
                continue
            for obj in row_tuples(objs):
                title, progress, score = st.columns([6, 2, 2], vertical_alignment="center")
                title.markdown(bold(obj.title))
                title.caption(md_join(" · ", [level_label(obj.level), obj.team or _("no team")]))
                progress.caption(
                    _("Progress {progress}").format(progress=format_progress(obj.progress))
                )
                if has_value(obj.score):
                    with score:
                        score_badge(obj.score, decimals=2)
                else:
                    score.caption(_("not scored yet"))
    others = perf.krs[perf.krs["objective_owner_id"] != person.id]
    if len(others):
        st.caption(
            _("Key results they own in other people's objectives: {count}").format(
                count=len(others)
            )
        )
        table = others[["title", "objective_title", "progress", "score", "consistency"]]
        st.dataframe(
            table.assign(score=[score_text(value) for value in table["score"]]),
            hide_index=True,
            column_config={
                "title": _("Key result"),
                "objective_title": _("Objective"),
                "progress": share_column(_("Progress")),
                "score": _("Score"),
                "consistency": share_column(_("Weeks with a check-in")),
            },
        )


def _cycle_name() -> str | None:
    return cycle.name if cycle is not None else None


def checkin_discipline(perf: people.Performance, person: people.Person) -> None:
    st.markdown("#### " + _("Check-in discipline"))
    st.caption(
        _(
            "For each key result they own: the share of weeks since it was created with at "
            "least one check-in, averaged per cycle (the same rule as the leaderboards)."
        )
    )
    cycles = perf.cycles[perf.cycles["consistency"].notna()].iloc[::-1]
    chart_and_table(
        charts.spec(discipline_chart, cycles) if len(cycles) else None,
        cycles[["cycle", "krs", "consistency"]],
        f"checkin-discipline-{person.username}.csv",
        "people.discipline",
        {
            "cycle": _("Cycle"),
            "krs": _("Key results"),
            "consistency": share_column(_("Weeks with a check-in")),
        },
        empty=_("No key results of their own yet."),
    )


def confidence_history(person: people.Person) -> None:
    st.markdown("#### " + md_format(_("Confidence history · {cycle}"), cycle=cycle.name))
    history = store.cached(
        people.confidence_history, actor, person.id, cycle.id, follows=store.SUMMARY
    )
    chart_and_table(
        charts.spec(confidence_history_chart, history) if len(history) else None,
        history[["at", "kr", "confidence", "value", "note"]],
        f"confidence-{person.username}-{cycle.name}.csv",
        "people.confidence",
        {
            "at": st.column_config.DatetimeColumn(
                _("When"),
                # TRANSLATORS: a date and time pattern (Moment.js), e.g. DD/MM/YYYY HH:mm.
                format=_("D MMM YYYY, HH:mm"),
            ),
            "kr": _("Key result"),
            "confidence": _("Confidence"),
            "value": _("Value"),
            "note": _("Note"),
        },
        empty=md_format(
            _("No check-ins with a confidence on their key results in {cycle}."), cycle=cycle.name
        ),
    )


def my_score_proposals() -> None:
    """On your own page: propose a score (with a reason) for your KRs; your lead confirms."""
    if cycle.state == CycleState.PLANNING:
        return
    krs = store.cached(review.own_scores, actor, cycle, follows=store.SUMMARY)
    if krs.empty:
        return
    st.markdown("#### " + md_format(_("Your scores · {cycle}"), cycle=cycle.name))
    st.caption(
        _(
            "Each key result is scored 0.0–1.0; the default is its progress rounded to 0.1. If "
            "the number doesn't tell the whole story, propose another score with a reason — "
            "your lead confirms it. Confirmed scores are final."
        )
    )
    for kr in row_tuples(krs):
        with st.container(border=True):
            text, state, action = st.columns([6, 2, 2], vertical_alignment="center")
            default = _("default {score}").format(score=score_text(kr.default_score))
            details = md_join(" · ", [kr.objective_title, kr_value_text(kr), default])
            text.markdown(f"{bold(kr.title)}  \n{small_text(details)}")
            state.markdown(grade_text(kr))
            if kr.grade_state != "confirmed":
                with action:
                    proposal_form(kr)


def proposal_form(kr) -> None:
    sent = score_form(
        kr,
        "people",
        _("Propose"),
        ":material/rate_review:",
        _("Why? (needed when it is not the default {score})").format(
            score=score_text(kr.default_score)
        ),
        _("Send proposal"),
    )
    if sent:
        outcome = store.write(
            grading.propose_score, actor, int(kr.kr_id), int(kr.kr_version), *sent
        )
        if outcome:
            toast_after_rerun(
                md_format(
                    _("Proposed {score} for “{title}”."),
                    score=score_text(outcome.value),
                    title=kr.title,
                ),
                icon=":material/send:",
            )
            st.rerun()


# --- the page -------------------------------------------------------------------------------

st.title(_("People"))
st.caption(
    md(
        {
            Role.MEMBER: _("Your performance across cycles, for 1:1s and reviews."),
            Role.LEAD: _("You and the people in the teams you lead, across cycles."),
        }.get(user.role, _("Anyone's performance across cycles, for 1:1s and reviews."))
    )
)
shown = load_person(choose_person())
if shown is None:
    st.stop()
st.query_params["person"] = str(shown.id)
header(shown)
performance = store.cached(people.performance, actor, shown.id, follows=store.SUMMARY)
at_a_glance(performance)
scores_by_cycle(performance, shown)
objectives_by_cycle(performance, shown)
checkin_discipline(performance, shown)
st.markdown("#### " + _("Recognition"))
person_recognition(shown.id, cycle)
if cycle is not None:
    confidence_history(shown)
    if shown.id == user.id:
        my_score_proposals()
