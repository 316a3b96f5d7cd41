"""People: one person's performance across cycles, for 1:1s and reviews — objectives and scores
per cycle, check-in discipline, confidence history; on your own page, your score proposals.

A member sees themself, a lead the people of the teams they lead, executives and admins
everyone (db.queries.people enforces it). The person is in the URL (?person=).
"""

import streamlit as st

from components.charts import confidence_history_chart, discipline_chart, mean_score_chart
from components.okr_view import escape_markdown, kr_value_text
from components.pickers import person_picker
from components.recognition_view import person_recognition
from components.review_view import (
    chart_and_table,
    grade_badge,
    has_value,
    score_badge,
    score_text,
)
from core.enums import CycleState, Role
from core.errors import DomainError
from core.progress import format_progress
from db.commands import grading
from db.queries import people, review
from shell import charts, store
from shell.context import current_cycle, current_user
from shell.feedback import toast_after_rerun

user = current_user()
cycle = current_cycle()
actor = user.actor

SCORES = [i / 10 for i in range(11)]
PERCENT = st.column_config.NumberColumn(format="percent")
SCORE = st.column_config.NumberColumn(format="%.2f")


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
            st.warning(refusal, icon=":material/visibility_off:")
            requested, linked = user.id, False
    chosen = person_picker(
        "Person",
        "people.person",
        lambda search, ids: store.cached(people.person_options, actor, search, ids),
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
        store.cached(people.person, actor, person_id)
    except DomainError as refusal:
        return str(refusal)
    return None


def load_person(person_id: int) -> people.Person | None:
    try:
        return store.cached(people.person, actor, person_id)
    except DomainError as refusal:
        st.warning(str(refusal), icon=":material/visibility_off:")
        st.page_link(
            "app_pages/people.py",
            label="Show my own performance",
            icon=":material/person:",
            query_params={"person": user.id},
        )
        return None


def header(person: people.Person) -> None:
    st.subheader(escape_markdown(person.display_name))
    details = [person.role.capitalize(), person.team or "no team"]
    if person.manager:
        details.append(f"reports to {person.manager}")
    if not person.active:
        details.append("no longer active")
    st.caption(escape_markdown(" · ".join(details)))


def at_a_glance(perf: people.Performance) -> None:
    cycles = perf.cycles
    closed = cycles[(cycles["state"] == CycleState.CLOSED) & cycles["objective_score"].notna()]
    latest_closed = closed.iloc[0] if len(closed) else None
    shown = cycles[cycles["cycle_id"] == (cycle.id if cycle is not None else None)]
    current = shown.iloc[0] if len(shown) else None
    score, discipline, confidence, taking_part = st.columns(4)
    score.metric(
        f"Mean objective score · {escape_markdown(latest_closed.cycle)}"
        if latest_closed is not None
        else "Mean objective score",
        score_text(latest_closed.objective_score, 2) if latest_closed is not None else "—",
        border=True,
    )
    discipline.metric(
        "Check-in discipline, all cycles",
        format_progress(perf.krs["consistency"].mean()) if len(perf.krs) else "—",
        border=True,
        help="The share of weeks with a check-in on each key result they own, averaged.",
    )
    confidence.metric(
        f"Mean confidence · {escape_markdown(current.cycle)}"
        if current is not None
        else "Mean confidence",
        f"{current.mean_confidence:.1f} / 10"
        if current is not None and has_value(current.mean_confidence)
        else "—",
        border=True,
    )
    taking_part.metric("Cycles with OKRs", len(cycles), border=True)


def scores_by_cycle(perf: people.Performance, person: people.Person) -> None:
    st.markdown("#### Scores by cycle")
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
            title="Mean score of their objectives",
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
            "objective_score": SCORE,
            "kr_score": SCORE,
            "objective_progress": PERCENT,
            "consistency": PERCENT,
            "mean_confidence": st.column_config.NumberColumn(format="%.1f"),
        },
        empty="No published objectives or key results in any cycle yet.",
    )


def objectives_by_cycle(perf: people.Performance, person: people.Person) -> None:
    st.markdown("#### Objectives")
    if perf.objectives.empty:
        st.caption("No objectives of their own; key results they own are listed below.")
    for name, objs in perf.objectives.groupby("cycle", sort=False):
        count = f"{len(objs)} objective" + ("" if len(objs) == 1 else "s")
        with st.expander(f"{escape_markdown(name)} · {count}", expanded=name == _cycle_name()):
            for obj in objs.itertuples(index=False):
                title, progress, score = st.columns([6, 2, 2], vertical_alignment="center")
                title.markdown(f"**{escape_markdown(obj.title)}**")
                title.caption(
                    f"{obj.level.capitalize()} · {escape_markdown(obj.team or 'no team')}"
                )
                progress.caption(f"Progress {format_progress(obj.progress)}")
                if has_value(obj.score):
                    with score:
                        score_badge(obj.score, decimals=2)
                else:
                    score.caption("not scored yet")
    others = perf.krs[perf.krs["objective_owner_id"] != person.id]
    if len(others):
        st.caption(f"Key results they own in other people's objectives: {len(others)}")
        table = others[["title", "objective_title", "progress", "score", "consistency"]]
        st.dataframe(
            table.assign(score=[score_text(value) for value in table["score"]]),
            hide_index=True,
            column_config={
                "title": "Key result",
                "objective_title": "Objective",
                "progress": st.column_config.NumberColumn("Progress", format="percent"),
                "score": "Score",
                "consistency": st.column_config.NumberColumn(
                    "Weeks with a check-in", format="percent"
                ),
            },
        )


def _cycle_name() -> str | None:
    return cycle.name if cycle is not None else None


def checkin_discipline(perf: people.Performance, person: people.Person) -> None:
    st.markdown("#### Check-in discipline")
    st.caption(
        "For each key result they own: the share of weeks since it was created with at least "
        "one check-in, averaged per cycle (the same rule as the leaderboards)."
    )
    cycles = perf.cycles[perf.cycles["consistency"].notna()].iloc[::-1]
    chart_and_table(
        charts.spec(discipline_chart, cycles) if len(cycles) else None,
        cycles[["cycle", "krs", "consistency"]],
        f"checkin-discipline-{person.username}.csv",
        "people.discipline",
        {"consistency": PERCENT},
        empty="No key results of their own yet.",
    )


def confidence_history(person: people.Person) -> None:
    st.markdown(f"#### Confidence history · {escape_markdown(cycle.name)}")
    history = store.cached(people.confidence_history, actor, person.id, cycle.id)
    chart_and_table(
        charts.spec(confidence_history_chart, history) if len(history) else None,
        history[["at", "kr", "confidence", "value", "note"]],
        f"confidence-{person.username}-{cycle.name}.csv",
        "people.confidence",
        {"at": st.column_config.DatetimeColumn("When", format="D MMM YYYY, HH:mm")},
        empty="No check-ins with a confidence on their key results in "
        f"{escape_markdown(cycle.name)}.",
    )


def my_score_proposals() -> None:
    """On your own page: propose a score (with a reason) for your KRs; your lead confirms."""
    if cycle.state == CycleState.PLANNING:
        return
    krs = store.cached(review.own_scores, actor, cycle)
    if krs.empty:
        return
    st.markdown(f"#### Your scores · {escape_markdown(cycle.name)}")
    st.caption(
        "Each key result is scored 0.0–1.0; the default is its progress rounded to 0.1. If the "
        "number doesn't tell the whole story, propose another score with a reason — your lead "
        "confirms it. Confirmed scores are final."
    )
    for kr in krs.itertuples(index=False):
        with st.container(border=True):
            text, state, action = st.columns([6, 2, 2], vertical_alignment="center")
            text.markdown(f"**{escape_markdown(kr.title)}**")
            text.caption(
                f"{escape_markdown(kr.objective_title)} · {kr_value_text(kr)} · "
                f"default {kr.default_score:.1f}"
            )
            with state:
                if kr.grade_state != "ungraded":
                    score_badge(kr.score)
                grade_badge(kr.grade_state)
            if kr.grade_state != "confirmed":
                with action:
                    proposal_form(kr)


def proposal_form(kr) -> None:
    kr_id, version = int(kr.kr_id), int(kr.kr_version)
    current = kr.score if has_value(kr.score) else kr.default_score
    with (
        st.popover("Propose", icon=":material/rate_review:"),
        st.form(f"people.propose.{kr_id}.{version}"),
    ):
        score = st.select_slider(
            "Score",
            SCORES,
            value=min(SCORES, key=lambda step: abs(step - float(current))),
            format_func=lambda step: f"{step:.1f}",
            key=f"people.score.{kr_id}.{version}",
        )
        reason = st.text_area(
            f"Why? (needed when it is not the default {kr.default_score:.1f})",
            value=kr.score_reason if isinstance(kr.score_reason, str) else "",
            key=f"people.reason.{kr_id}.{version}",
            max_chars=1000,
        )
        submitted = st.form_submit_button("Send proposal", type="primary")
    if submitted:
        outcome = store.write(grading.propose_score, actor, kr_id, version, score, reason)
        if outcome:
            toast_after_rerun(
                f"Proposed {outcome.value:.1f} for “{kr.title}”.", icon=":material/send:"
            )
            st.rerun()


# --- the page -------------------------------------------------------------------------------

st.title("People")
st.caption(
    {
        Role.MEMBER: "Your performance across cycles, for 1:1s and reviews.",
        Role.LEAD: "You and the people in the teams you lead, across cycles.",
    }.get(user.role, "Anyone's performance across cycles, for 1:1s and reviews.")
)
shown = load_person(choose_person())
if shown is None:
    st.stop()
st.query_params["person"] = str(shown.id)
header(shown)
performance = store.cached(people.performance, actor, shown.id)
at_a_glance(performance)
scores_by_cycle(performance, shown)
objectives_by_cycle(performance, shown)
checkin_discipline(performance, shown)
st.markdown("#### Recognition")
person_recognition(shown.id, cycle)
if cycle is not None:
    confidence_history(shown)
    if shown.id == user.id:
        my_score_proposals()
