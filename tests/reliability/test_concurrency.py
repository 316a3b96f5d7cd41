"""Concurrent writes lose nothing, on SQLite and on PostgreSQL.

- Two people edit the same objective (or key result) from forms opened on the same version:
  the second save is refused with "changed by someone else", the first is kept — whether the
  saves come one after the other or at the same instant from two threads.
- 20 threads check in on the same key result at once: every check-in is stored (and audited),
  and the key result shows the latest one by time.

Each thread uses its own session and transaction, exactly as two app servers (or two browser
tabs) would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from core.errors import DomainError, StaleVersion
from db import commands
from db.commands import CheckInInput, KRInput, ObjectiveInput
from db.models import AuditLog, CheckIn, KeyResult, Objective
from tests.factories import Org, build_org, run

THREADS = 20
STALE_MESSAGE = "Changed by someone else — reload and try again."


@pytest.fixture
def org(sessions) -> Org:
    org = build_org(sessions)
    mia = org.actor("mia")
    org.ids["goal"] = run(
        sessions,
        commands.create_objective,
        mia,
        ObjectiveInput(
            org.ids["cycle"],
            "individual",
            "Make onboarding painless",
            mia.id,
            key_results=[KRInput("Activated accounts", "increase", 0, 1000)],
        ),
    )
    run(sessions, commands.set_objective_state, mia, org.ids["goal"], 1, "active")
    with sessions() as session:
        org.ids["kr"] = session.scalar(
            select(KeyResult.id).where(KeyResult.objective_id == org.ids["goal"])
        )
    return org


def objective(org: Org) -> Objective:
    with org.sessions() as session:
        return session.get(Objective, org.ids["goal"])


def edit(org: Org, version: int, title: str) -> Callable[[], None]:
    mia = org.actor("mia")
    data = ObjectiveInput(org.ids["cycle"], "individual", title, mia.id)
    return lambda: run(org.sessions, commands.update_objective, mia, org.ids["goal"], version, data)


def at_once(*writes: Callable[[], Any]) -> list[Any]:
    """Start every write at the same instant, each in its own thread; return each result or
    the exception it raised."""
    barrier = threading.Barrier(len(writes))

    def go(write):
        barrier.wait()
        try:
            return write()
        except Exception as error:  # collected and inspected by the test
            return error

    with ThreadPoolExecutor(len(writes)) as pool:
        return list(pool.map(go, writes))


def audit_count(org: Org, action: str) -> int:
    with org.sessions() as session:
        return session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == action)
        )


def test_the_second_of_two_edits_on_the_same_version_is_refused_and_the_first_kept(org):
    version = objective(org).version  # both people open the edit form now
    edit(org, version, "Onboarding in one day (first save)")()
    with pytest.raises(StaleVersion) as refused:
        edit(org, version, "Onboarding in a week (second save)")()
    assert str(refused.value) == STALE_MESSAGE
    saved = objective(org)
    assert saved.title == "Onboarding in one day (first save)"
    assert saved.version == version + 1
    assert audit_count(org, "objective.update") == 1


@pytest.mark.parametrize("round_", range(3))
def test_two_edits_at_the_same_instant_one_wins_one_is_told(org, round_):
    version = objective(org).version
    titles = [f"Edit {n} of round {round_}" for n in (1, 2)]
    results = at_once(*(edit(org, version, title) for title in titles))
    winners = [t for t, r in zip(titles, results, strict=True) if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert len(losers) == 1 and isinstance(losers[0], StaleVersion), losers
    assert objective(org).title == winners[0]
    assert audit_count(org, "objective.update") == 1


def test_two_key_result_edits_at_the_same_instant_keep_exactly_one(org):
    mia = org.actor("mia")
    with org.sessions() as session:
        version = session.get(KeyResult, org.ids["kr"]).version
    inputs = [KRInput(f"Activated accounts ({n})", "increase", 0, 1000 * n) for n in (1, 2)]
    results = at_once(
        *(
            (lambda kr=kr: run(
                org.sessions, commands.update_key_result, mia, org.ids["kr"], version, kr
            ))
            for kr in inputs
        )
    )  # fmt: skip
    assert sorted(type(r).__name__ for r in results) == ["NoneType", "StaleVersion"]
    winner = inputs[[not isinstance(r, Exception) for r in results].index(True)]
    with org.sessions() as session:
        kr = session.get(KeyResult, org.ids["kr"])
        assert (kr.title, kr.target_value) == (winner.title, winner.target)


def test_twenty_simultaneous_check_ins_are_all_stored_and_the_latest_shows(org):
    """The owner, the team's lead and an admin check in from 20 threads at once."""
    authors = [org.actor(name) for name in ("mia", "lena", "admin")]
    entries = [
        (authors[n % 3], CheckInInput(org.ids["kr"], 10 * (n + 1), n % 11, f"thread {n} ✓"))
        for n in range(THREADS)
    ]
    results = at_once(
        *(
            (lambda actor=actor, entry=entry: run(org.sessions, commands.check_in, actor, entry))
            for actor, entry in entries
        )
    )
    failures = [r for r in results if isinstance(r, Exception)]
    assert not failures, failures
    assert all(isinstance(r, int) for r in results)  # the new check-ins' ids

    with org.sessions() as session:
        stored = session.scalars(
            select(CheckIn)
            .where(CheckIn.key_result_id == org.ids["kr"])
            .order_by(CheckIn.created_at, CheckIn.id)
        ).all()
        kr = session.get(KeyResult, org.ids["kr"])
    assert len(stored) == THREADS
    assert sorted(c.id for c in stored) == sorted(results)
    assert sorted(c.value for c in stored) == sorted(entry.value for _, entry in entries)
    assert {c.note for c in stored} == {entry.note for _, entry in entries}
    latest = stored[-1]
    assert kr.current_value == latest.value
    assert kr.confidence == latest.confidence
    assert kr.last_checkin_at == latest.created_at
    assert audit_count(org, "checkin.create") == THREADS


def test_simultaneous_check_ins_and_a_stale_edit_form(org):
    """A check-in changes the key result's version: an edit form opened before it is refused
    instead of silently overwriting the values the check-ins set."""
    mia = org.actor("mia")
    with org.sessions() as session:
        version = session.get(KeyResult, org.ids["kr"]).version
    check_ins = [
        (lambda n=n: run(org.sessions, commands.check_in, mia, CheckInInput(org.ids["kr"], n, 7)))
        for n in (100, 200, 300)
    ]
    results = at_once(*check_ins)
    assert not [r for r in results if isinstance(r, Exception)]
    with pytest.raises(DomainError, match="(?i)changed by someone else"):
        run(
            org.sessions,
            commands.update_key_result,
            mia,
            org.ids["kr"],
            version,
            KRInput("Renamed", "increase", 0, 10),
        )
    with org.sessions() as session:
        kr = session.get(KeyResult, org.ids["kr"])
        assert kr.title == "Activated accounts" and kr.current_value in (100, 200, 300)
