"""Review & grade: grade key results (leads their teams', executives and admins everyone's),
close or reopen the cycle, and review its scores by zone, by team and against earlier cycles.

The view, the team and the team ordering live in the URL (?view=, ?team=, ?order=).
"""

import math

import pandas as pd
import streamlit as st

from components.charts import (
    cycle_zone_chart,
    mean_score_chart,
    team_zone_chart,
    zone_distribution_chart,
)
from components.okr_view import (
    escape_markdown,
    kr_value_text,
    objective_header,
    progress_bar,
    rows_by,
)
from components.review_view import (
    chart_and_table,
    grade_badge,
    has_value,
    score_badge,
    score_text,
)
from core.enums import CycleState, Role
from core.permissions import can_grade, can_reopen_cycle
from db import queries
from db.commands import grading
from db.queries import review
from shell import charts, store
from shell.context import current_cycle, current_user
from shell.feedback import toast_after_rerun

user = current_user()
cycle = current_cycle()
actor = user.actor
is_exec_or_admin = user.role in (Role.EXECUTIVE, Role.ADMIN)

VIEWS = {"grade": "Grade", "review": "Cycle review", "compare": "Compare cycles"}
SCORES = [i / 10 for i in range(11)]
OBJECTIVES_PER_PAGE = 10
TEAMS_PER_PAGE = 15
SCORE_FORMAT = st.column_config.NumberColumn(format="%.2f")
SHARE_FORMAT = st.column_config.NumberColumn(format="percent")


def from_url(name: str, key: str, allowed) -> None:
    """Let ?name= set the widget's value when it names an allowed choice (the widgets mirror
    their value to the URL in on_change, before the rerun, so both always agree)."""
    requested = st.query_params.get(name, "")
    value = int(requested) if requested.isdigit() else requested
    if value in allowed:
        st.session_state[key] = value
    elif st.session_state.get(key) not in allowed:
        st.session_state.pop(key, None)


def to_url(name: str, key: str):
    """An on_change callback writing the widget's new value to ?name=."""
    return lambda: st.query_params.update({name: str(st.session_state[key])})


def saved(message: str) -> None:
    toast_after_rerun(message, icon=":material/check_circle:")
    st.rerun()


# --- the cycle at a glance, closing and reopening -------------------------------------------


def summary() -> None:
    facts = store.cached(review.review_summary, cycle.id)
    scored, krs_done, mean, proposals = st.columns(4)
    scored.metric(f"Objectives scored (of {facts.objectives:,})", f"{facts.scored:,}", border=True)
    mean.metric("Mean objective score", score_text(facts.mean_score, 2), border=True)
    krs_done.metric(
        f"Key results confirmed (of {facts.krs:,})", f"{facts.krs_confirmed:,}", border=True
    )
    proposals.metric("Owners' proposals to decide", facts.proposals, border=True)


def cycle_controls() -> None:
    if cycle.state == CycleState.PLANNING:
        st.info(f"“{shown_name}” is in planning: grading starts once it is active.")
    elif cycle.state == CycleState.ACTIVE and is_exec_or_admin:
        close_box()
    elif cycle.state == CycleState.ACTIVE:
        st.caption(
            "When the cycle ends, an executive or admin closes it: check-ins lock and every key "
            "result nobody has confirmed gets its default score. You can grade before and after."
        )
    else:
        st.info(
            f"“{shown_name}” is closed: check-ins are locked. Scores can still be set and "
            "confirmed." + (" You can reopen it." if can_reopen_cycle(actor) else ""),
            icon=":material/lock:",
        )
        if is_exec_or_admin:
            finish_box()
        if can_reopen_cycle(actor):
            reopen_box()


def close_box() -> None:
    if st.button("Close this cycle…", key="review.close", icon=":material/lock:"):
        st.session_state["review.closing"] = cycle.id
    if st.session_state.get("review.closing") != cycle.id:
        return
    with st.container(border=True):
        st.warning(
            f"Closing “{shown_name}” ends it for every team: check-ins are locked, its active "
            "objectives are closed and each key result nobody has confirmed gets its default "
            "score (progress rounded to 0.1). An admin can reopen it."
        )
        yes, no = st.columns(2)
        if yes.button(f"Close {shown_name}", type="primary", key="review.close.confirm"):
            outcome = store.write(grading.close_cycle, actor, cycle.id)
            if outcome:
                st.session_state.pop("review.closing", None)
                done = outcome.value
                saved(
                    f"{shown_name} is closed: {done.objectives_closed} objectives closed, "
                    f"{done.krs_default_scored} key results got their default score."
                )
        if no.button("Cancel", key="review.close.cancel"):
            st.session_state.pop("review.closing", None)
            st.rerun()


def finish_box() -> None:
    """A cycle closed from Admin → Cycles has no default scores yet: fill them in here."""
    facts = store.cached(review.review_summary, cycle.id)
    if facts.krs_scored >= facts.krs and not facts.active:
        return
    st.warning(
        f"{facts.krs - facts.krs_scored:,} key results have no score yet and "
        f"{facts.active:,} objectives are still active: the cycle was closed without grading."
    )
    if st.button("Give them their default scores", key="review.finish", type="primary"):
        outcome = store.write(grading.close_cycle, actor, cycle.id)
        if outcome:
            done = outcome.value
            saved(
                f"Done: {done.objectives_closed} objectives closed, "
                f"{done.krs_default_scored} key results got their default score."
            )


def reopen_box() -> None:
    if st.button("Reopen this cycle", key="review.reopen", icon=":material/lock_open:"):
        outcome = store.write(grading.reopen_cycle, actor, cycle.id)
        if outcome:
            saved(f"{shown_name} is active again; {outcome.value} objectives reopened.")


# --- grading ---------------------------------------------------------------------------------


def grade_section() -> None:
    if cycle.state == CycleState.PLANNING:
        return
    teams = store.cached(review.gradable_teams, actor)
    if not teams:
        st.info("You don't lead a team, so there is nothing for you to grade.")
        return
    proposals_box()
    team_id = team_choice(teams)
    only_open = st.toggle("Only objectives with scores still to confirm", key="review.open")
    view = store.cached(
        review.grading_view, actor, cycle, team_id, only_open, OBJECTIVES_PER_PAGE, page_offset()
    )
    if view.objectives.empty and view.total:  # the page ran past the end (fewer now)
        st.session_state[page_key()] = max(1, math.ceil(view.total / OBJECTIVES_PER_PAGE))
        st.rerun()
    counts = view.counts
    st.caption(
        f"{escape_markdown(teams[team_id])}: {counts['krs']} key results — {counts['confirmed']} confirmed, "
        f"{counts['proposed']} owners' proposals, {counts['default']} default scores not "
        f"confirmed, {counts['ungraded']} not graded yet."
    )
    if view.objectives.empty:
        st.info("Nothing to grade here." if only_open else "This team has no published objectives.")
        return
    if view.krs["grade_state"].isin(["ungraded", "default"]).any():
        accept_defaults(view.objectives)
    krs = rows_by(view.krs, "objective_id")  # one pass, not a filter per objective
    for obj in view.objectives.itertuples(index=False):
        objective_block(obj, krs.get(obj.objective_id, []))
    pager(view.total)


def team_choice(teams: dict[int, str]) -> int:
    from_url("team", "review.team", teams)
    if "review.team" not in st.session_state:
        st.session_state["review.team"] = (
            user.team_id if user.team_id in teams else next(iter(teams))
        )
    team_id = st.selectbox(
        "Team",
        list(teams),
        format_func=teams.get,
        key="review.team",
        on_change=to_url("team", "review.team"),
        help="Team and individual objectives of the team. Leads grade the teams they lead.",
    )
    st.query_params["team"] = str(team_id)
    return team_id


def page_key() -> str:
    return (
        f"review.page.{st.session_state.get('review.team')}.{st.session_state.get('review.open')}"
    )


def page_offset() -> int:
    return (st.session_state.get(page_key(), 1) - 1) * OBJECTIVES_PER_PAGE


def pager(total: int) -> None:
    pages = max(1, math.ceil(total / OBJECTIVES_PER_PAGE))
    if pages > 1:
        st.pagination(pages, key=page_key())
        st.caption(f"{total} objectives, {OBJECTIVES_PER_PAGE} a page.")


def proposals_box() -> None:
    waiting, total = store.cached(review.pending_proposals, actor, cycle.id)
    if not total:
        return
    with st.expander(f"Owners' proposals waiting for a decision ({total})", expanded=True):
        for kr in waiting.itertuples(index=False):
            text, score, action = st.columns([6, 2, 2], vertical_alignment="center")
            text.markdown(f"**{escape_markdown(kr.title)}** · {escape_markdown(kr.owner_name)}")
            text.caption(
                f"{escape_markdown(kr.team or 'no team')} · {escape_markdown(kr.objective_title)}"
            )
            text.caption(f"Reason: {escape_markdown(kr.score_reason)}")
            with score:
                score_badge(kr.score, "Proposed ")
            if action.button("Confirm", key=f"review.proposal.{kr.kr_id}.{kr.kr_version}"):
                confirm(int(kr.kr_id), int(kr.kr_version), kr.title)
        if total > len(waiting):
            st.caption(f"…and {total - len(waiting)} more; pick their team below.")


def accept_defaults(objectives: pd.DataFrame) -> None:
    ids = tuple(int(i) for i in objectives["objective_id"])
    if st.button(
        "Confirm the default scores shown",
        key=f"review.accept.{'.'.join(map(str, ids))}",
        help="Confirms the default score of every key result on this page that nobody has "
        "decided on yet; owners' proposals stay for you to decide one by one.",
        icon=":material/done_all:",
    ):
        outcome = store.write(grading.accept_default_scores, actor, ids)
        if outcome:
            saved(f"Confirmed {outcome.value} default scores.")


def objective_block(obj, krs: list) -> None:
    with st.container(border=True):
        head, bar, badge = st.columns([6, 3, 2], vertical_alignment="center")
        with head:
            objective_header(obj)
        with bar:
            progress_bar(obj.progress, "Progress ")
        if has_value(obj.score):
            with badge:
                score_badge(obj.score, "Score ", decimals=2)
        else:
            badge.caption("not scored yet")
        confirmed = sum(bool(kr.score_confirmed) for kr in krs)
        st.caption(f"{confirmed} of {len(krs)} key results confirmed · objective is {obj.state}")
        for kr in krs:
            kr_grade_row(kr, can_grade(actor, obj.team_id))


def kr_grade_row(kr, may_grade: bool) -> None:
    text, default, state, action = st.columns([5, 2, 2, 2], vertical_alignment="center")
    with text:
        st.markdown(f"**{escape_markdown(kr.title)}**")
        st.caption(f"{escape_markdown(kr.owner_name)} · {kr_value_text(kr)}")
        if isinstance(kr.score_reason, str) and kr.score_reason:
            st.caption(f"Reason: {escape_markdown(kr.score_reason)}")
    default.markdown(f"Default **{kr.default_score:.1f}**")
    default.caption(f"from {progress_percent(kr.progress)} progress")
    with state:
        if kr.grade_state != "ungraded":
            score_badge(kr.score)
        grade_badge(kr.grade_state)
    if may_grade:
        with action:
            grade_form(kr)
            shown = kr.score if has_value(kr.score) else kr.default_score
            if kr.grade_state != "confirmed" and st.button(
                f"Confirm {shown:.1f}",
                key=f"review.confirm.{kr.kr_id}.{kr.kr_version}",
                type="tertiary",
                icon=":material/check:",
            ):
                confirm(int(kr.kr_id), int(kr.kr_version), kr.title)


def progress_percent(progress) -> str:
    return f"{math.floor(progress * 100 + 0.5)} %" if has_value(progress) else "—"


def confirm(kr_id: int, version: int, title: str) -> None:
    outcome = store.write(grading.confirm_score, actor, kr_id, version)
    if outcome:
        saved(f"Confirmed {outcome.value:.1f} for “{title}”.")


def nearest_step(value) -> float:
    return min(SCORES, key=lambda step: abs(step - float(value)))


def grade_form(kr) -> None:
    kr_id, version = int(kr.kr_id), int(kr.kr_version)
    current = kr.score if has_value(kr.score) else kr.default_score
    with (
        st.popover("Grade", icon=":material/grading:"),
        st.form(f"review.grade.{kr_id}.{version}"),
    ):
        score = st.select_slider(
            "Score",
            SCORES,
            value=nearest_step(current),
            format_func=lambda step: f"{step:.1f}",
            key=f"review.score.{kr_id}.{version}",
        )
        reason = st.text_area(
            f"Reason (needed when the score is not the default {kr.default_score:.1f})",
            value=kr.score_reason if isinstance(kr.score_reason, str) else "",
            key=f"review.reason.{kr_id}.{version}",
            max_chars=1000,
        )
        submitted = st.form_submit_button("Save grade", type="primary")
    if submitted:
        outcome = store.write(grading.grade_key_result, actor, kr_id, version, score, reason)
        if outcome:
            saved(f"Graded “{kr.title}”: {outcome.value:.1f}.")


# --- cycle review ----------------------------------------------------------------------------


def review_section() -> None:
    facts = store.cached(review.review_summary, cycle.id)
    if not facts.scored:
        st.info(
            f"No objective of “{shown_name}” has a score yet. Scores come from grading; when "
            "the cycle closes, every key result nobody graded gets its default score."
        )
        closed = [c for c in store.cached(queries.cycles) if c.state == CycleState.CLOSED]
        if closed:
            st.page_link(
                "app_pages/review.py",
                label=f"Review the last closed cycle, {escape_markdown(closed[0].name)}",
                icon=":material/history:",
                query_params={"cycle": closed[0].id, "view": "review"},
            )
        return
    st.subheader("Score distribution")
    zones = store.cached(review.zone_counts, cycle.id)
    chart_and_table(
        charts.spec(zone_distribution_chart, zones),
        zones[["label", "objectives", "share"]].rename(columns={"label": "zone"}),
        f"score-zones-{cycle.name}.csv",
        "review.zones",
        {"share": SHARE_FORMAT},
    )
    st.subheader("By team")
    teams_by_score()


def teams_by_score() -> None:
    from_url("order", "review.order", review.TEAM_ORDERS)
    order_col, search_col = st.columns(2)
    order = order_col.selectbox(
        "Order",
        list(review.TEAM_ORDERS),
        format_func=review.TEAM_ORDERS.get,
        key="review.order",
        on_change=to_url("order", "review.order"),
    )
    st.query_params["order"] = order
    search = search_col.text_input("Find a team", key="review.team_search")
    page_state = f"review.team_page.{order}.{search}"
    offset = (st.session_state.get(page_state, 1) - 1) * TEAMS_PER_PAGE
    teams, total = store.cached(review.team_scores, cycle.id, order, search, TEAMS_PER_PAGE, offset)
    if teams.empty and total:
        st.session_state[page_state] = max(1, math.ceil(total / TEAMS_PER_PAGE))
        st.rerun()
    everything, _ = store.cached(review.team_scores, cycle.id, order, search, 10_000, 0)
    chart_and_table(
        charts.spec(team_zone_chart, teams[teams["scored"] > 0])
        if (teams["scored"] > 0).any()
        else None,
        teams.drop(columns=["team_id"]),
        f"team-scores-{cycle.name}.csv",
        "review.teams",
        {"mean_score": SCORE_FORMAT},
        empty="No team matches." if search else "No team has published objectives.",
        csv=everything.drop(columns=["team_id"]),
    )
    pages = max(1, math.ceil(total / TEAMS_PER_PAGE))
    if pages > 1:
        st.pagination(pages, key=page_state)
    st.caption(f"{total} teams · {TEAMS_PER_PAGE} a page · the CSV has them all.")


def compare_section() -> None:
    comparison = store.cached(review.cycle_comparison)
    if comparison.empty:
        st.info("No cycle has scores yet: cycles are compared once they are graded or closed.")
        return
    st.caption(
        "Every cycle with scored objectives, oldest first. A cycle still active counts only the "
        "objectives graded so far."
    )
    table = comparison[
        ["cycle", "state", "objectives", "scored", "mean_score", "red_share", "yellow_share",
         "green_share", "red", "yellow", "green"]
    ]  # fmt: skip
    chart_and_table(
        [charts.spec(mean_score_chart, comparison), charts.spec(cycle_zone_chart, comparison)],
        table,
        "cycle-comparison.csv",
        "review.compare",
        {
            "mean_score": SCORE_FORMAT,
            "red_share": SHARE_FORMAT,
            "yellow_share": SHARE_FORMAT,
            "green_share": SHARE_FORMAT,
        },
    )


# --- the page ----------------------------------------------------------------------------------

st.title("Review & grade")
if cycle is None:
    st.info("There is no cycle yet. An admin creates one in Admin → Cycles.")
    st.stop()
shown_name = escape_markdown(cycle.name)  # admin-typed text, shown literally
st.caption(
    f"{shown_name} ({cycle.start_date:%d %b} – {cycle.end_date:%d %b %Y}, {cycle.state}) · "
    "scores: red below 0.4, yellow 0.4–0.6, green from 0.7 (success for an aspirational OKR)"
)
summary()
cycle_controls()
from_url("view", "review.view", VIEWS)
st.session_state.setdefault("review.view", "grade")
view = st.segmented_control(
    "View",
    list(VIEWS),
    format_func=VIEWS.get,
    key="review.view",
    required=True,
    on_change=to_url("view", "review.view"),
)
st.query_params["view"] = view
{"grade": grade_section, "review": review_section, "compare": compare_section}[view]()
