"""A process-wide store of computed results by key, the least recently used dropped first.

Why not ``st.cache_resource``: to look a call up, Streamlit inspects the function's signature
for every argument (to skip the underscored ones) and hashes the rest its own way; with ~20
reads a page run that was ~8 ms of a 48 ms dashboard run. Our callers already hold a digest
of everything that matters (see ``shell.store``), so a dictionary lookup is all a hit needs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class Memo:
    """Results by key, at most ``size`` of them. A miss computes outside the lock (two runs
    missing the same key at once both compute it; results are pure, so either is right)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()  # an exception is not kept: the next call tries again
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
