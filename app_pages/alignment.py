"""Alignment: is every team's work tied to a company objective?

The tree starts collapsed to the company objectives and the departments; opening an objective
shows its key results, its own progress, the mean progress of the objectives aligned to it and
those objectives in turn; opening a department shows its teams. A team filter shows where that
team's objectives join the tree, a search finds objectives by title. "By team" gives each
team's share of objectives aligned to a company objective (directly or through a parent
chain), "Not aligned" lists the orphans. Published objectives only; the view lives in the URL.
"""

import pandas as pd
import streamlit as st

from components.alignment_view import LEVEL_NAMES, group_label, objective_node
from components.charts import alignment_share_chart
from components.dashboard_view import (
    PERCENT_BAR,
    chart_with_table,
    count,
    download,
    from_url,
    metric_row,
    pager,
    percent,
    to_url,
    url_optional_int,
    whole_percent,
)
from core.i18n import N_, _, ngettext
from core.text import Markdown, md, md_format
from db.frames import row_tuples
from db.queries import alignment, dashboard
from shell import charts, store
from shell.context import current_cycle, current_user

user = current_user()
cycle = current_cycle()
PER_PAGE = 25
RESULTS = 30
SECTIONS = {"tree": N_("Tree"), "teams": N_("By team"), "orphans": N_("Not aligned")}


def load_children(objective_id: int) -> pd.DataFrame:
    return store.cached(alignment.children, cycle, objective_id, follows=store.SUMMARY)


def load_krs(objective_id: int) -> pd.DataFrame:
    return store.cached(alignment.objective_krs, cycle, objective_id, follows=store.SUMMARY)


def nodes(frame: pd.DataFrame, prefix: str, show_parent: bool = False) -> None:
    for node in row_tuples(frame):
        objective_node(
            node, f"{prefix}{int(node.objective_id)}", load_children, load_krs, show_parent
        )


# --- filters -------------------------------------------------------------------------------------


def team_filter(units: pd.DataFrame) -> int | None:
    teams = units.sort_values(["is_root", "department", "name"], ascending=[False, True, True])
    names = dict(zip(teams["team_id"].astype(int), teams["name"], strict=True))
    options = [None, *names]
    from_url("align.team", "team", options, None, url_optional_int)
    chosen = st.selectbox(
        _("Team (with its sub-teams)"),
        options,
        format_func=lambda t: _("All teams") if t is None else names[t],
        key="align.team",
        on_change=lambda: to_url("team", st.session_state["align.team"]),
    )
    to_url("team", chosen)
    return chosen


def search_box() -> str:
    if "q" in st.query_params:
        st.session_state["align.search"] = st.query_params["q"]
    text = st.text_input(
        _("Search objectives by title"),
        key="align.search",
        placeholder=_("e.g. onboarding"),
        max_chars=100,
        on_change=lambda: to_url("q", st.session_state["align.search"].strip() or None),
    )
    to_url("q", text.strip() or None)
    return text.strip()


def section_choice(orphans: int) -> str:
    labels = {code: _(label) for code, label in SECTIONS.items()}
    labels["orphans"] = _("Not aligned ({count})").format(count=count(orphans))
    from_url("align.section", "section", list(SECTIONS), "tree")
    section = st.segmented_control(
        _("Show"),
        list(SECTIONS),
        format_func=lambda code: md(labels[code]),
        key="align.section",
        required=True,
        on_change=lambda: to_url("section", st.session_state["align.section"], "tree"),
    )
    to_url("section", section, "tree")
    return section


# --- figures per team -----------------------------------------------------------------------------


def team_counts(by_team: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Objectives, aligned and orphans per team *with its sub-teams* (one row per team): each
    team's own counts are added to it and to every team above it."""
    parent = {
        int(t.team_id): (None if pd.isna(t.parent_id) else int(t.parent_id))
        for t in row_tuples(units)
    }
    sums = {team: [0, 0] for team in parent}
    for row in row_tuples(by_team.dropna(subset=["team_id"])):
        team, seen = int(row.team_id), set()
        while team is not None and team in sums and team not in seen:
            sums[team][0] += int(row.objectives)
            sums[team][1] += int(row.aligned)
            seen.add(team)
            team = parent.get(team)
    names = dict(zip(units["team_id"].astype(int), units["name"], strict=True))
    frame = pd.DataFrame(
        [(team, names[team], total, aligned) for team, (total, aligned) in sums.items()],
        columns=["team_id", "name", "objectives", "aligned"],
    )
    frame["orphans"] = frame["objectives"] - frame["aligned"]
    return frame.set_index("team_id")


def team_totals(cycle_id: int) -> pd.DataFrame:
    """team_counts for the whole organisation, through store.derived: it walks every team,
    so it runs once per data version, not on every run."""
    return team_counts(
        store.cached(alignment.alignment_by_team, cycle_id, follows=store.SUMMARY),
        store.cached(dashboard.org_units, follows=store.STRUCTURE),
    )


def own_counts(by_team: pd.DataFrame, units: pd.DataFrame, teams: list[int]) -> pd.DataFrame:
    """Objectives, aligned and orphans of each team on its own (sub-teams not included)."""
    own = by_team.dropna(subset=["team_id"]).set_index("team_id")
    names = dict(zip(units["team_id"].astype(int), units["name"], strict=True))
    frame = pd.DataFrame(
        {
            "team_id": teams,
            "name": [names[t] for t in teams],
            "objectives": [int(own["objectives"].get(t, 0)) for t in teams],
            "aligned": [int(own["aligned"].get(t, 0)) for t in teams],
        }
    )
    frame["orphans"] = frame["objectives"] - frame["aligned"]
    return frame


def children_of(units: pd.DataFrame, team_id: int) -> list[int]:
    kids = units[units["parent_id"] == team_id].sort_values("name")
    return [int(t) for t in kids["team_id"]]


# --- sections -------------------------------------------------------------------------------------


def team_group(team_id: int, units: pd.DataFrame, totals: pd.DataFrame) -> None:
    """A team in the tree: opening it shows where its own objectives join the tree, then its
    sub-teams (each a group in turn)."""
    row = totals.loc[team_id]
    with st.expander(
        group_label(row["name"], int(row["objectives"]), int(row["aligned"])),
        key=f"align.team_node.{team_id}",
        on_change="rerun",
        icon=":material/groups:",
    ) as box:
        if not box.open:
            return
        own, total = store.cached(
            alignment.entry_points, cycle, (team_id,), "", RESULTS, follows=store.SUMMARY
        )
        if own.empty:
            st.caption(_("No objectives of this team itself join the tree from here."))
        else:
            about = _(
                "This team's objectives that align outside it (or to nothing); open one to "
                "see what aligns to it."
            )
            st.caption(f"{about} {first_of(total)}" if total > RESULTS else about)
            nodes(own, f"t{team_id}-", show_parent=True)
        for child in children_of(units, team_id):
            team_group(child, units, totals)


def first_of(total: int) -> Markdown:
    return md_format(_("First {shown} of {total}."), shown=RESULTS, total=count(total))


def no_match(text: str, team: str | None) -> Markdown:
    """The search found nothing: says so, quoting what was typed (shown as text)."""
    if team is None:
        return md_format(_("No published objective has “{text}” in its title."), text=text)
    return md_format(
        _("No published objective in {team} has “{text}” in its title."), text=text, team=team
    )


def matches(total: int, team: str | None) -> Markdown:
    """How many objectives a search found (the first RESULTS are shown)."""
    if total > RESULTS:
        if team is None:
            message = _(
                "{count} objectives match; the first {shown} are shown — refine the search."
            )
        else:
            message = _(
                "{count} objectives in {team} match; the first {shown} are shown — refine the "
                "search."
            )
    elif team is None:
        message = ngettext("{count} objective matches.", "{count} objectives match.", total)
    else:
        message = ngettext(
            "{count} objective in {team} matches.", "{count} objectives in {team} match.", total
        )
    return md_format(message, count=count(total), team=team, shown=RESULTS)


def tree_section(units: pd.DataFrame, totals: pd.DataFrame, team_id: int | None, text: str):
    scope = dashboard.subtree(units, team_id) if team_id is not None else ()
    if text:
        found, total = store.cached(
            alignment.entry_points, cycle, scope, text, RESULTS, follows=store.SUMMARY
        )
        team = None if team_id is None else totals.loc[team_id, "name"]
        if found.empty:
            st.info(no_match(text, team))
            return
        st.caption(matches(total, team))
        nodes(found, "s", show_parent=True)
        return
    if team_id is not None:
        roots, total = store.cached(
            alignment.entry_points, cycle, scope, "", RESULTS, follows=store.SUMMARY
        )
        about = md_format(
            _(
                "Where {team}'s objectives join the tree: those aligned to an objective outside "
                "the team, or to none. Open one to see what aligns to it."
            ),
            team=totals.loc[team_id, "name"],
        )
        st.caption(f"{about} {first_of(total)}" if total > RESULTS else about)
        if roots.empty:
            st.info(_("This team has no published objectives in this cycle."))
        nodes(roots, "f", show_parent=True)
        return
    st.markdown(_("**Company objectives**"))
    company = store.cached(alignment.company_objectives, cycle, follows=store.SUMMARY)
    if company.empty:
        st.info(_("No published company objectives in this cycle yet."))
    nodes(company, "c")
    st.markdown(_("**Departments**"))
    for root in row_tuples(units[units["is_root"]].sort_values("name")):
        for department in children_of(units, int(root.team_id)):
            team_group(department, units, totals)


def teams_section(
    units: pd.DataFrame, totals: pd.DataFrame, by_team: pd.DataFrame, team_id: int | None
) -> None:
    if team_id is None:
        roots = [int(t) for t in units.loc[units["is_root"], "team_id"]]
        departments = [d for r in roots for d in children_of(units, r)]
        frame = pd.concat(
            [
                totals.loc[departments].reset_index(),
                own_counts(by_team, units, roots).assign(
                    name=lambda f: [_("{name} (itself)").format(name=n) for n in f["name"]]
                ),
            ]
        )
        caption = _(
            "Departments, each with all its teams (pick one under Team to see its teams). Share "
            "of team and individual objectives aligned to a company objective, directly or "
            "through their parents; least aligned first."
        )
    else:
        frame = own_counts(by_team, units, list(dashboard.subtree(units, team_id)))
        caption = _(
            "Each team on its own (its sub-teams are separate rows). Share of team and individual "
            "objectives aligned to a company objective, directly or through their parents; least "
            "aligned first."
        )
    frame = frame[frame["objectives"] > 0]
    if frame.empty:
        st.info(_("No published team or individual objectives here yet."))
        return
    frame = frame.assign(share=frame["aligned"] / frame["objectives"], unit=frame["name"])
    st.caption(caption)
    share = _("Share aligned")
    table = (
        frame.sort_values(["share", "unit"])[["unit", "objectives", "aligned", "share", "orphans"]]
        .assign(share=lambda f: whole_percent(f["share"]).to_numpy())
        .rename(
            columns={
                "unit": _("Team"),
                "objectives": _("Objectives"),
                "aligned": _("Aligned"),
                "share": share,
                "orphans": _("Not aligned"),
            }
        )
    )
    chart_with_table(
        charts.spec(alignment_share_chart, frame),
        table,
        key="align.teams",
        file_name=f"alignment-by-team-{cycle.name}.csv",
        column_config={share: PERCENT_BAR},
    )


ORPHAN_HEADERS = {
    "title": N_("Objective"),
    "level": N_("Level"),
    "team": N_("Team"),
    "owner": N_("Owner"),
    "parent_title": N_("Aligned to (itself not aligned)"),
}


def orphan_table(page: pd.DataFrame) -> pd.DataFrame:
    """Orphans as people read them: translated headers and levels, "—" for nothing."""
    table = page[list(ORPHAN_HEADERS)].copy()
    table["level"] = [_(LEVEL_NAMES.get(level, level)) for level in table["level"]]
    table = table.fillna({"team": "—", "parent_title": "—"})
    return table.rename(columns={code: _(header) for code, header in ORPHAN_HEADERS.items()})


def orphans_section(units: pd.DataFrame, team_id: int | None) -> None:
    scope = dashboard.subtree(units, team_id) if team_id is not None else None
    _first, total = store.cached(alignment.orphans, cycle.id, scope, 1, 0, follows=store.SUMMARY)
    if total == 0:
        st.success(_("Every published objective here is aligned to a company objective."))
        return
    st.caption(
        ngettext(
            "{count} team or individual objective does not reach a company objective: it aligns "
            "to nothing, or to an objective that is itself not aligned. By team, then title.",
            "{count} team and individual objectives do not reach a company objective: they align "
            "to nothing, or to an objective that is itself not aligned. By team, then title.",
            total,
        ).format(count=count(total))
    )
    offset = pager(total, PER_PAGE, "align.orphans.page", "opage")
    page, _total = store.cached(
        alignment.orphans, cycle.id, scope, PER_PAGE, offset, follows=store.SUMMARY
    )
    st.dataframe(orphan_table(page), hide_index=True, width="stretch")
    everything, _total = store.cached(
        alignment.orphans, cycle.id, scope, 5_000, 0, follows=store.SUMMARY
    )
    download(
        orphan_table(everything),
        f"not-aligned-{cycle.name}.csv",
        key="align.orphans.csv",
        label=(
            _("Download all as CSV")
            if total <= 5_000
            else _("Download the first {count} as CSV").format(count=count(5_000))
        ),
    )


# --- the page -------------------------------------------------------------------------------------

st.title(_("Alignment"))
if cycle is None:
    st.info(_("There is no cycle yet. An admin creates one in Admin → Cycles."))
    st.stop()
st.caption(
    md_format(
        _(
            "{cycle} · published objectives only · each objective shows its progress and "
            "status; open it for its key results and the objectives aligned to it"
        ),
        cycle=cycle.name,
    )
)
org = store.cached(dashboard.org_units, follows=store.STRUCTURE)
by_team = store.cached(alignment.alignment_by_team, cycle.id, follows=store.SUMMARY)
totals = store.derived(team_totals, cycle.id, follows=store.SUMMARY)

filters = st.columns([2, 3])
with filters[0]:
    team = team_filter(org)
with filters[1]:
    search = search_box()

if team is None:
    counted = by_team[["objectives", "aligned", "orphans"]].sum()
else:
    counted = totals.loc[team, ["objectives", "aligned", "orphans"]]
objectives, aligned, orphan_count = (int(counted[c]) for c in ("objectives", "aligned", "orphans"))
metric_row(
    [
        (_("Team & individual objectives"), count(objectives), _("Published, in this cycle.")),
        (
            _("Aligned to a company objective"),
            percent(aligned / objectives) if objectives else "—",
            _("Directly, or through the objective they align to."),
        ),
        (_("Not aligned"), count(orphan_count), _("Listed under “Not aligned”.")),
    ]
)

section = section_choice(orphan_count)
if section == "tree":
    tree_section(org, totals, team, search)
elif section == "teams":
    teams_section(org, totals, by_team, team)
else:
    orphans_section(org, team)
