"""row_tuples(): itertuples' rows, without a new class (and its cyclic garbage) per call."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pandas as pd

from db.frames import _column_lists, row_tuples


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3],
            "title": pd.array(["Grow", None, "Ship"], dtype="str"),
            "progress": [0.5, np.nan, 1.0],
            "at": pd.to_datetime(["2026-01-01", None, "2026-03-01"]),
            "1st": [True, False, True],  # not an identifier: renamed as itertuples does
        }
    )


def test_the_rows_are_itertuples_rows():
    frame = sample()
    expected = list(frame.itertuples(index=False))
    got = row_tuples(frame)
    assert [row._fields for row in got] == [row._fields for row in expected]
    assert got[0] == expected[0] and got[2] == expected[2]
    assert got[1].title is None or pd.isna(got[1].title)
    assert pd.isna(got[1].progress) and pd.isna(got[1].at)
    assert isinstance(got[0].at, pd.Timestamp) and got[0].id == 1
    assert row_tuples(frame.iloc[:0]) == []


def test_column_values_are_what_series_tolist_gives_for_every_kind_of_column():
    frame = sample().assign(
        days=pd.array([3, None, 1], dtype="Int64"),
        flag=pd.array([True, None, False], dtype="boolean"),
        level=pd.Categorical(["team", "company", None]),
    )
    expected = [frame[column].tolist() for column in frame.columns]
    got = _column_lists(frame)
    assert [list(map(type, values)) for values in got] == [
        list(map(type, values)) for values in expected
    ]
    assert [[str(v) for v in values] for values in got] == [
        [str(v) for v in values] for values in expected
    ]


def test_one_class_per_set_of_columns_and_no_cyclic_garbage():
    frame = sample()
    assert type(row_tuples(frame)[0]) is type(row_tuples(frame.copy())[0])
    gc.collect()
    gc.disable()
    try:
        for _ in range(200):
            row_tuples(frame)
        assert gc.collect() == 0  # itertuples leaves ~40 objects a call for the collector
    finally:
        gc.enable()


def test_the_app_iterates_frames_through_row_tuples():
    """Guard: itertuples() in code that runs on every page run brings the garbage back (the
    exports in db/exchange.py stream once per download and may keep it)."""
    root = Path(__file__).resolve().parents[2]
    sources = [
        path
        for folder in ("app_pages", "components", "shell", "db")
        for path in (root / folder).rglob("*.py")
        if path.name not in {"frames.py", "exchange.py"} and "migrations" not in path.parts
    ]
    assert len(sources) > 30
    offenders = [str(p.relative_to(root)) for p in sources if ".itertuples(" in p.read_text()]
    assert not offenders, f"use db.frames.row_tuples instead of itertuples in {offenders}"
