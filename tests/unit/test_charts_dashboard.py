"""Dashboard and Alignment charts (components/charts.py) read through their Vega-Lite specs:
long team lists stay readable (a fixed height per row, names cut with "…" past a width,
rows in the order given), colours carry meaning, and ranges stay within 0–100 %."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from components import charts
from components.dashboard_view import unique_names
from core.status import STATUS_COLORS


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def encoding(spec: dict, layer: int = 0) -> dict:
    return layers(spec)[layer]["encoding"]


def heatmap_frame(units: list[str], weeks: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"unit": unit, "week": w, "label": f"W{w + 1}", "progress": w / 10, "krs": 4}
            for unit in units
            for w in range(weeks)
        ]
    )


def test_a_heatmap_row_keeps_its_height_however_many_teams_there_are():
    few = charts.team_week_heatmap(heatmap_frame(["A", "B"]), ["A", "B"]).to_dict()
    names = [f"Team {n}" for n in range(20)]
    many = charts.team_week_heatmap(heatmap_frame(names), names).to_dict()
    assert many["height"] == 20 * charts.ROW_HEIGHT
    assert many["height"] > few["height"]
    # Streamlit would otherwise squeeze axes and legend into the height, and the rows with it.
    assert many["autosize"] == {"type": "fit-x", "contains": "padding"}


def test_a_heatmap_shows_rows_in_the_given_order_with_long_names_cut_and_weeks_in_order():
    order = ["Zeta", "Alpha"]
    spec = charts.team_week_heatmap(heatmap_frame(order), order).to_dict()
    y, x = encoding(spec)["y"], encoding(spec)["x"]
    assert y["sort"] == order
    assert y["axis"]["labelLimit"] == charts.LABEL_LIMIT
    assert x["sort"] == {"field": "week"} and x["axis"]["labelAngle"] == 0
    color = encoding(spec)["color"]
    assert color["scale"]["domain"] == [0, 1]  # 100 % is the darkest, whatever the data
    assert encoding(spec, 1)["text"]["format"] == ".0%"  # each cell says its percentage


def test_status_bars_use_the_status_colours_worst_last():
    frame = pd.DataFrame(
        {
            "status": ["On track", "Off track"],
            "krs": [3, 5],
            "color": [STATUS_COLORS["on_track"], STATUS_COLORS["off_track"]],
        }
    )
    spec = charts.status_distribution_chart(frame).to_dict()
    assert encoding(spec)["y"]["sort"] == ["On track", "Off track"]
    assert encoding(spec)["color"] == {
        "field": "color",
        "legend": None,
        "scale": None,
        "type": "nominal",
    }


def test_freshness_stacks_each_team_to_100_percent_in_a_fixed_colour_order():
    frame = pd.DataFrame(
        {
            "unit": ["A", "A", "B"],
            "freshness": ["never", "within 7 days", "never"],
            "krs": [1, 3, 2],
        }
    )
    spec = charts.freshness_chart(frame, ["B", "A"]).to_dict()
    enc = encoding(spec)
    assert enc["x"]["stack"] == "normalize"
    assert enc["color"]["scale"]["domain"] == list(charts.FRESHNESS_COLORS)
    assert enc["color"]["scale"]["range"] == list(charts.FRESHNESS_COLORS.values())
    assert enc["y"]["sort"] == ["B", "A"]
    assert spec["height"] == charts._rows_height(2)


def test_cycle_comparison_puts_measures_side_by_side_on_a_0_to_100_percent_scale():
    frame = pd.DataFrame(
        {
            "cycle": ["Q1", "Q1", "Q2"],
            "measure": ["Mean KR progress", "Mean KR score", "Mean KR progress"],
            "value": [0.5, 0.6, 0.4],
        }
    )
    spec = charts.cycle_comparison_chart(frame).to_dict()
    enc = encoding(spec)
    assert enc["xOffset"]["field"] == "measure"
    assert enc["x"]["sort"] == ["Q1", "Q2"]
    assert enc["y"]["scale"]["domain"] == [0, 1]


def test_progress_over_time_adds_the_forecast_and_its_range_only_when_there_is_one():
    weekly = pd.DataFrame({"at": [datetime(2026, 1, 8)], "progress": [0.1]})
    pace = pd.DataFrame({"at": [datetime(2026, 1, 1), datetime(2026, 3, 31)], "expected": [0, 1]})
    ahead = pd.DataFrame(
        {"at": [datetime(2026, 3, 31)], "forecast": [0.7], "low": [0.5], "high": [0.9]}
    )
    empty = ahead.iloc[0:0]
    without = charts.progress_over_time_chart(weekly, pace, empty).to_dict()
    with_forecast = charts.progress_over_time_chart(weekly, pace, ahead).to_dict()
    assert len(without["layer"]) == 2 and len(with_forecast["layer"]) == 4
    rule = with_forecast["layer"][2]
    assert rule["mark"]["type"] == "rule" and rule["encoding"]["y2"]["field"] == "high"
    assert without["layer"][0]["mark"]["strokeDash"]  # the expected pace is dashed


def test_forecast_rows_do_not_stack_and_stay_on_a_0_to_100_percent_axis():
    frame = pd.DataFrame(
        {
            "name": ["Company (mean)", "Grow"],
            "progress": [0.4, 0.3],
            "forecast": [0.6, 0.5],
            "low": [0.4, 0.3],
            "high": [0.9, 0.8],
        }
    )
    spec = charts.forecast_chart(frame).to_dict()
    bar, rule, point = spec["layer"]
    assert bar["encoding"]["x"]["stack"] is None
    assert bar["encoding"]["x"]["scale"]["domain"] == [0, 1]
    assert rule["encoding"]["x2"]["field"] == "high"
    assert point["encoding"]["x"]["field"] == "forecast"
    assert bar["encoding"]["y"]["sort"] == ["Company (mean)", "Grow"]


def test_alignment_share_lists_the_least_aligned_team_first():
    frame = pd.DataFrame(
        {
            "unit": ["A", "B", "C"],
            "share": [0.9, 0.4, 0.7],
            "objectives": [10, 5, 3],
            "orphans": [1, 3, 1],
        }
    )
    spec = charts.alignment_share_chart(frame).to_dict()
    assert encoding(spec)["y"]["sort"] == ["B", "C", "A"]
    assert encoding(spec)["x"]["scale"]["domain"] == [0, 1]


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["A", "B"], ["A", "B"]),
        (["A", "A", "A"], ["A", "A #2", "A #3"]),
        (["A", "A #2", "A"], ["A", "A #2", "A #3"]),
    ],
)
def test_chart_rows_get_distinct_names(names, expected):
    assert unique_names(names) == expected
