"""Drawing scores and reviews: zone badges, grade states, and a chart with its table and CSV.

Shared by "Review & grade" and "People"; nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from components.okr_view import badge_text
from core import files_out, i18n
from core.enums import CycleState, cycle_state_label
from core.i18n import N_, _
from core.scoring import Zone, zone, zone_label
from core.text import Markdown, md, md_join

ZONE_BADGE_COLORS = {Zone.RED: "red", Zone.YELLOW: "orange", Zone.GREEN: "green"}
# A zone's short name, as a score badge shows it next to the score.
ZONE_NAMES = {Zone.RED: N_("red"), Zone.YELLOW: N_("yellow"), Zone.GREEN: N_("green")}
GRADE_BADGES = {
    "ungraded": (N_("not graded"), "gray", ":material/radio_button_unchecked:"),
    "default": (N_("default, not confirmed"), "blue", ":material/pending:"),
    "proposed": (N_("proposal to confirm"), "violet", ":material/rate_review:"),
    "confirmed": (N_("confirmed"), "green", ":material/check_circle:"),
}


def has_value(value) -> bool:
    return value is not None and not pd.isna(value)


def score_text(score, decimals: int = 1) -> str:
    """A score as people write it (0.7, 0,7 in Vietnamese); none yet → "—"."""
    return _score_in(score, decimals, i18n.locale())


def score_formatter(decimals: int = 1) -> Callable[[float], str]:
    """score_text bound to this run's language, for a widget's format_func: Streamlit may
    call it outside the run (AppTest does), where another language would not match."""
    run_locale = i18n.locale()
    return lambda score: _score_in(score, decimals, run_locale)


def _score_in(score, decimals: int, locale) -> str:
    if not has_value(score):
        return "—"
    return i18n.format_fixed(float(score), decimals, locale)


def zone_name(score) -> str:
    """The zone's label for a score, or "" when there is none."""
    return zone_label(zone(score)) if has_value(score) else ""


def cycle_state_column(label: str) -> dict:
    """A table column of cycle states, shown by name (the data, and the CSV, keep the code)."""
    return st.column_config.SelectboxColumn(
        label, options=list(CycleState), format_func=cycle_state_label
    )


def score_column(label: str) -> dict:
    return st.column_config.NumberColumn(label, format="%.2f")


def share_column(label: str) -> dict:
    return st.column_config.NumberColumn(label, format="percent")


def score_badge(score, label: str | None = None, decimals: int = 1) -> None:
    """The score coloured by its zone, the zone named too (never colour alone). ``label`` is a
    translated template with ``{score}``, e.g. _("Proposed {score}"); default "Score {score}"."""
    text, color, area = _score_badge(score, label, decimals)
    st.badge(md(text), color=color, help=zone_label(area) if area else None)


def score_badge_text(score, label: str | None = None, decimals: int = 1) -> Markdown:
    """``score_badge`` as a Markdown directive, to put in a line of text."""
    text, color, _area = _score_badge(score, label, decimals)
    return badge_text(text, color)


def _score_badge(score, label: str | None, decimals: int) -> tuple[str, str, Zone | None]:
    template = _("Score {score}") if label is None else label
    if not has_value(score):
        return template.format(score="—"), "gray", None
    area = zone(score)
    text = f"{template.format(score=score_text(score, decimals))} · {_(ZONE_NAMES[area])}"
    return text, ZONE_BADGE_COLORS[area], area


def grade_text(kr) -> Markdown:
    """A key result's score (once it has one) and grade state, as badges in one line of
    Markdown (one element for what two or three badges would draw)."""
    label, color, icon = GRADE_BADGES[kr.grade_state]
    state = badge_text(_(label), color, icon)
    if kr.grade_state == "ungraded":
        return state
    return md_join(" ", [score_badge_text(kr.score), state])


def chart_and_table(
    chart: alt.Chart | dict | list[alt.Chart | dict] | None,
    table: pd.DataFrame,
    file_name: str,
    key: str,
    column_config: dict | None = None,
    empty: str | None = None,
    csv: pd.DataFrame | None = None,
) -> None:
    """A chart (or charts side by side) with its numbers behind a tab, and the numbers as a CSV
    download (``csv``: a fuller table to download than the one shown, e.g. every page).
    A chart may be an Altair chart or its cached Vega-Lite spec (shell.charts.spec); the CSV
    is made when the button is clicked, not on every run. ``column_config`` names the columns
    shown (translated labels); the CSV keeps the data's own column names."""
    if table.empty:
        st.caption(_("Nothing to show yet.") if empty is None else md(empty))
        return
    # Only the open tab is drawn (the other is drawn when chosen): a page of several such
    # sections then pays for the charts it shows, not for tables nobody opened.
    chart_tab, table_tab = st.tabs([_("Chart"), _("Table")], key=f"{key}.tabs", on_change="rerun")
    charts = [] if chart is None else chart if isinstance(chart, list) else [chart]
    if chart_tab.open:
        for column, each in zip(chart_tab.columns(len(charts) or 1), charts, strict=False):
            if isinstance(each, dict):
                column.vega_lite_chart(each, width="stretch")
            else:
                column.altair_chart(each, width="stretch")
    if table_tab.open:
        table_tab.dataframe(table, hide_index=True, column_config=column_config or {})
    st.download_button(
        _("Download CSV"),
        lambda data=(table if csv is None else csv): files_out.csv_bytes(data),
        file_name=file_name,
        mime="text/csv",
        key=f"{key}.csv",
        icon=":material/download:",
    )


SCORES = [i / 10 for i in range(11)]


def score_form(
    kr, key: str, menu: str, icon: str, reason_label: str, submit: str
) -> tuple[float, str] | None:
    """A KR's score and reason in a menu whose form is drawn only when it is opened (a page
    lists many KRs); the submitted (score, reason), else None. ``key`` prefixes the widget keys
    ("review" → review.score.<kr>.<version>); the labels come translated."""
    kr_id, version = int(kr.kr_id), int(kr.kr_version)
    box = st.popover(md(menu), icon=icon, key=f"{key}.menu.{kr_id}.{version}", on_change="rerun")
    if not box.open:
        return None
    current = float(kr.score if has_value(kr.score) else kr.default_score)
    with box, st.form(f"{key}.form.{kr_id}.{version}"):
        score = st.select_slider(
            _("Score"),
            SCORES,
            value=min(SCORES, key=lambda step: abs(step - current)),
            format_func=score_formatter(),
            key=f"{key}.score.{kr_id}.{version}",
        )
        reason = st.text_area(
            md(reason_label),
            value=kr.score_reason if isinstance(kr.score_reason, str) else "",
            key=f"{key}.reason.{kr_id}.{version}",
            max_chars=1000,
        )
        submitted = st.form_submit_button(md(submit), type="primary")
    return (score, reason) if submitted else None
