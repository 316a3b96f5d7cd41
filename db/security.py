"""Password hashing (bcrypt). The 72-byte limit is checked by core.validation first."""

from __future__ import annotations

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
