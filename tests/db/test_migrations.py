"""Upgrades lose nothing: a database of the previous release, with an organisation in it,
upgrades in place to this release on SQLite and PostgreSQL, and everything is still there."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select, text

from core.accounts import SessionPolicy
from db.migrate import _run, upgrade_head
from db.models import User
from db.sign_in import sign_in_with_password
from tests.factories import PASSWORD, build_org

PREVIOUS_RELEASE = "0002"


def row_counts(engine, tables: list[str]) -> dict[str, int]:
    with engine.connect() as connection:
        return {t: connection.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in tables}


def test_a_populated_database_of_the_previous_release_upgrades_in_place(engine, sessions):
    build_org(sessions)
    _run(engine, command.downgrade, PREVIOUS_RELEASE)  # the schema of the previous release
    old_tables = sorted(inspect(engine).get_table_names())
    assert "sign_in_sessions" not in old_tables
    before = row_counts(engine, [t for t in old_tables if t != "alembic_version"])
    assert before["users"] >= 7 and before["teams"] and before["cycles"] and before["audit_log"]

    upgrade_head(engine)

    after = row_counts(engine, list(before))
    assert after == before
    with sessions() as session:
        sue = session.scalar(select(User).where(User.username == "sue"))
        assert sue.sessions_revoked_at is None and sue.failed_logins == 0
    signed_in = sign_in_with_password(sessions, "sue", PASSWORD, None, SessionPolicy(), 20)
    assert signed_in.token is not None
