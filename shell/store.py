"""Streamlit's side of the database: one engine per process, cached reads, guarded writes.

Cached reads are keyed by the *data version*: the newest audit-log id, read once per run.
Every write leaves an audit row, so a write through any server (several may share one
PostgreSQL database) makes every server's caches miss on its next run — nothing stale is
shown, and no cache needs clearing by hand.
"""

from __future__ import annotations

import gc
import hashlib
import importlib
import logging
import os
import pickle
import pkgutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DomainError
from core.i18n import _, current_language
from db.engine import database_url, make_engine, make_sessionmaker, transaction
from db.migrate import upgrade_head
from db.queries import data_version

log = logging.getLogger("okr")
_VERSION_KEY = "store.data_version"


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]


_prepared: set[str] = set()  # URLs whose database this process has connected and migrated


def database() -> Database:
    url = database_url()
    if url in _prepared:
        return _database(url)
    # The first time only: a spinner in the reader's language (a cache_resource spinner is
    # fixed when the module is imported, before any language is known).
    with st.spinner(_("Preparing the database…")):
        found = _database(url)
    _prepared.add(url)
    return found


@st.cache_resource(show_spinner=False)
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


# Everything a page may import; loaded before the heap is frozen (see settle_heap).
_APP_PACKAGES = ("core", "db", "components", "shell")
_LIBRARIES = ("altair", "pandas", "pyarrow", "numpy")


_settled = threading.Lock()
_frozen: list[int] = []


def settle_heap() -> int:
    """Once per process: import what the pages use, collect, then move every object that
    exists by now (modules, classes, functions — they live as long as the process) out of
    the garbage collector's sight with gc.freeze().

    Streamlit runs a full gc.collect() after every script run (runner.postScriptGC); with
    the libraries of a page loaded that walks ~350,000 objects, tens of milliseconds on
    every run of every session. Frozen objects are still freed by reference counting; only
    cyclic garbage among them would stay, and they are long-lived by construction.
    Returns the number of frozen objects."""
    with _settled:
        if not _frozen:
            _frozen.append(_freeze())
    return _frozen[0]


def _freeze() -> int:
    names = list(_LIBRARIES)
    for package_name in _APP_PACKAGES:
        package = importlib.import_module(package_name)
        names += [m.name for m in pkgutil.walk_packages(package.__path__, f"{package_name}.")]
    for name in names:
        if ".migrations" in name:
            continue
        try:
            importlib.import_module(name)
        except Exception:  # a module that cannot load now is simply not frozen
            log.warning("settle_heap: could not import %s", name, exc_info=True)
    gc.collect()
    gc.freeze()
    thresholds = _gc_thresholds()
    if thresholds:
        gc.set_threshold(*thresholds)
    return gc.get_freeze_count()


def _gc_thresholds() -> tuple[int, int, int] | None:
    """OKR_GC_THRESHOLDS="50000,20,10" trades memory for latency: with many sessions, objects
    of runs in flight survive into the oldest generation, and with Python's default
    (700, 10, 10) full collections run every ~2 s for 40-400 ms each (~9 % of the time at 50
    sessions). A young generation of 50,000 made them rare (p50 119 instead of 229 ms) but
    let the heap grow ~100 MB a minute over five minutes, so the default stays Python's."""
    try:
        values = tuple(int(v) for v in os.environ.get("OKR_GC_THRESHOLDS", "").split(","))
    except ValueError:
        return None
    return values if len(values) == 3 and all(v >= 0 for v in values) else None


def read(query: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a read in its own short session, uncached (data that must be fresh)."""
    with database().sessions() as session:
        return query(session, *args, **kwargs)


def begin_run() -> None:
    """Read the data version once at the start of every run."""
    settle_heap()
    st.session_state[_VERSION_KEY] = read(data_version)


def cached(query: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a read through the cache; arguments must be hashable (ids, dates, strings). The
    language is part of the key: a read may return translated text."""
    version = st.session_state.get(_VERSION_KEY)
    name = f"{query.__module__}.{query.__qualname__}"
    kwargs_items = tuple(sorted(kwargs.items()))
    key = _key(name, version, current_language(), args, kwargs_items)
    return _cached_read(query, key, args, kwargs_items)


def _key(*parts: Any) -> str:
    """A cache key from the call's parts: a digest of their pickle. Streamlit's own hashing
    of dataclass arguments (Actor, CycleRow) costs ~0.5 ms a lookup, on every read of every
    run; equal arguments pickle alike (at worst a differently ordered set misses)."""
    payload = pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.blake2b(payload, digest_size=20).hexdigest()


@st.cache_data(max_entries=2000, show_spinner=False)
def _cached_read(_query: Callable[..., Any], key: str, _args, _kwargs):
    # Only `key` is hashed by Streamlit (underscored arguments are not): it covers the
    # query's name, the data version, the language and the arguments.
    return read(_query, *_args, **dict(_kwargs))


def derived(compute: Callable[..., Any], *args: Any) -> Any:
    """Run a pure function of cached reads through the cache, keyed by its arguments and the
    data version: for work over many rows (ranking a whole board, say) whose result a page
    shows only in part. ``compute`` may call ``cached``; arguments must be hashable. The
    language is part of the key, as in ``cached``."""
    version = st.session_state.get(_VERSION_KEY)
    # Page scripts all run as "__main__": the file tells two pages' functions apart.
    where = getattr(getattr(compute, "__code__", None), "co_filename", "")
    name = f"{compute.__module__}.{compute.__qualname__}@{where}"
    return _derived(compute, _key(name, version, current_language(), args), args)


@st.cache_data(max_entries=500, show_spinner=False)
def _derived(_compute: Callable[..., Any], key: str, _args):
    return _compute(*_args)


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
            _(
                "That clashes with something saved meanwhile (for example the same name "
                "twice). Reload and try again."
            ),
            show_error,
        )
    except OperationalError:
        log.exception("database error during %s", command.__name__)
        return _refused(
            _("The database did not answer, so nothing was saved. Try again in a moment."),
            show_error,
        )
    begin_run()
    return Outcome(True, value)


def _refused(message: str, show_error: bool) -> Outcome:
    if show_error:
        st.error(message, icon=":material/error:")
    return Outcome(False, error=message)
