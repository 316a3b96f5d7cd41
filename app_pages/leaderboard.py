"""Leaderboard: who delivers in the selected cycle — people or teams ranked on score, check-in
consistency, kudos received or improvement, with the rules written down, a podium, your own
place, the full board (top first, more on request, searchable) and a CSV download.

The board, measure, department and level are mirrored to ?board=&metric=&dept=&level=.
"""

import pandas as pd
import streamlit as st

from components.charts import leaderboard_bar_chart, podium_chart
from components.recognition_view import (
    NAME_COLUMN,
    badge_legend,
    badges_markdown,
    board_csv,
    board_table,
    chart_rows,
    metric_text,
    podium_cards,
    rank_text,
)
from core.enums import state_word
from core.i18n import N_, _, format_date, format_decimal, ngettext
from core.leaderboard import METRICS, metric_label, ranking_rules
from core.text import md_format
from db.frames import row_tuples
from db.queries import recognition
from shell import charts, store
from shell.context import current_cycle, current_user

PAGE = 25
CHART_ROWS = 30
BOARDS = {"people": N_("People"), "teams": N_("Teams")}
LEVELS = {"team": N_("Teams"), "department": N_("Departments")}
WHOLE = "all"
KUDOS_PAGE = "app_pages/kudos.py"
AXIS_TITLES = {"improvement": N_("Progress gained in the last 30 days (points)")}

user = current_user()
cycle = current_cycle()


def synced(key: str, param: str, choices: list[str], default: str) -> None:
    """Take the choice from the URL when it names a valid one; keep a valid earlier choice."""
    requested = st.query_params.get(param)
    if requested in choices:
        st.session_state[key] = requested
    elif st.session_state.get(key) not in choices:
        st.session_state[key] = default


def mirror(param: str, key: str) -> None:
    st.query_params[param] = str(st.session_state[key])


def departments(teams) -> dict[str, str]:
    """Teams with sub-teams (the organisation's root only when there are several roots)."""
    parents = teams[teams["kind"].isin(["department", "organisation"])]
    if (teams["kind"] == "organisation").sum() == 1:
        parents = parents[parents["kind"] != "organisation"]
    roots = set(teams.loc[teams["kind"] == "organisation", "id"])
    names = {
        str(int(t.id)): t.name if pd.isna(t.parent_id) or t.parent_id in roots
        else f"{t.parent} › {t.name}"
        for t in row_tuples(parents.sort_values("name"))
    }  # fmt: skip
    return {WHOLE: _("Whole organisation"), **names}


def choose_view(teams) -> tuple[str, str, str, str]:
    depts = departments(teams)
    board_col, metric_col, dept_col, level_col = st.columns([2, 3, 3, 3])
    synced("lb.board", "board", list(BOARDS), "people")
    synced("lb.metric", "metric", list(METRICS), "score")
    synced("lb.dept", "dept", list(depts), WHOLE)
    synced("lb.level", "level", list(LEVELS), "team")
    board = board_col.radio(
        _("Board"),
        list(BOARDS),
        format_func=lambda b: _(BOARDS[b]),
        horizontal=True,
        key="lb.board",
        on_change=mirror,
        args=("board", "lb.board"),
    )
    metric = metric_col.selectbox(
        _("Ranked on"),
        list(METRICS),
        format_func=metric_label,
        key="lb.metric",
        on_change=mirror,
        args=("metric", "lb.metric"),
    )
    dept = dept_col.selectbox(
        _("Department"),
        list(depts),
        format_func=depts.get,
        key="lb.dept",
        on_change=mirror,
        args=("dept", "lb.dept"),
    )
    level = st.session_state["lb.level"]
    if board == "teams":
        level = level_col.radio(
            _("Compare"),
            list(LEVELS),
            format_func=lambda v: _(LEVELS[v]),
            horizontal=True,
            key="lb.level",
            on_change=mirror,
            args=("level", "lb.level"),
        )
    st.query_params.update(board=board, metric=metric, dept=dept, level=level)
    return board, metric, dept, level


def candidates(data: recognition.Leaderboard, board: str, dept: str, level: str):
    """The rows competing on this board, and the ids that are "you" (you, or your team)."""
    below = recognition.subtrees(data.teams[["id", "parent_id"]])
    inside = below[int(dept)] if dept != WHOLE else None
    if board == "people":
        people = data.people
        if inside is not None:
            people = people[people["team_id"].isin(inside)]
        return people, {user.id}
    teams = data.teams[data.teams["kind"] == level]
    if inside is not None:
        teams = teams[teams["id"].isin(inside - {int(dept)})]
    mine = {int(t) for t in teams["id"] if user.team_id is not None and user.team_id in below[t]}
    return teams, mine


def ranked_board(cycle, moment, board: str, metric: str, dept: str, level: str):
    """One board ranked, and the ids competing on it. Ranking everyone is the page's costly
    part, so it runs through the cache (per data version) rather than on every run."""
    data = store.cached(recognition.leaderboard, cycle, moment, follows=store.BOARDS)
    competing, _mine = candidates(data, board, dept, level)
    return recognition.ranked(competing, metric), frozenset(competing["id"].astype(int))


def your_place(ranked, competing: frozenset[int], mine: set[int], board: str, metric: str) -> None:
    me = ranked[ranked["id"].isin(mine)]
    if not me.empty:
        row = me.iloc[0]
        rank = rank_text(row["rank"], row["tied"]).lstrip("=")
        place = _("**#{rank}** (shared)") if row["tied"] else "**#{rank}**"
        values = {
            "place": md_format(place, rank=rank),
            "total": format_decimal(len(ranked), 0),
            "measure": metric_label(metric),
            "value": metric_text(metric, row["value"]),
        }
        if board == "people":
            text = _("You are {place} of {total} on *{measure}* with **{value}**.")
        else:
            text = _("Your team, {team}, is {place} of {total} on *{measure}* with **{value}**.")
            values["team"] = row["name"]
        st.info(md_format(text, **values), icon=":material/my_location:")
        if board == "people":
            badges = badges_markdown(row["badges"])
            st.markdown(_("Your badges: {badges}").format(badges=badges) if badges else "")
        return
    if board == "people" and user.id in competing:
        reason = (
            _("Where am I? Not on this board: you have no kudos in this cycle yet.")
            if metric == "kudos"
            else _(
                "Where am I? Not on this board: none of your key results counts here yet "
                "(see “How is this ranked?”)."
            )
        )
    elif board == "people":
        reason = _(
            "Where am I? Not on this board: you own no published key result in this cycle and "
            "received no kudos in it."
        )
    else:
        reason = _(
            "Where am I? Not on this board: your team is not among the ranked teams of this "
            "selection."
        )
    st.caption(reason)


def podium(ranked, board: str, metric: str, mine: set[int]) -> None:
    """The first three as a podium chart, with a card under each block (name, value, badges)."""
    st.vega_lite_chart(
        charts.spec(podium_chart, chart_rows(ranked.head(3), metric, mine)), width="stretch"
    )
    podium_cards(ranked, metric, board == "people")
    first = int((ranked["rank"] == 1).sum())
    if first > 3:
        st.caption(
            _(
                "{count} share first place; the podium shows the first three in alphabetical "
                "order — the full board lists them all."
            ).format(count=format_decimal(first, 0))
        )
    st.page_link(
        KUDOS_PAGE,
        label=_("Thank someone on the Kudos page"),
        icon=":material/celebration:",
    )


def board_rows(rows, metric: str, people: bool, mine: set[int]) -> None:
    table = board_table(rows, metric, people)
    you = rows["id"].isin(mine).to_numpy()
    name = _(NAME_COLUMN)
    yours = _("{name} (you)") if people else _("{name} (your team)")
    table.loc[you, name] = [yours.format(name=n) for n in table.loc[you, name]]
    st.dataframe(
        table, hide_index=True, width="stretch", height=min(35 * (len(table) + 1) + 3, 1200)
    )


def board_chart(rows, metric: str, mine: set[int]) -> None:
    if rows.empty:
        st.caption(_("Nothing to chart."))
        return
    st.vega_lite_chart(
        charts.spec(
            leaderboard_bar_chart,
            chart_rows(rows.head(CHART_ROWS), metric, mine),
            _(AXIS_TITLES[metric]) if metric in AXIS_TITLES else metric_label(metric),
            percent=metric in ("score", "consistency"),
            points=metric == "improvement",
        ),
        width="stretch",
    )
    if len(rows) > CHART_ROWS:
        st.caption(
            _("The chart shows the first {count}; the table has them all.").format(count=CHART_ROWS)
        )


def full_board(ranked, competing, board: str, metric: str, mine: set[int]) -> None:
    people = board == "people"
    st.subheader(_("The full board"))
    search = st.text_input(
        _("Find someone on this board") if people else _("Find a team on this board"),
        key="lb.search",
        placeholder=_("Part of a name"),
    )
    view_key = (cycle.id, board, metric, st.session_state["lb.dept"], st.session_state["lb.level"])
    if st.session_state.get("lb.view") != view_key:
        st.session_state["lb.view"] = view_key
        st.session_state["lb.shown"] = PAGE
    shown = st.session_state.get("lb.shown", PAGE)
    if search.strip():
        rows = ranked[ranked["name"].str.contains(search.strip(), case=False, regex=False)]
        st.caption(
            md_format(
                _("{count} of {total} match “{search}”."),
                count=format_decimal(len(rows), 0),
                total=format_decimal(len(ranked), 0),
                search=search.strip(),
            )
        )
        rows = rows.head(shown)
    else:
        rows = ranked.head(shown)
    # Only the open tab is drawn; the other is drawn when chosen.
    table_tab, chart_tab = st.tabs([_("Table"), _("Chart")], key="lb.tabs", on_change="rerun")
    if table_tab.open:
        with table_tab:
            board_rows(rows, metric, people, mine)
    if chart_tab.open:
        with chart_tab:
            board_chart(rows, metric, mine)
    total = len(rows) if search.strip() else len(ranked)
    more_col, csv_col = st.columns([1, 1])
    more_col.caption(
        _("Showing {count} of {total}.").format(
            count=format_decimal(len(rows), 0), total=format_decimal(total, 0)
        )
    )
    if len(rows) < total and more_col.button(
        _("Show {count} more").format(count=PAGE), key="lb.more"
    ):
        st.session_state["lb.shown"] = shown + PAGE
        st.rerun()
    csv_col.download_button(
        _("Download the full board (CSV)"),
        lambda: board_csv(ranked, metric, people),
        file_name=f"leaderboard-{cycle.name}-{board}-{metric}.csv".replace(" ", "_"),
        mime="text/csv",
        icon=":material/download:",
        key="lb.csv",
    )
    left_out = len(competing) - len(ranked)
    if left_out:
        if people and metric == "kudos":
            text = ngettext(
                "{count} person of this selection is not ranked here: they have no kudos in "
                "this cycle.",
                "{count} people of this selection are not ranked here: they have no kudos in "
                "this cycle.",
                left_out,
            )
        elif people:
            text = ngettext(
                "{count} person of this selection is not ranked here: they have no key result "
                "that counts.",
                "{count} people of this selection are not ranked here: they have no key result "
                "that counts.",
                left_out,
            )
        elif metric == "kudos":
            text = ngettext(
                "{count} team of this selection is not ranked here: it has no kudos in this cycle.",
                "{count} teams of this selection are not ranked here: they have no kudos in "
                "this cycle.",
                left_out,
            )
        else:
            text = ngettext(
                "{count} team of this selection is not ranked here: it has no key result that "
                "counts.",
                "{count} teams of this selection are not ranked here: they have no key result "
                "that counts.",
                left_out,
            )
        st.caption(text.format(count=format_decimal(left_out, 0)))


st.title(_("Leaderboard"))
if cycle is None:
    st.info(_("There is no cycle yet, so there is nothing to rank."))
    st.stop()
moment = recognition.as_of(cycle)
data = store.cached(recognition.leaderboard, cycle, moment, follows=store.BOARDS)
week = min(max(data.elapsed_weeks, 0), data.total_weeks)
st.caption(
    md_format(
        _(
            "{cycle} ({state}) · week {week} of {weeks} · as of {date}, {hour} UTC · "
            "only published OKRs count"
        ),
        cycle=cycle.name,
        state=state_word(cycle.state),
        week=week,
        weeks=data.total_weeks,
        date=format_date(moment),
        hour=f"{moment:%H}:00",
    )
)
with st.expander(_("How is this ranked?"), icon=":material/help:"):
    st.markdown(ranking_rules())
    st.markdown(_("**Badges** (shown beside names)"))
    badge_legend()

board, metric, dept, level = choose_view(data.teams)
_competing, mine = candidates(data, board, dept, level)
ranked, competing = store.derived(
    ranked_board, cycle, moment, board, metric, dept, level, follows=store.BOARDS
)
your_place(ranked, competing, mine, board, metric)
if ranked.empty:
    st.info(
        _(
            "Nobody is ranked on this board yet: it needs published key results "
            "(or kudos, for the kudos board) in this cycle."
        ),
        icon=":material/leaderboard:",
    )
    st.stop()
podium(ranked, board, metric, mine)
full_board(ranked, competing, board, metric, mine)
