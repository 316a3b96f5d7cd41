"""Altair charts as pure functions: tidy DataFrame in, alt.Chart out (tested via to_dict())."""

from __future__ import annotations

from datetime import date, datetime, time

import altair as alt
import pandas as pd

from core.enums import KRKind

CONFIDENCE_SCALE = alt.Scale(domain=[0, 5, 10], range=["#b91c1c", "#d97706", "#15803d"])


def pace_line(
    kind: str, start: float | None, target: float | None, cycle_start: date, cycle_end: date
) -> pd.DataFrame:
    """The expected path from start to target across the cycle (a threshold for stay_* KRs)."""
    begin = datetime.combine(cycle_start, time.min)
    end = datetime.combine(cycle_end, time.min)
    if kind in (KRKind.STAY_ABOVE, KRKind.STAY_BELOW):
        start = target
    if kind == KRKind.MILESTONE:
        start, target = 0.0, 1.0
    return pd.DataFrame(
        {"at": [begin, end], "value": [start, target], "series": ["expected pace"] * 2}
    )


def checkin_history_chart(history: pd.DataFrame, pace: pd.DataFrame, unit_title: str) -> alt.Chart:
    """Value over time (points coloured by confidence) against the expected pace line."""
    expected = (
        alt.Chart(pace)
        .mark_line(strokeDash=[6, 4], color="#6b7280")
        .encode(
            x=alt.X("at:T", title=None),
            y=alt.Y("value:Q", title=unit_title),
            tooltip=[alt.Tooltip("value:Q", title="expected")],
        )
    )
    actual_line = alt.Chart(history).mark_line(color="#2563eb").encode(x="at:T", y="value:Q")
    points = (
        alt.Chart(history)
        .mark_circle(size=90, opacity=1)
        .encode(
            x="at:T",
            y="value:Q",
            color=alt.Color("confidence:Q", scale=CONFIDENCE_SCALE, title="Confidence"),
            tooltip=[
                alt.Tooltip("at:T", title="when", format="%d %b %Y %H:%M"),
                alt.Tooltip("value:Q", title="value", format=",.2f"),
                alt.Tooltip("confidence:Q", title="confidence"),
                alt.Tooltip("author:N", title="by"),
                alt.Tooltip("note:N", title="note"),
            ],
        )
    )
    return (expected + actual_line + points).properties(height=280)
