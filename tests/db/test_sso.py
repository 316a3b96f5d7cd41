"""Single sign-on reads and writes: email matching, the admin setting, new members."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import PermissionDenied, ValidationError
from db import commands
from db.commands import sso as sso_commands
from db.models import AuditLog, User
from db.queries import sso as sso_queries
from tests.factories import build_org, run


def test_emails_match_ignoring_case_and_only_active_accounts_count(sessions):
    org = build_org(sessions)
    with sessions() as session:
        assert sso_queries.account_for_email(session, " MIA@example.com ").username == "mia"
        assert sso_queries.account_for_email(session, "nobody@example.com").usernames == ()
    run(sessions, commands.set_user_active, org.admin, org.ids["mia"], False)
    with sessions() as session:
        match = sso_queries.account_for_email(session, "mia@example.com")
    assert match.username is None and match.only_inactive


def test_the_setting_is_off_by_default_and_only_admins_change_it(sessions):
    org = build_org(sessions)
    with sessions() as session:
        assert sso_queries.auto_create_enabled(session) is False
    with pytest.raises(PermissionDenied):
        run(sessions, sso_commands.save_sso_settings, org.actor("eve"), True)
    run(sessions, sso_commands.save_sso_settings, org.admin, True)
    with sessions() as session:
        assert sso_queries.auto_create_enabled(session) is True
        audit = session.scalars(
            select(AuditLog).where(AuditLog.action == "settings.update").order_by(AuditLog.id)
        ).all()[-1]
    assert audit.after == {"key": "sso_auto_create", "value": True}
    run(sessions, sso_commands.save_sso_settings, org.admin, False)
    with sessions() as session:
        assert sso_queries.auto_create_enabled(session) is False


def test_no_member_is_created_while_the_setting_is_off(sessions):
    build_org(sessions)
    with pytest.raises(PermissionDenied, match="Ask an admin to add you"):
        run(sessions, sso_commands.create_member_from_identity, "new@example.com", "New")
    with sessions() as session:
        assert session.scalar(select(User).where(User.email == "new@example.com")) is None


def test_new_members_get_a_free_valid_username(sessions):
    org = build_org(sessions)
    run(sessions, sso_commands.save_sso_settings, org.admin, True)
    first = run(sessions, sso_commands.create_member_from_identity, "Mia@other.org", "Mia Two")
    second = run(sessions, sso_commands.create_member_from_identity, "mia@third.org", None)
    odd = run(sessions, sso_commands.create_member_from_identity, "x+ñ@odd.org", "  ")
    assert (first, second) == ("mia2", "mia3")  # "mia" is taken by the factory's Mia
    assert odd == "xn-sso"
    with sessions() as session:
        user = session.scalar(select(User).where(User.username == "mia3"))
        assert (user.display_name, user.email, user.role, user.active) == (
            "mia",
            "mia@third.org",
            "member",
            True,
        )
        assert session.scalar(select(User.display_name).where(User.username == "xn-sso")) == "x+ñ"


def test_an_email_already_in_use_is_never_created_twice(sessions):
    org = build_org(sessions)
    run(sessions, sso_commands.save_sso_settings, org.admin, True)
    run(sessions, commands.set_user_active, org.admin, org.ids["max"], False)
    with pytest.raises(ValidationError, match="already uses max@example.com"):
        run(sessions, sso_commands.create_member_from_identity, "MAX@example.com", "Max")
    with pytest.raises(ValidationError, match="Email is not valid"):
        run(sessions, sso_commands.create_member_from_identity, "not-an-email", "X")
