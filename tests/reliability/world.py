"""A small organisation built once per test module, and a sandbox that runs each write inside
a transaction that is always rolled back, so hundreds of cases share one database.

The world (on top of tests.factories.build_org): the admin sits in "Company"; "cora", a
member, sits there too (so the executive and the admin have a colleague); cycles "Now"
(active), "Next" (planning, after Now) and "Past" (closed, before Now). Every person owns,
in Now, a published individual objective, a draft individual objective, a published team
objective of their team and a published company objective, each with one 0 → 100 key result
they own.

The sandbox: ``with sandbox.case() as case:`` opens a connection and an outer transaction;
``case.attempt(...)`` runs a write exactly as the app does (db.engine.transaction: commit on
success, roll back on any error), but the commit only releases a SAVEPOINT; leaving the block
rolls the outer transaction back. ``case.snapshot()`` is every row of every table.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DomainError
from core.permissions import Actor
from db import commands
from db.engine import make_engine, make_sessionmaker, transaction
from db.migrate import upgrade_head
from db.models import AuditLog, Base, KeyResult, Objective
from tests.conftest import postgres_scratch_url
from tests.factories import PASSWORD, build_org, run

PEOPLE = ("admin", "eve", "lena", "sam", "mia", "max", "sue", "cora")
GOALS = ("individual", "draft", "team", "company")


@dataclass
class World:
    ids: dict[str, int]
    actors: dict[str, Actor]
    team_of: dict[str, int]
    objective: dict[tuple[str, str], int] = field(default_factory=dict)
    kr: dict[tuple[str, str], int] = field(default_factory=dict)
    version: dict[int, int] = field(default_factory=dict)  # objective id -> version
    kr_version: dict[int, int] = field(default_factory=dict)

    @property
    def cycle(self) -> int:
        return self.ids["cycle"]


def build_world(sessions: sessionmaker[Session], today: date | None = None) -> World:
    today = today or date.today()
    org = build_org(sessions, today)
    ids, admin = org.ids, org.admin
    run(
        sessions,
        commands.update_user,
        admin,
        ids["admin"],
        commands.UserInput("admin", "Ada Admin", "admin@example.com", "admin", ids["company"]),
    )
    ids["cora"] = run(
        sessions,
        commands.create_user,
        admin,
        commands.UserInput(
            "cora", "Cora Colleague", "cora@example.com", "member", ids["company"], None, "en",
            PASSWORD,
        ),
    )  # fmt: skip
    ids["next"] = run(
        sessions,
        commands.create_cycle,
        admin,
        "Next",
        today + timedelta(days=90),
        today + timedelta(days=180),
    )
    ids["past"] = run(
        sessions,
        commands.create_cycle,
        admin,
        "Past",
        today - timedelta(days=200),
        today - timedelta(days=100),
    )
    run(sessions, commands.set_cycle_state, admin, ids["past"], "active")
    run(sessions, commands.set_cycle_state, admin, ids["past"], "closed")
    actors = {name: org.actor(name) for name in PEOPLE}
    admin = actors["admin"]
    team_of = {name: actors[name].team_id for name in PEOPLE}
    world = World(ids, actors, team_of)
    for name in PEOPLE:
        for goal in GOALS:
            level = "individual" if goal in ("individual", "draft") else goal
            data = commands.ObjectiveInput(
                ids["cycle"],
                level,
                f"{goal.capitalize()} goal of {name}",
                ids[name],
                team_of[name] if level == "team" else None,
                key_results=[
                    commands.KRInput(f"{goal.capitalize()} KR of {name}", "increase", 0, 100)
                ],
            )
            objective_id = run(sessions, commands.create_objective, admin, data)
            if goal != "draft":
                run(sessions, commands.set_objective_state, admin, objective_id, 1, "active")
            world.objective[goal, name] = objective_id
    with sessions() as session:
        for (goal, name), objective_id in world.objective.items():
            kr = session.scalars(select(KeyResult).where(KeyResult.objective_id == objective_id))
            kr = kr.one()
            world.kr[goal, name] = kr.id
            world.kr_version[kr.id] = kr.version
        for objective_id in world.objective.values():
            world.version[objective_id] = session.scalar(
                select(Objective.version).where(Objective.id == objective_id)
            )
    return world


# --- the sandbox ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    ok: bool
    value: Any = None
    error: DomainError | None = None


Snapshot = dict[str, list[tuple]]


class Case:
    """One case inside an outer transaction that is rolled back afterwards."""

    def __init__(self, factory: sessionmaker[Session]):
        self.factory = factory

    def attempt(self, write: Callable[[Session], Any]) -> Outcome:
        """Run ``write(session)`` as the app runs a write: one transaction, committed unless
        it raises. A DomainError is a refusal; any other exception propagates (a bug)."""
        try:
            with transaction(self.factory) as session:
                value = write(session)
        except DomainError as error:
            return Outcome(False, error=error)
        return Outcome(True, value)

    def snapshot(self) -> Snapshot:
        """Every row of every table, in primary-key order."""
        with self.factory() as session:
            return {
                table.name: [
                    tuple(row)
                    for row in session.execute(select(table).order_by(*table.primary_key.columns))
                ]
                for table in Base.metadata.sorted_tables
            }

    def newest_audit_id(self) -> int:
        with self.factory() as session:
            return session.scalar(select(func.max(AuditLog.id))) or 0

    def audit_rows_after(self, audit_id: int) -> list[AuditLog]:
        with self.factory() as session:
            return list(session.scalars(select(AuditLog).where(AuditLog.id > audit_id)))

    def read(self, query: Callable[[Session], Any]) -> Any:
        with self.factory() as session:
            return query(session)


class Sandbox:
    def __init__(self, engine: Engine):
        self.engine = engine

    @contextmanager
    def case(self) -> Iterator[Case]:
        with self.engine.connect() as connection:
            outer = connection.begin()
            try:
                yield Case(
                    sessionmaker(
                        bind=connection,
                        join_transaction_mode="create_savepoint",
                        expire_on_commit=False,
                    )
                )
            finally:
                outer.rollback()


# --- discovery and fixtures ------------------------------------------------------------------


def write_functions() -> dict[str, Callable]:
    """Every write function in db/commands/*.py as {"module.name": function}: the public
    functions defined there whose first parameter is the session. A new one must get an
    entry in the authorisation matrix and the property tests (their coverage tests fail
    until it has)."""
    import db.commands

    found = {}
    for module_info in pkgutil.iter_modules(db.commands.__path__):
        if module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"db.commands.{module_info.name}")
        for name, value in vars(module).items():
            if (
                inspect.isfunction(value)
                and value.__module__ == module.__name__
                and not name.startswith("_")
                and next(iter(inspect.signature(value).parameters), None) == "session"
            ):
                found[f"{module_info.name}.{name}"] = value
    return found


def qualified_name(function: Callable) -> str:
    return f"{function.__module__.rsplit('.', 1)[-1]}.{function.__name__}"


@dataclass
class WorldDB:
    dialect: str
    engine: Engine
    world: World
    sandbox: Sandbox


def database_urls(dialect: str, folder) -> Iterator[str]:
    if dialect == "sqlite":
        yield f"sqlite:///{folder / 'okr.db'}"
    else:
        yield from postgres_scratch_url()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world_db(request, tmp_path_factory) -> Iterator[WorldDB]:
    """The world on SQLite and on PostgreSQL, built once per module."""
    for url in database_urls(request.param, tmp_path_factory.mktemp("world")):
        engine = make_engine(url)
        try:
            upgrade_head(engine)
            world = build_world(make_sessionmaker(engine))
            yield WorldDB(request.param, engine, world, Sandbox(engine))
        finally:
            engine.dispose()
