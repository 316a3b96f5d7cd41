"""Streamlit's side of the database: one engine per process, cached reads, guarded writes.

Cached reads are keyed by the *data version*: the newest audit-log id. Every write leaves an
audit row, so a write through any server (several may share one PostgreSQL database) makes
the caches miss once that server sees the new version — no cache needs clearing by hand.

A server's sessions move to a new version at most every ``OKR_REFRESH_S`` seconds (default
15; 0: on every run). Every write invalidates every cached read, so each check-in anywhere
makes every session's next pages first visits; the period bounds how often that happens
during a stream of writes (it does not make a write cheap: see the README, "While people
check in"). A session that writes sees its own write at once (its runs use the version it
wrote), and who is signed in, with which role, follows every write (``cached_exact``).
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import importlib
import logging
import os
import pickle
import pkgutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DomainError
from core.i18n import _, current_language
from db.engine import database_url, make_engine, make_sessionmaker, transaction
from db.migrate import upgrade_head
from db.queries import data_version
from shell import charts
from shell.memo import Memo

log = logging.getLogger("okr")
_VERSION_KEY = "store.data_version"
_OWN_VERSION_KEY = "store.own_data_version"  # the version this session's last write made
_EXACT_VERSION_KEY = "store.exact_data_version"  # the database's, read at this run's start
DEFAULT_REFRESH_S = 15.0


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
    return gc.get_freeze_count()


def read(query: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a read in its own short session, uncached (data that must be fresh)."""
    with database().sessions() as session:
        return query(session, *args, **kwargs)


def begin_run() -> None:
    """Read the data version (0.07 ms) and choose the one this run's cached reads use: the
    server's shared view, which follows the database at most every ``OKR_REFRESH_S`` seconds,
    or the version of this session's own last write if newer."""
    settle_heap()
    exact = current_data_version()
    st.session_state[_EXACT_VERSION_KEY] = exact
    own = st.session_state.get(_OWN_VERSION_KEY, 0)
    st.session_state[_VERSION_KEY] = max(_shared_version(exact), own)


def see_own_write() -> None:
    """After this session writes (or is refused, perhaps for a stale view): its runs use the
    database's version from now on, whatever the shared view says. Not the shared view
    itself: every session would then miss its caches at every write made through a server."""
    version = current_data_version()
    st.session_state[_OWN_VERSION_KEY] = version
    st.session_state[_EXACT_VERSION_KEY] = version
    st.session_state[_VERSION_KEY] = version


# Per database: the version the sessions of this server share, and when it last moved.
_shared: dict[str, tuple[int, float]] = {}


def _shared_version(exact: int) -> int:
    """Moves to the database's version when it is new and the last move is at least
    ``OKR_REFRESH_S`` old: a lone write shows at once, a stream of them once per period."""
    url = database_url()
    shared = _shared.get(url)
    now = time.monotonic()
    if shared is None or (shared[0] != exact and now - shared[1] >= refresh_seconds()):
        shared = (exact, now)
        _shared[url] = shared
    return shared[0]


def refresh_seconds() -> float:
    """``OKR_REFRESH_S``: how long other people's writes may take to show (default 15 s)."""
    try:
        return max(0.0, float(os.environ.get("OKR_REFRESH_S", DEFAULT_REFRESH_S)))
    except ValueError:
        return DEFAULT_REFRESH_S


def current_data_version() -> int:
    """The data version, read on a plain connection: no ORM session for one number on every
    run (0.07 instead of 0.2 ms, and less time holding the interpreter lock)."""
    with database().engine.connect() as connection:
        return data_version(connection)


def cached(query: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a read through the cache; arguments must be hashable (ids, dates, strings). The
    language is part of the key: a read may return translated text."""
    return _through_cache(_VERSION_KEY, query, args, kwargs)


def cached_exact(query: Callable[..., Any], *args: Any) -> Any:
    """``cached``, keyed by the database's data version of this run rather than the shared
    view: for what must follow every write at once, such as who is signed in with which
    role (it misses after each write anywhere, and only then reads)."""
    return _through_cache(_EXACT_VERSION_KEY, query, args, {})


def _through_cache(version_key: str, query: Callable[..., Any], args: tuple, kwargs: dict) -> Any:
    name = f"{query.__module__}.{query.__qualname__}"
    key = _run_key(name, args, tuple(sorted(kwargs.items())), version_key=version_key)
    return detached(_reads.get(key, lambda: kept(read(query, *args, **kwargs))))


def _run_key(name: str, *parts: Any, version_key: str = _VERSION_KEY) -> str:
    """The key of a call in this run: its name and arguments, the database, the data version
    and the language."""
    version = st.session_state.get(version_key)
    return _key(name, database_url(), version, current_language(), *parts)


def _key(*parts: Any) -> str:
    """A cache key from the call's parts: a digest of their pickle. Streamlit's own hashing
    of dataclass arguments (Actor, CycleRow) costs ~0.5 ms a lookup, on every read of every
    run; equal arguments pickle alike (at worst a differently ordered set misses)."""
    payload = pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.blake2b(payload, digest_size=20).hexdigest()


# Results are kept as the objects they are, not pickled and unpickled on every hit as
# st.cache_data would: under load that unpickling was ~8 % of a server's CPU and most of its
# garbage. Every caller gets a detached view instead (see `detached`).
_reads = Memo(2000)
_derived_results = Memo(500)


def derived(compute: Callable[..., Any], *args: Any) -> Any:
    """Run a pure function of cached reads through the cache, keyed by its arguments and the
    data version: for work over many rows (ranking a whole board, say) whose result a page
    shows only in part. ``compute`` may call ``cached``; arguments must be hashable. The
    language is part of the key, as in ``cached``."""
    # Page scripts all run as "__main__": the file tells two pages' functions apart.
    where = getattr(getattr(compute, "__code__", None), "co_filename", "")
    name = f"{compute.__module__}.{compute.__qualname__}@{where}"
    key = _run_key(name, args)
    return detached(_derived_results.get(key, lambda: kept(compute(*args))))


def kept(value: Any) -> Any:
    """A result as the cache keeps it: text columns of frames as plain Python strings (object
    dtype) instead of pandas' Arrow-backed ``str`` dtype, in as few blocks as possible.

    Arrow text is a block of its own per column, ~7 objects each that every full garbage
    collection walks (a 28-column frame of key results: 111 objects, now 49), and on small
    frames pandas is several times slower with it: that frame copies in 0.03 ms instead of
    0.38, filters in 0.46 instead of 1.9, gives its rows in 0.15 instead of 0.64. Values,
    missing ones (NaN) included, are unchanged."""
    if isinstance(value, pd.DataFrame):
        text = [c for c, dtype in value.dtypes.items() if isinstance(dtype, pd.StringDtype)]
        if not text:
            return value
        lean = value.astype(dict.fromkeys(text, object))
        consolidate = getattr(lean, "_consolidate", None)  # one block per dtype
        return consolidate() if consolidate else lean
    if isinstance(value, pd.Series):
        return value.astype(object) if isinstance(value.dtype, pd.StringDtype) else value
    if isinstance(value, list | tuple) and value and _holds_mutable(value[0]):
        items = [kept(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict) and _holds_mutable(next(iter(value.values()), None)):
        return {k: kept(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _with_fields(value, kept)
    return value


def detached(value: Any) -> Any:
    """A cached result as its caller may use it: changing it does not change the cache.

    Frames and series come back as copies: cheap for the small frames a page reads (text
    columns are arrays of references to the same strings, see `kept`), and unlike shallow
    copies they add no view reference to the cached frame (see `_forget_dead_views`). Lists
    and dicts are copied, and so are the fields of (frozen) dataclasses and the items of
    containers that hold frames, lists or dicts. Collections are homogeneous, so their first
    item tells whether the items need it. Everything else a read returns is immutable
    (numbers, strings, dates, tuples)."""
    if isinstance(value, pd.DataFrame | pd.Series):
        _forget_dead_views(value)
        return value.copy(deep=True)
    if isinstance(value, list):
        return [detached(v) for v in value] if value and _holds_mutable(value[0]) else list(value)
    if isinstance(value, dict):
        sample = next(iter(value.values()), None)
        return {k: detached(v) for k, v in value.items()} if _holds_mutable(sample) else dict(value)
    if isinstance(value, tuple):
        return tuple(detached(v) for v in value) if value and _holds_mutable(value[0]) else value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _with_fields(value, detached)
    return value


def _with_fields(value: Any, transform: Callable[[Any], Any]) -> Any:
    """A (frozen) dataclass with ``transform`` applied to the fields that hold frames, lists
    or dicts."""
    changes = {
        f.name: transform(getattr(value, f.name))
        for f in dataclasses.fields(value)
        if _holds_mutable(getattr(value, f.name))
    }
    return dataclasses.replace(value, **changes) if changes else value


def _forget_dead_views(frame: pd.DataFrame | pd.Series) -> None:
    """Drop the weak references a cached frame keeps to views of it that are gone.

    Copy-on-write records every view of a frame's columns (each shallow copy, each column a
    caller reads) as a weak reference on the frame's blocks, and pandas prunes the dead ones
    only when a list passes hundreds. On frames that live in a cache and are viewed on every
    run of every session that made ~400,000 dead references, half of the server's long-lived
    objects, which every full garbage collection walks. `has_reference()` prunes them."""
    for block in frame._mgr.blocks:
        block.refs.has_reference()
    for axis in frame.axes:  # the row index, and a frame's column index
        if axis._references is not None:
            axis._references.has_reference()


def _holds_mutable(value: Any) -> bool:
    """Whether `value` is or holds something a caller could change in place."""
    if isinstance(value, pd.DataFrame | pd.Series | list | dict | set):
        return True
    if isinstance(value, tuple):
        return bool(value) and _holds_mutable(value[0])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(_holds_mutable(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


def clear_caches() -> None:
    """Forget every cached read, derived result and chart, and the shared data version
    (tests, cold benchmarks)."""
    _shared.clear()
    _reads.clear()
    _derived_results.clear()
    charts.clear()


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
        see_own_write()  # a refusal may come from a stale view: show what is there now
        return _refused(str(error), show_error)
    except IntegrityError:
        see_own_write()
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
    see_own_write()
    return Outcome(True, value)


def _refused(message: str, show_error: bool) -> Outcome:
    if show_error:
        st.error(message, icon=":material/error:")
    return Outcome(False, error=message)
