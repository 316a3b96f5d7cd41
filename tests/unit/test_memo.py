"""The process-wide store of results: hits do not recompute, the oldest unused go first,
failures are not kept."""

from __future__ import annotations

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
