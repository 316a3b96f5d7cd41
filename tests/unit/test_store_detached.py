"""Cached results are shared objects: what a caller gets must not write through to them."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from shell.store import detached


@dataclass(frozen=True)
class Board:
    title: str
    rows: pd.DataFrame
    names: list[str]
    ids: tuple[int, ...]


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
