"""Engine and sessions. One engine per process; functions take a session instead of making one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

WRITE_OPTION = "okr_write"
DEFAULT_URL = "sqlite:///data/okr.db"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    return os.environ.get("OKR_DATABASE_URL") or DEFAULT_URL


def _prepare_sqlite_path(url: str) -> None:
    """Create the folder of a file-based SQLite database (data/ on a fresh clone)."""
    database = make_url(url).database
    if database and database != ":memory:":
        path = Path(database)
        if not path.is_absolute():
            path = Path.cwd() / path
        path.parent.mkdir(parents=True, exist_ok=True)


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def _tune_sqlite(dbapi_connection, _record) -> None:
    # Let SQLAlchemy emit BEGIN itself (pysqlite would defer it), see _begin_sqlite.
    dbapi_connection.isolation_level = None
    # SQLite's lower() only folds ASCII; searches must find "Đẩy" when typed as "đẩy".
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite(conn) -> None:
    """Writes take the write lock up front, so concurrent read-then-write transactions
    wait (busy_timeout) instead of failing with "database is locked"; reads stay deferred."""
    immediate = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        _prepare_sqlite_path(url)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One short write transaction: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        session.connection(execution_options={WRITE_OPTION: True})
        yield session
