"""Dashboard: where the company and each team stand, where they are heading, who needs help.

Company view (executives' and admins' default): company progress and forecast with its likely
range, progress by department (or one department's teams) week by week, status distribution,
check-in freshness, the at-risk and off-track key results, and this cycle against earlier ones.
Team view (leads' and members' default): one team with its sub-teams — progress over time
with the forecast, its people, at-risk key results and the objectives least likely to land.
Leads pick among the teams they lead, executives and admins any team, members see their own.
Everything is read-only, and the view (cycle, view, team, filters, pages) lives in the URL.
"""

import pandas as pd
import streamlit as st

from components.charts import (
    FRESHNESS_COLORS,
    cycle_comparison_chart,
    forecast_chart,
    freshness_chart,
    progress_over_time_chart,
    status_distribution_chart,
    team_week_heatmap,
)
from components.dashboard_view import (
    PERCENT_BAR,
    PERCENT_NUMBER,
    PERCENT_TEXT,
    chart_with_table,
    count,
    forecast_caption,
    from_url,
    kr_list,
    member_table,
    metric_row,
    pager,
    percent,
    percent_text,
    to_url,
    unique_names,
    url_optional_int,
    whole_percent,
)
from core.enums import STATUS_SEVERITY, Level, Role, Status, state_word
from core.i18n import N_, _, current_language, format_date, ngettext
from core.status import STATUS_COLORS, status_label
from core.text import md_format, md_join
from db.frames import row_tuples
from db.models import utcnow
from db.queries import dashboard, forecasting, okrs, status_settings
from shell import charts, store
from shell.context import current_cycle, current_user

user = current_user()
cycle = current_cycle()
TODAY = okrs.today()
PER_PAGE = 25
STALE_DAYS = store.cached(status_settings, follows=store.STRUCTURE).stale_days
VIEWS = {"company": N_("Company"), "team": N_("Team")}
LIST_STATUSES = [Status.OFF_TRACK, Status.AT_RISK, Status.NEEDS_UPDATE]
LEADERSHIP = (Role.ADMIN, Role.EXECUTIVE)


# --- choices ------------------------------------------------------------------------------------


def view_choice() -> str:
    default = "company" if user.role in LEADERSHIP else "team"
    from_url("dash.view", "view", list(VIEWS), default)
    view = st.segmented_control(
        _("View"),
        list(VIEWS),
        format_func=lambda v: _(VIEWS[v]),
        key="dash.view",
        required=True,
        on_change=lambda: to_url("view", st.session_state["dash.view"]),
    )
    to_url("view", view)
    return view


def department_choice(units: pd.DataFrame) -> int | None:
    """None: the company by department; a department: its teams one by one."""
    departments = units[(units["team_id"] == units["department_id"]) & ~units["is_root"]]
    names = dict(zip(departments["team_id"].astype(int), departments["name"], strict=True))
    options = [None, *sorted(names, key=names.get)]
    from_url("dash.dept", "dept", options, None, url_optional_int)
    chosen = st.selectbox(
        _("Teams shown"),
        options,
        format_func=lambda d: (
            _("All departments") if d is None else _("{name} and its teams").format(name=names[d])
        ),
        key="dash.dept",
        on_change=lambda: to_url("dept", st.session_state["dash.dept"]),
    )
    to_url("dept", chosen)
    return chosen


def team_options(units: pd.DataFrame) -> dict[int, str]:
    """Teams this person may open: executives and admins any (below the company), leads the
    teams they lead, members their own."""
    names = dict(zip(units["team_id"].astype(int), units["name"], strict=True))
    if user.role in LEADERSHIP:
        teams = units[~units["is_root"]].sort_values(["department", "name"])
        return dict(zip(teams["team_id"].astype(int), teams["name"], strict=True))
    ids = set(user.led_team_ids) if user.role == Role.LEAD and user.led_team_ids else set()
    if not ids and user.team_id is not None:
        ids = {user.team_id}
    return {tid: names[tid] for tid in sorted(ids, key=lambda t: names.get(t, "")) if tid in names}


def default_team(units: pd.DataFrame, options: dict[int, str]) -> int:
    parents = dict(zip(units["team_id"].astype(int), units["parent_id"], strict=True))
    if user.team_id in options and user.role != Role.LEAD:
        return user.team_id
    tops = [t for t in options if parents.get(t) not in options]  # a lead's own team first
    return tops[0] if tops else next(iter(options))


def team_choice(units: pd.DataFrame) -> int | None:
    options = team_options(units)
    if not options:
        st.info(_("You are not in a team yet, so there is no team to show. See the Company view."))
        return None
    from_url("dash.team", "team", list(options), default_team(units, options), int)
    chosen = st.selectbox(
        _("Team (with its sub-teams)"),
        list(options),
        format_func=options.get,
        key="dash.team",
        disabled=len(options) == 1,
        on_change=lambda: to_url("team", st.session_state["dash.team"]),
    )
    to_url("team", chosen)
    return chosen


def status_choice() -> list[str]:
    options = [s.value for s in LIST_STATUSES]
    default = [Status.OFF_TRACK.value, Status.AT_RISK.value]
    raw = st.query_params.get("status")
    if raw is not None:
        st.session_state["dash.status"] = [s for s in raw.split(",") if s in options]
    elif "dash.status" not in st.session_state:
        st.session_state["dash.status"] = default
    chosen = st.pills(
        _("Statuses"),
        options,
        selection_mode="multi",
        format_func=status_label,
        key="dash.status",
        on_change=lambda: st.query_params.update(status=",".join(st.session_state["dash.status"])),
    )
    st.query_params["status"] = ",".join(chosen)
    return chosen


# --- data shaping ---------------------------------------------------------------------------------


def in_scope(frame: pd.DataFrame, scope: tuple[int, ...] | None) -> pd.DataFrame:
    return frame if scope is None else frame[frame["team_id"].isin(scope)]


def units_shown(units: pd.DataFrame, department: int | None) -> tuple[str, tuple | None]:
    """Rows of the per-team charts: departments, or one department's teams."""
    if department is None:
        return "department", None
    return "team", dashboard.subtree(units, department)


def unit_names(units: pd.DataFrame) -> pd.DataFrame:
    """The company itself reads as "<name> (company)" in per-department charts."""
    named = units.copy()
    root = named["is_root"]
    named.loc[root, "name"] = [
        _("{name} (company)").format(name=name) for name in named.loc[root, "name"]
    ]
    named["department"] = named["department_id"].map(
        dict(zip(named["team_id"], named["name"], strict=True))
    )
    return named


def unit_order(frame: pd.DataFrame, units: pd.DataFrame) -> list[str]:
    roots = set(units.loc[units["is_root"], "name"])
    return sorted(frame["unit"].unique(), key=lambda name: (name not in roots, name))


def status_counts(status: pd.DataFrame) -> pd.DataFrame:
    counts = status.groupby("status")["krs"].sum()
    ordered = sorted(Status, key=STATUS_SEVERITY.get)
    return pd.DataFrame(
        {
            "status": [status_label(s) for s in ordered],
            "krs": [int(counts.get(s, 0)) for s in ordered],
            "color": [STATUS_COLORS[s] for s in ordered],
        }
    )


def headline(
    progress_label: str, about: str, view: forecasting.ForecastView, status: pd.DataFrame, fresh
) -> None:
    """Progress, forecast and the health of the key results, in short figures and a line.
    ``progress_label``: the first metric's (translated) label, e.g. "Company progress"."""
    total = int(status["krs"].sum())
    behind = int(status[status["status"].isin([Status.AT_RISK, Status.OFF_TRACK])]["krs"].sum())
    silent = int(status["silent"].sum())
    recent = int(fresh[fresh["freshness"] == "this week"]["krs"].sum())
    share = (lambda n: percent(n / total)) if total else (lambda _n: "—")
    spread = view.range
    likely = forecast_caption(
        spread.low if spread else None,
        spread.high if spread else None,
        spread.samples if spread else 0,
    )
    metric_row(
        [
            (progress_label, percent(view.progress), about),
            (_("Forecast at the end"), percent(view.forecast), likely),
            (
                _("At risk or off track"),
                share(behind),
                ngettext(
                    "{behind} of {total} key result.", "{behind} of {total} key results.", total
                ).format(behind=count(behind), total=count(total)),
            ),
            (
                _("Silent {days}+ days").format(days=STALE_DAYS),
                share(silent),
                ngettext(
                    "{count} key result not achieved and without a check-in for the stale "
                    "period (a new one: since it was created). Silence is never green.",
                    "{count} key results not achieved and without a check-in for the stale "
                    "period (a new one: since it was created). Silence is never green.",
                    silent,
                ).format(count=count(silent)),
            ),
            (
                _("Updated this week"),
                share(recent),
                ngettext(
                    "{count} key result in the last 7 days.",
                    "{count} key results in the last 7 days.",
                    recent,
                ).format(count=count(recent)),
            ),
        ]
    )
    parts = [
        _("Forecast: {likely}").format(likely=likely),
        ngettext(
            "{behind} of {total} key result at risk or off track",
            "{behind} of {total} key results at risk or off track",
            total,
        ).format(behind=count(behind), total=count(total)),
        _("{count} silent for {days}+ days").format(count=count(silent), days=STALE_DAYS),
    ]
    if view.capped:
        parts.append(_("forecast over the first objectives only"))
    st.caption(md_join(" · ", parts))


# --- sections -------------------------------------------------------------------------------------


def forecast_frames(cycle, today, level: str | None, scope, mean_name: str, language: str):
    """The forecast chart's spec and its table (through store.derived: shaped once per data
    version, not on every run). ``mean_name``: the first row's (translated) name, e.g.
    "Company (mean)"; ``language`` keys the cache (the table's headers are translated)."""
    view = store.cached(
        forecasting.objectives_forecast, cycle, today, level, scope, follows=store.SUMMARY
    )
    objs = row_tuples(view.objectives.sort_values("forecast", na_position="first").head(12))
    spread = view.range
    names = unique_names(
        [mean_name]
        + [o.title if o.level != "individual" else f"{o.title} ({o.owner_name})" for o in objs]
    )
    rows = [
        {
            "name": names[0],
            "progress": view.progress,
            "forecast": view.forecast,
            "low": spread.low if spread else view.forecast,
            "high": spread.high if spread else view.forecast,
        }
    ] + [
        {
            "name": name,
            "progress": o.progress,
            "forecast": o.forecast,
            "low": o.low if pd.notna(o.low) else o.forecast,
            "high": o.high if pd.notna(o.high) else o.forecast,
        }
        for name, o in zip(names[1:], objs, strict=True)
    ]
    frame = pd.DataFrame(rows)
    progress, forecast, low, high = _("Progress"), _("Forecast"), _("Likely from"), _("Likely to")
    table = pd.DataFrame(
        {
            _("Objective"): frame["name"],
            progress: whole_percent(frame["progress"]),
            forecast: whole_percent(frame["forecast"].clip(upper=1.0)),
            low: whole_percent(frame["low"]),
            high: whole_percent(frame["high"]),
        }
    )
    return charts.spec(forecast_chart, frame), table


def forecast_section(level: str | None, scope, mean_name: str, key: str) -> None:
    spec, table = store.derived(
        forecast_frames,
        cycle,
        TODAY,
        level,
        scope,
        mean_name,
        current_language(),
        follows=store.SUMMARY,
    )
    percents = (_("Progress"), _("Forecast"), _("Likely from"), _("Likely to"))
    chart_with_table(
        spec,
        table,
        key=key,
        file_name=f"forecast-{cycle.name}.csv",
        column_config=dict.fromkeys(percents, PERCENT_BAR),
    )


def week_labels(cycle, weeks) -> dict[int, str]:
    """Each week's label, "W3 · 15 Oct", in the current language (the weeks start on the
    cycle's first day, one every 7 days)."""
    first = pd.Timestamp(cycle.start_date)
    return {
        int(week): _("W{number} · {day}").format(
            number=int(week) + 1,
            day=format_date((first + pd.Timedelta(days=7 * int(week))).date(), "d MMM"),
        )
        for week in weeks
    }


def heatmap_frames(cycle, today, department: int | None, language: str):
    """The heatmap's rows and order and its table (through store.derived: the shaping is the
    same for everyone until the data changes), or None before the cycle starts. ``language``
    keys the cache: the table's headers and the week labels are translated."""
    units = store.cached(dashboard.org_units, follows=store.STRUCTURE)
    by, scope = units_shown(units, department)
    weekly = store.cached(dashboard.weekly_progress, cycle, today, follows=store.SUMMARY)
    if weekly.empty:
        return None
    rolled = dashboard.roll_up(
        in_scope(weekly, scope)[["team_id", "week", "label", "progress_sum", "krs"]],
        unit_names(units),
        by,
        ["progress_sum", "krs"],
    )
    rolled["progress"] = (rolled["progress_sum"] / rolled["krs"].where(rolled["krs"] > 0)).clip(
        0, 1
    )
    labels = week_labels(cycle, rolled["week"].unique())
    rolled["label"] = rolled["week"].map(labels)
    order = unit_order(rolled, unit_names(units))
    table = rolled.pivot_table(index="unit", columns="week", values="progress", sort=True) * 100
    table = (
        table.reindex(order)
        .rename(columns=labels)
        .reset_index()
        .rename(columns={"unit": _("Team")})
    )
    return rolled, order, table, labels


def heatmap_section(units: pd.DataFrame, department: int | None) -> None:
    frames = store.derived(
        heatmap_frames, cycle, TODAY, department, current_language(), follows=store.SUMMARY
    )
    if frames is None:
        st.caption(_("The cycle has not started yet."))
        return
    rolled, order, table, labels = frames
    chart_with_table(
        charts.spec(team_week_heatmap, rolled, order),
        table,
        key="dash.heatmap",
        file_name=f"progress-by-week-{cycle.name}.csv",
        column_config=dict.fromkeys(labels.values(), PERCENT_NUMBER),
    )


def freshness_frames(cycle, today, department: int | None, language: str):
    """The freshness chart's rows and order and its table (through store.derived), or None
    when there are no published key results. ``language`` keys the cache (the table is
    translated; the chart's rows keep FRESHNESS_COLORS' English labels, translated as drawn)."""
    units = store.cached(dashboard.org_units, follows=store.STRUCTURE)
    by, scope = units_shown(units, department)
    fresh = in_scope(
        store.cached(dashboard.freshness_by_team, cycle, today, follows=store.SUMMARY), scope
    )
    if fresh.empty:
        return None
    rolled = dashboard.roll_up(fresh, unit_names(units), by, ["krs"])
    rolled["freshness"] = rolled["freshness"].map(dashboard.FRESHNESS_LABELS)
    order = unit_order(rolled, unit_names(units))
    shown = [c for c in FRESHNESS_COLORS if c in set(rolled["freshness"])]
    table = (
        rolled.pivot_table(index="unit", columns="freshness", values="krs", fill_value=0)
        .reindex(index=order, columns=shown)
        .fillna(0)
        .astype(int)
        .rename(columns={c: _(c) for c in shown})
        .reset_index()
        .rename(columns={"unit": _("Team")})
    )
    return rolled, order, table


def freshness_section(units: pd.DataFrame, department: int | None) -> None:
    frames = store.derived(
        freshness_frames, cycle, TODAY, department, current_language(), follows=store.SUMMARY
    )
    if frames is None:
        st.caption(_("No published key results yet."))
        return
    rolled, order, table = frames
    chart_with_table(
        charts.spec(freshness_chart, rolled, order),
        table,
        key="dash.freshness",
        file_name=f"check-in-freshness-{cycle.name}.csv",
    )


def status_section(status: pd.DataFrame) -> None:
    counts = status_counts(status)
    chart_with_table(
        charts.spec(status_distribution_chart, counts),
        counts[["status", "krs"]].rename(columns={"status": _("Status"), "krs": _("Key results")}),
        key="dash.status_chart",
        file_name=f"status-distribution-{cycle.name}.csv",
    )


def at_risk_section(scope: tuple[int, ...] | None, key: str) -> None:
    statuses = status_choice()
    if not statuses:
        st.caption(_("Choose at least one status."))
        return
    counts = in_scope(
        store.cached(dashboard.status_by_team, cycle, TODAY, follows=store.SUMMARY), scope
    )
    total = int(counts[counts["status"].isin(statuses)]["krs"].sum())
    if total == 0:
        st.success(_("No key results with these statuses."), icon=":material/check:")
        return
    st.caption(
        ngettext(
            "{count} key result, worst first, then the furthest behind.",
            "{count} key results, worst first, then the furthest behind.",
            total,
        ).format(count=count(total))
    )
    offset = pager(total, PER_PAGE, f"{key}.page", "page")
    krs, _total = store.cached(
        dashboard.krs_by_status,
        cycle,
        TODAY,
        tuple(statuses),
        scope,
        PER_PAGE,
        offset,
        follows=store.SUMMARY,
    )
    kr_list(krs, key=key, file_name=f"key-results-{cycle.name}-page-{offset // PER_PAGE + 1}.csv")


def comparison_frames(cycle, language: str):
    """The comparison chart's long frame and its table (through store.derived; ``language``
    keys the cache: measures, states and headers are translated)."""
    cycles = store.cached(dashboard.cycle_comparison, cycle, follows=store.SUMMARY)
    long = cycles.melt(
        id_vars=["cycle"],
        value_vars=["mean_progress", "mean_kr_score"],
        var_name="measure",
        value_name="value",
    ).dropna(subset=["value"])
    progress, kr_score, score = _("Mean KR progress"), _("Mean KR score"), _("Mean objective score")
    long["measure"] = long["measure"].map({"mean_progress": progress, "mean_kr_score": kr_score})
    table = pd.DataFrame(
        {
            _("Cycle"): cycles["cycle"],
            _("State"): [state_word(state) for state in cycles["state"]],
            _("Objectives"): cycles["objectives"],
            _("Key results"): cycles["krs"],
            progress: whole_percent(cycles["mean_progress"]).to_numpy(),
            kr_score: whole_percent(cycles["mean_kr_score"]).to_numpy(),
            score: whole_percent(cycles["mean_objective_score"]).to_numpy(),
        }
    )
    return long, table


def comparison_section() -> None:
    long, table = store.derived(comparison_frames, cycle, current_language(), follows=store.SUMMARY)
    percents = (_("Mean KR progress"), _("Mean KR score"), _("Mean objective score"))
    chart_with_table(
        charts.spec(cycle_comparison_chart, long),
        table,
        key="dash.cycles",
        file_name="cycle-comparison.csv",
        column_config=dict.fromkeys(percents, PERCENT_TEXT),
        shown=table.assign(**{name: percent_text(table[name]) for name in percents}),
    )
    st.caption(
        _(
            "Progress is where each cycle's key results stand now (a closed cycle: where they "
            "ended); scores are set when a cycle is graded."
        )
    )


def progress_over_time_frames(cycle, today, scope: tuple[int, ...], now, language: str):
    """The team's weekly progress chart and its table, or None without progress yet (through
    store.derived; ``now`` is to the minute: the running week ends now)."""
    weekly = in_scope(
        store.cached(dashboard.weekly_progress, cycle, today, follows=store.SUMMARY), scope
    )
    if weekly.empty:
        return None
    view = store.cached(
        forecasting.objectives_forecast, cycle, today, None, scope, follows=store.SUMMARY
    )
    weeks = {w.index: w.end for w in dashboard.cycle_weeks(cycle, now)}
    team = weekly.groupby(["week", "label"], as_index=False)[["progress_sum", "krs"]].sum()
    team["progress"] = (team["progress_sum"] / team["krs"].where(team["krs"] > 0)).clip(0, 1)
    team["at"] = team["week"].map(weeks)
    team["label"] = team["week"].map(week_labels(cycle, team["week"]))
    start, end = (pd.Timestamp(d) for d in (cycle.start_date, cycle.end_date))
    pace = pd.DataFrame({"at": [start, end], "expected": [0.0, 1.0]})
    ahead = pd.DataFrame(columns=["at", "forecast", "low", "high"])
    if view.forecast is not None:
        spread = view.range
        ahead = pd.DataFrame(
            {
                "at": [end],
                "forecast": [min(view.forecast, 1.0)],
                "low": [spread.low if spread else view.forecast],
                "high": [spread.high if spread else view.forecast],
            }
        )
    table = pd.DataFrame(
        {
            _("Week"): team["label"],
            _("Mean KR progress"): whole_percent(team["progress"]).to_numpy(),
            _("Key results"): team["krs"],
        }
    )
    return charts.spec(progress_over_time_chart, team[["at", "progress"]], pace, ahead), table


def progress_over_time_section(scope: tuple[int, ...]) -> None:
    # The running week ends "now": to the minute, so the shaped chart is reused for a minute.
    now = utcnow().replace(second=0, microsecond=0)
    frames = store.derived(
        progress_over_time_frames,
        cycle,
        TODAY,
        scope,
        now,
        current_language(),
        follows=store.SUMMARY,
    )
    if frames is None:
        st.caption(_("No progress to show yet."))
        return
    spec, table = frames
    chart_with_table(
        spec,
        table,
        key="dash.team_progress",
        file_name=f"team-progress-{cycle.name}.csv",
        column_config={_("Mean KR progress"): PERCENT_BAR},
    )
    st.caption(
        _(
            "Blue: mean progress of the team's key results at the end of each week. Dashed: the "
            "expected pace. Diamond: the forecast for the cycle's end, with its likely range."
        )
    )


# --- views ------------------------------------------------------------------------------------------


def company_view(units: pd.DataFrame) -> None:
    forecast = store.cached(
        forecasting.objectives_forecast,
        cycle,
        TODAY,
        Level.COMPANY.value,
        None,
        follows=store.SUMMARY,
    )
    status = store.cached(dashboard.status_by_team, cycle, TODAY, follows=store.SUMMARY)
    fresh = store.cached(dashboard.freshness_by_team, cycle, TODAY, follows=store.SUMMARY)
    objectives = len(forecast.objectives)
    headline(
        _("Company progress"),
        ngettext(
            "Mean progress of the {count} company objective.",
            "Mean progress of the {count} company objectives.",
            objectives,
        ).format(count=count(objectives)),
        forecast,
        status,
        fresh,
    )

    st.subheader(_("Forecast by company objective"))
    if forecast.objectives.empty:
        st.caption(_("No published company objectives in this cycle."))
    else:
        forecast_section(Level.COMPANY.value, None, _("Company (mean)"), "dash.forecast")

    st.subheader(_("Progress by team, week by week"))
    department = department_choice(units)
    scope = units_shown(units, department)[1]
    heatmap_section(units, department)

    left, right = st.columns(2, gap="large")
    with left:
        st.subheader(_("Status of key results"))
        status_section(in_scope(status, scope))
    with right:
        st.subheader(_("Check-in freshness"))
        freshness_section(units, department)

    st.subheader(_("At risk and off track"))
    at_risk_section(scope, "dash.company_krs")

    st.subheader(_("This cycle against earlier cycles"))
    comparison_section()


def team_view(units: pd.DataFrame) -> None:
    team_id = team_choice(units)
    if team_id is None:
        return
    scope = dashboard.subtree(units, team_id)
    forecast = store.cached(
        forecasting.objectives_forecast, cycle, TODAY, None, scope, follows=store.SUMMARY
    )
    status = in_scope(
        store.cached(dashboard.status_by_team, cycle, TODAY, follows=store.SUMMARY), scope
    )
    fresh = in_scope(
        store.cached(dashboard.freshness_by_team, cycle, TODAY, follows=store.SUMMARY), scope
    )
    objectives = forecast.total_objectives
    headline(
        _("Team progress"),
        ngettext(
            "Mean progress of the team's {count} published objective.",
            "Mean progress of the team's {count} published objectives.",
            objectives,
        ).format(count=count(objectives)),
        forecast,
        status,
        fresh,
    )

    st.subheader(_("Team progress over time"))
    progress_over_time_section(scope)

    st.subheader(_("People"))
    total = store.cached(dashboard.member_count, scope, follows=store.STRUCTURE)
    if total == 0:
        st.caption(_("Nobody in this team yet."))
    else:
        st.caption(
            ngettext(
                "{count} person; the most stale key results first, then the furthest behind. "
                "Trend: the mean confidence of their check-ins, week by week.",
                "{count} people; the most stale key results first, then the furthest behind. "
                "Trend: the mean confidence of their check-ins, week by week.",
                total,
            ).format(count=count(total))
        )
        offset = pager(total, PER_PAGE, "dash.members.page", "mpage")
        people, _total = store.cached(
            dashboard.members, cycle, TODAY, scope, PER_PAGE, offset, follows=store.SUMMARY
        )
        member_table(people, key="dash.members", file_name=f"team-members-{cycle.name}.csv")

    st.subheader(_("At risk and off track"))
    at_risk_section(scope, "dash.team_krs")

    st.subheader(_("Objectives least likely to land"))
    if forecast.objectives.empty:
        st.caption(_("No published objectives in this team."))
    else:
        forecast_section(None, scope, _("Team (mean)"), "dash.team_forecast")


# --- the page -----------------------------------------------------------------------------------

st.title(_("Dashboard"))
if cycle is None:
    st.info(_("There is no cycle yet. An admin creates one in Admin → Cycles."))
    st.stop()
st.caption(
    md_format(
        _(
            "{cycle} ({start} – {end}, {state}) · published objectives only · progress is "
            "clamped to 100 % in every mean"
        ),
        cycle=cycle.name,
        start=format_date(cycle.start_date),
        end=format_date(cycle.end_date),
        state=state_word(cycle.state),
    )
)
org = store.cached(dashboard.org_units, follows=store.STRUCTURE)
if view_choice() == "company":
    company_view(org)
else:
    team_view(org)
