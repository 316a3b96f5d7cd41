"""Work done in the background, one piece at a time: bringing summaries up to date.

An organisation-wide summary (a board, a dashboard's forecast) takes up to a second to read
again at 5,000 people. Done by the run that finds it out of date, that run waits, and every
other run on the server slows while it holds the interpreter. Instead that run shows the
summary as it was and hands the reading to this thread; the next runs find it done.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger("okr")


class Refresher:
    """One daemon thread running submitted work in order; work already waiting under the
    same key is not queued twice. Each piece runs in the context it was submitted from
    (``contextvars``: the language of the run that asked, say)."""

    def __init__(self, name: str = "okr-refresher") -> None:
        self._name = name
        self._queue: queue.SimpleQueue[tuple[str, contextvars.Context, Callable[[], object]]]
        self._queue = queue.SimpleQueue()
        self._waiting: set[str] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, key: str, work: Callable[[], object]) -> bool:
        """Queue ``work`` unless work under ``key`` is waiting or under way; whether queued."""
        with self._lock:
            if key in self._waiting:
                return False
            self._waiting.add(key)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._queue.put((key, contextvars.copy_context(), work))
        return True

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    def _run(self) -> None:
        while True:
            key, context, work = self._queue.get()
            try:
                context.run(work)
            except Exception:  # logged; the next run that needs it tries again
                log.exception("background refresh failed")
            finally:
                with self._lock:
                    self._waiting.discard(key)
