"""The leaderboard's podium and bar charts, through their Vega-Lite specs."""

import pandas as pd

from components.charts import (
    BAR_COLOR,
    PODIUM_COLORS,
    YOU_COLOR,
    leaderboard_bar_chart,
    podium_chart,
)


def top(ranks, names=None, labels=None):
    names = names or [f"P{i}" for i in range(len(ranks))]
    labels = labels or [f"{90 - 10 * i} %" for i in range(len(ranks))]
    return pd.DataFrame({"name": names, "rank": ranks, "label": labels})


def rows_of(chart) -> list[dict]:
    spec = chart.to_dict()
    (values,) = spec["datasets"].values()
    return values


def layers(chart) -> list[dict]:
    return chart.to_dict()["layer"]


def test_the_podium_puts_first_in_the_middle_and_second_on_the_left():
    data = {row["name"]: row for row in rows_of(podium_chart(top([1, 2, 3], ["Ann", "Bo", "Cy"])))}
    assert (data["Bo"]["slot"], data["Ann"]["slot"], data["Cy"]["slot"]) == (0, 1, 2)
    assert data["Ann"]["height"] > data["Bo"]["height"] > data["Cy"]["height"]
    assert [data[n]["place"] for n in ("Ann", "Bo", "Cy")] == ["1st", "2nd", "3rd"]


def test_tied_places_stand_level_and_share_a_colour():
    data = rows_of(podium_chart(top([1, 1, 3])))
    assert data[0]["height"] == data[1]["height"] > data[2]["height"]
    assert data[0]["place"] == data[1]["place"] == "1st"
    color = layers(podium_chart(top([1, 1, 3])))[0]["encoding"]["color"]
    assert color["field"] == "rank"
    assert color["scale"]["range"] == list(PODIUM_COLORS.values())


def test_a_podium_of_one_or_two_and_at_most_three():
    assert len(rows_of(podium_chart(top([1])))) == 1
    assert len(rows_of(podium_chart(top([1, 2, 3, 4, 5])))) == 3


def test_the_podium_labels_names_values_and_places():
    texts = [layer["encoding"]["text"]["field"] for layer in layers(podium_chart(top([1, 2])))[1:]]
    assert texts == ["name", "label", "place"]


def board(names, values, you=None, ranks=None):
    ranks = ranks or [str(i + 1) for i in range(len(names))]
    return pd.DataFrame(
        {
            "rank_text": ranks,
            "name": names,
            "value": values,
            "label": [f"{round(v * 100)} %" for v in values],
            "you": [name == you for name in names],
        }
    )


def test_bars_keep_the_ranked_order_and_highlight_you():
    chart = leaderboard_bar_chart(
        board(["Zed", "Amy", "Bob"], [0.9, 0.5, 0.5], you="Amy", ranks=["1", "=2", "=2"]),
        "Score",
        percent=True,
    )
    bars = layers(chart)[0]["encoding"]
    assert bars["y"]["sort"] == ["1. Zed", "=2. Amy", "=2. Bob"]  # not alphabetical
    assert bars["x"]["axis"]["format"] == ".0%"
    assert bars["color"]["scale"] == {"domain": ["others", "you"], "range": [BAR_COLOR, YOU_COLOR]}
    who = {row["name"]: row["who"] for row in rows_of(chart)}
    assert who == {"Zed": "others", "Amy": "you", "Bob": "others"}
    assert layers(chart)[1]["encoding"]["text"]["field"] == "label"


def test_namesakes_get_their_own_bars():
    chart = leaderboard_bar_chart(
        board(["Anh Nguyen", "Anh Nguyen"], [0.8, 0.8], ranks=["=1", "=1"]), "Score", percent=True
    )
    entries = [row["entry"] for row in rows_of(chart)]
    assert len(set(entries)) == 2
    assert [e.replace("\u200b", "") for e in entries] == ["=1. Anh Nguyen"] * 2


def test_counts_are_whole_numbers_on_the_axis():
    chart = leaderboard_bar_chart(board(["A", "B"], [3, 1]), "Kudos received", percent=False)
    axis = layers(chart)[0]["encoding"]["x"]["axis"]
    assert axis["format"] == "d" and axis["tickMinStep"] == 1


def test_improvement_is_labelled_in_signed_points():
    chart = leaderboard_bar_chart(board(["A", "B"], [0.25, -0.1]), "Gained", False, points=True)
    axis = layers(chart)[0]["encoding"]["x"]["axis"]
    assert "datum.value * 100" in axis["labelExpr"] and "'+'" in axis["labelExpr"]
