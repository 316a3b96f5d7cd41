"""Pieces of the Dashboard and Alignment pages: a chart with its table and CSV download, a
pager, choices mirrored to the URL's query string, and the KR and member tables.

Nothing here reads the database; frames come from db.queries.dashboard / alignment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from core.enums import Status
from core.progress import format_progress
from core.status import STATUS_LABELS


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def download(frame: pd.DataFrame, file_name: str, key: str, label: str = "Download CSV") -> None:
    """A CSV download of ``frame``, made when the button is clicked (not on every run)."""
    st.download_button(
        label,
        lambda: csv_bytes(frame),
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )


def chart_with_table(
    chart: alt.Chart | dict,
    table: pd.DataFrame,
    key: str,
    file_name: str,
    column_config: dict | None = None,
) -> None:
    """The chart, its data as a table behind a tab, and the table as a CSV download.
    ``chart``: an Altair chart, or its cached Vega-Lite spec (shell.charts.spec)."""
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        if isinstance(chart, dict):
            st.vega_lite_chart(chart, width="stretch")
        else:
            st.altair_chart(chart, width="stretch")
    with table_tab:
        st.dataframe(table, hide_index=True, column_config=column_config, width="stretch")
    download(table, file_name, key=f"{key}.csv")


# --- choices mirrored to the URL -----------------------------------------------------------------


def from_url(key: str, param: str, options: Sequence[Any], default: Any, parse=str) -> None:
    """Before drawing a widget: take its value from ?param= when the link names a valid one,
    else keep the current choice, else use ``default``."""
    raw = st.query_params.get(param)
    if raw is not None:
        try:
            value = parse(raw)
        except ValueError:
            value = None
        if value in options:
            st.session_state[key] = value
            return
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def to_url(param: str, value: Any, default: Any = None) -> None:
    """Mirror a choice to ?param= (removed when it is the default, so links stay short)."""
    if value is None or value == default:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(value)


def url_optional_int(raw: str) -> int | None:
    if raw in ("", "all"):
        return None
    return int(raw)


def pager(total: int, per_page: int, key: str, param: str) -> int:
    """A page number for a long list (mirrored to ?param=); returns the row offset."""
    pages = max(1, -(-total // per_page))
    if pages == 1:
        st.session_state.pop(key, None)
        to_url(param, None)
        return 0
    from_url(key, param, range(1, pages + 1), 1, int)
    page = st.columns([1, 4])[0].number_input(
        f"Page (of {pages})",
        min_value=1,
        max_value=pages,
        step=1,
        key=key,
        on_change=lambda: to_url(param, st.session_state[key], 1),
    )
    to_url(param, page, 1)
    return (int(page) - 1) * per_page


# --- tables -------------------------------------------------------------------------------------


def status_label(status) -> str:
    return "—" if status is None or pd.isna(status) else STATUS_LABELS[Status(status)]


def percent(value) -> str:
    return format_progress(None if value is None or pd.isna(value) else float(value))


def whole_percent(values) -> pd.Series:
    """Fractions (0.4567) as whole percentages (46) for tables and their CSV files."""
    return (pd.to_numeric(pd.Series(values), errors="coerce") * 100).round()


PERCENT_BAR = st.column_config.ProgressColumn(format="%d %%", min_value=0, max_value=100)


def bar_column(width: int):
    return st.column_config.ProgressColumn(format="%d %%", min_value=0, max_value=100, width=width)


PERCENT_NUMBER = st.column_config.NumberColumn(format="%d %%")


def day_text(values) -> list[str]:
    """Moments as "25 Nov 2026"; none yet → "—"."""
    return ["—" if pd.isna(v) else f"{pd.Timestamp(v):%d %b %Y}" for v in values]


def confidence_text(values, decimals: int = 0) -> list[str]:
    return ["—" if pd.isna(v) else f"{float(v):.{decimals}f} / 10" for v in values]


def rows_height(rows: int) -> int:
    """A dataframe tall enough for a page of rows (no inner scrolling)."""
    return 35 * (rows + 1) + 3


def kr_list(frame: pd.DataFrame, key: str, file_name: str) -> None:
    """KRs from dashboard.krs_by_status, as people read them (no ids), with a CSV that also
    names each KR's objective."""
    table = pd.DataFrame(
        {
            "Key result": frame["title"],
            "Owner": frame["owner"],
            "Team": frame["team"].fillna("—"),
            "Status": [status_label(s) for s in frame["status"]],
            "Progress": whole_percent(frame["progress"].clip(upper=1.0)).to_numpy(),
            "Confidence": confidence_text(frame["confidence"]),
            "Last check-in": day_text(frame["last_checkin_at"]),
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=rows_height(len(table)),
        column_config={
            "Key result": st.column_config.TextColumn(width=260),
            "Owner": st.column_config.TextColumn(width=120),
            "Team": st.column_config.TextColumn(width=170),
            "Status": st.column_config.TextColumn(width=80),
            "Progress": bar_column(100),
            "Confidence": st.column_config.TextColumn(width=80),
            "Last check-in": st.column_config.TextColumn(width=100),
        },
    )
    download(table.assign(Objective=frame["objective_title"].to_numpy()), file_name, f"{key}.csv")


def member_table(frame: pd.DataFrame, key: str, file_name: str) -> None:
    """People of a team with their KRs (from dashboard.members), with a CSV."""
    table = pd.DataFrame(
        {
            "Person": frame["name"],
            "Team": frame["team"].fillna("—"),
            "Key results": frame["krs"].astype(int),
            "Progress": whole_percent(frame["progress"]).to_numpy(),
            "Last check-in": day_text(frame["last_checkin_at"]),
            "Stale KRs": frame["stale_krs"].astype(int),
            "At risk / off track": frame["behind_krs"].astype(int),
            "Confidence": confidence_text(frame["confidence"], 1),
            "Trend": frame["confidence_trend"],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=rows_height(len(table)),
        column_config={
            "Person": st.column_config.TextColumn(width=130),
            "Team": st.column_config.TextColumn(width=120),
            "Key results": st.column_config.NumberColumn(width=80),
            "Progress": bar_column(95),
            "Last check-in": st.column_config.TextColumn(width=95),
            "Stale KRs": st.column_config.NumberColumn(width=75),
            "At risk / off track": st.column_config.NumberColumn(width=110),
            "Confidence": st.column_config.TextColumn(width=75),
            "Trend": st.column_config.LineChartColumn(
                y_min=0,
                y_max=10,
                width=100,
                help="Mean confidence of their check-ins, week by week (0–10)",
            ),
        },
    )
    shown = table.assign(Trend=[" ".join(map(str, t)) for t in table["Trend"]]).rename(
        columns={"Trend": "Confidence by week"}
    )
    download(shown, file_name, key=f"{key}.csv")


def metric_row(items: list[tuple[str, str, str | None]]) -> None:
    """Metrics side by side: (label, value, help)."""
    for column, (label, value, help_text) in zip(st.columns(len(items)), items, strict=True):
        column.metric(label, value, help=help_text, border=True)


def forecast_caption(low: float | None, high: float | None, samples: int) -> str:
    if low is None or high is None:
        return "No range yet: closed cycles hold too little history to learn from."
    return (
        f"Likely {percent(low)} – {percent(high)} (10th–90th percentile of how "
        f"{samples:,} past key results at this point of their cycle ended)."
    )


def unique_names(names: list[str]) -> list[str]:
    """Chart rows need distinct names: a repeated one gets " #2", " #3"…"""
    taken: set[str] = set()
    unique = []
    for name in names:
        candidate, number = name, 1
        while candidate in taken:
            number += 1
            candidate = f"{name} #{number}"
        taken.add(candidate)
        unique.append(candidate)
    return unique
