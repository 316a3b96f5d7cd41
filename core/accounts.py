"""Sign-in rules: lockout, the per-client throttle and how long a session lasts.

Five password checks per account and lock window: the attempt is reserved (counted) before
the password is checked, so parallel attempts cannot run more checks than that. A client
address gets a number of attempts per minute at all accounts together, so one client
cannot lock out everyone. Unknown user, wrong password and locked account answer alike.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.i18n import _

MAX_FAILED_LOGINS = 5
LOCK_DURATION = timedelta(minutes=15)
THROTTLE_WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    """How long a sign-in lasts: ``idle`` without a visit, ``lifetime`` at most."""

    idle: timedelta = timedelta(hours=12)
    lifetime: timedelta = timedelta(days=7)

    def ended(self, created_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
        return now >= created_at + self.lifetime or now >= last_seen_at + self.idle


def session_policy() -> SessionPolicy:
    """From OKR_SESSION_IDLE_HOURS (default 12) and OKR_SESSION_DAYS (default 7)."""
    return SessionPolicy(
        idle=timedelta(hours=_positive("OKR_SESSION_IDLE_HOURS", 12)),
        lifetime=timedelta(days=_positive("OKR_SESSION_DAYS", 7)),
    )


def attempts_per_minute() -> int:
    """Sign-in attempts one client address may make per minute (OKR_SIGN_IN_PER_MINUTE)."""
    return int(_positive("OKR_SIGN_IN_PER_MINUTE", 20))


def _positive(variable: str, default: float) -> float:
    try:
        value = float(os.environ.get(variable, default))
    except ValueError:
        return default
    return value if value > 0 else default


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


def sign_in_refused() -> str:
    """The one answer to a wrong name, a wrong password and a locked account alike."""
    return _("User name or password is wrong, or the account is locked for a while.")


def sign_in_throttled() -> str:
    return _("Too many sign-in attempts from your address. Wait a minute and try again.")
