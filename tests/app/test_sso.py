"""Single sign-on through the real app: AppTest's `secrets` seam carries the [auth] section
and its `user` seam the identity the provider would have returned (st.user)."""

from __future__ import annotations

import streamlit
from sqlalchemy import select

from db.commands import sso as sso_commands
from db.models import AuditLog, User
from db.queries import sso as sso_queries
from tests.app.helpers import button, errors, new_app, sign_in, signed_in
from tests.factories import PASSWORD, build_org, run

GOOGLE = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-cookie-secret-of-enough-length-1234",
    "client_id": "okr-client",
    "client_secret": "okr-secret",
    "server_metadata_url": "https://accounts.google.com/.well-known/openid-configuration",
}


def sso_app(identity: dict | None = None, auth: dict | None = None):
    """The app with [auth] configured; `identity` is who the provider says signed in."""
    at = new_app()
    at.secrets["auth"] = dict(GOOGLE if auth is None else auth)
    at.user = {"is_logged_in": True, **identity} if identity else {"is_logged_in": False}
    return at


def sso_buttons(at) -> list[str]:
    return [b.label for b in at.button if b.label.startswith("Sign in with")]


def test_configured_sso_offers_its_button_above_the_password_form(app_db, monkeypatch):
    build_org(app_db)
    at = sso_app()
    at.run()
    assert not at.exception and not signed_in(at)
    assert sso_buttons(at) == ["Sign in with Google"]
    assert {ti.label for ti in at.text_input} == {"Username", "Password"}

    started = []
    monkeypatch.setattr(streamlit, "login", lambda provider=None: started.append(provider))
    button(at, "Sign in with Google").click()
    at.run()
    assert started == [None]  # the unnamed provider of [auth]


def test_named_providers_each_get_a_button(app_db, monkeypatch):
    build_org(app_db)
    shared = {k: GOOGLE[k] for k in ("redirect_uri", "cookie_secret")}
    provider = {k: GOOGLE[k] for k in ("client_id", "client_secret")}
    at = sso_app(
        auth={
            **shared,
            "microsoft": {
                **provider,
                "server_metadata_url": "https://login.microsoftonline.com/t/v2.0/"
                ".well-known/openid-configuration",
            },
            "keycloak": {**provider, "server_metadata_url": "https://id.example.org/meta"},
        }
    )
    at.run()
    assert sso_buttons(at) == ["Sign in with Microsoft", "Sign in with Keycloak"]
    started = []
    monkeypatch.setattr(streamlit, "login", lambda provider=None: started.append(provider))
    button(at, "Sign in with Keycloak").click()
    at.run()
    assert started == ["keycloak"]


def test_a_known_email_signs_in_as_that_person_ignoring_case(app_db):
    build_org(app_db)
    at = sso_app({"email": "Mia@Example.COM", "name": "Mia M. (Google)"})
    at.run()
    assert not at.exception
    assert signed_in(at) and at.session_state["username"] == "mia"
    assert at.title[0].value == "My OKRs"
    assert "**Mia Member**" in [m.value for m in at.sidebar.markdown]
    assert "Sign out" in [b.label for b in at.sidebar.button]
    assert not sso_buttons(at) and not at.text_input  # no sign-in form left on the page


def test_an_sso_session_can_use_other_pages_as_that_person(app_db):
    build_org(app_db)
    at = sso_app({"email": "admin@example.com"})
    at.run()
    at.switch_page("app_pages/admin.py")
    at.run()
    assert not at.exception and at.title[0].value == "Admin"


def test_an_unknown_email_is_refused_with_a_clear_message(app_db):
    org = build_org(app_db)
    at = sso_app({"email": "stranger@elsewhere.org", "name": "Stranger"})
    at.run()
    assert not signed_in(at) and not at.exception
    assert errors(at) == [
        "No OKR Tracker account uses stranger@elsewhere.org. Ask an admin to add you, "
        "or sign in with your username and password."
    ]
    with org.sessions() as session:
        assert session.scalar(select(User).where(User.email == "stranger@elsewhere.org")) is None

    # The password form still works beside it.
    at = sign_in("sue", PASSWORD, at)
    assert signed_in(at) and at.session_state["username"] == "sue"
    assert at.title[0].value == "My OKRs"


def test_a_deactivated_account_is_refused(app_db):
    org = build_org(app_db)
    from db import commands

    run(app_db, commands.set_user_active, org.admin, org.ids["max"], False)
    at = sso_app({"email": "max@example.com"})
    at.run()
    assert not signed_in(at)
    assert errors(at) == [
        "The account for max@example.com is deactivated. Ask an admin if this is a mistake."
    ]


def test_an_unverified_email_is_refused(app_db):
    build_org(app_db)
    at = sso_app({"email": "mia@example.com", "email_verified": False})
    at.run()
    assert not signed_in(at)
    assert "has not verified mia@example.com" in errors(at)[0]


def test_an_unknown_email_becomes_a_member_when_the_admin_allows_it(app_db):
    org = build_org(app_db)
    run(app_db, sso_commands.save_sso_settings, org.admin, True)
    at = sso_app({"email": "Trần.An@Example.vn", "name": "Trần Văn An", "locale": "vi-VN"})
    at.run()
    assert not at.exception and signed_in(at)
    assert at.title[0].value == "OKR của tôi"  # the identity's locale chose Vietnamese
    with org.sessions() as session:
        user = session.scalar(select(User).where(User.email == "trần.an@example.vn"))
        assert user is not None
        assert (user.username, user.display_name, user.role, user.language, user.team_id) == (
            "tran.an",
            "Trần Văn An",
            "member",
            "vi",
            None,
        )
        audit = session.scalar(select(AuditLog).where(AuditLog.action == "user.create_sso"))
        assert audit.entity_id == user.id and audit.actor_id == user.id
    assert at.session_state["username"] == "tran.an"

    again = sso_app({"email": "trần.an@example.vn"})  # another browser: the same account
    again.run()
    assert again.session_state["username"] == "tran.an"
    with org.sessions() as session:
        assert session.query(User).filter(User.email == "trần.an@example.vn").count() == 1


def test_sign_out_ends_the_app_session_and_the_identity_provider_session(app_db):
    build_org(app_db)
    at = sso_app({"email": "lena@example.com"})
    at.run()
    assert signed_in(at)
    button(at.sidebar, "Sign out").click()
    at.run()
    assert not signed_in(at)
    assert at.user == {"is_logged_in": False}  # st.logout() ran
    assert sso_buttons(at) == ["Sign in with Google"]
    at.run()  # and the next run does not sign the identity in again
    assert not signed_in(at)


def test_a_refused_identity_can_be_dropped_to_use_another_account(app_db):
    build_org(app_db)
    at = sso_app({"email": "stranger@elsewhere.org"})
    at.run()
    button(at, "Use another account").click()
    at.run()
    assert at.user == {"is_logged_in": False}
    assert not errors(at) and sso_buttons(at) == ["Sign in with Google"]


def test_without_auth_configured_there_is_no_button_and_no_sso_sign_in(app_db):
    build_org(app_db)
    at = new_app()
    at.user = {"is_logged_in": True, "email": "mia@example.com"}  # ignored: no [auth]
    at.run()
    assert not signed_in(at) and not sso_buttons(at)
    at = sign_in("mia", PASSWORD, at)
    assert signed_in(at) and at.title[0].value == "My OKRs"


def test_incomplete_auth_section_shows_no_button(app_db):
    build_org(app_db)
    at = sso_app(auth={k: v for k, v in GOOGLE.items() if k != "client_secret"})
    at.run()
    assert not sso_buttons(at) and not at.exception


def test_admin_turns_automatic_accounts_on_in_settings(app_db):
    org = build_org(app_db)
    at = sign_in("admin", PASSWORD)
    at.switch_page("app_pages/admin.py")
    at.run()
    toggle = at.toggle(key="admin.sso.auto_create")
    assert toggle.value is False
    toggle.set_value(True)
    button(at, "Save single sign-on settings").click()
    at.run()
    assert not at.exception and not errors(at)
    with org.sessions() as session:
        assert sso_queries.auto_create_enabled(session) is True
    assert at.toggle(key="admin.sso.auto_create").value is True
