"""The review and people charts, checked through their Vega-Lite specs (chart.to_dict())."""

import math
from datetime import datetime

import pandas as pd

from components.charts import (
    confidence_history_chart,
    cycle_zone_chart,
    discipline_chart,
    mean_score_chart,
    team_zone_chart,
    zone_distribution_chart,
)
from core.scoring import ZONE_COLORS, Zone


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def channel(spec: dict, name: str) -> dict:
    """The first encoding of ``name`` in the chart or any of its layers."""
    return next(layer["encoding"][name] for layer in layers(spec) if name in layer["encoding"])


def data_of(spec: dict) -> list[dict]:
    """The rows of the (single) dataset a chart draws."""
    (rows,) = [r for r in spec["datasets"].values() if r]
    return rows


def datasets(spec: dict) -> list[list[dict]]:
    return list(spec["datasets"].values())


def test_zone_distribution_keeps_red_to_green_with_zone_colours():
    zones = pd.DataFrame(
        {
            "zone": ["red", "yellow", "green"],
            "label": ["Red (below 0.4)", "Yellow (0.4–0.6)", "Green (0.7 and above)"],
            "objectives": [2, 0, 5],
            "share": [2 / 7, 0.0, 5 / 7],
        }
    )
    spec = zone_distribution_chart(zones).to_dict()
    bars, text = layers(spec)
    assert channel(spec, "x")["sort"] == list(zones["label"])
    assert bars["encoding"]["color"]["scale"]["range"] == [ZONE_COLORS[z] for z in Zone]
    assert bars["encoding"]["color"]["scale"]["domain"] == ["red", "yellow", "green"]
    assert text["encoding"]["text"]["field"] == "objectives"  # counts written on the bars


def test_team_chart_keeps_the_query_order_and_names_the_mean_score():
    teams = pd.DataFrame(
        {
            "team_id": [2, 1],
            "team": ["Sales", "Product"],
            "objectives": [3, 4],
            "scored": [3, 0],
            "mean_score": [0.25, math.nan],
            "red": [2, 0],
            "yellow": [1, 0],
            "green": [0, 0],
        }
    )
    spec = team_zone_chart(teams).to_dict()
    assert spec["encoding"]["y"]["sort"] == ["Sales · 0.25", "Product · —"]
    assert spec["encoding"]["x"]["stack"] == "normalize"
    rows = data_of(spec)
    assert {(r["label"], r["zone"], r["count"]) for r in rows if r["team"] == "Sales"} == {
        ("Sales · 0.25", "red", 2),
        ("Sales · 0.25", "yellow", 1),
        ("Sales · 0.25", "green", 0),
    }
    assert spec["height"] >= 2 * 28  # room for every team's bar


def test_cycle_charts_show_shares_and_the_mean_against_the_success_line():
    comparison = pd.DataFrame(
        {
            "cycle": ["2026 Q1", "2026 Q2"],
            "mean_score": [0.72, 0.38],
            "scored": [10, 8],
            "red": [1, 5],
            "yellow": [2, 2],
            "green": [7, 1],
        }
    )
    shares = cycle_zone_chart(comparison).to_dict()
    assert channel(shares, "y")["stack"] == "normalize"
    assert channel(shares, "x")["sort"] == ["2026 Q1", "2026 Q2"]  # oldest first
    mean = mean_score_chart(comparison).to_dict()
    bars, _, rule = mean["layer"]
    rows = next(r for r in datasets(mean) if len(r) == 2)
    assert [r["zone"] for r in rows] == ["green", "red"]  # 0.72 green, 0.38 red
    rule_rows = next(r for r in datasets(mean) if len(r) == 1)
    assert rule_rows == [{"score": 0.7}]
    assert rule["mark"]["type"] == "rule"
    assert channel(mean, "y")["scale"]["domain"] == [0, 1]


def test_mean_score_chart_leaves_out_cycles_without_a_score():
    frame = pd.DataFrame({"cycle": ["Q1", "Q2"], "objective_score": [0.5, math.nan]})
    spec = mean_score_chart(frame, score="objective_score").to_dict()
    rows = next(r for r in datasets(spec) if r and "cycle" in r[0])
    assert [r["cycle"] for r in rows] == ["Q1"]


def test_discipline_chart_is_a_share_of_weeks():
    cycles = pd.DataFrame({"cycle": ["Q1", "Q2"], "consistency": [0.5, math.nan], "krs": [3, 2]})
    spec = discipline_chart(cycles).to_dict()
    assert channel(spec, "y")["axis"]["format"] == "%"
    assert channel(spec, "y")["scale"]["domain"] == [0, 1]
    assert [r["cycle"] for r in data_of(spec)] == ["Q1"]


def test_confidence_history_draws_one_line_per_kr_on_a_0_to_10_scale():
    history = pd.DataFrame(
        {
            "at": [datetime(2026, 1, 5), datetime(2026, 1, 12), datetime(2026, 1, 6)],
            "confidence": [7, 5, 3],
            "kr_id": [1, 1, 2],
            "kr": ["Signups", "Signups", "Churn"],
            "value": [10.0, 20.0, 4.0],
            "note": ["", "slower", ""],
        }
    )
    spec = confidence_history_chart(history).to_dict()
    assert channel(spec, "color")["field"] == "kr"
    assert channel(spec, "y")["scale"]["domain"] == [0, 10]
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["line", "circle"]
    assert spec["height"] > 340  # room for the legend's two lines
