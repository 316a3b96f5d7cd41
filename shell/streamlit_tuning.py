"""One targeted change to how a Streamlit 1.67 server hands a run's output to its event loop.

Every element a script draws becomes a ForwardMsg, and ``AppSession`` passes each one from
the script's thread to the event loop with its own ``loop.call_soon_threadsafe`` — a write to
the loop's wake-up socket and, under load, a hand-over of the GIL, per element. A page of
300 elements pays that 300 times; with 30 sessions the server spent ~30 % of its CPU in that
write (py-spy on the load benchmark). ``install()`` makes each session queue its callbacks in
call order and wake the loop once per batch instead: the loop runs the same callbacks, in the
same order, on the same thread.

Installed once per server process (see shell/store.py); without a matching Streamlit it does
nothing and the server behaves as stock Streamlit.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

log = logging.getLogger("okr")
_installed = threading.Lock()
_done: list[bool] = []


class _Batcher:
    """Callbacks for one event loop, run there in the order they were queued."""

    def __init__(self, loop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._queued: list[Callable[[], None]] = []
        self._scheduled = False

    def call_soon(self, callback: Callable[[], None]) -> None:
        with self._lock:
            self._queued.append(callback)
            if self._scheduled:
                return
            self._scheduled = True
        try:
            self._loop.call_soon_threadsafe(self._run)
        except RuntimeError:
            with self._lock:  # the loop is closed (shutdown): drop, as Streamlit does
                self._queued.clear()
                self._scheduled = False
            if not self._loop.is_closed():
                raise

    def _run(self) -> None:
        with self._lock:
            callbacks, self._queued = self._queued, []
            self._scheduled = False
        for callback in callbacks:
            try:
                callback()
            except Exception:  # as a loop callback would: log it, keep the others running
                log.exception("event loop callback failed")


def install() -> bool:
    """Batch AppSession's hand-overs to the event loop; True when installed."""
    with _installed:
        if _done:
            return _done[0]
        if os.environ.get("OKR_STREAMLIT_BATCHING", "1") == "0":
            _done.append(False)
            return False
        try:
            from streamlit.runtime.app_session import AppSession
        except ImportError:
            _done.append(False)
            return False
        if not callable(getattr(AppSession, "_call_soon_on_event_loop", None)):
            _done.append(False)
            return False

        def _call_soon_on_event_loop(self, callback: Callable[[], None]) -> None:
            batcher = self.__dict__.get("_okr_batcher")
            if batcher is None:
                batcher = self.__dict__.setdefault("_okr_batcher", _Batcher(self._event_loop))
            batcher.call_soon(callback)

        AppSession._call_soon_on_event_loop = _call_soon_on_event_loop
        _done.append(True)
        return True
