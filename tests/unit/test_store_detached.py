"""Cached results are shared objects: what a caller gets must not write through to them; the
cache keeps text columns as plain Python strings."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from shell.store import detached, kept


@dataclass(frozen=True)
class Board:
    title: str
    rows: pd.DataFrame
    names: list[str]
    ids: tuple[int, ...]


@dataclass(frozen=True)
class Held:
    frames: list[pd.DataFrame]
    note: str


def test_a_frame_changed_by_its_caller_leaves_the_cached_one_alone():
    cached = pd.DataFrame({"id": [1, 2], "title": ["a", "b"]})
    mine = detached(cached)
    mine["extra"] = 1
    mine.loc[0, "title"] = "changed"
    mine.iloc[1, 0] = 7
    assert list(cached.columns) == ["id", "title"]
    assert cached["title"].tolist() == ["a", "b"]


def test_frames_inside_dataclasses_lists_and_dicts_are_detached():
    cached = Board("t", pd.DataFrame({"x": [1]}), ["a"], (1, 2))
    mine = detached(cached)
    mine.rows["y"] = 2
    mine.names.append("b")
    assert list(cached.rows.columns) == ["x"] and cached.names == ["a"]
    assert mine.ids is cached.ids  # immutable parts are shared, not copied

    frames = {1: pd.DataFrame({"x": [1]})}
    mine_frames = detached(frames)
    mine_frames[1]["x"] = 5
    mine_frames[2] = None
    assert frames[1]["x"].tolist() == [1] and 2 not in frames

    nested = [[1, 2], [3]]
    mine_nested = detached(nested)
    mine_nested[0].append(9)
    assert nested == [[1, 2], [3]]


def test_immutable_results_come_back_as_they_are():
    value = (("a", 1), ("b", 2))
    assert detached(value) is value
    assert detached("text") == "text" and detached(None) is None


def test_the_cache_keeps_text_columns_as_python_strings_with_the_same_values():
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "title": pd.array(["Grow", None, "Ship"], dtype="str"),
            "status": pd.array(["on_track", "at_risk", "on_track"], dtype="str"),
            "progress": [0.5, None, 1.0],
        }
    )
    lean = kept(frame)
    assert lean["title"].dtype == object and lean["status"].dtype == object
    assert lean["id"].dtype == frame["id"].dtype and lean["progress"].dtype == float
    assert lean["title"].tolist()[0] == "Grow" and pd.isna(lean["title"].tolist()[1])
    assert lean.astype({"title": "str", "status": "str"}).equals(frame)
    assert len(lean._mgr.blocks) < len(frame._mgr.blocks)  # the text in one block, not two


def test_frames_inside_results_are_kept_lean_too():
    frame = pd.DataFrame({"name": pd.array(["Ana"], dtype="str")})
    page, total = kept((frame, 1))
    assert page["name"].dtype == object and total == 1
    held = kept(Held(frames=[frame], note="x"))
    assert held.frames[0]["name"].dtype == object and held.note == "x"
    assert kept({"a": frame})["a"]["name"].dtype == object
    assert kept(pd.Series(["a"], dtype="str")).dtype == object
    numbers = pd.DataFrame({"n": [1, 2]})
    assert kept(numbers) is numbers  # nothing to change: the same object
