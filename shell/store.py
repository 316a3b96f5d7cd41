"""Streamlit's side of the database: one engine per process, cached reads, guarded writes.

Cached reads are keyed by the *data version*: the newest audit-log id, read once per run.
Every write leaves an audit row, so a write through any server (several may share one
PostgreSQL database) makes every server's caches miss on its next run — nothing stale is
shown, and no cache needs clearing by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DomainError
from db.engine import database_url, make_engine, make_sessionmaker, transaction
from db.migrate import upgrade_head
from db.queries import data_version

log = logging.getLogger("okr")
_VERSION_KEY = "store.data_version"


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]


def database() -> Database:
    return _database(database_url())


@st.cache_resource(show_spinner="Preparing the database…")
def _database(url: str) -> Database:
    """Connect and migrate to the newest schema, once per process and URL (failures are not
    cached, so the app recovers once the database is back)."""
    engine = make_engine(url)
    try:
        upgrade_head(engine)
    except Exception:
        engine.dispose()
        raise
    return Database(engine, make_sessionmaker(engine))


def read(query: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a read in its own short session, uncached (data that must be fresh)."""
    with database().sessions() as session:
        return query(session, *args, **kwargs)


def begin_run() -> None:
    """Read the data version once at the start of every run."""
    st.session_state[_VERSION_KEY] = read(data_version)


def cached(query: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a read through the cache; arguments must be hashable (ids, dates, strings)."""
    version = st.session_state.get(_VERSION_KEY)
    name = f"{query.__module__}.{query.__qualname__}"
    return _cached_read(query, name, version, args, tuple(sorted(kwargs.items())))


@st.cache_data(max_entries=2000, show_spinner=False)
def _cached_read(_query: Callable[..., Any], name: str, version: int | None, args, kwargs):
    # Only `_query` is left out of the cache key (underscore); the name stands in for it.
    return read(_query, *args, **dict(kwargs))


@dataclass(frozen=True)
class Outcome:
    """A write's result: truthy when it was saved."""

    ok: bool
    value: Any = None
    error: str | None = None

    def __bool__(self) -> bool:
        return self.ok


def write(
    command: Callable[..., Any], *args: Any, show_error: bool = True, **kwargs: Any
) -> Outcome:
    """Run a write in one transaction; a refusal is shown with st.error and writes nothing."""
    try:
        with transaction(database().sessions) as session:
            value = command(session, *args, **kwargs)
    except DomainError as error:
        return _refused(str(error), show_error)
    except IntegrityError:
        return _refused(
            "That clashes with something saved meanwhile (for example the same name twice). "
            "Reload and try again.",
            show_error,
        )
    except OperationalError:
        log.exception("database error during %s", command.__name__)
        return _refused(
            "The database did not answer, so nothing was saved. Try again in a moment.",
            show_error,
        )
    begin_run()
    return Outcome(True, value)


def _refused(message: str, show_error: bool) -> Outcome:
    if show_error:
        st.error(message, icon=":material/error:")
    return Outcome(False, error=message)
