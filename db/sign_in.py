"""A password sign-in from start to end, in short transactions around one bcrypt check.

1. the client address's attempt is counted (one statement); over the limit: refused;
2. the account's attempt is reserved (one UPDATE … RETURNING) — the limit holds across
   threads and servers because the count is written before any password is checked;
3. the password is checked outside any transaction (bcrypt is slow on purpose) — against a
   fixed dummy hash when there is no account to check or it is locked, so every refusal
   costs the same time and says the same thing;
4. the outcome is written: a session for a right password, the lock's audit row for the
   attempt that used the last try.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from core.accounts import SessionPolicy, sign_in_refused, sign_in_throttled
from db.commands import sign_in as commands
from db.engine import transaction
from db.models import utcnow
from db.security import hash_password, verify_password


@dataclass(frozen=True)
class SignInResult:
    token: str | None  # the new session's token when signed in
    message: str | None = None  # why not, in words that reveal nothing about the account


@functools.cache
def dummy_hash() -> str:
    """A hash of the configured cost that no password is checked against for real."""
    return hash_password("no account has this password")


def sign_in_with_password(
    sessions: sessionmaker[Session],
    username: str,
    password: str,
    client: str | None,
    policy: SessionPolicy,
    attempts_per_minute: int,
    now: datetime | None = None,
) -> SignInResult:
    now = now or utcnow()
    if client:
        with transaction(sessions) as session:
            allowed = commands.reserve_client_attempt(session, client, now, attempts_per_minute)
        if not allowed:
            return SignInResult(None, sign_in_throttled())
    with transaction(sessions) as session:
        reservation = commands.reserve_attempt(session, username, now)
    if reservation is None:  # no such active account, or locked: the same work, the same words
        verify_password(password, dummy_hash())
        return SignInResult(None, sign_in_refused())
    right = verify_password(password, reservation.password_hash)
    with transaction(sessions) as session:
        token = commands.finish_attempt(session, reservation, right, client, now, policy)
    return SignInResult(token) if token else SignInResult(None, sign_in_refused())
