"""Single sign-on reads and writes (SQLite and PostgreSQL): email matching, the admin
setting and the allow-list for new members, linked identities, sessions started."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.accounts import SessionPolicy
from core.errors import PermissionDenied, ValidationError
from core.sso import Identity
from db import commands
from db.commands import sign_in
from db.commands import sso as sso_commands
from db.models import AuditLog, LinkedIdentity, SignInSession, User, utcnow
from db.queries import sso as sso_queries
from tests.factories import build_org, run

ISSUER = "https://accounts.google.com"
POLICY = SessionPolicy()


def identity(email: str | None, sub: str = "g-1", **fields) -> Identity:
    values = {
        "issuer": ISSUER,
        "subject": sub,
        "email": email,
        "email_verified": True,
        "issued_at": utcnow() - timedelta(minutes=1),
        **fields,
    }
    return Identity(**values)


def sso_sign_in(sessions, claims: Identity, domains=()) -> sso_commands.SsoSignIn:
    return run(
        sessions, sso_commands.sign_in_with_identity, claims, "203.0.113.7", utcnow(), POLICY,
        domains,
    )  # fmt: skip


def create(sessions, claims: Identity, domains=("example.com", "other.org", "third.org")):
    return run(sessions, sso_commands.create_member_from_identity, claims, domains)


def links(sessions) -> list[tuple[int, str, str]]:
    with sessions() as session:
        rows = session.execute(
            select(LinkedIdentity.user_id, LinkedIdentity.issuer, LinkedIdentity.subject)
            .order_by(LinkedIdentity.id)
        ).all()  # fmt: skip
    return [tuple(row) for row in rows]


def actions(sessions, action: str) -> list[AuditLog]:
    with sessions() as session:
        return session.scalars(
            select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
        ).all()


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


# --- new members -----------------------------------------------------------------------------


def test_no_member_is_created_while_the_setting_is_off(sessions):
    build_org(sessions)
    with pytest.raises(PermissionDenied, match="Ask an admin to add you"):
        create(sessions, identity("new@example.com"))
    with sessions() as session:
        assert session.scalar(select(User).where(User.email == "new@example.com")) is None


@pytest.mark.parametrize(
    "email",
    ["an@evil-example.com", "an@example.com.evil.org", "an@sub.example.com", "an@example.co"],
)
def test_no_member_is_created_outside_the_allowed_domains(sessions, email):
    org = build_org(sessions)
    run(sessions, sso_commands.save_sso_settings, org.admin, True)
    with pytest.raises(PermissionDenied, match="Ask an admin to add you"):
        create(sessions, identity(email), ["Example.com"])
    with pytest.raises(PermissionDenied):  # an empty list allows nobody
        create(sessions, identity("an@example.com"), [])
    assert links(sessions) == []


def test_the_allow_list_comes_from_the_environment_when_not_given(sessions, monkeypatch):
    org = build_org(sessions)
    run(sessions, sso_commands.save_sso_settings, org.admin, True)
    monkeypatch.delenv("OKR_SSO_ALLOWED_DOMAINS", raising=False)
    with pytest.raises(PermissionDenied):
        run(sessions, sso_commands.create_member_from_identity, identity("an@ví.vn"))
    monkeypatch.setenv("OKR_SSO_ALLOWED_DOMAINS", "xn--v-jga.vn")  # ví.vn, written in ASCII
    assert run(sessions, sso_commands.create_member_from_identity, identity("an@ví.vn")) == "an-sso"


def test_a_new_member_is_linked_to_the_identity_in_the_same_write(sessions):
    org = build_org(sessions)
    run(sessions, sso_commands.save_sso_settings, org.admin, True)
    username = create(sessions, identity("An@Example.com", sub="g-an", name="An", language="vi"))
    with sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
    assert (user.email, user.display_name, user.language, user.role) == (
        "an@example.com", "An", "vi", "member",
    )  # fmt: skip
    assert links(sessions) == [(user.id, ISSUER, "g-an")]
    assert [a.actor_id for a in actions(sessions, "identity.link")] == [user.id]
    # The same identity cannot make a second account (nor link to one).
    with pytest.raises(ValidationError, match="already linked"):
        create(sessions, identity("an2@example.com", sub="g-an"))


def test_new_members_get_a_free_valid_username(sessions):
    org = build_org(sessions)
    run(sessions, sso_commands.save_sso_settings, org.admin, True)
    first = create(sessions, identity("Mia@other.org", sub="1", name="Mia Two"))
    second = create(sessions, identity("mia@third.org", sub="2"))
    odd = create(sessions, identity("x+ñ@example.com", sub="3", name="  "))
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
        create(sessions, identity("MAX@example.com", name="Max"))
    with pytest.raises(ValidationError, match="Email is not valid"):
        create(sessions, identity("not-an-email", name="X"))


@pytest.mark.parametrize(
    "fields",
    [
        {"email_verified": False},
        {"issuer": None},
        {"subject": ""},
        {"subject": "x" * 256},
        {"subject": "g-1\x00"},
        {"issuer": " https://accounts.google.com"},
    ],
    ids=["unverified", "no issuer", "empty subject", "long subject", "NUL", "padded issuer"],
)
def test_an_identity_without_a_verified_email_issuer_or_subject_makes_nothing(sessions, fields):
    org = build_org(sessions)
    run(sessions, sso_commands.save_sso_settings, org.admin, True)
    with pytest.raises((PermissionDenied, ValidationError)):
        create(sessions, identity("an@example.com", **fields))
    with pytest.raises((PermissionDenied, ValidationError)):
        sso_sign_in(sessions, identity("mia@example.com", **fields))
    assert links(sessions) == []


# --- signing in -----------------------------------------------------------------------------


def test_a_sign_in_links_the_account_and_starts_a_session(sessions):
    org = build_org(sessions)
    signed = sso_sign_in(sessions, identity("MIA@example.com", sub="g-mia"))
    assert (signed.username, signed.display_name) == ("mia", "Mia Member")
    assert links(sessions) == [(org.ids["mia"], ISSUER, "g-mia")]
    with sessions() as session:
        record = session.scalar(
            select(SignInSession).where(
                SignInSession.token_hash == sign_in.token_hash(signed.token)
            )
        )
    assert (record.user_id, record.method, record.client) == (org.ids["mia"], "sso", "203.0.113.7")
    started = actions(sessions, "session.start")
    assert [(a.actor_id, a.after["method"]) for a in started] == [(org.ids["mia"], "sso")]


def test_the_link_not_the_email_decides_from_then_on(sessions):
    org = build_org(sessions)
    sso_sign_in(sessions, identity("mia@example.com", sub="g-mia"))
    assert sso_sign_in(sessions, identity("mia@new-name.org", sub="g-mia")).username == "mia"
    # Max's address at the provider now: still Mia's identity, so still Mia.
    assert sso_sign_in(sessions, identity("max@example.com", sub="g-mia")).username == "mia"
    with sessions() as session:
        link = session.scalar(select(LinkedIdentity))
    assert (link.user_id, link.email) == (org.ids["mia"], "max@example.com")
    assert link.last_used_at is not None


@pytest.mark.parametrize("issuer", [ISSUER, "https://id.example.org/realms/okr"])
def test_a_second_identity_with_the_email_of_a_linked_account_is_refused(sessions, issuer):
    org = build_org(sessions)
    sso_sign_in(sessions, identity("admin@example.com", sub="g-admin"))
    with pytest.raises(PermissionDenied, match="linked to another single sign-on identity"):
        sso_sign_in(sessions, identity("ADMIN@example.com", sub="g-other", issuer=issuer))
    assert links(sessions) == [(org.ids["admin"], ISSUER, "g-admin")]
    assert len(actions(sessions, "session.start")) == 1


def test_deactivated_and_signed_out_accounts_are_refused(sessions):
    org = build_org(sessions)
    before = utcnow() - timedelta(seconds=5)
    sso_sign_in(sessions, identity("max@example.com", sub="g-max", issued_at=before))
    run(sessions, sign_in.end_all_sessions, org.admin, org.ids["max"])
    with pytest.raises(PermissionDenied, match="signed out everywhere"):
        sso_sign_in(sessions, identity("max@example.com", sub="g-max", issued_at=before))
    sso_sign_in(sessions, identity("max@example.com", sub="g-max", issued_at=utcnow()))
    run(sessions, commands.set_user_active, org.admin, org.ids["max"], False)
    with pytest.raises(PermissionDenied, match="deactivated"):
        sso_sign_in(sessions, identity("max@example.com", sub="g-max", issued_at=utcnow()))


def test_an_old_identity_or_one_without_its_time_is_refused(sessions):
    build_org(sessions)
    old = utcnow() - POLICY.lifetime - timedelta(minutes=1)
    with pytest.raises(PermissionDenied, match="too old"):
        sso_sign_in(sessions, identity("mia@example.com", issued_at=old))
    with pytest.raises(PermissionDenied, match="when it signed you in"):
        sso_sign_in(sessions, identity("mia@example.com", issued_at=None))
    assert links(sessions) == []


def test_an_unknown_email_becomes_a_linked_member_only_for_allowed_domains(sessions):
    org = build_org(sessions)
    with pytest.raises(PermissionDenied, match="No OKR Tracker account uses an@example.com"):
        sso_sign_in(sessions, identity("an@example.com"), ["example.com"])  # setting off
    run(sessions, sso_commands.save_sso_settings, org.admin, True)
    with pytest.raises(PermissionDenied, match="No OKR Tracker account uses an@evil.com"):
        sso_sign_in(sessions, identity("an@evil.com"), ["example.com"])
    signed = sso_sign_in(sessions, identity("an@example.com", sub="g-an"), ["example.com"])
    assert signed.username == "an-sso"
    with sessions() as session:
        user_id = session.scalar(select(User.id).where(User.username == "an-sso"))
    assert links(sessions) == [(user_id, ISSUER, "g-an")]
    assert [a.actor_id for a in actions(sessions, "session.start")] == [user_id]


# --- unlinking -----------------------------------------------------------------------------


def test_only_admins_unlink_and_it_is_audited(sessions):
    org = build_org(sessions)
    sso_sign_in(sessions, identity("sue@example.com", sub="g-sue"))
    for who in ("sue", "sam", "eve"):
        with pytest.raises(PermissionDenied, match="Only admins"):
            run(sessions, sso_commands.unlink_identity, org.actor(who), org.ids["sue"])
    assert len(links(sessions)) == 1
    run(sessions, sso_commands.unlink_identity, org.admin, org.ids["sue"])
    assert links(sessions) == []
    (audit,) = actions(sessions, "identity.unlink")
    assert (audit.actor_id, audit.entity_id) == (org.admin.id, org.ids["sue"])
    assert audit.before == {
        "identities": [{"issuer": ISSUER, "subject": "g-sue", "email": "sue@example.com"}]
    }
    with pytest.raises(ValidationError, match="has no linked single sign-on identity"):
        run(sessions, sso_commands.unlink_identity, org.admin, org.ids["sue"])

    sso_sign_in(sessions, identity("sue@example.com", sub="g-sue-new"))
    assert links(sessions) == [(org.ids["sue"], ISSUER, "g-sue-new")]
    with sessions() as session:
        shown = sso_queries.linked_identity(session, org.ids["sue"])
    assert (shown.issuer, shown.email) == (ISSUER, "sue@example.com")
