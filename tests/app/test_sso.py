"""Single sign-on through the real app: AppTest's `secrets` seam carries the [auth] section
and its `user` seam the identity the provider would have returned (st.user: the ID token's
claims, plus the name of the provider section Streamlit used, as its identity cookie holds
them)."""

from __future__ import annotations

import time

import pytest
import streamlit
from sqlalchemy import func, select

from db import commands
from db.commands import sign_in
from db.commands import sso as sso_commands
from db.models import AuditLog, LinkedIdentity, SignInSession, User
from db.queries import sso as sso_queries
from tests.app.helpers import button, errors, new_app, signed_in
from tests.app.helpers import sign_in as sign_in_with_password
from tests.factories import PASSWORD, build_org, run

GOOGLE = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-cookie-secret-of-enough-length-1234",
    "client_id": "okr-client",
    "client_secret": "okr-secret",
    "server_metadata_url": "https://accounts.google.com/.well-known/openid-configuration",
}
GOOGLE_ISSUER = "https://accounts.google.com"
SHARED = {k: GOOGLE[k] for k in ("redirect_uri", "cookie_secret")}
CLIENT = {k: GOOGLE[k] for k in ("client_id", "client_secret")}
# Two named providers: a company's own Entra ID tenant, which only issues its own verified
# addresses (so configured), and a Keycloak anyone can register with.
TWO_PROVIDERS = {
    **SHARED,
    "entra": {
        **CLIENT,
        "server_metadata_url": "https://login.microsoftonline.com/tenant-1/v2.0/"
        ".well-known/openid-configuration",
        "all_emails_verified": True,
    },
    "keycloak": {**CLIENT, "server_metadata_url": "https://id.example.org/meta"},
}
ENTRA_ISSUER = "https://login.microsoftonline.com/tenant-1/v2.0"
KEYCLOAK_ISSUER = "https://id.example.org/realms/okr"
MISSING = object()


def identity(email: str | None, sub: str = "g-1001", **claims) -> dict:
    """The claims of a Google ID token as st.user carries them (a claim set to MISSING is
    left out); issued a minute ago, email verified."""
    values = {
        "provider": "default",
        "iss": GOOGLE_ISSUER,
        "sub": sub,
        "email": email,
        "email_verified": True,
        "iat": int(time.time()) - 60,
        **claims,
    }
    return {key: value for key, value in values.items() if value is not MISSING}


def sso_app(claims: dict | None = None, auth: dict | None = None):
    """The app with [auth] configured; `claims` is who the provider says signed in."""
    at = new_app()
    at.secrets["auth"] = dict(GOOGLE if auth is None else auth)
    at.user = {"is_logged_in": True, **claims} if claims else {"is_logged_in": False}
    return at


def signed_in_as(claims: dict, auth: dict | None = None) -> str | None:
    """Open the app with this identity; the username it signed in as, or None."""
    at = sso_app(claims, auth)
    at.run()
    assert not at.exception
    return at.session_state["username"] if signed_in(at) else None


def sso_buttons(at) -> list[str]:
    return [b.label for b in at.button if b.label.startswith("Sign in with")]


def links(sessions) -> list[tuple[str, str, str]]:
    """(username, issuer, subject) of every linked identity."""
    with sessions() as session:
        rows = session.execute(
            select(User.username, LinkedIdentity.issuer, LinkedIdentity.subject)
            .join(User, User.id == LinkedIdentity.user_id)
            .order_by(LinkedIdentity.id)
        ).all()
    return [tuple(row) for row in rows]


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def allow_new_accounts(org, monkeypatch, domains: str = "example.vn") -> None:
    """Both switches that let an unknown email become a member: the admin's setting and the
    deployment's allow-list of domains."""
    run(org.sessions, sso_commands.save_sso_settings, org.admin, True)
    monkeypatch.setenv("OKR_SSO_ALLOWED_DOMAINS", domains)


# --- the buttons -------------------------------------------------------------------------


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
    at = sso_app(auth=TWO_PROVIDERS)
    at.run()
    assert sso_buttons(at) == ["Sign in with Microsoft", "Sign in with Keycloak"]
    started = []
    monkeypatch.setattr(streamlit, "login", lambda provider=None: started.append(provider))
    button(at, "Sign in with Keycloak").click()
    at.run()
    assert started == ["keycloak"]


def test_without_auth_configured_there_is_no_button_and_no_sso_sign_in(app_db):
    build_org(app_db)
    at = new_app()
    at.user = {"is_logged_in": True, **identity("mia@example.com")}  # ignored: no [auth]
    at.run()
    assert not signed_in(at) and not sso_buttons(at)
    at = sign_in_with_password("mia", PASSWORD, at)
    assert signed_in(at) and at.title[0].value == "My OKRs"


def test_incomplete_auth_section_shows_no_button(app_db):
    build_org(app_db)
    at = sso_app(auth={k: v for k, v in GOOGLE.items() if k != "client_secret"})
    at.run()
    assert not sso_buttons(at) and not at.exception


# --- signing in --------------------------------------------------------------------------


def test_a_known_email_signs_in_as_that_person_ignoring_case(app_db):
    build_org(app_db)
    at = sso_app(identity("Mia@Example.COM", name="Mia M. (Google)"))
    at.run()
    assert not at.exception
    assert signed_in(at) and at.session_state["username"] == "mia"
    assert at.title[0].value == "My OKRs"
    assert "**Mia Member**" in [m.value for m in at.sidebar.markdown]
    assert "Sign out" in [b.label for b in at.sidebar.button]
    assert not sso_buttons(at) and not at.text_input  # no sign-in form left on the page


def test_an_sso_session_can_use_other_pages_as_that_person(app_db):
    build_org(app_db)
    at = sso_app(identity("admin@example.com"))
    at.run()
    at.switch_page("app_pages/admin.py")
    at.run()
    assert not at.exception and at.title[0].value == "Admin"


def test_every_sso_sign_in_starts_a_server_session_with_its_audit_row(app_db):
    org = build_org(app_db)
    assert signed_in_as(identity("mia@example.com")) == "mia"
    assert signed_in_as(identity("mia@example.com")) == "mia"  # another browser
    with org.sessions() as session:
        started = session.scalars(
            select(AuditLog).where(AuditLog.action == "session.start").order_by(AuditLog.id)
        ).all()
        records = session.scalars(select(SignInSession)).all()
    assert [(a.actor_id, a.after["method"]) for a in started] == [(org.ids["mia"], "sso")] * 2
    assert [(r.user_id, r.method, r.revoked_at) for r in records] == [
        (org.ids["mia"], "sso", None)
    ] * 2


def test_sign_out_ends_the_app_session_and_the_identity_provider_session(app_db):
    org = build_org(app_db)
    at = sso_app(identity("lena@example.com"))
    at.run()
    assert signed_in(at)
    button(at.sidebar, "Sign out").click()
    at.run()
    assert not signed_in(at)
    assert at.user == {"is_logged_in": False}  # st.logout() ran
    assert sso_buttons(at) == ["Sign in with Google"]
    at.run()  # and the next run does not sign the identity in again
    assert not signed_in(at)
    with org.sessions() as session:
        assert session.scalar(select(SignInSession.revoked_at)) is not None


# --- refusals ----------------------------------------------------------------------------


def test_an_unknown_email_is_refused_with_a_clear_message(app_db):
    org = build_org(app_db)
    at = sso_app(identity("stranger@elsewhere.org", name="Stranger"))
    at.run()
    assert not signed_in(at) and not at.exception
    assert errors(at) == [
        "No OKR Tracker account uses stranger@elsewhere.org. Ask an admin to add you, "
        "or sign in with your username and password."
    ]
    with org.sessions() as session:
        assert session.scalar(select(User).where(User.email == "stranger@elsewhere.org")) is None

    # The password form still works beside it.
    at = sign_in_with_password("sue", PASSWORD, at)
    assert signed_in(at) and at.session_state["username"] == "sue"
    assert at.title[0].value == "My OKRs"


def test_a_refused_identity_can_be_dropped_to_use_another_account(app_db):
    build_org(app_db)
    at = sso_app(identity("stranger@elsewhere.org"))
    at.run()
    button(at, "Use another account").click()
    at.run()
    assert at.user == {"is_logged_in": False}
    assert not errors(at) and sso_buttons(at) == ["Sign in with Google"]


@pytest.mark.parametrize(
    "verified", [MISSING, None, False, "false", "true", "True", 0, 1, "1", "yes"], ids=repr
)
def test_only_an_email_verified_claim_of_exactly_true_is_accepted(app_db, verified):
    org = build_org(app_db)
    at = sso_app(identity("mia@example.com", email_verified=verified))
    at.run()
    assert not signed_in(at) and not at.exception
    assert errors(at) == [
        "Your identity provider has not verified mia@example.com; verify it there and try again."
    ]
    assert links(org.sessions) == [] and count(org.sessions, SignInSession) == 0

    assert signed_in_as(identity("mia@example.com", email_verified=True)) == "mia"


def test_a_provider_configured_as_issuing_only_verified_emails_needs_no_claim(app_db):
    org = build_org(app_db)
    from_entra = identity(
        "mia@example.com", sub="e-77", provider="entra", iss=ENTRA_ISSUER, email_verified=MISSING
    )
    assert signed_in_as(from_entra, TWO_PROVIDERS) == "mia"
    assert links(org.sessions) == [("mia", ENTRA_ISSUER, "e-77")]

    # The other provider is not so configured: without the claim it is refused.
    from_keycloak = identity(
        "max@example.com", sub="k-5", provider="keycloak", iss=KEYCLOAK_ISSUER,
        email_verified=MISSING,
    )  # fmt: skip
    assert signed_in_as(from_keycloak, TWO_PROVIDERS) is None
    assert signed_in_as({**from_keycloak, "email_verified": True}, TWO_PROVIDERS) == "max"


def test_only_the_boolean_true_configures_a_provider_as_verified_only(app_db):
    build_org(app_db)
    auth = {**TWO_PROVIDERS, "entra": {**TWO_PROVIDERS["entra"], "all_emails_verified": "true"}}
    from_entra = identity(
        "mia@example.com", sub="e-77", provider="entra", iss=ENTRA_ISSUER, email_verified=MISSING
    )
    assert signed_in_as(from_entra, auth) is None


def test_an_identity_of_a_provider_no_longer_configured_is_refused(app_db):
    """Streamlit's identity cookie lives 30 days; removing a provider from [auth] must end
    its sign-ins at once."""
    build_org(app_db)
    at = sso_app(identity("mia@example.com", provider="okta"), auth=TWO_PROVIDERS)
    at.run()
    assert not signed_in(at)
    assert errors(at) == [
        "The identity provider you signed in with is not set up here any more. Sign in again."
    ]


@pytest.mark.parametrize("claim", ["iss", "sub"])
@pytest.mark.parametrize("value", [MISSING, "", None, 42])
def test_an_identity_without_issuer_or_subject_is_refused(app_db, claim, value):
    org = build_org(app_db)
    at = sso_app(identity("mia@example.com", **{claim: value}))
    at.run()
    assert not signed_in(at)
    assert errors(at) == [
        "Your identity provider did not say who you are (issuer and subject), so OKR Tracker "
        "cannot sign you in."
    ]
    assert links(org.sessions) == []


def test_a_deactivated_account_is_refused(app_db):
    org = build_org(app_db)
    run(app_db, commands.set_user_active, org.admin, org.ids["max"], False)
    at = sso_app(identity("max@example.com"))
    at.run()
    assert not signed_in(at)
    assert errors(at) == [
        "The account for max@example.com is deactivated. Ask an admin if this is a mistake."
    ]


def test_a_deactivated_account_is_refused_through_its_linked_identity_too(app_db):
    org = build_org(app_db)
    assert signed_in_as(identity("max@example.com", sub="g-max")) == "max"
    run(app_db, commands.set_user_active, org.admin, org.ids["max"], False)
    assert signed_in_as(identity("max.new@example.org", sub="g-max")) is None
    assert count(org.sessions, SignInSession) == 1


# --- linked identities: no takeover by email ------------------------------------------------


def test_the_first_sign_in_links_the_identity_and_it_outlives_an_email_change(app_db):
    org = build_org(app_db)
    assert signed_in_as(identity("mia@example.com", sub="g-1001")) == "mia"
    assert links(org.sessions) == [("mia", GOOGLE_ISSUER, "g-1001")]
    with org.sessions() as session:
        audit = session.scalar(select(AuditLog).where(AuditLog.action == "identity.link"))
        assert (audit.actor_id, audit.entity_id) == (org.ids["mia"], org.ids["mia"])
        assert audit.after["issuer"] == GOOGLE_ISSUER and audit.after["subject"] == "g-1001"

    # Mia's address changed at the provider; her identity is still hers.
    assert signed_in_as(identity("mia.nguyen@example.org", sub="g-1001")) == "mia"
    assert links(org.sessions) == [("mia", GOOGLE_ISSUER, "g-1001")]
    with org.sessions() as session:
        link = session.scalar(select(LinkedIdentity))
        assert link.last_used_at is not None and link.email == "mia.nguyen@example.org"


def test_another_identity_with_the_admins_email_cannot_take_over_the_admin(app_db):
    org = build_org(app_db)
    assert signed_in_as(identity("admin@example.com", sub="g-admin")) == "admin"

    # Someone else's Google account that (now) has the admin's address, verified.
    at = sso_app(identity("Admin@Example.com", sub="g-intruder", name="Not Ada"))
    at.run()
    assert not signed_in(at) and not at.exception
    assert errors(at) == [
        "The account for admin@example.com is linked to another single sign-on identity. If "
        "you changed accounts at your identity provider, ask an admin to unlink the old one."
    ]
    assert links(org.sessions) == [("admin", GOOGLE_ISSUER, "g-admin")]
    assert count(org.sessions, SignInSession) == 1


def test_an_identity_of_another_provider_cannot_take_over_a_linked_account(app_db):
    org = build_org(app_db)
    from_entra = identity("eve@example.com", sub="e-eve", provider="entra", iss=ENTRA_ISSUER)
    assert signed_in_as(from_entra, TWO_PROVIDERS) == "eve"
    # The same subject at another issuer is another person.
    from_keycloak = identity("eve@example.com", sub="e-eve", provider="keycloak",
                             iss=KEYCLOAK_ISSUER)  # fmt: skip
    assert signed_in_as(from_keycloak, TWO_PROVIDERS) is None
    assert links(org.sessions) == [("eve", ENTRA_ISSUER, "e-eve")]


def test_after_an_admin_unlinks_the_old_identity_a_new_one_links(app_db):
    org = build_org(app_db)
    assert signed_in_as(identity("sue@example.com", sub="g-old")) == "sue"
    assert signed_in_as(identity("sue@example.com", sub="g-new")) is None
    run(app_db, sso_commands.unlink_identity, org.admin, org.ids["sue"])
    assert signed_in_as(identity("sue@example.com", sub="g-new")) == "sue"
    assert links(org.sessions) == [("sue", GOOGLE_ISSUER, "g-new")]
    assert signed_in_as(identity("sue@example.com", sub="g-old")) is None


# --- new accounts ----------------------------------------------------------------------------


def test_an_allowed_domain_becomes_a_member_with_the_identity_linked(app_db, monkeypatch):
    org = build_org(app_db)
    allow_new_accounts(org, monkeypatch, " Other.org , Example.VN ")
    claims = identity("Trần.An@Example.vn", sub="g-an", name="Trần Văn An", locale="vi-VN")
    at = sso_app(claims)
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
    assert links(org.sessions) == [("tran.an", GOOGLE_ISSUER, "g-an")]

    assert signed_in_as(identity("trần.an@example.vn", sub="g-an")) == "tran.an"
    with org.sessions() as session:
        assert session.query(User).filter(User.email == "trần.an@example.vn").count() == 1


@pytest.mark.parametrize(
    "email",
    [
        "an@evil-example.vn",  # ends with the allowed domain, but is another one
        "an@example.vn.evil.org",  # starts with it
        "an@sub.example.vn",  # sub-domains are not allowed unless listed
        "an@example.vnn",
        "an@other.com",
    ],
)
def test_other_domains_create_no_account(app_db, monkeypatch, email):
    org = build_org(app_db)
    allow_new_accounts(org, monkeypatch, "example.vn")
    at = sso_app(identity(email, sub="g-x"))
    at.run()
    assert not signed_in(at)
    assert errors(at) == [
        f"No OKR Tracker account uses {email}. Ask an admin to add you, "
        "or sign in with your username and password."
    ]
    assert count(org.sessions, User) == 7 and links(org.sessions) == []


@pytest.mark.parametrize("domains", [None, "", " , "])
def test_an_empty_allow_list_creates_no_account_even_with_the_setting_on(
    app_db, monkeypatch, domains
):
    org = build_org(app_db)
    run(org.sessions, sso_commands.save_sso_settings, org.admin, True)
    if domains is None:
        monkeypatch.delenv("OKR_SSO_ALLOWED_DOMAINS", raising=False)
    else:
        monkeypatch.setenv("OKR_SSO_ALLOWED_DOMAINS", domains)
    assert signed_in_as(identity("an@example.vn", sub="g-an")) is None
    assert count(org.sessions, User) == 7


def test_an_allowed_domain_creates_no_account_while_the_setting_is_off(app_db, monkeypatch):
    org = build_org(app_db)
    monkeypatch.setenv("OKR_SSO_ALLOWED_DOMAINS", "example.vn")
    assert signed_in_as(identity("an@example.vn", sub="g-an")) is None
    assert count(org.sessions, User) == 7


# --- sessions ended after the provider signed the person in ---------------------------------


@pytest.mark.parametrize("how", ["sign out everywhere", "password reset", "password change"])
def test_an_identity_issued_before_the_sessions_were_ended_is_refused(app_db, how):
    org = build_org(app_db)
    issued = int(time.time()) - 60
    at = sso_app(identity("mia@example.com", sub="g-mia", iat=issued))
    at.run()
    assert signed_in(at)
    if how == "sign out everywhere":
        run(app_db, sign_in.end_all_sessions, org.actor("mia"), org.ids["mia"])
    elif how == "password reset":
        run(app_db, commands.reset_password, org.admin, org.ids["mia"], "a-new-password-1")
    else:
        run(app_db, commands.change_password, org.actor("mia"), PASSWORD, "a-new-password-1")

    again = sso_app(identity("mia@example.com", sub="g-mia", iat=issued))  # the same cookie
    again.run()
    assert not signed_in(again) and not again.exception
    assert errors(again) == [
        "You were signed out everywhere after your identity provider signed you in. Sign in again."
    ]
    button(again, "Use another account").click()  # ends the provider's sign-in: st.logout()
    again.run()
    assert again.user == {"is_logged_in": False}

    # Signing in at the provider again gives a new identity, issued now: accepted.
    assert signed_in_as(identity("mia@example.com", sub="g-mia", iat=int(time.time()) + 1))


def test_an_identity_older_than_a_session_may_last_is_refused(app_db, monkeypatch):
    build_org(app_db)
    monkeypatch.setenv("OKR_SESSION_DAYS", "7")
    eight_days_ago = int(time.time()) - 8 * 86400
    at = sso_app(identity("mia@example.com", iat=eight_days_ago))
    at.run()
    assert not signed_in(at)
    assert errors(at) == ["Your sign-in at your identity provider is too old. Sign in again."]
    assert signed_in_as(identity("mia@example.com", iat=int(time.time()) - 6 * 86400)) == "mia"


@pytest.mark.parametrize("issued_at", [MISSING, None, "yesterday", True])
def test_an_identity_without_a_time_of_issue_is_refused(app_db, issued_at):
    build_org(app_db)
    assert signed_in_as(identity("mia@example.com", iat=issued_at)) is None


# --- the admin's switch --------------------------------------------------------------------


def test_admin_turns_automatic_accounts_on_in_settings(app_db, monkeypatch):
    org = build_org(app_db)
    monkeypatch.setenv("OKR_SSO_ALLOWED_DOMAINS", "example.vn,example.org")
    at = sign_in_with_password("admin", PASSWORD)
    at.switch_page("app_pages/admin.py")
    at.run()
    toggle = at.toggle(key="admin.sso.auto_create")
    assert toggle.value is False
    assert "example.org, example.vn" in toggle.label
    toggle.set_value(True)
    button(at, "Save single sign-on settings").click()
    at.run()
    assert not at.exception and not errors(at)
    with org.sessions() as session:
        assert sso_queries.auto_create_enabled(session) is True
    assert at.toggle(key="admin.sso.auto_create").value is True


def test_the_admin_page_says_no_domain_is_allowed(app_db, monkeypatch):
    build_org(app_db)
    monkeypatch.delenv("OKR_SSO_ALLOWED_DOMAINS", raising=False)
    at = sign_in_with_password("admin", PASSWORD)
    at.switch_page("app_pages/admin.py")
    at.run()
    assert at.toggle(key="admin.sso.auto_create").disabled
    assert any("OKR_SSO_ALLOWED_DOMAINS" in c.value for c in at.caption)
