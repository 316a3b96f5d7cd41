"""Altair charts as pure functions: tidy DataFrame in, alt.Chart out (tested via to_dict())."""

from __future__ import annotations

from datetime import date, datetime, time

import altair as alt
import pandas as pd

from core import i18n
from core.enums import KRKind
from core.i18n import N_, _
from core.scoring import ZONE_COLORS, ZONE_LABELS, Zone, zone

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


# A time axis's ticks day first, as the app writes dates ("04 Oct", "04 thg 10"), and hours on
# the 24-hour clock; Vega's defaults are month first and 12-hour. Months and years keep Vega's.
DAY_FIRST_TICKS = {"date": "%d %b", "week": "%d %b", "hours": "%H:%M", "minutes": "%H:%M"}


def checkin_history_chart(history: pd.DataFrame, pace: pd.DataFrame, unit_title: str) -> alt.Chart:
    """Value over time (points coloured by confidence) against the expected pace line."""
    expected = (
        alt.Chart(pace)
        .mark_line(strokeDash=[6, 4], color="#6b7280")
        .encode(
            x=alt.X("at:T", title=None, axis=alt.Axis(format=DAY_FIRST_TICKS)),
            y=alt.Y("value:Q", title=unit_title),
            tooltip=[alt.Tooltip("value:Q", title=_("expected"))],
        )
    )
    actual_line = alt.Chart(history).mark_line(color="#2563eb").encode(x="at:T", y="value:Q")
    points = (
        alt.Chart(history)
        .mark_circle(size=90, opacity=1)
        .encode(
            x="at:T",
            y="value:Q",
            color=alt.Color("confidence:Q", scale=CONFIDENCE_SCALE, title=_("Confidence")),
            tooltip=[
                alt.Tooltip("at:T", title=_("when"), format="%d %b %Y %H:%M"),
                alt.Tooltip("value:Q", title=_("value"), format=",.2f"),
                alt.Tooltip("confidence:Q", title=_("confidence")),
                alt.Tooltip("author:N", title=_("by")),
                alt.Tooltip("note:N", title=_("note")),
            ],
        )
    )
    return (expected + actual_line + points).properties(height=280)


# --- cycle review and people (Review & grade, People) -------------------------------------------

ZONE_ORDER = [zone.value for zone in Zone]
ZONE_SCALE = alt.Scale(domain=ZONE_ORDER, range=[ZONE_COLORS[zone] for zone in Zone])


def zone_legend_labels() -> dict[str, str]:
    """Each zone's label in the current language (core.scoring.ZONE_LABELS), by zone value."""
    return {zone.value: _(ZONE_LABELS[zone]) for zone in Zone}


def _js_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _zone_legend() -> alt.Legend:
    """The zone legend, its labels in the current language (built per chart, not at import)."""
    return alt.Legend(
        title=_("Zone"),
        orient="bottom",
        labelExpr=" : ".join(
            f"datum.value == '{zone}' ? {_js_string(label)}"
            for zone, label in zone_legend_labels().items()
        )
        + " : datum.value",
    )


# 0.7 is success for an aspirational OKR: drawn as a dashed rule on score charts.
SUCCESS_SCORE = 0.7


def _zones_long(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """red/yellow/green count columns → one row per key and zone (with the zone's label)."""
    long = frame.melt(id_vars=keys, value_vars=ZONE_ORDER, var_name="zone", value_name="count")
    long["zone_label"] = long["zone"].map(zone_legend_labels())
    return long


def zone_distribution_chart(zones: pd.DataFrame) -> alt.Chart:
    """Scored objectives per zone (db.queries.review.zone_counts): one bar each, counted."""
    base = alt.Chart(zones).encode(
        x=alt.X(
            "label:N",
            sort=list(zones["label"]),
            title=None,
            axis=alt.Axis(labelAngle=0, labelLimit=240),
        ),
        y=alt.Y("objectives:Q", title=_("Objectives")),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("zone:N", scale=ZONE_SCALE, legend=None),
        tooltip=[
            alt.Tooltip("label:N", title=_("zone")),
            alt.Tooltip("objectives:Q", title=_("objectives")),
            alt.Tooltip("share:Q", title=_("share"), format=".0%"),
        ],
    )
    labels = base.mark_text(dy=-8, fontSize=13).encode(text=alt.Text("objectives:Q"))
    return (bars + labels).properties(height=260)


def team_zone_chart(teams: pd.DataFrame) -> alt.Chart:
    """Each team's scored objectives split by zone (shares), teams in the frame's order
    (db.queries.review.team_scores), with the mean score in the tooltip."""
    labelled = teams.assign(
        label=[
            f"{team} · {'—' if pd.isna(mean) else i18n.format_fixed(mean, 2)}"
            for team, mean in zip(teams["team"], teams["mean_score"], strict=True)
        ]
    )
    long = _zones_long(labelled, ["label", "team", "mean_score", "scored"])
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y(
                "label:N",
                sort=list(labelled["label"]),
                title=_("Team · mean score"),
                axis=alt.Axis(labelLimit=300),
            ),
            x=alt.X("count:Q", stack="normalize", title=_("Share of scored objectives"),
                    axis=alt.Axis(format="%")),
            color=alt.Color("zone:N", scale=ZONE_SCALE, legend=_zone_legend()),
            order=alt.Order("zone_rank:Q"),
            tooltip=[
                alt.Tooltip("team:N", title=_("team")),
                alt.Tooltip("zone_label:N", title=_("zone")),
                alt.Tooltip("count:Q", title=_("objectives")),
                alt.Tooltip("scored:Q", title=_("scored objectives")),
                alt.Tooltip("mean_score:Q", title=_("mean score"), format=".2f"),
            ],
        )
        .transform_calculate(zone_rank=f"indexof({ZONE_ORDER!r}, datum.zone)")
        # Streamlit fits the whole chart (axis and legend included) into this height.
        .properties(height=28 * len(teams) + 130)
    )  # fmt: skip


def cycle_zone_chart(comparison: pd.DataFrame) -> alt.LayerChart:
    """Zone shares of scored objectives per cycle, oldest first (review.cycle_comparison)."""
    long = _zones_long(comparison, ["cycle", "mean_score", "scored"])
    bars = (
        alt.Chart(long)
        .mark_bar(size=56)
        .encode(
            x=alt.X("cycle:N", sort=list(comparison["cycle"]), title=None,
                    axis=alt.Axis(labelAngle=0)),
            y=alt.Y("count:Q", stack="normalize", title=_("Share"), axis=alt.Axis(format="%")),
            color=alt.Color("zone:N", scale=ZONE_SCALE, legend=_zone_legend()),
            order=alt.Order("zone_rank:Q"),
            tooltip=[
                alt.Tooltip("cycle:N", title=_("cycle")),
                alt.Tooltip("zone_label:N", title=_("zone")),
                alt.Tooltip("count:Q", title=_("objectives")),
                alt.Tooltip("scored:Q", title=_("scored objectives")),
            ],
        )
        .transform_calculate(zone_rank=f"indexof({ZONE_ORDER!r}, datum.zone)")
    )  # fmt: skip
    # A layer, like mean_score_chart beside it: Streamlit then keeps the title in view.
    title = alt.TitleParams(_("Zone shares"), subtitle=_("of the scored objectives, per cycle"))
    return alt.layer(bars).properties(height=340, title=title)


def _success_rule() -> alt.Chart:
    return (
        alt.Chart(pd.DataFrame({"score": [SUCCESS_SCORE]}))
        .mark_rule(strokeDash=[6, 4], color="#374151")
        .encode(y="score:Q", tooltip=[alt.Tooltip("score:Q", title=_("success from"))])
    )


def mean_score_chart(
    frame: pd.DataFrame,
    x: str = "cycle",
    score: str = "mean_score",
    title: str | None = None,
) -> alt.Chart:
    """Mean score per cycle (oldest first) as bars coloured by their zone, against the 0.7
    success line; cycles without a score are left out. ``title``: already translated
    (default: "Mean objective score")."""
    scored = frame[frame[score].notna()].copy()
    # Coloured by the value shown (2 decimals): a mean of 0.3996 reads 0.40 and is yellow.
    scored["zone"] = [zone(round(value, 2)).value for value in scored[score]]
    scored["zone_label"] = scored["zone"].map(zone_legend_labels())
    base = alt.Chart(scored).encode(
        x=alt.X(f"{x}:N", sort=list(scored[x]), title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{score}:Q", title=_("Mean score"), scale=alt.Scale(domain=[0, 1])),
    )
    bars = base.mark_bar(size=56).encode(
        color=alt.Color("zone:N", scale=ZONE_SCALE, legend=None),
        tooltip=[
            alt.Tooltip(f"{x}:N", title=_("cycle")),
            alt.Tooltip(f"{score}:Q", title=_("mean score"), format=".2f"),
            alt.Tooltip("zone_label:N", title=_("zone")),
        ],
    )
    labels = base.mark_text(dy=-8).encode(text=alt.Text(f"{score}:Q", format=".2f"))
    title = alt.TitleParams(
        _("Mean objective score") if title is None else title,
        subtitle=_("dashed line: 0.7, success for an aspirational OKR"),
    )
    return (bars + labels + _success_rule()).properties(height=280, title=title)


def discipline_chart(cycles: pd.DataFrame) -> alt.Chart:
    """Check-in discipline per cycle (share of weeks with a check-in), oldest first."""
    known = cycles[cycles["consistency"].notna()]
    base = alt.Chart(known).encode(
        x=alt.X("cycle:N", sort=list(known["cycle"]), title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("consistency:Q", title=_("Weeks with a check-in"),
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
    )  # fmt: skip
    bars = base.mark_bar(color="#2563eb", size=56).encode(
        tooltip=[
            alt.Tooltip("cycle:N", title=_("cycle")),
            alt.Tooltip("consistency:Q", title=_("weeks with a check-in"), format=".0%"),
            alt.Tooltip("krs:Q", title=_("key results")),
        ]
    )
    labels = base.mark_text(dy=-8).encode(text=alt.Text("consistency:Q", format=".0%"))
    return (bars + labels).properties(height=260)


def confidence_history_chart(history: pd.DataFrame) -> alt.Chart:
    """Confidence (0–10) at each check-in, one line per key result (people.confidence_history)."""
    base = alt.Chart(history).encode(
        x=alt.X("at:T", title=None, axis=alt.Axis(format=DAY_FIRST_TICKS)),
        y=alt.Y("confidence:Q", title=_("Confidence"), scale=alt.Scale(domain=[0, 10])),
        color=alt.Color("kr:N", title=_("Key result"),
                        legend=alt.Legend(orient="bottom", columns=1, labelLimit=600)),
    )  # fmt: skip
    lines = base.mark_line(interpolate="step-after", opacity=0.8)
    points = base.mark_circle(size=50, opacity=1).encode(
        tooltip=[
            alt.Tooltip("at:T", title=_("when"), format="%d %b %Y"),
            alt.Tooltip("kr:N", title=_("key result")),
            alt.Tooltip("confidence:Q", title=_("confidence")),
            alt.Tooltip("note:N", title=_("note")),
        ]
    )
    # Streamlit fits legend and axes into the height: one legend line per KR on top of the plot.
    return (lines + points).properties(height=340 + 22 * history["kr"].nunique())


# --- recognition (Leaderboard) -----------------------------------------------------------------

PODIUM_COLORS = {1: "#C9A227", 2: "#8E9AAF", 3: "#B87333"}  # gold, silver, bronze
_PLACES = {1: N_("1st"), 2: N_("2nd"), 3: N_("3rd")}
BAR_COLOR, YOU_COLOR = "#2563eb", "#f59e0b"
_POINTS_LABEL = "(datum.value > 0 ? '+' : '') + format(datum.value * 100, 'd')"


def _place(rank: int) -> str:
    """A podium place as people say it: "1st", "2nd", "3rd", "4th"."""
    if rank in _PLACES:
        return _(_PLACES[rank])
    return _("{rank}th").format(rank=rank)


def _unique_entries(labels: list[str]) -> list[str]:
    """Chart categories must be unique: namesakes get invisible zero-width suffixes."""
    seen: dict[str, int] = {}
    entries = []
    for label in labels:
        count = seen.get(label, 0)
        seen[label] = count + 1
        entries.append(label + "\u200b" * count)
    return entries


def podium_chart(top: pd.DataFrame) -> alt.Chart:
    """The first three of a ranked board as a podium: 2nd left, 1st in the middle, 3rd right.

    ``top``: rows best first with ``name``, ``rank`` and ``label`` (the value as text). Blocks
    stand as high as their place, so tied places stand level and share a colour.
    """
    rows = top.head(3).reset_index(drop=True)
    slot_of_position = {0: 1, 1: 0, 2: 2}  # left to right: 2nd, 1st, 3rd
    data = pd.DataFrame(
        {
            "slot": [slot_of_position[i] for i in range(len(rows))],
            "name": list(rows["name"]),
            "label": list(rows["label"]),
            "rank": [int(r) for r in rows["rank"]],
        }
    )
    data["place"] = [_place(r) for r in data["rank"]]
    data["height"] = [max(4 - r, 0.6) for r in data["rank"]]
    data["middle"] = data["height"] / 2
    x = alt.X("slot:O", axis=None, scale=alt.Scale(domain=[0, 1, 2], paddingInner=0.12))
    y_scale = alt.Scale(domain=[0, 4.3])
    base = alt.Chart(data).encode(x=x)
    blocks = base.mark_bar(cornerRadiusTopLeft=6, cornerRadiusTopRight=6).encode(
        y=alt.Y("height:Q", axis=None, scale=y_scale),
        color=alt.Color(
            "rank:O",
            scale=alt.Scale(domain=list(PODIUM_COLORS), range=list(PODIUM_COLORS.values())),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("place:N", title=_("place")),
            alt.Tooltip("name:N", title=_("name")),
            alt.Tooltip("label:N", title=_("value")),
        ],
    )
    names = base.mark_text(dy=-30, fontSize=14, fontWeight="bold", limit=280).encode(
        y=alt.Y("height:Q", scale=y_scale), text="name:N"
    )
    values = base.mark_text(dy=-12, fontSize=13, limit=280).encode(
        y=alt.Y("height:Q", scale=y_scale), text="label:N"
    )
    places = base.mark_text(fontSize=20, fontWeight="bold", color="white").encode(
        y=alt.Y("middle:Q", scale=y_scale), text="place:N"
    )
    return (blocks + names + values + places).properties(height=220)


def leaderboard_bar_chart(
    rows: pd.DataFrame, value_title: str, percent: bool, points: bool = False
) -> alt.Chart:
    """One horizontal bar per ranked row, best at the top; the signed-in person's (or their
    team's) bar in amber. ``rows``: ``rank_text`` ("1", "=2"), ``name``, ``value``, ``label``
    and ``you`` (bool), in ranked order. ``percent``: values are shares (0.5 → 50%);
    ``points``: shares gained, labelled as signed percentage points (0.5 → +50)."""
    data = pd.DataFrame(
        {
            "entry": _unique_entries(
                [f"{r}. {n}" for r, n in zip(rows["rank_text"], rows["name"], strict=True)]
            ),
            "name": list(rows["name"]),
            "value": [float(v) for v in rows["value"]],
            "label": list(rows["label"]),
            "who": ["you" if y else "others" for y in rows["you"]],
        }
    )
    axis_format = ".0%" if percent else "d"
    base = alt.Chart(data).encode(
        y=alt.Y(
            "entry:N",
            sort=list(data["entry"]),
            title=None,
            axis=alt.Axis(labelLimit=260, labelOverlap=False),
        ),
        x=alt.X(
            "value:Q",
            title=value_title,
            axis=alt.Axis(
                format=axis_format,
                tickMinStep=0.1 if points else 0.05 if percent else 1,
                **({"labelExpr": _POINTS_LABEL} if points else {}),
            ),
        ),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "who:N",
            scale=alt.Scale(domain=["others", "you"], range=[BAR_COLOR, YOU_COLOR]),
            legend=None,
        ),
        tooltip=[alt.Tooltip("name:N", title=_("name")), alt.Tooltip("label:N", title=value_title)],
    )
    labels = base.mark_text(align="left", dx=4).encode(text="label:N")
    return (bars + labels).properties(height=alt.Step(28))


# --- Dashboard and Alignment ------------------------------------------------------------------

ROW_HEIGHT = 26  # px per row of a per-team chart: long team lists stay readable
LABEL_LIMIT = 260  # px of a team or objective name before it is cut with "…"
PROGRESS_SCALE = alt.Scale(domain=[0, 1], range=["#f1f5f9", "#0f766e"])
FRESHNESS_COLORS = {  # by the time since a KR's last check-in (English labels: _() them)
    N_("within 7 days"): "#1B7F3B",
    N_("8–13 days ago"): "#B45309",
    N_("14+ days ago"): "#6B5B95",
    N_("never"): "#9CA3AF",
}


# Streamlit fits a chart's *whole* height (axes and legends included) into its height unless
# the spec says otherwise; per-row charts size their plot area instead, so rows never squash.
ROWS_AUTOSIZE = alt.AutoSizeParams(type="fit-x", contains="padding")


def _rows_height(rows: int, minimum: int = 60) -> int:
    return max(minimum, ROW_HEIGHT * rows)


def team_week_heatmap(frame: pd.DataFrame, order: list[str]) -> alt.Chart:
    """Progress by team (rows, in ``order``) and week (columns): columns unit, week, label,
    progress (0..1), krs. Each cell shows its percentage; colour deepens with progress."""
    rows = len(order)
    base = alt.Chart(frame).encode(
        x=alt.X(
            "label:N",
            title=None,
            sort=alt.SortField("week"),
            # "W3 · 15 Oct" on two lines: 13 weeks fit side by side without hiding labels.
            axis=alt.Axis(
                labelAngle=0, orient="top", labelLimit=90, labelExpr="split(datum.label, ' · ')"
            ),
        ),
        y=alt.Y("unit:N", title=None, sort=order, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "progress:Q",
            scale=PROGRESS_SCALE,
            title=_("Mean KR progress"),
            legend=alt.Legend(format=".0%", orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("unit:N", title=_("team")),
            alt.Tooltip("label:N", title=_("week")),
            alt.Tooltip("progress:Q", title=_("mean KR progress"), format=".0%"),
            alt.Tooltip("krs:Q", title=_("key results")),
        ],
    )
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("progress:Q", format=".0%"),
        color=alt.condition(alt.datum.progress > 0.55, alt.value("white"), alt.value("#111827")),
    )
    return (cells + text).properties(height=_rows_height(rows), autosize=ROWS_AUTOSIZE)


def status_distribution_chart(frame: pd.DataFrame) -> alt.Chart:
    """KRs per status: columns status (label), krs, color; worst last, in the given order."""
    order = list(frame["status"])
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("krs:Q", title=_("Key results")),
            y=alt.Y("status:N", title=None, sort=order, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            color=alt.Color("color:N", scale=None, legend=None),
            tooltip=[
                alt.Tooltip("status:N", title=_("status")),
                alt.Tooltip("krs:Q", title=_("key results")),
            ],
        )
        .properties(height=_rows_height(len(order)), autosize=ROWS_AUTOSIZE)
    )


def freshness_chart(frame: pd.DataFrame, order: list[str]) -> alt.Chart:
    """Share of each team's KRs by time since their last check-in (stacked to 100 %):
    columns unit, freshness (an English label of FRESHNESS_COLORS, shown translated), krs."""
    labels = [_(label) for label in FRESHNESS_COLORS]
    shown = frame.assign(freshness=[_(label) for label in frame["freshness"]])
    return (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            x=alt.X(
                "krs:Q",
                stack="normalize",
                title=_("Share of key results"),
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y("unit:N", title=None, sort=order, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            color=alt.Color(
                "freshness:N",
                title=_("Last check-in"),
                sort=labels,
                scale=alt.Scale(domain=labels, range=list(FRESHNESS_COLORS.values())),
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=160),
            ),
            order=alt.Order("rank:Q"),
            tooltip=[
                alt.Tooltip("unit:N", title=_("team")),
                alt.Tooltip("freshness:N", title=_("last check-in")),
                alt.Tooltip("krs:Q", title=_("key results")),
            ],
        )
        .transform_calculate(rank=f"indexof({labels!r}, datum.freshness)")
        .properties(height=_rows_height(len(order)), autosize=ROWS_AUTOSIZE)
    )


def cycle_comparison_chart(frame: pd.DataFrame) -> alt.Chart:
    """Cycles side by side: columns cycle, measure, value (0..1), in cycle order."""
    cycles = list(dict.fromkeys(frame["cycle"]))
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X(
                "cycle:N", title=None, sort=cycles, axis=alt.Axis(labelAngle=0, labelLimit=120)
            ),
            xOffset=alt.XOffset("measure:N"),
            y=alt.Y(
                "value:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")
            ),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(range=["#2563eb", "#0f766e", "#B45309"]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("cycle:N", title=_("cycle")),
                alt.Tooltip("measure:N", title=_("measure")),
                alt.Tooltip("value:Q", title=_("value"), format=".0%"),
            ],
        )
        .properties(height=260)
    )


def progress_over_time_chart(
    weekly: pd.DataFrame, pace: pd.DataFrame, forecast: pd.DataFrame
) -> alt.Chart:
    """Progress week by week (columns at, progress) against the expected pace (columns at,
    expected: a straight line from 0 to 100 %), with the forecast at the cycle's end (columns
    at, forecast, low, high; may be empty)."""
    y = alt.Y("value:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%"))
    x = alt.X(
        "at:T", title=None, scale=alt.Scale(padding=14), axis=alt.Axis(format="%d %b", labelAngle=0)
    )
    expected = (
        alt.Chart(pace.rename(columns={"expected": "value"}))
        .mark_line(strokeDash=[6, 4], color="#6b7280")
        .encode(x=x, y=y, tooltip=[alt.Tooltip("value:Q", title=_("expected"), format=".0%")])
    )
    actual = (
        alt.Chart(weekly.rename(columns={"progress": "value"}))
        .mark_line(point=True, color="#2563eb")
        .encode(
            x=x,
            y=y,
            tooltip=[
                alt.Tooltip("at:T", title=_("week to"), format="%d %b"),
                alt.Tooltip("value:Q", title=_("progress"), format=".0%"),
            ],
        )
    )
    layers = [expected, actual]
    if not forecast.empty:
        ahead = forecast.rename(columns={"forecast": "value"})
        layers.append(
            alt.Chart(ahead)
            .mark_rule(color="#B45309", strokeWidth=2)
            .encode(x=x, y=alt.Y("low:Q"), y2="high:Q")
        )
        layers.append(
            alt.Chart(ahead)
            .mark_point(shape="diamond", size=140, filled=True, color="#B45309")
            .encode(
                x=x,
                y=y,
                tooltip=[
                    alt.Tooltip("value:Q", title=_("forecast"), format=".0%"),
                    alt.Tooltip("low:Q", title=_("likely from"), format=".0%"),
                    alt.Tooltip("high:Q", title=_("likely to"), format=".0%"),
                ],
            )
        )
    return alt.layer(*layers).properties(height=280)


def forecast_chart(frame: pd.DataFrame) -> alt.Chart:
    """Per row (columns name, progress, forecast, low, high; in the given order): progress so
    far as a bar, the forecast as a diamond and its likely range as a line."""
    order = list(frame["name"])
    y = alt.Y("name:N", title=None, sort=order, axis=alt.Axis(labelLimit=LABEL_LIMIT))
    x_scale = alt.Scale(domain=[0, 1])
    progress = (
        alt.Chart(frame)
        .mark_bar(color="#cbd5e1", height=14)
        .encode(
            x=alt.X("progress:Q", title=None, scale=x_scale, axis=alt.Axis(format="%"), stack=None),
            y=y,
            tooltip=[
                alt.Tooltip("name:N", title=_("objective")),
                alt.Tooltip("progress:Q", title=_("progress"), format=".0%"),
                alt.Tooltip("forecast:Q", title=_("forecast"), format=".0%"),
                alt.Tooltip("low:Q", title=_("likely from"), format=".0%"),
                alt.Tooltip("high:Q", title=_("likely to"), format=".0%"),
            ],
        )
    )
    spread = (
        alt.Chart(frame)
        .mark_rule(color="#B45309", strokeWidth=2)
        .encode(x=alt.X("low:Q", scale=x_scale), x2="high:Q", y=y)
    )
    point = (
        alt.Chart(frame)
        .mark_point(shape="diamond", size=120, filled=True, color="#B45309")
        .encode(x=alt.X("forecast:Q", scale=x_scale), y=y)
    )
    return (progress + spread + point).properties(
        height=_rows_height(len(order)), autosize=ROWS_AUTOSIZE
    )


def alignment_share_chart(frame: pd.DataFrame) -> alt.Chart:
    """Share of each team's objectives aligned to a company objective: columns unit, share
    (0..1), objectives, orphans; least aligned first."""
    order = list(frame.sort_values(["share", "unit"])["unit"])
    return (
        alt.Chart(frame)
        .mark_bar(color="#0f766e")
        .encode(
            x=alt.X(
                "share:Q",
                title=_("Aligned to a company objective"),
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y("unit:N", title=None, sort=order, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            tooltip=[
                alt.Tooltip("unit:N", title=_("team")),
                alt.Tooltip("share:Q", title=_("aligned"), format=".0%"),
                alt.Tooltip("objectives:Q", title=_("objectives")),
                alt.Tooltip("orphans:Q", title=_("not aligned")),
            ],
        )
        .properties(height=_rows_height(len(order)), autosize=ROWS_AUTOSIZE)
    )
