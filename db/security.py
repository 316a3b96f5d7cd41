"""Password hashing (bcrypt; the 72-byte limit is checked by core.validation first) and what
the database keeps of a session token."""

from __future__ import annotations

import hashlib
import os

import bcrypt

# 12 rounds in production; tests lower it (OKR_BCRYPT_ROUNDS=4) to stay fast.
DEFAULT_ROUNDS = 12


def hash_password(password: str, rounds: int | None = None) -> str:
    rounds = rounds or int(os.environ.get("OKR_BCRYPT_ROUNDS", DEFAULT_ROUNDS))
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    try:
        encoded = password.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no stored password can match it
        return False
    if len(encoded) > 72:
        return False
    try:
        return bcrypt.checkpw(encoded, password_hash.encode("ascii"))
    except ValueError:
        return False


def token_hash(token: str) -> str:
    """What the database keeps of a session's token (the token itself only the browser).
    Any text has one (a lone surrogate too), so an odd token is just an unknown session."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
