"""Sign-in lockout rules: 5 failed sign-ins lock an account for 15 minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.i18n import ngettext

MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=15)


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


def after_failed_login(
    failed_logins: int, locked_until: datetime | None, now: datetime
) -> tuple[int, datetime | None]:
    """The new (counter, locked_until) after a wrong password.

    A lock that has run out starts a fresh count, so one more mistake does not lock again.
    """
    if locked_until is not None and locked_until <= now:
        failed_logins = 0
    failed_logins += 1
    if failed_logins >= MAX_FAILED_LOGINS:
        return failed_logins, now + LOCK_DURATION
    return failed_logins, None


def effective_failed_logins(
    failed_logins: int, locked_until: datetime | None, now: datetime
) -> int:
    """What the sign-in form should count: a run-out lock counts as a clean slate."""
    if locked_until is not None and locked_until <= now:
        return 0
    if is_locked(locked_until, now):
        return max(failed_logins, MAX_FAILED_LOGINS)
    return failed_logins


def lock_message(locked_until: datetime, now: datetime) -> str:
    minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
    return ngettext(
        "This account is locked after {attempts} failed sign-ins. "
        "Try again in {minutes} minute, or ask an admin to reset it.",
        "This account is locked after {attempts} failed sign-ins. "
        "Try again in {minutes} minutes, or ask an admin to reset it.",
        minutes,
    ).format(attempts=MAX_FAILED_LOGINS, minutes=minutes)
