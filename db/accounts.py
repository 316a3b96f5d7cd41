"""Accounts from the server's command line, for whoever runs the server:

    python -m db.accounts unlock NAME [--database-url URL]   # lift a sign-in lock

An admin locked out by someone guessing at their password can unlock themself here (the
Admin page does the same for others). It is audited as done from the command line.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import func, select

from db import audit
from db.engine import make_engine, make_sessionmaker, transaction
from db.migrate import upgrade_head
from db.models import User


def unlock(sessions, username: str) -> bool:
    """Clear the failure count and lock of ``username``; False when there is no such person."""
    with transaction(sessions) as session:
        user = session.scalar(
            select(User).where(func.lower(User.username) == username.strip().lower())
        )
        if user is None:
            return False
        before = {"failed_logins": user.failed_logins, "locked_until": _iso(user.locked_until)}
        user.failed_logins, user.locked_until = 0, None
        audit.record(session, None, "user.unlock", "user", user.id, before, {"by": "command line"})
    return True


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db.accounts", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    unlock_parser = commands.add_parser("unlock", help="lift the sign-in lock of an account")
    unlock_parser.add_argument("username")
    unlock_parser.add_argument(
        "--database-url", help="default: OKR_DATABASE_URL or the SQLite file"
    )
    args = parser.parse_args(argv)
    engine = make_engine(args.database_url)
    try:
        upgrade_head(engine)
        if not unlock(make_sessionmaker(engine), args.username):
            print(f"No account is called {args.username!r}.", file=sys.stderr)
            return 1
    finally:
        engine.dispose()
    print(f"{args.username}: unlocked; they can sign in again.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
