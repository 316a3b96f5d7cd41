"""Review & grade: grade key results (leads their teams', executives and admins everyone's),
close or reopen the cycle, and review its scores by zone, by team and against earlier cycles.

The view, the team and the team ordering live in the URL (?view=, ?team=, ?order=).
"""

import math

import pandas as pd
import streamlit as st
from babel.dates import format_interval

from components.charts import (
    cycle_zone_chart,
    mean_score_chart,
    team_zone_chart,
    zone_distribution_chart,
)
from components.okr_view import (
    kr_value_text,
    objective_header,
    progress_bar,
    rows_by,
    small_text,
)
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
from core.enums import CycleState, ObjectiveState, Role, state_word
from core.i18n import N_, _, format_decimal, locale, ngettext
from core.permissions import can_grade, can_reopen_cycle
from core.progress import format_progress
from core.scoring import zone_label
from core.text import Markdown, bold, md, md_format, md_join
from db import queries
from db.commands import grading
from db.frames import row_tuples
from db.queries import review
from shell import charts, store
from shell.context import current_cycle, current_user
from shell.feedback import toast_after_rerun

user = current_user()
cycle = current_cycle()
actor = user.actor
is_exec_or_admin = user.role in (Role.EXECUTIVE, Role.ADMIN)

VIEWS = {"grade": N_("Grade"), "review": N_("Cycle review"), "compare": N_("Compare cycles")}
# Where an objective stands, as its grading block says it.
OBJECTIVE_STATES = {
    ObjectiveState.DRAFT: N_("objective is draft"),
    ObjectiveState.ACTIVE: N_("objective is active"),
    ObjectiveState.CLOSED: N_("objective is closed"),
    ObjectiveState.ARCHIVED: N_("objective is archived"),
}
OBJECTIVES_PER_PAGE = 10
TEAMS_PER_PAGE = 15


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


def saved(message: Markdown) -> None:
    toast_after_rerun(md(message), icon=":material/check_circle:")
    st.rerun()


# --- the cycle at a glance, closing and reopening -------------------------------------------


def summary() -> None:
    facts = store.cached(review.review_summary, cycle.id, follows=store.SUMMARY)
    scored, krs_done, mean, proposals = st.columns(4)
    scored.metric(
        _("Objectives scored (of {total})").format(total=format_decimal(facts.objectives, 0)),
        format_decimal(facts.scored, 0),
        border=True,
    )
    mean.metric(_("Mean objective score"), score_text(facts.mean_score, 2), border=True)
    krs_done.metric(
        _("Key results confirmed (of {total})").format(total=format_decimal(facts.krs, 0)),
        format_decimal(facts.krs_confirmed, 0),
        border=True,
    )
    proposals.metric(
        _("Owners' proposals to decide"), format_decimal(facts.proposals, 0), border=True
    )


def cycle_controls() -> None:
    if cycle.state == CycleState.PLANNING:
        st.info(
            _("“{name}” is in planning: grading starts once it is active.").format(name=shown_name)
        )
    elif cycle.state == CycleState.ACTIVE and is_exec_or_admin:
        close_box()
    elif cycle.state == CycleState.ACTIVE:
        st.caption(
            _(
                "When the cycle ends, an executive or admin closes it: check-ins lock and every "
                "key result nobody has confirmed gets its default score. You can grade before "
                "and after."
            )
        )
    else:
        closed = (
            _(
                "“{name}” is closed: check-ins are locked. Scores can still be set and "
                "confirmed. You can reopen it."
            )
            if can_reopen_cycle(actor)
            else _(
                "“{name}” is closed: check-ins are locked. Scores can still be set and confirmed."
            )
        )
        st.info(closed.format(name=shown_name), icon=":material/lock:")
        if is_exec_or_admin:
            finish_box()
        if can_reopen_cycle(actor):
            reopen_box()


def close_box() -> None:
    if st.button(_("Close this cycle…"), key="review.close", icon=":material/lock:"):
        st.session_state["review.closing"] = cycle.id
    if st.session_state.get("review.closing") != cycle.id:
        return
    with st.container(border=True):
        st.warning(
            _(
                "Closing “{name}” ends it for every team: check-ins are locked, its active "
                "objectives are closed and each key result nobody has confirmed gets its default "
                "score (progress rounded to 0.1). An admin can reopen it."
            ).format(name=shown_name)
        )
        yes, no = st.columns(2)
        if yes.button(
            _("Close {name}").format(name=shown_name), type="primary", key="review.close.confirm"
        ):
            outcome = store.write(grading.close_cycle, actor, cycle.id)
            if outcome:
                st.session_state.pop("review.closing", None)
                saved(
                    md_format(
                        _("{name} is closed: {objectives}, {krs}."),
                        name=shown_name,
                        **closing_counts(outcome.value),
                    )
                )
        if no.button(_("Cancel"), key="review.close.cancel"):
            st.session_state.pop("review.closing", None)
            st.rerun()


def closing_counts(done) -> dict[str, str]:
    """What closing did, as the clauses a message is made of (each with its own plural)."""
    objectives, krs = done.objectives_closed, done.krs_default_scored
    return {
        "objectives": ngettext(
            "{count} objective closed", "{count} objectives closed", objectives
        ).format(count=format_decimal(objectives, 0)),
        "krs": ngettext(
            "{count} key result got its default score",
            "{count} key results got their default score",
            krs,
        ).format(count=format_decimal(krs, 0)),
    }


def finish_box() -> None:
    """A cycle closed from Admin → Cycles has no default scores yet: fill them in here."""
    facts = store.cached(review.review_summary, cycle.id, follows=store.SUMMARY)
    if facts.krs_scored >= facts.krs and not facts.active:
        return
    unscored = facts.krs - facts.krs_scored
    st.warning(
        _("{krs} and {objectives}: the cycle was closed without grading.").format(
            krs=ngettext(
                "{count} key result has no score yet",
                "{count} key results have no score yet",
                unscored,
            ).format(count=format_decimal(unscored, 0)),
            objectives=ngettext(
                "{count} objective is still active",
                "{count} objectives are still active",
                facts.active,
            ).format(count=format_decimal(facts.active, 0)),
        )
    )
    if st.button(_("Give them their default scores"), key="review.finish", type="primary"):
        outcome = store.write(grading.close_cycle, actor, cycle.id)
        if outcome:
            saved(md_format(_("Done: {objectives}, {krs}."), **closing_counts(outcome.value)))


def reopen_box() -> None:
    if st.button(_("Reopen this cycle"), key="review.reopen", icon=":material/lock_open:"):
        outcome = store.write(grading.reopen_cycle, actor, cycle.id)
        if outcome:
            saved(
                md_format(
                    ngettext(
                        "{name} is active again; {count} objective reopened.",
                        "{name} is active again; {count} objectives reopened.",
                        outcome.value,
                    ),
                    name=shown_name,
                    count=format_decimal(outcome.value, 0),
                )
            )


# --- grading ---------------------------------------------------------------------------------


def grade_section() -> None:
    if cycle.state == CycleState.PLANNING:
        return
    teams = store.cached(review.gradable_teams, actor, follows=store.STRUCTURE)
    if not teams:
        st.info(_("You don't lead a team, so there is nothing for you to grade."))
        return
    proposals_box()
    team_id = team_choice(teams)
    only_open = st.toggle(_("Only objectives with scores still to confirm"), key="review.open")
    view = store.cached(
        review.grading_view,
        actor,
        cycle,
        team_id,
        only_open,
        OBJECTIVES_PER_PAGE,
        page_offset(),
        follows=store.SUMMARY,
    )
    if view.objectives.empty and view.total:  # the page ran past the end (fewer now)
        st.session_state[page_key()] = max(1, math.ceil(view.total / OBJECTIVES_PER_PAGE))
        st.rerun()
    counts = view.counts
    st.caption(
        md_format(
            ngettext(
                "{team}: {count} key result — {confirmed} confirmed, {proposed} owners' "
                "proposals, {default} default scores not confirmed, {ungraded} not graded yet.",
                "{team}: {count} key results — {confirmed} confirmed, {proposed} owners' "
                "proposals, {default} default scores not confirmed, {ungraded} not graded yet.",
                counts["krs"],
            ),
            team=teams[team_id],
            count=counts["krs"],
            confirmed=counts["confirmed"],
            proposed=counts["proposed"],
            default=counts["default"],
            ungraded=counts["ungraded"],
        )
    )
    if view.objectives.empty:
        st.info(
            _("Nothing to grade here.")
            if only_open
            else _("This team has no published objectives.")
        )
        return
    if view.krs["grade_state"].isin(["ungraded", "default"]).any():
        accept_defaults(view.objectives)
    krs = rows_by(view.krs, "objective_id")  # one pass, not a filter per objective
    for obj in row_tuples(view.objectives):
        objective_block(obj, krs.get(obj.objective_id, []))
    pager(view.total)


def team_choice(teams: dict[int, str]) -> int:
    from_url("team", "review.team", teams)
    if "review.team" not in st.session_state:
        st.session_state["review.team"] = (
            user.team_id if user.team_id in teams else next(iter(teams))
        )
    team_id = st.selectbox(
        _("Team"),
        list(teams),
        format_func=teams.get,
        key="review.team",
        on_change=to_url("team", "review.team"),
        help=_("Team and individual objectives of the team. Leads grade the teams they lead."),
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
        st.caption(
            _("{total} objectives, {per_page} a page.").format(
                total=format_decimal(total, 0), per_page=OBJECTIVES_PER_PAGE
            )
        )


def proposals_box() -> None:
    waiting, total = store.cached(review.pending_proposals, actor, cycle.id, follows=store.SUMMARY)
    if not total:
        return
    with st.expander(
        md_format(_("Owners' proposals waiting for a decision ({count})"), count=total),
        expanded=True,
    ):
        for kr in row_tuples(waiting):
            text, score, action = st.columns([6, 2, 2], vertical_alignment="center")
            text.markdown(md_join(" · ", [bold(kr.title), kr.owner_name]))
            text.caption(md_join(" · ", [kr.team or _("no team"), kr.objective_title]))
            text.caption(md_format(_("Reason: {reason}"), reason=kr.score_reason))
            with score:
                score_badge(kr.score, _("Proposed {score}"))
            if action.button(_("Confirm"), key=f"review.proposal.{kr.kr_id}.{kr.kr_version}"):
                confirm(int(kr.kr_id), int(kr.kr_version), kr.title)
        if total > len(waiting):
            st.caption(
                md_format(
                    _("…and {count} more; pick their team below."), count=total - len(waiting)
                )
            )


def accept_defaults(objectives: pd.DataFrame) -> None:
    ids = tuple(int(i) for i in objectives["objective_id"])
    if st.button(
        _("Confirm the default scores shown"),
        key=f"review.accept.{'.'.join(map(str, ids))}",
        help=_(
            "Confirms the default score of every key result on this page that nobody has "
            "decided on yet; owners' proposals stay for you to decide one by one."
        ),
        icon=":material/done_all:",
    ):
        outcome = store.write(grading.accept_default_scores, actor, ids)
        if outcome:
            saved(
                md_format(
                    ngettext(
                        "Confirmed {count} default score.",
                        "Confirmed {count} default scores.",
                        outcome.value,
                    ),
                    count=format_decimal(outcome.value, 0),
                )
            )


def objective_block(obj, krs: list) -> None:
    with st.container(border=True):
        head, bar, badge = st.columns([6, 3, 2], vertical_alignment="center")
        with head:
            objective_header(obj)
        with bar:
            progress_bar(obj.progress, _("Progress"))
        if has_value(obj.score):
            with badge:
                score_badge(obj.score, decimals=2)
        else:
            badge.caption(_("not scored yet"))
        confirmed = sum(bool(kr.score_confirmed) for kr in krs)
        state = OBJECTIVE_STATES.get(obj.state)
        st.caption(
            md_format(
                ngettext(
                    "{confirmed} of {count} key result confirmed · {state}",
                    "{confirmed} of {count} key results confirmed · {state}",
                    len(krs),
                ),
                confirmed=confirmed,
                count=len(krs),
                state=_(state) if state else obj.state,
            )
        )
        for kr in krs:
            kr_grade_row(kr, can_grade(actor, obj.team_id))


def kr_grade_row(kr, may_grade: bool) -> None:
    text, grade, action = st.columns([5, 4, 2], vertical_alignment="center")
    details = md_join(" · ", [kr.owner_name, kr_value_text(kr)])  # unit labels are user text
    if isinstance(kr.score_reason, str) and kr.score_reason:
        reason = md_format(_("Reason: {reason}"), reason=kr.score_reason)
        details = md_join("  \n", [details, reason])
    text.markdown(f"{bold(kr.title)}  \n{small_text(details)}")
    progress = md_format(_("from {progress} progress"), progress=progress_percent(kr.progress))
    default = md_format(_("Default **{score}**"), score=score_text(kr.default_score))
    grade.markdown(f"{default} {small_text(progress)}  \n{grade_text(kr)}")
    if may_grade:
        with action:
            grade_form(kr)
            shown = kr.score if has_value(kr.score) else kr.default_score
            if kr.grade_state != "confirmed" and st.button(
                _("Confirm {score}").format(score=score_text(shown)),
                key=f"review.confirm.{kr.kr_id}.{kr.kr_version}",
                type="tertiary",
                icon=":material/check:",
            ):
                confirm(int(kr.kr_id), int(kr.kr_version), kr.title)


def progress_percent(progress) -> str:
    return format_progress(float(progress)) if has_value(progress) else "—"


def confirm(kr_id: int, version: int, title: str) -> None:
    outcome = store.write(grading.confirm_score, actor, kr_id, version)
    if outcome:
        saved(
            md_format(
                _("Confirmed {score} for “{title}”."), score=score_text(outcome.value), title=title
            )
        )


def grade_form(kr) -> None:
    graded = score_form(
        kr,
        "review",
        _("Grade"),
        ":material/grading:",
        _("Reason (needed when the score is not the default {score})").format(
            score=score_text(kr.default_score)
        ),
        _("Save grade"),
    )
    if graded:
        outcome = store.write(
            grading.grade_key_result, actor, int(kr.kr_id), int(kr.kr_version), *graded
        )
        if outcome:
            saved(
                md_format(
                    _("Graded “{title}”: {score}."), title=kr.title, score=score_text(outcome.value)
                )
            )


# --- cycle review ----------------------------------------------------------------------------


def review_section() -> None:
    facts = store.cached(review.review_summary, cycle.id, follows=store.SUMMARY)
    if not facts.scored:
        st.info(
            _(
                "No objective of “{name}” has a score yet. Scores come from grading; when the "
                "cycle closes, every key result nobody graded gets its default score."
            ).format(name=shown_name)
        )
        closed = [
            c
            for c in store.cached(queries.cycles, follows=store.STRUCTURE)
            if c.state == CycleState.CLOSED
        ]
        if closed:
            st.page_link(
                "app_pages/review.py",
                label=md_format(_("Review the last closed cycle, {name}"), name=closed[0].name),
                icon=":material/history:",
                query_params={"cycle": closed[0].id, "view": "review"},
            )
        return
    st.subheader(_("Score distribution"))
    zones = store.cached(review.zone_counts, cycle.id, follows=store.SUMMARY)
    zones = zones.assign(label=[zone_label(code) for code in zones["zone"]])  # after the cache
    chart_and_table(
        charts.spec(zone_distribution_chart, zones),
        zones[["label", "objectives", "share"]].rename(columns={"label": "zone"}),
        f"score-zones-{cycle.name}.csv",
        "review.zones",
        {"zone": _("Zone"), "objectives": _("Objectives"), "share": share_column(_("Share"))},
    )
    st.subheader(_("By team"))
    teams_by_score()


def teams_by_score() -> None:
    from_url("order", "review.order", review.TEAM_ORDERS)
    order_col, search_col = st.columns(2)
    order = order_col.selectbox(
        _("Order"),
        list(review.TEAM_ORDERS),
        format_func=lambda code: _(review.TEAM_ORDERS[code]),
        key="review.order",
        on_change=to_url("order", "review.order"),
    )
    st.query_params["order"] = order
    search = search_col.text_input(_("Find a team"), key="review.team_search")
    page_state = f"review.team_page.{order}.{search}"
    offset = (st.session_state.get(page_state, 1) - 1) * TEAMS_PER_PAGE
    teams, total = store.cached(
        review.team_scores, cycle.id, order, search, TEAMS_PER_PAGE, offset, follows=store.SUMMARY
    )
    if teams.empty and total:
        st.session_state[page_state] = max(1, math.ceil(total / TEAMS_PER_PAGE))
        st.rerun()
    everything, _all = store.cached(
        review.team_scores, cycle.id, order, search, 10_000, 0, follows=store.SUMMARY
    )
    teams, everything = with_no_team_named(teams), with_no_team_named(everything)
    chart_and_table(
        charts.spec(team_zone_chart, teams[teams["scored"] > 0])
        if (teams["scored"] > 0).any()
        else None,
        teams.drop(columns=["team_id"]),
        f"team-scores-{cycle.name}.csv",
        "review.teams",
        {
            "team": _("Team"),
            "objectives": _("Objectives"),
            "scored": _("Scored"),
            "mean_score": score_column(_("Mean score")),
            **zone_count_columns(),
        },
        empty=_("No team matches.") if search else _("No team has published objectives."),
        csv=everything.drop(columns=["team_id"]),
    )
    pages = max(1, math.ceil(total / TEAMS_PER_PAGE))
    if pages > 1:
        st.pagination(pages, key=page_state)
    st.caption(
        ngettext(
            "{total} team · {per_page} a page · the CSV has them all.",
            "{total} teams · {per_page} a page · the CSV has them all.",
            total,
        ).format(total=format_decimal(total, 0), per_page=TEAMS_PER_PAGE)
    )


def with_no_team_named(teams: pd.DataFrame) -> pd.DataFrame:
    """The row of objectives without a team, named in the reader's language (after the cache)."""
    return teams.assign(team=teams["team"].where(teams["team_id"].notna(), _("No team")))


def zone_count_columns() -> dict[str, str]:
    """The red/yellow/green columns: scored objectives in each zone."""
    return {"red": _("Red"), "yellow": _("Yellow"), "green": _("Green")}


def compare_section() -> None:
    comparison = store.cached(review.cycle_comparison, follows=store.SUMMARY)
    if comparison.empty:
        st.info(_("No cycle has scores yet: cycles are compared once they are graded or closed."))
        return
    st.caption(
        _(
            "Every cycle with scored objectives, oldest first. A cycle still active counts only "
            "the objectives graded so far."
        )
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
            "cycle": _("Cycle"),
            "state": cycle_state_column(_("State")),
            "objectives": _("Objectives"),
            "scored": _("Scored"),
            "mean_score": score_column(_("Mean score")),
            "red_share": share_column(_("Red share")),
            "yellow_share": share_column(_("Yellow share")),
            "green_share": share_column(_("Green share")),
            **zone_count_columns(),
        },
    )


# --- the page ----------------------------------------------------------------------------------

st.title(_("Review & grade"))
if cycle is None:
    st.info(_("There is no cycle yet. An admin creates one in Admin → Cycles."))
    st.stop()
shown_name = md(cycle.name)  # admin-typed text, shown literally
st.caption(
    md_format(
        _(
            "{name} ({dates}, {state}) · scores: red below 0.4, yellow 0.4–0.6, green from 0.7 "
            "(success for an aspirational OKR)"
        ),
        name=shown_name,
        dates=format_interval(cycle.start_date, cycle.end_date, "yMMMd", locale=locale()),
        state=state_word(cycle.state),
    )
)
summary()
cycle_controls()
from_url("view", "review.view", VIEWS)
st.session_state.setdefault("review.view", "grade")
view = st.segmented_control(
    _("View"),
    list(VIEWS),
    format_func=lambda code: _(VIEWS[code]),
    key="review.view",
    required=True,
    on_change=to_url("view", "review.view"),
)
st.query_params["view"] = view
{"grade": grade_section, "review": review_section, "compare": compare_section}[view]()
