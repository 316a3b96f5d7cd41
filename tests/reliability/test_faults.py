"""Faults in the middle of a write leave nothing half-written; an unreachable database gets a
page that says what to check, never a traceback.

- Every write function (one allowed call of each row of the authorisation matrix) is run
  again and again with the database failing at its 1st, 2nd, … statement, commit included:
  each time the error reaches the caller and not one row of any table has changed.
- A key result that is invalid as the third of three leaves no objective and no key result.
- The server process dies in the middle of a write (a real crash: the process exits while its
  transaction is open): the database holds nothing of it afterwards.
- On PostgreSQL, the connection is cut by the server (pg_terminate_backend) in the middle of a
  write: the write fails and nothing of it is stored.
- Through the app (AppTest): the database fails while a check-in is saved — the page says
  nothing was saved and stays usable; the database becomes unreachable in the middle of a
  session — the next run shows the "can't reach its database" page; it comes back — the app
  works again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import streamlit as st
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from core.errors import ValidationError
from db import commands
from db.commands import KRInput, ObjectiveInput
from db.models import AuditLog, CheckIn, KeyResult, Objective
from tests.app.helpers import button, errors, new_app, sign_in
from tests.conftest import POSTGRES_URL
from tests.factories import PASSWORD, build_org, run
from tests.reliability.world import Sandbox, qualified_name, write_functions
from tests.security.test_authorisation_matrix import ACTOR_OF, OK, ROLES, ROWS, target

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"


class Dropped(Exception):
    """What the driver would raise when the connection goes away."""


def allowed_write(row):
    """One allowed (role, target) of a matrix row: a write that succeeds when nothing fails."""
    for role in ROLES:
        for scope, expected in zip(row.scopes, row.expect[role], strict=True):
            if expected == OK:
                return role, scope
    raise AssertionError(f"no allowed cell in {row.target}")


FAULT_ROWS = [
    pytest.param(row, id=f"{qualified_name(row.function)}[{row.target}]")
    for row in ROWS
    if any(OK in expected for expected in row.expect.values())
]


@contextmanager
def failing_at(engine: Engine, statement: int | None) -> Iterator[list[str]]:
    """Count the statements sent while inside; raise OperationalError at number ``statement``
    (None: never). Yields the list of statements sent."""
    sent: list[str] = []

    def before(conn, cursor, sql, parameters, context, executemany):
        if sql.startswith("RELEASE SAVEPOINT"):
            return  # the sandbox's stand-in for COMMIT, which the database makes atomic
        sent.append(sql)
        if statement is not None and len(sent) == statement:
            raise OperationalError(sql, parameters, Dropped("server closed the connection"))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", before)


def prepared_write(case, world, row):
    """The row's write as its allowed role makes it, after the row's preparation (a session
    or a lock) is written in this case, outside the statements that may fail."""
    role, scope = allowed_write(row)
    who = target(role, scope)
    arguments = (world, world.actors[ACTOR_OF[role]], who)
    if row.prepare is not None:
        prepared = case.attempt(row.prepare(world, who))
        assert prepared.ok, f"could not prepare: {prepared.error!r}"
        arguments += (prepared.value,)
    return row.call(*arguments)


@pytest.mark.parametrize("row", FAULT_ROWS)
def test_a_failure_at_any_statement_of_a_write_leaves_nothing(world_db, row):
    world, sandbox = world_db.world, world_db.sandbox
    with sandbox.case() as case:  # how many statements does it send when all goes well?
        write = prepared_write(case, world, row)
        with failing_at(world_db.engine, None) as sent:
            assert case.attempt(write).ok
        statements = len(sent)
    assert statements >= 1
    for failing in range(1, statements + 1):
        with sandbox.case() as case:
            write = prepared_write(case, world, row)
            before = case.snapshot()
            with failing_at(world_db.engine, failing), pytest.raises(DBAPIError):
                case.attempt(write)
            assert case.snapshot() == before, f"statement {failing} of {statements}: half-written"


def test_every_write_function_is_fault_tested():
    tested = {qualified_name(p.values[0].function) for p in FAULT_ROWS}
    missing = set(write_functions()) - tested - {"accounts.create_first_admin"}
    assert not missing, sorted(missing)


def test_first_admin_setup_failing_half_way_leaves_an_empty_database(engine):
    data = commands.UserInput("boss", "Bà Chủ", "boss@example.com", password=PASSWORD)
    sandbox = Sandbox(engine)
    with sandbox.case() as case, failing_at(engine, None) as sent:
        assert case.attempt(lambda s: commands.create_first_admin(s, data)).ok
    for failing in range(1, len(sent) + 1):
        with sandbox.case() as case:
            before = case.snapshot()
            with failing_at(engine, failing), pytest.raises(DBAPIError):
                case.attempt(lambda s: commands.create_first_admin(s, data))
            assert case.snapshot() == before
    with sandbox.case() as case:
        assert not any(case.snapshot().values())  # and nothing was left behind at all


# --- invalid data part-way ------------------------------------------------------------------


@pytest.fixture
def org(sessions):
    return build_org(sessions)


def counts(sessions) -> dict[str, int]:
    with sessions() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Objective, KeyResult, CheckIn, AuditLog)
        }


def test_the_third_of_three_key_results_invalid_leaves_nothing(org):
    mia = org.actor("mia")
    before = counts(org.sessions)
    data = ObjectiveInput(
        org.ids["cycle"],
        "individual",
        "Ba kết quả then chốt",
        mia.id,
        key_results=[
            KRInput("Doanh thu", "increase", 0, 100),
            KRInput("Khách hàng mới", "increase", 10, 50),
            KRInput("Tỉ lệ rời bỏ", "decrease", 5, 5),  # start == target: invalid
        ],
    )
    with pytest.raises(ValidationError, match="^Key result 3: "):
        run(org.sessions, commands.create_objective, mia, data)
    assert counts(org.sessions) == before


# --- the server dies, the connection is cut -----------------------------------------------------

CRASH_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from sqlalchemy import event
    from db import commands
    from db.engine import make_engine, make_sessionmaker, transaction

    url, user_id, team_id, cycle_id, after = sys.argv[1], *map(int, sys.argv[2:6])
    engine = make_engine(url)
    sent = []

    @event.listens_for(engine, "after_cursor_execute")
    def crash(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)
        if len(sent) == after:
            os._exit(17)  # the process dies with its transaction open

    from core.permissions import Actor
    actor = Actor(user_id, "member", team_id)
    data = commands.ObjectiveInput(
        cycle_id, "individual", "Half-written?", user_id,
        key_results=[commands.KRInput(f"KR {n}", "increase", 0, 10) for n in range(3)],
    )
    with transaction(make_sessionmaker(engine)) as session:
        commands.create_objective(session, actor, data)
    print(len(sent))
    """
)


def crash_during_write(db_url: str, org, after: int) -> subprocess.CompletedProcess:
    mia = org.actor("mia")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            CRASH_SCRIPT,
            db_url,
            str(mia.id),
            str(mia.team_id),
            str(org.ids["cycle"]),
            str(after),
        ],  # fmt: skip
        cwd=os.getcwd(),
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(__import__("pathlib").Path(__file__).parents[2])},
    )


def test_the_server_process_dying_mid_write_leaves_nothing(db_url, org):
    complete = crash_during_write(db_url, org, after=10_000)  # never crashes: count statements
    assert complete.returncode == 0, complete.stderr
    statements = int(complete.stdout.split()[-1])
    before = counts(org.sessions)
    for after in sorted({2, statements // 2, statements - 1}):
        crashed = crash_during_write(db_url, org, after)
        assert crashed.returncode == 17, crashed.stderr
        assert counts(org.sessions) == before, f"crash after statement {after}: half-written"
    # the database is still usable after the crashes
    mia = org.actor("mia")
    run(
        org.sessions,
        commands.create_objective,
        mia,
        ObjectiveInput(org.ids["cycle"], "individual", "After the crash", mia.id),
    )


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (OKR_TEST_POSTGRES_URL)")
def test_postgres_cutting_the_connection_mid_write_leaves_nothing(db_url, org, engine):
    if not db_url.startswith("postgresql"):
        pytest.skip("a server-side disconnect is a PostgreSQL fault")
    mia = org.actor("mia")
    before = counts(org.sessions)
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    inserts = []

    def cut_after_second_kr(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO key_results"):
            inserts.append(statement)
            if len(inserts) == 2:
                pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
                with admin.connect() as other:
                    other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    event.listen(engine, "after_cursor_execute", cut_after_second_kr)
    try:
        data = ObjectiveInput(
            org.ids["cycle"],
            "individual",
            "Cut off",
            mia.id,
            key_results=[KRInput(f"KR {n}", "increase", 0, 10) for n in range(3)],
        )
        with pytest.raises(DBAPIError):
            run(org.sessions, commands.create_objective, mia, data)
    finally:
        event.remove(engine, "after_cursor_execute", cut_after_second_kr)
        admin.dispose()
    assert len(inserts) == 2
    assert counts(org.sessions) == before  # the pool replaces the dead connection
    run(
        org.sessions,
        commands.create_objective,
        mia,
        ObjectiveInput(org.ids["cycle"], "individual", "Reconnected", mia.id),
    )


# --- through the app ----------------------------------------------------------------------------


@pytest.fixture
def app_org(db_url, engine, sessions, monkeypatch):
    monkeypatch.setenv("OKR_DATABASE_URL", db_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    org = build_org(sessions)
    mia = org.actor("mia")
    goal = run(
        sessions,
        commands.create_objective,
        mia,
        ObjectiveInput(
            org.ids["cycle"],
            "individual",
            "Ship onboarding",
            mia.id,
            key_results=[KRInput("Activated accounts", "increase", 0, 100)],
        ),
    )
    run(sessions, commands.set_objective_state, mia, goal, 1, "active")
    yield org
    st.cache_data.clear()
    st.cache_resource.clear()


@contextmanager
def inserts_fail(table: str) -> Iterator[None]:
    """Every engine's INSERT into ``table`` fails as if the database had gone away."""

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith(f"INSERT INTO {table}"):
            raise OperationalError(statement, parameters, Dropped("server closed the connection"))

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", before)


def log_progress(at, value: str) -> None:
    at.switch_page("app_pages/log_progress.py")
    at.run()
    field = next(t for t in at.text_input if t.label == "New value")
    field.input(value)
    button(at, "Save check-in").click()
    at.run()


def test_a_check_in_failing_in_the_database_says_nothing_was_saved(app_org):
    at = sign_in("mia", PASSWORD)
    with inserts_fail("check_ins"):
        log_progress(at, "40")
    assert not at.exception
    assert errors(at) == [
        "The database did not answer, so nothing was saved. Try again in a moment."
    ]
    assert counts(app_org.sessions)["check_ins"] == 0
    log_progress(at, "40")  # the database answers again: the same form saves
    assert not at.exception and not errors(at)
    assert counts(app_org.sessions)["check_ins"] == 1


def test_the_database_going_away_mid_session_shows_what_to_check(app_org, monkeypatch, db_url):
    at = sign_in("mia", PASSWORD)
    assert at.title[0].value == "My OKRs"
    monkeypatch.setenv("OKR_DATABASE_URL", UNREACHABLE)  # the server loses its database
    st.cache_data.clear()
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["OKR Tracker can't reach its database"]
    shown = " ".join(m.value for m in at.markdown)
    assert "OKR_DATABASE_URL" in shown and "What to check" in shown
    assert "Traceback" not in shown and "Ship onboarding" not in shown
    assert not at.sidebar.button  # no navigation, no sign-out, nothing from the database

    monkeypatch.setenv("OKR_DATABASE_URL", db_url)  # and gets it back
    at.run()
    assert not at.exception and at.title[0].value == "My OKRs"


def test_an_unreachable_database_at_start_shows_what_to_check(monkeypatch):
    monkeypatch.setenv("OKR_DATABASE_URL", UNREACHABLE)
    st.cache_resource.clear()
    at = new_app()
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["OKR Tracker can't reach its database"]
    assert not at.text_input  # no sign-in form that could not work anyway
