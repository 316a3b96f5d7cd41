"""Streamlit's side of the database: one engine per process, cached reads, guarded writes.

Cached reads are keyed by *versions of the data* (shell/versions): audit ids, since every
write leaves an audit row, so a write through any server (several may share one PostgreSQL
database) makes the caches miss once that server sees it — no cache needs clearing by hand.
A read names what it follows: the structure (no check-in changes it), the check-ins into
some teams (a person's own views), the organisation-wide summaries (every check-in, but
brought up to date at most every ``OKR_SUMMARY_REFRESH_S`` seconds, default 60), or, by
default, every write. So a check-in leaves valid every view that does not show its team.

A server's sessions move to new versions at most every ``OKR_REFRESH_S`` seconds (default
15; 0: on every run): that bounds recomputation during a stream of writes. A session that
writes sees its own write at once, everywhere (its runs use the database's versions), and
who is signed in, with which role, follows every change at once (``cached_exact``).
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
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DomainError
from core.i18n import _, current_language
from core.text import md_block
from db.engine import database_url, make_engine, make_sessionmaker, transaction
from db.migrate import upgrade_head
from db.queries import data_version
from db.queries.accounts import writes_after
from shell import charts
from shell.memo import Memo
from shell.refresher import Refresher
from shell.versions import BOARDS as BOARDS  # BOARDS, SUMMARY, teams: for the pages
from shell.versions import EVERYTHING, STRUCTURE, Follows, Tracker, Versions
from shell.versions import SUMMARY as SUMMARY
from shell.versions import teams as teams

log = logging.getLogger("okr")
_VERSION_KEY = "store.data_version"
_OWN_VERSION_KEY = "store.own_data_version"  # the version this session's last write made
_EXACT_VERSION_KEY = "store.exact_data_version"  # the database's, read at this run's start
_OWN_RUN_KEY = "store.own_run"  # this run uses the database's versions: the session wrote
DEFAULT_REFRESH_S = 15.0
DEFAULT_SUMMARY_REFRESH_S = 60.0


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
    """Choose the versions this run's cached reads are keyed by (one indexed read of the
    newest audit id, 0.07 ms; the new audit rows only when it moved): the server's shared
    view, which follows the database at most every ``OKR_REFRESH_S`` seconds, or the
    database's own if this session wrote since."""
    settle_heap()
    exact = current_versions()
    st.session_state[_EXACT_VERSION_KEY] = exact
    shared = _shared_view(exact)
    own = st.session_state.get(_OWN_VERSION_KEY, 0) > shared.newest
    st.session_state[_VERSION_KEY] = exact if own else shared
    st.session_state[_OWN_RUN_KEY] = own


def see_own_write() -> None:
    """After this session writes (or is refused, perhaps for a stale view): its runs use the
    database's versions from now on, whatever the shared view says, summaries included. Not
    the shared view itself: every session would then miss its caches at every write made
    through a server."""
    exact = current_versions()
    st.session_state[_OWN_VERSION_KEY] = exact.newest
    st.session_state[_EXACT_VERSION_KEY] = exact
    st.session_state[_VERSION_KEY] = exact
    st.session_state[_OWN_RUN_KEY] = True


# Per database: the versions the sessions of this server share, and when they last moved.
_shared: dict[str, tuple[Versions, float]] = {}


def _shared_view(latest: Versions) -> Versions:
    """Moves to ``latest`` when it is new and the last move is at least ``OKR_REFRESH_S``
    old: a lone write shows at once, a stream of them once per period."""
    url = database_url()
    view = _shared.get(url)
    now = time.monotonic()
    moved = None if view is None else (view[0].newest, view[1])
    if _due(moved, latest.newest, now, refresh_seconds()):
        view = (latest, now)
        _shared[url] = view
    return view[0]


def _due(moved: tuple[int, float] | None, latest: int, now: float, period: float) -> bool:
    """Whether a view last moved (to an audit id, at a time) moves to ``latest`` now: when it
    never moved, or ``latest`` is new and the last move is at least ``period`` old."""
    return moved is None or (moved[0] != latest and now - moved[1] >= period)


# Per summary read (the call: name, arguments, database, language, what it follows): the
# audit id it is brought up to, and when. Each moves on its own, so they are not all read again at the same moment.
_summary_moves: OrderedDict[str, tuple[int, float]] = OrderedDict()
_summary_lock = threading.Lock()
_CALLS_KEPT = 4000  # calls remembered in _summary_moves, and in _latest


def _summary_as_of(call: str, latest: int, periods: int = 1) -> int:
    """The audit id a summary read is keyed by: ``latest`` when the read was last brought up
    to date at least its period ago (between half of ``periods`` × ``OKR_SUMMARY_REFRESH_S``
    and all of it, the same for a read every time, different from read to read), else the
    one before.
    Spread so, the summaries' reading again is spread over the period instead of falling on
    every session's next run at once (a few seconds of CPU at 5,000 people)."""
    period = periods * summary_refresh_seconds() * (0.5 + int(call[:8], 16) / 2**33)
    now = time.monotonic()
    with _summary_lock:
        moved = _summary_moves.get(call)
        if _due(moved, latest, now, period):
            moved = (latest, now)
            _summary_moves[call] = moved
        _summary_moves.move_to_end(call)
        if len(_summary_moves) > _CALLS_KEPT:
            _summary_moves.popitem(last=False)
        return moved[0]


def refresh_seconds() -> float:
    """``OKR_REFRESH_S``: how long other people's writes may take to show (default 15 s)."""
    return _seconds("OKR_REFRESH_S", DEFAULT_REFRESH_S)


def summary_refresh_seconds() -> float:
    """``OKR_SUMMARY_REFRESH_S``: how long other people's check-ins may take to reach the
    organisation-wide figures (default 60 s)."""
    return _seconds("OKR_SUMMARY_REFRESH_S", DEFAULT_SUMMARY_REFRESH_S)


def _seconds(variable: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(variable, default)))
    except ValueError:
        return default


_trackers: dict[str, Tracker] = {}


def current_versions() -> Versions:
    """The database's versions now, read on a plain connection: no ORM session for one
    number on every run (0.07 instead of 0.2 ms, and less time holding the interpreter lock)."""
    url = database_url()
    tracker = _trackers.get(url) or _trackers.setdefault(url, Tracker())
    with database().engine.connect() as connection:
        return tracker.current(
            data_version(connection),
            lambda audit_id, limit: writes_after(connection, audit_id, limit),
        )


def cached(
    query: Callable[..., Any], *args: Any, follows: Follows = EVERYTHING, **kwargs: Any
) -> Any:
    """Run a read through the cache; arguments must be hashable (ids, dates, strings). It is
    read again when what it ``follows`` changed (see shell/versions); by default any write.
    The language is part of the key: a read may return translated text."""
    return _through_cache(_VERSION_KEY, follows, query, args, kwargs)


def cached_exact(query: Callable[..., Any], *args: Any) -> Any:
    """``cached`` for a read of the structure, keyed by the database's versions of this run
    rather than the shared view: for what must follow every change at once, such as who is
    signed in with which role."""
    return _through_cache(_EXACT_VERSION_KEY, STRUCTURE, query, args, {})


def _through_cache(
    version_key: str, follows: Follows, query: Callable[..., Any], args: tuple, kwargs: dict
) -> Any:
    name = f"{query.__module__}.{query.__qualname__}"
    parts = (args, tuple(sorted(kwargs.items())))
    return _remembered(
        _reads, name, follows, parts, version_key, lambda: read(query, *args, **kwargs)
    )


def _remembered(
    memo: Memo,
    name: str,
    follows: Follows,
    parts: tuple,
    version_key: str,
    compute: Callable[[], Any],
) -> Any:
    """The result of a call in this run, from ``memo`` or computed (and kept). The call is
    its name and arguments, the database, the language and what it follows; its key adds
    the versions of that."""
    call = _key(name, database_url(), current_language(), follows, *parts)
    versions = _run_value(version_key)
    if versions is None:  # outside a run of the app (a component drawn alone)
        return detached(memo.get(call, lambda: kept(compute())))
    if _run_value(_OWN_RUN_KEY, False) or version_key != _VERSION_KEY:
        # Its own versions: not the shared view's results, so they replace none of them.
        key = _key(call, follows.key(versions, versions.newest))
        return detached(memo.get(key, lambda: kept(compute())))
    summary = versions.newest
    if follows.summary:
        summary = _summary_as_of(call, versions.newest, follows.periods)
    key = _key(call, follows.key(versions, summary))
    found, value = memo.peek(key)
    if found:
        return detached(value)

    def fresh() -> Any:
        return memo.get(key, lambda: _replacing(memo, call, key, compute))

    had, earlier = memo.peek(_latest.get(call))
    if follows.summary and had and _background.get() is None and summary_refresh_seconds():
        # Show the summary as it was; the refresher reads it again (see shell/refresher).
        state = {k: st.session_state.get(k) for k in (version_key, _OWN_RUN_KEY)}
        _refresher.submit(key, lambda: _in_background(state, fresh))
        return detached(earlier)
    return detached(fresh())


# Per call of the shared view: the key of its newest result. The server's sessions all key
# by that view, so a result it replaces is asked for by no one any more.
_latest: dict[str, str] = {}
_latest_lock = threading.Lock()
_refresher = Refresher()
# In the refresher's thread: the run state of the run that asked (it has no session).
_background: ContextVar[dict[str, Any] | None] = ContextVar("okr_background", default=None)


def _run_value(name: str, default: Any = None) -> Any:
    state = _background.get()
    return (st.session_state if state is None else state).get(name, default)


def _in_background(state: dict[str, Any], work: Callable[[], Any]) -> Any:
    token = _background.set(state)
    try:
        return work()
    finally:
        _background.reset(token)


def _replacing(memo: Memo, call: str, key: str, compute: Callable[[], Any]) -> Any:
    """A result computed afresh for the shared view; the one it replaces is dropped."""
    value = kept(compute())
    with _latest_lock:
        replaced = _latest.pop(call, None)  # re-inserted last: the oldest go first
        _latest[call] = key
        if len(_latest) > _CALLS_KEPT:
            del _latest[next(iter(_latest))]
    if replaced != key:
        memo.discard(replaced)
    return value


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


def derived(compute: Callable[..., Any], *args: Any, follows: Follows = EVERYTHING) -> Any:
    """Run a pure function of cached reads through the cache, keyed by its arguments and the
    versions of what it ``follows`` (what the reads it makes follow): for work over many
    rows (ranking a whole board, say) whose result a page shows only in part. ``compute``
    may call ``cached``; arguments must be hashable. The language is part of the key, as in
    ``cached``."""
    # Page scripts all run as "__main__": the file tells two pages' functions apart.
    where = getattr(getattr(compute, "__code__", None), "co_filename", "")
    name = f"{compute.__module__}.{compute.__qualname__}@{where}"
    return _remembered(_derived_results, name, follows, args, _VERSION_KEY, lambda: compute(*args))


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
    """Forget every cached read, derived result and chart, and the versions known (tests,
    cold benchmarks)."""
    _shared.clear()
    _summary_moves.clear()
    _latest.clear()
    _trackers.clear()
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


def bookkeeping(command: Callable[..., Any], *args: Any) -> None:
    """A write that changes nothing a page shows (a session seen, resumed or ended): one
    transaction, and this session's views stay as they are."""
    with transaction(database().sessions) as session:
        command(session, *args)


def exact_version() -> int:
    """The newest audit id as this run began (every write leaves one)."""
    return st.session_state[_EXACT_VERSION_KEY].newest


def _refused(message: str, show_error: bool) -> Outcome:
    """A refusal's message is text (a domain error quotes titles and names people typed)."""
    if show_error:
        st.error(md_block(message), icon=":material/error:")
    return Outcome(False, error=message)
