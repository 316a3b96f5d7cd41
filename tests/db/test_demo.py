"""The demo organisation (db.demo): its shape, the four demo sign-ins, data that agrees with
itself (a KR shows its latest check-in), determinism, and the command line.

The small demo is built once per backend: SQLite always, PostgreSQL when OKR_TEST_POSTGRES_URL
is set (in a scratch database that is dropped afterwards).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, insert, inspect, select

from core.enums import Status
from core.errors import DomainError
from core.progress import clamp, kr_progress
from core.status import expected_fraction, kr_status
from db.demo import DEMO_LOGINS, DEMO_PASSWORD, DatabaseNotEmpty, DemoCounts, load_demo
from db.engine import PROJECT_ROOT, make_engine
from db.migrate import upgrade_head
from db.models import (
    AuditLog,
    CheckIn,
    Cycle,
    KeyResult,
    Kudos,
    Objective,
    Setting,
    Team,
    User,
)
from db.security import verify_password
from tests.conftest import postgres_scratch_url

TODAY = date(2026, 5, 20)  # seven weeks into 2026 Q2
MIDNIGHT = datetime.combine(TODAY, datetime.min.time())
SEED = 7


@dataclass(frozen=True)
class Demo:
    engine: Engine
    counts: DemoCounts
    schema_before: dict


@contextmanager
def database_url(kind: str, tmp_path_factory) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('demo') / 'okr.db'}"
    else:
        yield from postgres_scratch_url()


def build(url: str, seed: int = SEED) -> Demo:
    engine = make_engine(url)
    upgrade_head(engine)
    before = schema(engine)
    return Demo(engine, load_demo(engine, "small", today=TODAY, seed=seed), before)


def schema(engine: Engine) -> dict:
    """Every table's indexes and foreign keys, by name and columns."""
    inspector = inspect(engine)
    return {
        table: (
            sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
            sorted(
                (k["name"], tuple(k["constrained_columns"]))
                for k in inspector.get_foreign_keys(table)
            ),
        )
        for table in inspector.get_table_names()
    }


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def demo(request, tmp_path_factory) -> Iterator[Demo]:
    with database_url(request.param, tmp_path_factory) as url:
        built = build(url)
        yield built
        built.engine.dispose()


def rows(demo: Demo, statement) -> list:
    with demo.engine.connect() as connection:
        return list(connection.execute(statement))


def user(demo: Demo, username: str):
    return rows(demo, select(User).where(User.username == username))[0]


def count(demo: Demo, model) -> int:
    return rows(demo, select(func.count()).select_from(model))[0][0]


def active_cycle(demo: Demo):
    return rows(demo, select(Cycle).where(Cycle.state == "active"))[0]


def test_small_demo_has_50_people_in_6_teams_and_two_quarters(demo):
    tables = {"users": User, "teams": Team, "cycles": Cycle, "objectives": Objective,
              "key_results": KeyResult, "check_ins": CheckIn, "kudos": Kudos}  # fmt: skip
    assert {name: count(demo, model) for name, model in tables.items()} == asdict(demo.counts)
    assert (demo.counts.users, demo.counts.teams, demo.counts.cycles) == (50, 6, 2)
    cycles = rows(demo, select(Cycle.name, Cycle.state, Cycle.start_date).order_by(Cycle.id))
    assert cycles == [
        ("2026 Q1", "closed", date(2026, 1, 1)),
        ("2026 Q2", "active", date(2026, 4, 1)),
    ]


def test_teams_form_company_departments_and_teams_each_with_a_lead(demo):
    teams = {t.id: t for t in rows(demo, select(Team))}
    roots = [t for t in teams.values() if t.parent_id is None]
    departments = [t for t in teams.values() if t.parent_id == roots[0].id]
    assert (len(roots), len(departments)) == (1, 2)
    assert all(t.lead_id is not None for t in teams.values())
    leads = {u.id: u for u in rows(demo, select(User).where(User.role == "lead"))}
    assert all(t.lead_id in leads for t in teams.values() if t.parent_id is not None)


def test_everyone_reports_to_their_team_lead_and_leads_to_the_lead_above(demo):
    teams = {t.id: t for t in rows(demo, select(Team))}
    for person in rows(demo, select(User)):
        team = teams[person.team_id]
        if person.id == team.lead_id:
            parent = teams.get(team.parent_id)
            assert person.manager_id == (parent.lead_id if parent else None)
        else:
            assert person.manager_id == team.lead_id


def test_people_have_unique_ascii_usernames_emails_and_a_language(demo):
    people = rows(demo, select(User))
    usernames = [p.username for p in people]
    assert len(set(usernames)) == len(people)
    assert len({p.email for p in people}) == len(people)
    assert all(u.isascii() and u == u.lower() for u in usernames)
    assert {p.language for p in people} == {"en", "vi"}
    vietnamese = [p.display_name for p in people if p.language == "vi"]
    assert any(not name.isascii() for name in vietnamese)  # diacritics, e.g. "Nguyễn Thị Mai"
    assert all(p.active for p in people)


def test_demo_logins_have_their_roles_and_the_demo_password(demo):
    for username, role in DEMO_LOGINS.items():
        account = user(demo, username)
        assert account.role == role
        assert verify_password(DEMO_PASSWORD, account.password_hash)
        assert not verify_password("wrong-password", account.password_hash)


def test_lead_leads_a_team_that_member_belongs_to(demo):
    lead, member = user(demo, "lead"), user(demo, "member")
    team = rows(demo, select(Team).where(Team.id == member.team_id))[0]
    assert team.lead_id == lead.id == member.manager_id
    assert count(demo, select(Team).where(Team.parent_id == team.id).subquery()) == 0
    assert count(demo, select(User).where(User.team_id == team.id).subquery()) >= 4


def test_exec_owns_company_objectives_in_every_cycle(demo):
    owned = rows(
        demo,
        select(Objective.cycle_id)
        .where(Objective.owner_id == user(demo, "exec").id, Objective.level == "company")
        .distinct(),
    )
    assert len(owned) == 2


def test_member_has_on_track_behind_and_stale_krs_in_the_active_cycle(demo):
    cycle = active_cycle(demo)
    krs = rows(
        demo,
        select(KeyResult)
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(KeyResult.owner_id == user(demo, "member").id, Objective.cycle_id == cycle.id),
    )
    assert len(krs) >= 3
    assert all(kr.last_checkin_at is not None for kr in krs)
    assert any(kr.last_checkin_at < MIDNIGHT - timedelta(days=14) for kr in krs)
    expected = expected_fraction(cycle.start_date, cycle.end_date, TODAY)
    statuses = {
        kr_status(
            kr_progress(kr.kind, kr.start_value, kr.target_value, kr.current_value),
            expected, kr.confidence, kr.last_checkin_at, MIDNIGHT,
        )
        for kr in krs
    }  # fmt: skip
    assert {Status.ON_TRACK, Status.NEEDS_UPDATE} <= statuses
    assert statuses & {Status.AT_RISK, Status.OFF_TRACK}


def test_every_kr_shows_its_latest_check_in(demo):
    latest: dict[int, tuple] = {}
    for check_in in rows(demo, select(CheckIn).order_by(CheckIn.created_at)):
        latest[check_in.key_result_id] = (
            check_in.value,
            check_in.confidence,
            check_in.created_at,
        )
    krs = rows(demo, select(KeyResult))
    for kr in krs:
        assert (kr.current_value, kr.confidence, kr.last_checkin_at) == latest.get(
            kr.id, (None, None, None)
        ), kr.id
    assert any(kr.id not in latest for kr in krs)  # some KRs were never checked in


def test_check_ins_fall_within_their_cycle_after_the_kr_exists_and_before_today(demo):
    spans = rows(
        demo,
        select(CheckIn.created_at, KeyResult.created_at, Cycle.start_date, Cycle.end_date)
        .join(KeyResult, KeyResult.id == CheckIn.key_result_id)
        .join(Objective, Objective.id == KeyResult.objective_id)
        .join(Cycle, Cycle.id == Objective.cycle_id),
    )
    for at, kr_created, start, end in spans:
        assert kr_created < at < MIDNIGHT
        assert start <= at.date() <= end


def test_closed_cycle_is_scored_and_active_cycle_is_not(demo):
    objectives = rows(
        demo,
        select(Objective.level, Objective.state, Objective.score, Cycle.state).join(
            Cycle, Cycle.id == Objective.cycle_id
        ),
    )
    for _level, state, score, cycle_state in objectives:
        if cycle_state == "closed":
            assert state == "closed" and 0 <= score <= 1
        else:
            assert state in ("active", "draft") and score is None
    assert {level for level, *_ in objectives} == {"company", "team", "individual"}
    krs = rows(
        demo,
        select(KeyResult.kind, KeyResult.start_value, KeyResult.target_value,
               KeyResult.current_value, KeyResult.score, Cycle.state)
        .join(Objective, Objective.id == KeyResult.objective_id)
        .join(Cycle, Cycle.id == Objective.cycle_id),
    )  # fmt: skip
    for kind, start, target, current, score, cycle_state in krs:
        if cycle_state == "closed":
            assert score == round(clamp(kr_progress(kind, start, target, current)), 1)
        else:
            assert score is None


def test_status_settings_and_an_audit_row_are_written(demo):
    settings = dict(rows(demo, select(Setting.key, Setting.value)))
    assert settings["stale_days"] == 14
    assert settings["status_thresholds"]["on_track_gap"] == 0.15
    audit = rows(demo, select(AuditLog.action, AuditLog.entity, AuditLog.after))
    assert audit == [("demo.load", "organisation", asdict(demo.counts))]


def test_the_bulk_load_leaves_every_index_and_foreign_key_in_place(demo):
    assert schema(demo.engine) == demo.schema_before


def test_the_app_can_insert_after_the_demo(demo):
    """PostgreSQL sequences must have moved past the demo's explicit ids."""
    with demo.engine.connect() as connection, connection.begin() as transaction:
        team_id = connection.execute(
            insert(Team).values(name="New team", created_at=MIDNIGHT).returning(Team.id)
        ).scalar_one()
        check_in_id = connection.execute(
            insert(CheckIn)
            .values(key_result_id=1, author_id=1, value=1.0, note="", created_at=MIDNIGHT)
            .returning(CheckIn.id)
        ).scalar_one()
        transaction.rollback()
    assert team_id > demo.counts.teams
    assert check_in_id > demo.counts.check_ins


def test_a_second_load_is_refused_and_changes_nothing(demo):
    with pytest.raises(DatabaseNotEmpty, match="already has data"):
        load_demo(demo.engine, "small", today=TODAY, seed=SEED)
    assert count(demo, User) == 50
    assert count(demo, CheckIn) == demo.counts.check_ins


def test_same_seed_and_day_give_the_same_demo(tmp_path):
    def snapshot(url: str, seed: int) -> tuple[list, list]:
        demo = build(url, seed)
        titles = rows(demo, select(Objective.title).order_by(Objective.id))
        values = rows(demo, select(CheckIn.value, CheckIn.created_at).order_by(CheckIn.id))
        demo.engine.dispose()
        return titles, values

    first = snapshot(f"sqlite:///{tmp_path / 'a.db'}", SEED)
    assert snapshot(f"sqlite:///{tmp_path / 'b.db'}", SEED) == first
    assert snapshot(f"sqlite:///{tmp_path / 'c.db'}", SEED + 1) != first


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "db.demo", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def people(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(User))
    finally:
        engine.dispose()


def test_cli_refuses_a_database_with_people_unless_reset(tmp_path):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    build(url).engine.dispose()

    refused = run_cli("--size", "small", "--database-url", url)
    assert refused.returncode == 2
    assert "--reset" in refused.stderr and "Traceback" not in refused.stderr

    reset = run_cli("--size", "small", "--database-url", url, "--reset", "--seed", "3")
    assert reset.returncode == 0, reset.stderr
    assert "50 users" in reset.stdout
    engine = make_engine(url)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(User)) == 50
    engine.dispose()


# --- production: the demo's accounts share a published password -----------------------------


def test_the_demo_is_refused_in_production_and_nothing_is_written(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    engine = make_engine(url)
    upgrade_head(engine)
    monkeypatch.setenv("OKR_ENV", "production")
    with pytest.raises(DomainError, match="only outside production"):
        load_demo(engine, "small", today=TODAY, seed=SEED)
    engine.dispose()
    assert people(url) == 0


def test_the_cli_refuses_the_demo_in_production_before_any_reset(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    build(url).engine.dispose()
    monkeypatch.setenv("OKR_ENV", "production")
    refused = run_cli("--size", "small", "--database-url", url, "--reset")
    assert refused.returncode == 2
    assert "only outside production" in refused.stderr and "Traceback" not in refused.stderr
    assert people(url) == 50  # --reset did not wipe the database first


def test_the_cli_refuses_an_unknown_okr_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    monkeypatch.setenv("OKR_ENV", "prod")
    refused = run_cli("--size", "small", "--database-url", url)
    assert refused.returncode == 2
    assert refused.stderr.startswith("OKR_ENV is set to “prod”, which OKR Tracker does not know.")
    assert "development or production" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "okr.db").exists() or people(url) == 0
