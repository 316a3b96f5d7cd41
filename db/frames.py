"""Rows of a DataFrame as named tuples, without a new class for every call.

``DataFrame.itertuples()`` builds a new namedtuple class on every call: ~0.2 ms for three
columns, more for wide frames, and 30-60 objects that die as cyclic garbage — which only a
full garbage collection frees, a pause of the whole server. Pages iterate frames on every
run, so ``row_tuples()`` keeps one class per set of column names instead.
"""

from __future__ import annotations

from collections import namedtuple
from functools import lru_cache
from typing import Any

import pandas as pd


def row_tuples(frame: pd.DataFrame) -> list[Any]:
    """``list(frame.itertuples(index=False))``: the same fields (invalid names renamed
    ``_0``, ``_1``… as itertuples does) and the same values (Python scalars, Timestamps)."""
    row = _row_class(tuple(str(column) for column in frame.columns))
    columns = [frame.iloc[:, position].tolist() for position in range(frame.shape[1])]
    return [row._make(values) for values in zip(*columns, strict=True)]


@lru_cache(maxsize=512)
def _row_class(columns: tuple[str, ...]) -> type:
    return namedtuple("Row", columns, rename=True)
