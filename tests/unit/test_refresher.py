"""The background refresher: work runs in order on its own thread, in the submitting run's
context, is not queued twice under one key, and a failure does not stop what follows."""

from __future__ import annotations

import threading
import time
from contextvars import ContextVar

from shell.refresher import Refresher

language: ContextVar[str] = ContextVar("language", default="en")


def settle(refresher: Refresher) -> None:
    deadline = time.monotonic() + 5
    while refresher.waiting() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not refresher.waiting()


def test_work_runs_on_another_thread_in_the_context_it_was_submitted_from():
    refresher, seen = Refresher(), []
    token = language.set("vi")
    try:
        assert refresher.submit(
            "board", lambda: seen.append((language.get(), threading.current_thread().name))
        )
    finally:
        language.reset(token)
    settle(refresher)
    assert seen == [("vi", "okr-refresher")]


def test_work_waiting_under_a_key_is_not_queued_twice_and_a_failure_stops_nothing():
    refresher, release, done = Refresher(), threading.Event(), []
    assert refresher.submit("slow", lambda: release.wait(5))
    assert refresher.submit("board", lambda: 1 / 0)
    assert not refresher.submit("board", lambda: done.append("twice"))
    assert refresher.submit("dashboard", lambda: done.append("dashboard"))
    release.set()
    settle(refresher)
    assert done == ["dashboard"]
    assert refresher.submit("board", lambda: done.append("board again"))  # done: may come back
    settle(refresher)
    assert done == ["dashboard", "board again"]
