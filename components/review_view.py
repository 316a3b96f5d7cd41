"""Drawing scores and reviews: zone badges, grade states, and a chart with its table and CSV.

Shared by "Review & grade" and "People"; nothing here reads the database.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from core.scoring import ZONE_LABELS, Zone, zone

ZONE_BADGE_COLORS = {Zone.RED: "red", Zone.YELLOW: "orange", Zone.GREEN: "green"}
GRADE_BADGES = {
    "ungraded": ("not graded", "gray", ":material/radio_button_unchecked:"),
    "default": ("default, not confirmed", "blue", ":material/pending:"),
    "proposed": ("proposal to confirm", "violet", ":material/rate_review:"),
    "confirmed": ("confirmed", "green", ":material/check_circle:"),
}


def has_value(value) -> bool:
    return value is not None and not pd.isna(value)


def score_text(score, decimals: int = 1) -> str:
    """A score as people write it (0.7); none yet → "—"."""
    return f"{float(score):.{decimals}f}" if has_value(score) else "—"


def zone_name(score) -> str:
    """The zone's label for a score, or "" when there is none."""
    return ZONE_LABELS[zone(score)] if has_value(score) else ""


def score_badge(score, prefix: str = "Score ", decimals: int = 1) -> None:
    """The score coloured by its zone, the zone named too (never colour alone)."""
    if not has_value(score):
        st.badge(f"{prefix}—", color="gray")
        return
    area = zone(score)
    st.badge(
        f"{prefix}{float(score):.{decimals}f} · {area.value}",
        color=ZONE_BADGE_COLORS[area],
        help=ZONE_LABELS[area],
    )


def grade_badge(state: str) -> None:
    label, color, icon = GRADE_BADGES[state]
    st.badge(label, color=color, icon=icon)


def chart_and_table(
    chart: alt.Chart | dict | list[alt.Chart | dict] | None,
    table: pd.DataFrame,
    file_name: str,
    key: str,
    column_config: dict | None = None,
    empty: str = "Nothing to show yet.",
    csv: pd.DataFrame | None = None,
) -> None:
    """A chart (or charts side by side) with its numbers behind a tab, and the numbers as a CSV
    download (``csv``: a fuller table to download than the one shown, e.g. every page).
    A chart may be an Altair chart or its cached Vega-Lite spec (shell.charts.spec); the CSV
    is made when the button is clicked, not on every run."""
    if table.empty:
        st.caption(empty)
        return
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    charts = [] if chart is None else chart if isinstance(chart, list) else [chart]
    for column, each in zip(chart_tab.columns(len(charts) or 1), charts, strict=False):
        if isinstance(each, dict):
            column.vega_lite_chart(each, width="stretch")
        else:
            column.altair_chart(each, width="stretch")
    table_tab.dataframe(table, hide_index=True, column_config=column_config or {})
    st.download_button(
        "Download CSV",
        lambda data=(table if csv is None else csv): data.to_csv(index=False).encode("utf-8"),
        file_name=file_name,
        mime="text/csv",
        key=f"{key}.csv",
        icon=":material/download:",
    )
