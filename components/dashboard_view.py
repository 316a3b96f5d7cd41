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
from babel import numbers

from core import files_out, i18n
from core.i18n import _, format_date, ngettext, pgettext
from core.progress import format_progress
from core.status import status_label
from core.text import md, md_format


def download(frame: pd.DataFrame, file_name: str, key: str, label: str | None = None) -> None:
    """A CSV download of ``frame``, made when the button is clicked (not on every run) by
    core.files_out. ``label``: already translated (default: "Download CSV")."""
    st.download_button(
        _("Download CSV") if label is None else md(label),
        lambda: files_out.csv_bytes(frame),
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
    shown: pd.DataFrame | None = None,
) -> None:
    """The chart, its data as a table behind a tab, and the table as a CSV download.
    ``chart``: an Altair chart, or its cached Vega-Lite spec (shell.charts.spec). ``shown``:
    the table as displayed, when it differs from the CSV's numbers (a missing number as "—":
    Streamlit would print "None")."""
    # Only the open tab is drawn (the other when chosen): a table nobody opened costs its
    # styling and its Arrow encoding on every run otherwise.
    chart_tab, table_tab = st.tabs([_("Chart"), _("Table")], key=f"{key}.tabs", on_change="rerun")
    if chart_tab.open:
        if isinstance(chart, dict):
            chart_tab.vega_lite_chart(chart, width="stretch")
        else:
            chart_tab.altair_chart(chart, width="stretch")
    if table_tab.open:
        table_tab.dataframe(
            grouped_numbers(table if shown is None else shown, column_config or {}),
            hide_index=True,
            column_config=column_config,
            width="stretch",
        )
    download(table, file_name, key=f"{key}.csv")


def grouped_numbers(table: pd.DataFrame, column_config: dict):
    """The table with its numbers written the language's way (18,794 / 18.794): Streamlit
    writes them plainly, whatever the language. Columns with a format of their own keep it."""
    plain = [c for c in table.select_dtypes("number").columns if c not in column_config]
    if not plain:
        return table
    return table.style.format(i18n.format_decimal, subset=plain)


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
        md_format(_("Page (of {pages})"), pages=count(pages)),
        min_value=1,
        max_value=pages,
        step=1,
        key=key,
        on_change=lambda: to_url(param, st.session_state[key], 1),
    )
    to_url(param, page, 1)
    return (int(page) - 1) * per_page


# --- tables -------------------------------------------------------------------------------------


def count(value: int) -> str:
    """A whole number with the language's thousands separator (1,234 / 1.234)."""
    return i18n.format_decimal(int(value), 0)


def fixed(value: float, decimals: int) -> str:
    """A number with exactly ``decimals`` places, in the language's way (7.5 / 7,5)."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return numbers.format_decimal(value, format=pattern, locale=i18n.locale())


def percent(value) -> str:
    return format_progress(None if value is None or pd.isna(value) else float(value))


def whole_percent(values) -> pd.Series:
    """Fractions (0.4567) as whole percentages (46) for tables and their CSV files."""
    return (pd.to_numeric(pd.Series(values), errors="coerce") * 100).round()


def percent_text(values) -> list[str]:
    """Whole percentages (from ``whole_percent``) as text: "56%", none yet → "—"."""
    return ["—" if pd.isna(v) else i18n.format_percent_value(float(v)) for v in values]


PERCENT_BAR = st.column_config.ProgressColumn(format="%d%%", min_value=0, max_value=100)


def bar_column(width: int):
    return st.column_config.ProgressColumn(format="%d%%", min_value=0, max_value=100, width=width)


PERCENT_NUMBER = st.column_config.NumberColumn(format="%d%%")
# A percentage written as text ("56%", "—" for none), right-aligned as numbers are.
PERCENT_TEXT = st.column_config.TextColumn(alignment="right")


def day_text(values) -> list[str]:
    """Moments as "Nov 25, 2026" (in the current language); none yet → "—"."""
    return ["—" if pd.isna(v) else format_date(pd.Timestamp(v).date()) for v in values]


def confidence_text(values, decimals: int = 0) -> list[str]:
    return ["—" if pd.isna(v) else f"{fixed(float(v), decimals)} / 10" for v in values]


def rows_height(rows: int) -> int:
    """A dataframe tall enough for a page of rows (no inner scrolling)."""
    return 35 * (rows + 1) + 3


def kr_list(frame: pd.DataFrame, key: str, file_name: str) -> None:
    """KRs from dashboard.krs_by_status, as people read them (no ids), with a CSV that also
    names each KR's objective."""
    kr, owner, team, status = _("Key result"), _("Owner"), _("Team"), _("Status")
    progress, confidence, last = _("Progress"), _("Confidence"), _("Last check-in")
    table = pd.DataFrame(
        {
            kr: frame["title"],
            owner: frame["owner"],
            team: frame["team"].fillna("—"),
            status: [status_label(s) for s in frame["status"]],
            progress: whole_percent(frame["progress"].clip(upper=1.0)).to_numpy(),
            confidence: confidence_text(frame["confidence"]),
            last: day_text(frame["last_checkin_at"]),
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=rows_height(len(table)),
        column_config={
            kr: st.column_config.TextColumn(width=240),
            owner: st.column_config.TextColumn(width=120),
            team: st.column_config.TextColumn(width=170),
            status: st.column_config.TextColumn(width=100),
            progress: bar_column(100),
            confidence: st.column_config.TextColumn(width=80),
            last: st.column_config.TextColumn(width=100),
        },
    )
    with_objective = table.assign(**{_("Objective"): frame["objective_title"].to_numpy()})
    download(with_objective, file_name, f"{key}.csv")


def member_table(frame: pd.DataFrame, key: str, file_name: str) -> None:
    """People of a team with their KRs (from dashboard.members), with a CSV."""
    person, team, progress = _("Person"), _("Team"), _("Progress")
    # TRANSLATORS: a narrow column header: how many key results a person owns (short, e.g. "KRs").
    krs = pgettext("column: a count", "Key results")
    last, stale, behind = _("Last check-in"), _("Stale KRs"), _("At risk / off track")
    confidence, trend = _("Confidence"), _("Trend")
    table = pd.DataFrame(
        {
            person: frame["name"],
            team: frame["team"].fillna("—"),
            krs: frame["krs"].astype(int),
            progress: whole_percent(frame["progress"]).to_numpy(),
            last: day_text(frame["last_checkin_at"]),
            stale: frame["stale_krs"].astype(int),
            behind: frame["behind_krs"].astype(int),
            confidence: confidence_text(frame["confidence"], 1),
            trend: frame["confidence_trend"],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=rows_height(len(table)),
        column_config={
            person: st.column_config.TextColumn(width=130),
            team: st.column_config.TextColumn(width=120),
            krs: st.column_config.NumberColumn(width=80),
            progress: bar_column(95),
            last: st.column_config.TextColumn(width=100),
            stale: st.column_config.NumberColumn(width=85),
            behind: st.column_config.NumberColumn(width=135),
            confidence: st.column_config.TextColumn(width=75),
            trend: st.column_config.LineChartColumn(
                y_min=0,
                y_max=10,
                width=100,
                help=_("Mean confidence of their check-ins, week by week (0–10)"),
            ),
        },
    )
    shown = table.assign(**{trend: [" ".join(map(str, t)) for t in table[trend]]}).rename(
        columns={trend: _("Confidence by week")}
    )
    download(shown, file_name, key=f"{key}.csv")


def metric_row(items: list[tuple[str, str, str | None]]) -> None:
    """Metrics side by side: (label, value, help), each shown as plain text."""
    for column, (label, value, help_text) in zip(st.columns(len(items)), items, strict=True):
        tip = None if help_text is None else md(help_text)
        column.metric(md(label), md(value), help=tip, border=True)


def forecast_caption(low: float | None, high: float | None, samples: int) -> str:
    if low is None or high is None:
        return _("No range yet: closed cycles hold too little history to learn from.")
    return ngettext(
        "Likely {low} – {high} (10th–90th percentile of how {samples} past key result at "
        "this point of its cycle ended).",
        "Likely {low} – {high} (10th–90th percentile of how {samples} past key results at "
        "this point of their cycle ended).",
        samples,
    ).format(low=percent(low), high=percent(high), samples=count(samples))


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
