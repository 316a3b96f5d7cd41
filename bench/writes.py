"""`python -m bench writes`: concurrent check-ins through the real write path lose nothing.

W writers (threads sharing one engine, as the sessions of one server do) each save C
check-ins through ``db.commands.check_in`` inside ``db.engine.transaction`` — the same code
path as the Log progress page — as real people of the demo organisation who may check in on
the KR: all on the SAME key result (its owner, the leads above its team and the admin take
turns), and then each on a DIFFERENT key result of its own. Every check-in's value is unique.

Afterwards it counts, per key result, the check-ins stored against the ones expected (rows
before + saves that reported success) and checks that each key result's current value,
confidence and last check-in time are those of its latest check-in. Bar P4: 0 lost, 0 errors,
on SQLite and PostgreSQL. Each database is a private copy of the cached organisation.
"""

from __future__ import annotations

import random
import sys
import tempfile
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from bench import orgs
from bench.common import machine, table, write_result
from core.permissions import Actor, can_check_in
from db import queries
from db.commands.checkins import CheckInInput, check_in
from db.engine import make_engine, make_sessionmaker, transaction
from db.models import CheckIn, Cycle, KeyResult, Objective, Team, User


@dataclass(frozen=True)
class Writer:
    actor: Actor
    username: str
    key_result_id: int


def _actor(session, username: str) -> Actor:
    return queries.current_user(session, username).actor


def _open_krs(session, limit: int | None):
    """Numeric key results of published objectives in the active cycle, with active owners."""
    return session.execute(
        select(KeyResult.id, KeyResult.owner_id, Objective.team_id, User.username)
        .join(Objective, Objective.id == KeyResult.objective_id)
        .join(Cycle, Cycle.id == Objective.cycle_id)
        .join(User, User.id == KeyResult.owner_id)
        .where(
            Cycle.state == "active",
            Objective.state == "active",
            KeyResult.kind != "milestone",
            User.active.is_(True),
        )
        .order_by(KeyResult.id)
        .limit(limit)
    ).all()


def _team_chain_leads(session, team_id: int | None) -> list[str]:
    leads, seen = [], set()
    while team_id is not None and team_id not in seen:
        seen.add(team_id)
        team = session.get(Team, team_id)
        if team is None:
            break
        if team.lead_id:
            lead = session.get(User, team.lead_id)
            if lead and lead.active and lead.role == "lead":
                leads.append(lead.username)
        team_id = team.parent_id
    return leads


def same_kr_writers(sessions, count: int) -> list[Writer]:
    with sessions() as session:
        for kr_id, _owner, team_id, owner_name in _open_krs(session, 200):
            names = [owner_name, *_team_chain_leads(session, team_id)]
            names += list(
                session.scalars(
                    select(User.username).where(User.role == "admin", User.active.is_(True))
                )
            )
            kr = session.get(KeyResult, kr_id)
            actors = {n: _actor(session, n) for n in dict.fromkeys(names)}
            allowed = [n for n, a in actors.items() if can_check_in(a, kr.owner_id, team_id)]
            if len(allowed) >= 2:
                return [
                    Writer(actors[allowed[i % len(allowed)]], allowed[i % len(allowed)], kr_id)
                    for i in range(count)
                ]
    raise RuntimeError("no key result with two people who may check in on it")


def sampled_writers(sessions, count: int, seed: int = 2026) -> list[Writer]:
    """The owners of ``count`` key results drawn at random (seeded) from every open one of
    the organisation: check-ins spread as people's own check-ins are, over every team and
    level, not only the first key results (which are the company's)."""
    with sessions() as session:
        krs = _open_krs(session, None)
        chosen = random.Random(seed).sample(list(krs), min(count, len(krs)))
        return [Writer(_actor(session, name), name, kr_id) for kr_id, _owner, _team, name in chosen]


def different_kr_writers(sessions, count: int) -> list[Writer]:
    writers, owners = [], set()
    with sessions() as session:
        for kr_id, owner_id, _team, owner_name in _open_krs(session, 20 * count):
            if owner_id in owners:
                continue
            owners.add(owner_id)
            writers.append(Writer(_actor(session, owner_name), owner_name, kr_id))
            if len(writers) == count:
                return writers
    raise RuntimeError(f"fewer than {count} key results with distinct owners")


def _counts(sessions, kr_ids: set[int]) -> dict[int, int]:
    with sessions() as session:
        rows = session.execute(
            select(CheckIn.key_result_id, func.count())
            .where(CheckIn.key_result_id.in_(kr_ids))
            .group_by(CheckIn.key_result_id)
        ).all()
    return {kr: 0 for kr in kr_ids} | {kr: n for kr, n in rows}


def _inconsistent(sessions, kr_ids: set[int]) -> list[str]:
    """Key results whose current value is not their latest check-in's."""
    problems = []
    with sessions() as session:
        for kr_id in sorted(kr_ids):
            kr = session.get(KeyResult, kr_id)
            latest = session.execute(
                select(CheckIn.value, CheckIn.confidence, CheckIn.created_at)
                .where(CheckIn.key_result_id == kr_id)
                .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
                .limit(1)
            ).one()
            if (kr.current_value, kr.confidence, kr.last_checkin_at) != tuple(latest):
                problems.append(
                    f"KR {kr_id}: current {kr.current_value}/{kr.confidence} but latest "
                    f"check-in {latest.value}/{latest.confidence}"
                )
    return problems


def scenario(sessions, writers: list[Writer], checkins: int) -> dict:
    kr_ids = {w.key_result_id for w in writers}
    before = _counts(sessions, kr_ids)
    saved = {kr: 0 for kr in kr_ids}
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(writers) + 1)

    def work(number: int, writer: Writer) -> None:
        start.wait()
        for i in range(checkins):
            data = CheckInInput(
                key_result_id=writer.key_result_id,
                value=1000 + number * checkins + i,  # unique: a lost row cannot hide
                confidence=(number + i) % 11,
                note=f"bench writer {number} check-in {i}",
            )
            try:
                with transaction(sessions) as session:
                    check_in(session, writer.actor, data)
            except Exception as error:
                with lock:
                    errors.append(f"{type(error).__name__}: {error}".splitlines()[0][:200])
                continue
            with lock:
                saved[writer.key_result_id] += 1

    threads = [
        threading.Thread(target=work, args=(n, w), daemon=True) for n, w in enumerate(writers)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    after = _counts(sessions, kr_ids)
    expected = {kr: before[kr] + saved[kr] for kr in kr_ids}
    lost = sum(max(0, expected[kr] - after[kr]) for kr in kr_ids)
    extra = sum(max(0, after[kr] - expected[kr]) for kr in kr_ids)
    inconsistent = _inconsistent(sessions, kr_ids)
    attempted = len(writers) * checkins
    return {
        "writers": len(writers),
        "checkins_per_writer": checkins,
        "key_results": len(kr_ids),
        "people": len({w.username for w in writers}),
        "attempted": attempted,
        "saved": sum(saved.values()),
        "stored": sum(after[kr] - before[kr] for kr in kr_ids),
        "lost": lost,
        "extra": extra,
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "current_value_mismatches": len(inconsistent),
        "mismatch_examples": inconsistent[:5],
        "seconds": round(elapsed, 2),
        "checkins_per_s": round(sum(saved.values()) / elapsed, 1) if elapsed else None,
    }


def _database(database: str, size: str, scratch: Path) -> tuple[str, str | None]:
    """(url, PostgreSQL database to drop afterwards)."""
    if database == "sqlite":
        return orgs.sqlite_copy(size, scratch / f"writes-{size}.db"), None
    name = f"okr_bench_writes_{uuid.uuid4().hex[:8]}"
    return orgs.postgres_copy(size, name), name


def run_database(database: str, writers: int, checkins: int, size: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="okr-bench-writes-") as scratch:
        url, drop = _database(database, size, Path(scratch))
        engine = make_engine(url)
        try:
            sessions = make_sessionmaker(engine)
            result = {
                "same_kr": scenario(sessions, same_kr_writers(sessions, writers), checkins),
                "different_krs": scenario(
                    sessions, different_kr_writers(sessions, writers), checkins
                ),
                "pool": None if database == "sqlite" else engine.pool.status(),
            }
        finally:
            engine.dispose()
            if drop:
                orgs.drop_database(drop)
    return result


def run(
    writers: int = 20,
    checkins: int = 50,
    databases: tuple[str, ...] = ("sqlite", "postgresql"),
    size: str = "large",
    out: Path | None = None,
    record: bool = True,
) -> dict:
    if not 1 <= writers <= 100 or not 1 <= checkins <= 1000:
        raise SystemExit("--writers must be 1..100 and --checkins 1..1000")
    result: dict = {"org": size, "databases": {}}
    for database in databases:
        print(f"{database}: {writers} writers × {checkins} check-ins…", file=sys.stderr, flush=True)
        try:
            result["databases"][database] = run_database(database, writers, checkins, size)
        except Exception as error:
            traceback.print_exc()
            result["databases"][database] = {"failed": f"{type(error).__name__}: {error}"}
    scenarios = [
        s for db in result["databases"].values() for s in db.values() if isinstance(s, dict)
    ]
    result["p4"] = {
        "lost": sum(s.get("lost", 0) + s.get("current_value_mismatches", 0) for s in scenarios),
        "errors": sum(s.get("errors", 0) for s in scenarios),
        "holds": all("failed" not in db for db in result["databases"].values())
        and all(
            s.get("lost") == 0 and s.get("errors") == 0 and s.get("current_value_mismatches") == 0
            for s in scenarios
        ),
    }
    result["machine"] = machine()
    if record:
        write_result("writes", result, out)
    print(report(result))
    return result


def report(result: dict) -> str:
    rows = []
    for database, scenarios in result["databases"].items():
        if "failed" in scenarios:
            rows.append([database, "—", "—", "—", "—", "—", "—", scenarios["failed"][:60]])
            continue
        for name in ("same_kr", "different_krs"):
            s = scenarios[name]
            rows.append(
                [
                    database,
                    name.replace("_", " "),
                    f"{s['writers']} × {s['checkins_per_writer']}",
                    s["stored"],
                    s["lost"],
                    s["errors"],
                    s["current_value_mismatches"],
                    s["checkins_per_s"],
                ]
            )
    p4 = result["p4"]
    return "\n".join(
        [
            table(
                [
                    "database",
                    "key results",
                    "writers × check-ins",
                    "stored",
                    "lost",
                    "errors",
                    "current ≠ latest",
                    "check-ins/s",
                ],
                rows,
            ),
            "",
            f"P4 (0 lost, 0 errors): {'holds' if p4['holds'] else 'FAILS'}",
        ]
    )
