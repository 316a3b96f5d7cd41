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
    """Results by key, at most ``size`` of them. A miss computes outside the lock, once: runs
    that miss a key while another computes it wait for that result instead of computing it
    too (after a write, many sessions open the same costly board at once)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._flights: dict[str, _Flight] = {}
        self._lock = threading.Lock()

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            flight = self._flights.get(key)
            leading = flight is None
            if leading:
                flight = self._flights[key] = _Flight()
        if not leading:
            done, value = flight.outcome()
            return value if done else self.get(key, compute)  # the leader failed: try again
        try:
            value = compute()
        except BaseException:  # not kept: the waiting runs and the next call try again
            with self._lock:
                del self._flights[key]
            flight.fail()
            raise
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
            del self._flights[key]
        flight.succeed(value)
        return value

    def peek(self, key: str | None) -> tuple[bool, Any]:
        """Whether ``key`` has a result, and the result; never computes."""
        with self._lock:
            if key not in self._items:
                return False, None
            self._items.move_to_end(key)
            return True, self._items[key]

    def discard(self, key: str | None) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class _Flight:
    """A computation under way, which other runs missing the same key wait for."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._value: Any = None
        self._ok = False

    def succeed(self, value: Any) -> None:
        self._value, self._ok = value, True
        self._done.set()

    def fail(self) -> None:
        self._done.set()

    def outcome(self) -> tuple[bool, Any]:
        """Once the leader is done: whether it succeeded, and its result."""
        self._done.wait()
        return self._ok, self._value
