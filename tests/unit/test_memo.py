"""The process-wide store of results: hits do not recompute, the oldest unused go first,
failures are not kept, and runs that miss the same key together compute it once."""

from __future__ import annotations

import threading
import time

import pytest

from shell.memo import Memo


def test_a_hit_returns_the_kept_result_without_computing_again():
    memo, calls = Memo(10), []
    first = memo.get("a", lambda: calls.append(1) or ["result"])
    again = memo.get("a", lambda: calls.append(2) or ["other"])
    assert again is first and calls == [1]


def test_the_least_recently_used_result_goes_first():
    memo = Memo(2)
    memo.get("a", lambda: 1)
    memo.get("b", lambda: 2)
    memo.get("a", lambda: 0)  # "a" used again: "b" is now the oldest
    memo.get("c", lambda: 3)
    assert len(memo) == 2
    assert memo.get("a", lambda: "recomputed") == 1
    assert memo.get("b", lambda: "recomputed") == "recomputed"


def test_a_failure_is_not_kept_and_clear_forgets_everything():
    memo = Memo(10)
    with pytest.raises(ValueError):
        memo.get("a", lambda: (_ for _ in ()).throw(ValueError("database down")))
    assert memo.get("a", lambda: "back") == "back"
    memo.clear()
    assert len(memo) == 0 and memo.get("a", lambda: "fresh") == "fresh"


def test_runs_missing_a_key_together_compute_it_once_and_share_the_result():
    memo, calls, started, release = Memo(10), [], threading.Event(), threading.Event()

    def slow_board():
        calls.append(1)
        started.set()
        release.wait(5)
        return ["ranked"]

    leader = threading.Thread(target=lambda: memo.get("board", slow_board))
    leader.start()
    started.wait(5)
    followers = []

    def follow():
        value = memo.get("board", slow_board)
        followers.append(value)
        return value

    threads = [threading.Thread(target=follow) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.05)  # the followers are waiting for the leader, not computing
    assert calls == [1] and followers == []
    release.set()
    for thread in [leader, *threads]:
        thread.join(timeout=10)
    assert calls == [1]
    assert len(followers) == 4 and all(f is followers[0] for f in followers)


def test_when_the_leader_fails_the_waiting_runs_compute_it_themselves():
    memo, started, release = Memo(10), threading.Event(), threading.Event()

    def failing():
        started.set()
        release.wait(5)
        raise ValueError("database down")

    errors = []

    def lead():
        try:
            memo.get("a", failing)
        except ValueError as error:
            errors.append(error)

    leader = threading.Thread(target=lead)
    leader.start()
    started.wait(5)
    results = []
    follower = threading.Thread(target=lambda: results.append(memo.get("a", lambda: "back")))
    follower.start()
    time.sleep(0.05)
    release.set()
    for thread in (leader, follower):
        thread.join(timeout=10)
    assert len(errors) == 1 and results == ["back"]
    assert memo.get("a", lambda: "again") == "back"


def test_peek_never_computes_and_discard_forgets_one_result():
    memo = Memo(10)
    assert memo.peek("a") == (False, None)
    memo.get("a", lambda: ["kept"])
    memo.get("b", lambda: ["other"])
    assert memo.peek("a") == (True, ["kept"])
    memo.discard("a")
    assert memo.peek("a") == (False, None) and memo.peek("b") == (True, ["other"])
