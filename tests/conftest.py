"""Shared fixtures: a migrated database on SQLite and (when configured) PostgreSQL.

PostgreSQL comes from OKR_TEST_POSTGRES_URL; each test gets a scratch database that is
dropped afterwards. CI sets OKR_REQUIRE_POSTGRES=1 so a missing server fails instead of
skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_head

os.environ.setdefault("OKR_COOKIE_KEY", "test-cookie-key-" + "x" * 40)
os.environ.setdefault("OKR_BCRYPT_ROUNDS", "4")
# Tests act as several people in one process and check what each sees right after another's
# write; the product's bounded refreshes (shell.store, default 15 s, and 60 s for the
# organisation-wide summaries) have tests of their own.
os.environ.setdefault("OKR_REFRESH_S", "0")
os.environ.setdefault("OKR_SUMMARY_REFRESH_S", "0")
POSTGRES_URL = os.environ.get("OKR_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("OKR_REQUIRE_POSTGRES") == "1"


def require_postgres() -> None:
    """Skip the test without a PostgreSQL server, or fail it where one is required (CI)."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("OKR_TEST_POSTGRES_URL is not set but PostgreSQL is required")
        pytest.skip("PostgreSQL not configured (set OKR_TEST_POSTGRES_URL)")


def postgres_scratch_url() -> Iterator[str]:
    """Create a uniquely named database on the test server; drop it afterwards."""
    require_postgres()
    name = f"okr_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'okr.db'}"
    else:
        yield from postgres_scratch_url()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'okr.db'}"


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    upgrade_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    return make_sessionmaker(engine)
