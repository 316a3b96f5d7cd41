"""Leaderboard: who delivers in the selected cycle — people or teams ranked on score, check-in
consistency, kudos received or improvement, with the rules written down, a podium, your own
place, the full board (top first, more on request, searchable) and a CSV download.

The board, measure, department and level are mirrored to ?board=&metric=&dept=&level=.
"""

import pandas as pd
import streamlit as st

from components.charts import leaderboard_bar_chart, podium_chart
from components.okr_view import escape_markdown
from components.recognition_view import (
    badge_legend,
    badges_markdown,
    board_table,
    chart_rows,
    metric_text,
    podium_cards,
    rank_text,
)
from core.leaderboard import METRIC_LABELS, METRICS, RANKING_RULES
from db.queries import recognition
from shell import charts, store
from shell.context import current_cycle, current_user

PAGE = 25
CHART_ROWS = 30
BOARDS = {"people": "People", "teams": "Teams"}
LEVELS = {"team": "Teams", "department": "Departments"}
WHOLE = "all"
AXIS_TITLES = {"improvement": "Progress gained in the last 30 days (points)"}

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
        for t in parents.sort_values("name").itertuples(index=False)
    }  # fmt: skip
    return {WHOLE: "Whole organisation", **names}


def choose_view(teams) -> tuple[str, str, str, str]:
    depts = departments(teams)
    board_col, metric_col, dept_col, level_col = st.columns([2, 3, 3, 3])
    synced("lb.board", "board", list(BOARDS), "people")
    synced("lb.metric", "metric", list(METRICS), "score")
    synced("lb.dept", "dept", list(depts), WHOLE)
    synced("lb.level", "level", list(LEVELS), "team")
    board = board_col.radio(
        "Board",
        list(BOARDS),
        format_func=BOARDS.get,
        horizontal=True,
        key="lb.board",
        on_change=mirror,
        args=("board", "lb.board"),
    )
    metric = metric_col.selectbox(
        "Ranked on",
        list(METRICS),
        format_func=METRIC_LABELS.get,
        key="lb.metric",
        on_change=mirror,
        args=("metric", "lb.metric"),
    )
    dept = dept_col.selectbox(
        "Department",
        list(depts),
        format_func=depts.get,
        key="lb.dept",
        on_change=mirror,
        args=("dept", "lb.dept"),
    )
    level = st.session_state["lb.level"]
    if board == "teams":
        level = level_col.radio(
            "Compare",
            list(LEVELS),
            format_func=LEVELS.get,
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
    data = store.cached(recognition.leaderboard, cycle, moment)
    competing, _ = candidates(data, board, dept, level)
    return recognition.ranked(competing, metric), frozenset(competing["id"].astype(int))


def your_place(ranked, competing: frozenset[int], mine: set[int], board: str, metric: str) -> None:
    label = METRIC_LABELS[metric]
    me = ranked[ranked["id"].isin(mine)]
    if not me.empty:
        row = me.iloc[0]
        place = f"**#{rank_text(row['rank'], row['tied']).lstrip('=')}**"
        place += " (shared)" if row["tied"] else ""
        who = "You are" if board == "people" else f"Your team, {escape_markdown(row['name'])}, is"
        st.info(
            f"{who} {place} of {len(ranked):,} on *{label}* with "
            f"**{metric_text(metric, row['value'])}**.",
            icon=":material/my_location:",
        )
        if board == "people":
            badges = badges_markdown(row["badges"])
            st.markdown(f"Your badges: {badges}" if badges else "")
        return
    if board == "people" and user.id in competing:
        reason = (
            "you have no kudos in this cycle yet"
            if metric == "kudos"
            else "none of your key results counts here yet (see “How is this ranked?”)"
        )
    elif board == "people":
        reason = "you own no published key result in this cycle and received no kudos in it"
    else:
        reason = "your team is not among the ranked teams of this selection"
    st.caption(f"Where am I? Not on this board: {reason}.")


def podium(ranked, board: str, metric: str, mine: set[int]) -> None:
    """The first three as a podium chart, with a card under each block (name, value, badges)."""
    st.vega_lite_chart(
        charts.spec(podium_chart, chart_rows(ranked.head(3), metric, mine)), width="stretch"
    )
    podium_cards(ranked, metric, board == "people")
    first = int((ranked["rank"] == 1).sum())
    if first > 3:
        st.caption(
            f"{first:,} share first place; the podium shows the first three in alphabetical "
            "order — the full board lists them all."
        )
    st.page_link(
        "app_pages/kudos.py", label="Thank someone on the Kudos page", icon=":material/celebration:"
    )


def full_board(ranked, competing, board: str, metric: str, mine: set[int]) -> None:
    people = board == "people"
    st.subheader("The full board")
    search = st.text_input(
        "Find someone on this board" if people else "Find a team on this board",
        key="lb.search",
        placeholder="Part of a name",
    )
    view_key = (cycle.id, board, metric, st.session_state["lb.dept"], st.session_state["lb.level"])
    if st.session_state.get("lb.view") != view_key:
        st.session_state["lb.view"] = view_key
        st.session_state["lb.shown"] = PAGE
    shown = st.session_state.get("lb.shown", PAGE)
    if search.strip():
        rows = ranked[ranked["name"].str.contains(search.strip(), case=False, regex=False)]
        st.caption(f"{len(rows):,} of {len(ranked):,} match “{escape_markdown(search.strip())}”.")
        rows = rows.head(shown)
    else:
        rows = ranked.head(shown)
    table_tab, chart_tab = st.tabs(["Table", "Chart"])
    table = board_table(rows, metric, people)
    you = rows["id"].isin(mine).to_numpy()
    table.loc[you, "Name"] = table.loc[you, "Name"] + (" (you)" if people else " (your team)")
    table_tab.dataframe(
        table, hide_index=True, width="stretch", height=min(35 * (len(table) + 1) + 3, 1200)
    )
    with chart_tab:
        if rows.empty:
            st.caption("Nothing to chart.")
        else:
            st.vega_lite_chart(
                charts.spec(
                    leaderboard_bar_chart,
                    chart_rows(rows.head(CHART_ROWS), metric, mine),
                    AXIS_TITLES.get(metric, METRIC_LABELS[metric]),
                    percent=metric in ("score", "consistency"),
                    points=metric == "improvement",
                ),
                width="stretch",
            )
            if len(rows) > CHART_ROWS:
                st.caption(f"The chart shows the first {CHART_ROWS}; the table has them all.")
    total = len(rows) if search.strip() else len(ranked)
    more_col, csv_col = st.columns([1, 1])
    more_col.caption(f"Showing {len(rows):,} of {total:,}.")
    if len(rows) < total and more_col.button(f"Show {PAGE} more", key="lb.more"):
        st.session_state["lb.shown"] = shown + PAGE
        st.rerun()
    csv_col.download_button(
        "Download the full board (CSV)",
        lambda: board_table(ranked, metric, people).to_csv(index=False).encode("utf-8"),
        file_name=f"leaderboard-{cycle.name}-{board}-{metric}.csv".replace(" ", "_"),
        mime="text/csv",
        icon=":material/download:",
        key="lb.csv",
    )
    left_out = len(competing) - len(ranked)
    if left_out:
        what = "people" if people else "teams"
        lack = "no kudos in this cycle" if metric == "kudos" else "no key result that counts"
        st.caption(f"{left_out:,} {what} of this selection are not ranked here: they have {lack}.")


st.title("Leaderboard")
if cycle is None:
    st.info("There is no cycle yet, so there is nothing to rank.")
    st.stop()
moment = recognition.as_of(cycle)
data = store.cached(recognition.leaderboard, cycle, moment)
week = min(max(data.elapsed_weeks, 0), data.total_weeks)
st.caption(
    f"{cycle.name} ({cycle.state}) · week {week} of {data.total_weeks} · "
    f"as of {moment:%d %b %Y, %H:00} UTC · only published OKRs count"
)
with st.expander("How is this ranked?", icon=":material/help:"):
    st.markdown(RANKING_RULES)
    st.markdown("**Badges** (shown beside names)")
    badge_legend()

board, metric, dept, level = choose_view(data.teams)
_, mine = candidates(data, board, dept, level)
ranked, competing = store.derived(ranked_board, cycle, moment, board, metric, dept, level)
your_place(ranked, competing, mine, board, metric)
if ranked.empty:
    st.info(
        "Nobody is ranked on this board yet: it needs published key results "
        "(or kudos, for the kudos board) in this cycle.",
        icon=":material/leaderboard:",
    )
    st.stop()
podium(ranked, board, metric, mine)
full_board(ranked, competing, board, metric, mine)
