"""The demo organisations the benchmarks run against, built once and cached.

SQLite: ``bench/cache/<size>-<key>.db`` (bench/cache/ is gitignored). PostgreSQL: a database
named ``okr_bench_<size>`` whose comment holds the key. The key is the demo seed, today's date
and a hash of db/demo.py, db/models.py and the migrations, so a changed generator or schema (or
a new day: the demo is dated relative to today) builds a fresh organisation; otherwise the
cached one is reused. Builds go to a temporary name first and are renamed when complete, so an
interrupted build is never mistaken for a finished one.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db.demo import load_demo
from db.engine import PROJECT_ROOT, make_engine
from db.migrate import upgrade_head

CACHE = PROJECT_ROOT / "bench" / "cache"
SEED = 2026
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
HASHED = ("db/demo.py", "db/models.py", "db/migrations")


def postgres_server_url() -> str:
    """A URL of the PostgreSQL server (any database on it) used to create bench databases."""
    return (
        os.environ.get("OKR_BENCH_POSTGRES_URL")
        or os.environ.get("OKR_TEST_POSTGRES_URL")
        or DEFAULT_POSTGRES
    )


def cache_key(today: date | None = None, seed: int = SEED) -> str:
    digest = hashlib.sha256()
    for name in HASHED:
        path = PROJECT_ROOT / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(PROJECT_ROOT)).encode())
            digest.update(file.read_bytes())
    return f"s{seed}-{(today or date.today()).isoformat()}-{digest.hexdigest()[:12]}"


@dataclass(frozen=True)
class Org:
    size: str
    url: str
    built: bool  # True when this call built it, False when a cached one was reused


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def _lock(name: str) -> Iterator[None]:
    """One builder at a time per organisation (a second benchmark waits, then reuses)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sqlite_org(size: str, today: date | None = None) -> Org:
    """The cached SQLite file of a demo organisation, built when missing or out of date."""
    key = cache_key(today)
    path = CACHE / f"{size}-{key}.db"
    with _lock(f"sqlite-{size}"):
        if path.exists():
            return Org(size, f"sqlite:///{path}", built=False)
        for old in CACHE.glob(f"{size}-*.db*"):
            old.unlink()
        partial = CACHE / f"building-{size}-{uuid.uuid4().hex[:8]}.db"
        started = time.perf_counter()
        _say(f"Building the {size} demo organisation on SQLite (cached in {CACHE})…")
        engine = make_engine(f"sqlite:///{partial}")
        try:
            upgrade_head(engine)
            load_demo(engine, size, today=today or date.today(), seed=SEED)
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        partial.rename(path)
        _say(f"Built the {size} organisation in {time.perf_counter() - started:.0f} s.")
    return Org(size, f"sqlite:///{path}", built=True)


def sqlite_copy(size: str, target: Path, today: date | None = None) -> str:
    """A private copy of the cached organisation (for benchmarks that write)."""
    source = make_url(sqlite_org(size, today).url).database
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


def _admin_engine():
    return create_engine(postgres_server_url(), isolation_level="AUTOCOMMIT")


def _database_url(name: str) -> str:
    return make_url(postgres_server_url()).set(database=name).render_as_string(hide_password=False)


def _comment(connection, name: str) -> str | None:
    return connection.scalar(
        text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"),
        {"n": name},
    )


def drop_database(name: str) -> None:
    admin = _admin_engine()
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def postgres_org(size: str, today: date | None = None) -> Org:
    """The PostgreSQL database ``okr_bench_<size>``, rebuilt when its key is out of date."""
    key = cache_key(today)
    name = f"okr_bench_{size}"
    with _lock(f"postgres-{size}"):
        admin = _admin_engine()
        try:
            with admin.connect() as connection:
                if _comment(connection, name) == key:
                    return Org(size, _database_url(name), built=False)
                building = f"{name}_building"
                connection.execute(text(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{building}"'))
            started = time.perf_counter()
            _say(f"Building the {size} demo organisation on PostgreSQL ({name})…")
            engine = make_engine(_database_url(building))
            try:
                upgrade_head(engine)
                load_demo(engine, size, today=today or date.today(), seed=SEED)
                with engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT")
                    connection.exec_driver_sql("VACUUM ANALYZE")
            finally:
                engine.dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'ALTER DATABASE "{building}" RENAME TO "{name}"'))
                connection.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{key}'"))
            _say(f"Built the {size} organisation in {time.perf_counter() - started:.0f} s.")
        finally:
            admin.dispose()
    return Org(size, _database_url(name), built=True)


def postgres_copy(size: str, name: str, today: date | None = None) -> str:
    """A scratch copy of ``okr_bench_<size>`` (CREATE DATABASE … TEMPLATE: a file copy)."""
    postgres_org(size, today)
    admin = _admin_engine()
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "okr_bench_{size}"'))
    finally:
        admin.dispose()
    return _database_url(name)
