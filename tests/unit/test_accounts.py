from datetime import datetime, timedelta

from core.accounts import (
    LOCK_DURATION,
    MAX_FAILED_LOGINS,
    after_failed_login,
    effective_failed_logins,
    is_locked,
    lock_message,
)

NOW = datetime(2026, 11, 26, 12, 0)


def test_four_failures_do_not_lock_the_fifth_does():
    count, locked = 0, None
    for _ in range(MAX_FAILED_LOGINS - 1):
        count, locked = after_failed_login(count, locked, NOW)
    assert (count, locked) == (4, None)
    count, locked = after_failed_login(count, locked, NOW)
    assert locked == NOW + LOCK_DURATION
    assert is_locked(locked, NOW + timedelta(minutes=14))
    assert not is_locked(locked, NOW + timedelta(minutes=15))


def test_a_lock_that_ran_out_starts_a_fresh_count():
    expired = NOW - timedelta(seconds=1)
    assert after_failed_login(5, expired, NOW) == (1, None)
    assert effective_failed_logins(5, expired, NOW) == 0
    assert effective_failed_logins(5, NOW + timedelta(minutes=3), NOW) == MAX_FAILED_LOGINS
    assert effective_failed_logins(2, None, NOW) == 2


def test_lock_message_says_how_long():
    message = lock_message(NOW + timedelta(minutes=14, seconds=30), NOW)
    assert "15 minutes" in message and "locked" in message
