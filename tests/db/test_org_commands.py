"""People, teams, cycles and settings writes on SQLite and PostgreSQL: bad input gets a clear
message and changes nothing; the write functions check the actor's role themselves."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.accounts import SessionPolicy
from core.errors import DomainError, PermissionDenied, ValidationError
from core.settings import StatusSettings
from db import commands, queries
from db.models import AuditLog, Cycle, Team, User
from db.security import verify_password
from db.sign_in import sign_in_with_password
from tests.factories import PASSWORD, build_org, run


@pytest.fixture
def org(sessions):
    return build_org(sessions)


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def refused(org, error, command, *args, match: str):
    """The write is refused with the message, and no table changed."""
    before = {m: count(org.sessions, m) for m in (User, Team, Cycle, AuditLog)}
    with pytest.raises(error, match=match):
        run(org.sessions, command, *args)
    assert {m: count(org.sessions, m) for m in before} == before


def new_user(
    username="neo",
    name="Neo New",
    email="neo@example.com",
    role="member",
    team=None,
    password=PASSWORD,
):
    return commands.UserInput(username, name, email, role, team, None, "en", password)


def test_admin_creates_a_user_with_a_bcrypt_hash_and_an_audit_row(org):
    user_id = run(org.sessions, commands.create_user, org.admin, new_user())
    with org.sessions() as session:
        user = session.get(User, user_id)
        assert user.password_hash.startswith("$2") and PASSWORD not in user.password_hash
        assert verify_password(PASSWORD, user.password_hash)
        audit = session.scalars(select(AuditLog).where(AuditLog.entity_id == user_id)).all()
        assert [a.action for a in audit] == ["user.create"]
        assert "password_hash" not in audit[0].after


@pytest.mark.parametrize(
    "data, match",
    [
        (new_user(username=""), "Username is required"),
        (new_user(username="mia"), "already taken"),
        (new_user(username="MIA"), "already taken"),
        (new_user(email="mia@example.com"), "already used"),
        (new_user(email="not-an-email"), "Email is not valid"),
        (new_user(name="   "), "Display name is required"),
        (new_user(password="short"), "at least 10 characters"),
        (new_user(password="ệ" * 30), "72 bytes"),
        (new_user(password=" spaced-password "), "start or end with a space"),
        (new_user(role="boss"), "Unknown role"),
        (new_user(team=987654), "no longer exists"),
    ],
)
def test_bad_person_input_is_refused_and_changes_nothing(org, data, match):
    refused(org, DomainError, commands.create_user, org.admin, data, match=match)


def test_only_admins_manage_people_teams_and_cycles(org):
    for username in ("eve", "lena", "mia"):
        actor = org.actor(username)
        refused(org, PermissionDenied, commands.create_user, actor, new_user(), match="Only admins")
        refused(
            org, PermissionDenied, commands.create_team, actor, "X", None, None, match="Only admins"
        )
        refused(
            org,
            PermissionDenied,
            commands.create_cycle,
            actor,
            "X",
            date(2030, 1, 1),
            date(2030, 3, 1),
            match="Only admins",
        )


def test_team_names_are_required_and_unique_and_nesting_stays_a_tree(org):
    refused(
        org,
        ValidationError,
        commands.create_team,
        org.admin,
        " ",
        None,
        None,
        match="Team name is required",
    )
    refused(
        org,
        ValidationError,
        commands.create_team,
        org.admin,
        "product",
        None,
        None,
        match="already exists",
    )
    ids = org.ids
    refused(
        org,
        ValidationError,
        commands.update_team,
        org.admin,
        ids["company"],
        "Company",
        ids["product"],
        None,
        match="inside itself",
    )
    refused(
        org,
        ValidationError,
        commands.update_team,
        org.admin,
        ids["product"],
        "Product",
        ids["company"],
        ids["mia"],
        match="member role",
    )


def test_cycles_refuse_bad_dates_duplicates_and_overlapping_active_cycles(org):
    start = date.today()
    refused(
        org,
        ValidationError,
        commands.create_cycle,
        org.admin,
        "Later",
        start,
        start - timedelta(days=1),
        match="end date must be after",
    )
    refused(
        org,
        ValidationError,
        commands.create_cycle,
        org.admin,
        "now",
        start,
        start + timedelta(days=5),
        match="already exists",
    )
    overlapping = run(
        org.sessions, commands.create_cycle, org.admin, "Overlap", start, start + timedelta(days=10)
    )
    refused(
        org,
        ValidationError,
        commands.set_cycle_state,
        org.admin,
        overlapping,
        "active",
        match="overlaps the active cycle",
    )
    run(org.sessions, commands.set_cycle_state, org.admin, org.ids["cycle"], "closed")
    run(org.sessions, commands.set_cycle_state, org.admin, overlapping, "active")
    with org.sessions() as session:
        states = {c.name: c.state for c in queries.cycles(session)}
    assert states == {"Now": "closed", "Overlap": "active"}


def test_lockout_after_five_failures_and_reset_by_admin(org):
    for _ in range(5):
        sign_in_with_password(org.sessions, "mia", "wrong-password", None, SessionPolicy(), 20)
    assert password_of(org, "mia").locked_until is not None
    run(org.sessions, commands.reset_password, org.admin, org.ids["mia"], "a-new-password-1")
    record = password_of(org, "mia")
    assert record.failed_logins == 0 and record.locked_until is None
    assert verify_password("a-new-password-1", record.password_hash)


def password_of(org, username: str) -> User:
    with org.sessions() as session:
        return session.scalars(select(User).where(User.username == username)).one()


def test_change_password_checks_the_current_one(org):
    mia = org.actor("mia")
    refused(
        org,
        ValidationError,
        commands.change_password,
        mia,
        "wrong-password",
        "another-pw-12",
        match="current password is not correct",
    )
    run(org.sessions, commands.change_password, mia, PASSWORD, "another-pw-12")
    assert verify_password("another-pw-12", password_of(org, "mia").password_hash)


def test_deactivated_people_cannot_sign_in_and_admins_cannot_lock_themselves_out(org):
    run(org.sessions, commands.set_user_active, org.admin, org.ids["max"], False)
    with org.sessions() as session:
        assert not session.scalar(select(User.active).where(User.username == "max"))
        assert queries.current_user(session, "max") is None
    refused(
        org,
        ValidationError,
        commands.set_user_active,
        org.admin,
        org.ids["admin"],
        False,
        match="your own account",
    )


def test_led_teams_include_sub_teams(org):
    ids = org.ids
    sub = run(org.sessions, commands.create_team, org.admin, "Product Web", ids["product"], None)
    with org.sessions() as session:
        assert queries.led_team_ids(session, ids["lena"]) == {ids["product"], sub}
        assert queries.led_team_ids(session, ids["mia"]) == frozenset()


def test_status_settings_round_trip_and_validation(org):
    run(org.sessions, commands.save_status_settings, org.admin, StatusSettings(0.1, 0.2, 7, 2, 5))
    with org.sessions() as session:
        assert queries.status_settings(session) == StatusSettings(0.1, 0.2, 7, 2, 5)
    refused(
        org,
        ValidationError,
        commands.save_status_settings,
        org.admin,
        StatusSettings(0.5, 0.2, 7, 2, 5),
        match="on-track gap ≤ at-risk gap",
    )


def test_first_admin_only_on_an_empty_database(org):
    refused(org, PermissionDenied, commands.create_first_admin, new_user(), match="already done")
