"""Sessions and accounts: lockout and its end, signing out, cookie expiry, the production
cookie key, password rules — through the real app (AppTest), and the cookie in a real browser.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from types import SimpleNamespace

import jwt
import pytest
import streamlit as st
from sqlalchemy import select, update
from streamlit_authenticator.models import cookie_model

from core.accounts import LOCK_DURATION, MAX_FAILED_LOGINS
from db import commands
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_head
from db.models import AuditLog, User, utcnow
from shell import auth
from tests.app.helpers import button, can_open, errors, new_app, sign_in, signed_in
from tests.e2e.conftest import settle, wait_for_sign_in_form
from tests.factories import PASSWORD, build_org, run
from tests.reliability.browser import in_own_browser

WRONG = "not-the-password"


@pytest.fixture
def org(db_url, engine, sessions, monkeypatch):
    monkeypatch.setenv("OKR_DATABASE_URL", db_url)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield build_org(sessions)
    st.cache_data.clear()
    st.cache_resource.clear()


def account(sessions, username: str) -> User:
    with sessions() as session:
        return session.scalars(select(User).where(User.username == username)).one()


def shows_sign_in_form(at) -> bool:
    return [ti.label for ti in at.text_input] == ["Username", "Password"] and not at.exception


# --- lockout ----------------------------------------------------------------------------------


def test_five_failures_lock_the_account_and_the_lock_is_audited(org):
    at = new_app()
    for attempt in range(1, MAX_FAILED_LOGINS + 1):
        at = sign_in("sue", WRONG, at)
        assert not signed_in(at)
        assert account(org.sessions, "sue").failed_logins == attempt
    assert any("locked after 5 failed sign-ins" in e for e in errors(at))
    sue = account(org.sessions, "sue")
    assert sue.locked_until - utcnow() > LOCK_DURATION - timedelta(minutes=1)
    with org.sessions() as session:
        lock = session.scalars(select(AuditLog).where(AuditLog.action == "user.locked")).one()
    assert (lock.entity, lock.entity_id) == ("user", sue.id)

    right = sign_in("sue", PASSWORD)  # the right password does not help while locked
    assert not signed_in(right) and any("locked" in e for e in errors(right))


def test_the_lock_ends_after_its_period(org):
    at = new_app()
    for _ in range(MAX_FAILED_LOGINS):
        at = sign_in("sue", WRONG, at)
    with org.sessions() as session, session.begin():  # time-travel: the period has passed
        session.execute(
            update(User)
            .where(User.username == "sue")
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
    at = sign_in("sue", PASSWORD)
    assert signed_in(at) and at.title[0].value == "My OKRs"


def test_after_a_lock_runs_out_one_mistake_does_not_lock_again(org):
    at = new_app()
    for _ in range(MAX_FAILED_LOGINS):
        at = sign_in("sue", WRONG, at)
    with org.sessions() as session, session.begin():
        session.execute(
            update(User).where(User.username == "sue").values(locked_until=utcnow() - timedelta(1))
        )
    at = sign_in("sue", WRONG)
    assert errors(at) == ["Incorrect username or password."]
    assert account(org.sessions, "sue").failed_logins == 1
    assert signed_in(sign_in("sue", PASSWORD))


@pytest.mark.parametrize("username", ["mia\x00", "ｍｉａ", "mia' OR '1'='1", "🚀" * 50, ""])
def test_odd_usernames_are_just_wrong_sign_ins(org, username):
    at = sign_in(username, PASSWORD)
    assert not at.exception and not signed_in(at)
    assert errors(at) == ["Incorrect username or password."]
    assert account(org.sessions, "mia").failed_logins == 0


# --- signing out --------------------------------------------------------------------------------


def test_sign_out_ends_the_session(org):
    at = sign_in("mia", PASSWORD)
    assert can_open(at, "app_pages/my_okrs.py")
    next(b for b in at.sidebar.button if b.label == "Sign out").click()
    at.run()
    assert not signed_in(at) and shows_sign_in_form(at)
    assert [t.value for t in at.title] == ["OKR Tracker"]
    at.run()  # and it stays ended on the next run
    assert not signed_in(at) and shows_sign_in_form(at)
    assert not can_open(at, "app_pages/my_okrs.py")


def test_a_deactivated_person_is_signed_out_on_the_next_run(org):
    at = sign_in("max", PASSWORD)
    assert signed_in(at)
    run(org.sessions, commands.set_user_active, org.admin, org.ids["max"], False)
    at.run()
    assert not signed_in(at) and shows_sign_in_form(at)
    assert any("no longer active" in w.value for w in at.warning)


# --- the cookie ------------------------------------------------------------------------------------


def cookie_reader(monkeypatch, token: str | None) -> cookie_model.CookieModel:
    """The authenticator's cookie model as the app configures it, reading ``token`` as the
    browser's cookie (AppTest cannot send cookies; the browser test below does)."""
    cookies = {} if token is None else {auth.COOKIE_NAME: token}
    fake = SimpleNamespace(context=SimpleNamespace(cookies=cookies), session_state={"logout": None})
    monkeypatch.setattr(cookie_model, "st", fake)
    model = cookie_model.CookieModel.__new__(cookie_model.CookieModel)
    model.cookie_name, model.cookie_key = auth.COOKIE_NAME, auth.cookie_key()
    model.cookie_expiry_days, model.token, model.exp_date = auth.COOKIE_EXPIRY_DAYS, None, None
    return model


def token(exp: datetime, key: str | None = None, username: str = "mia") -> str:
    return jwt.encode(
        {"username": username, "exp_date": exp.timestamp()}, key or auth.cookie_key(), "HS256"
    )


def test_the_cookie_signs_in_until_it_expires(monkeypatch):
    assert auth.COOKIE_EXPIRY_DAYS == 7
    now = datetime.now()
    valid = cookie_reader(monkeypatch, token(now + timedelta(days=6, hours=23)))
    assert valid.get_cookie()["username"] == "mia"
    assert cookie_reader(monkeypatch, token(now - timedelta(seconds=5))).get_cookie() is None
    forged = cookie_reader(monkeypatch, token(now + timedelta(days=1), key="another-key-" * 4))
    assert not forged.get_cookie()
    assert cookie_reader(monkeypatch, None).get_cookie() is None
    issued = cookie_reader(monkeypatch, None)._set_exp_date()
    assert abs(issued - (time.time() + 7 * 86400)) < 60  # a new cookie lasts COOKIE_EXPIRY_DAYS


# --- configuration -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "No cookie signing key is configured. Set OKR_COOKIE_KEY"),
        ("too-short", "The cookie key must be at least 32 bytes long."),
    ],
)
def test_production_refuses_to_start_without_a_proper_cookie_key(org, monkeypatch, key, message):
    monkeypatch.setenv("OKR_ENV", "production")
    if key is None:
        monkeypatch.delenv("OKR_COOKIE_KEY", raising=False)
    else:
        monkeypatch.setenv("OKR_COOKIE_KEY", key)
    at = new_app()
    at.run()
    assert not at.exception
    assert len(errors(at)) == 1 and errors(at)[0].startswith(message)
    if key is None:  # it says how to make and where to put one
        assert "secrets.token_urlsafe" in errors(at)[0] and "secrets.toml" in errors(at)[0]
    assert not at.text_input and not at.button  # no sign-in form that would use a weak key


def test_production_with_a_configured_key_signs_in(org, monkeypatch):
    monkeypatch.setenv("OKR_ENV", "production")
    monkeypatch.setenv("OKR_COOKIE_KEY", "a-production-key-" + "z" * 32)
    assert signed_in(sign_in("mia", PASSWORD))


# --- passwords -------------------------------------------------------------------------------------


def change_password(current: str, new: str, repeat: str | None = None):
    at = sign_in("mia", PASSWORD)
    at.switch_page("app_pages/account.py")
    at.run()
    at.text_input(key="account.current").input(current)
    at.text_input(key="account.new").input(new)
    at.text_input(key="account.repeat").input(new if repeat is None else repeat)
    button(at, "Change password").click()
    at.run()
    assert not at.exception
    return at


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("nine-char", "Password must be at least 10 characters."),
        ("          ", "Password cannot be only spaces."),
        (" padded-password ", "Password cannot start or end with a space."),
        ("ệ" * 25, "Password must be at most 72 bytes"),  # 25 characters, 75 bytes
        ("x" * 73, "Password must be at most 72 bytes"),
    ],
)
def test_password_rules_have_clear_messages_and_change_nothing(org, new, message):
    before = account(org.sessions, "mia").password_hash
    at = change_password(PASSWORD, new)
    assert len(errors(at)) == 1 and errors(at)[0].startswith(message), errors(at)
    assert account(org.sessions, "mia").password_hash == before


@pytest.mark.parametrize("new", ["ten-chars!", "ệ" * 24, "🔑" * 18])  # 10 chars; 72 bytes; 72 bytes
def test_passwords_at_the_limits_are_accepted_and_work(org, new):
    at = change_password(PASSWORD, new)
    assert not errors(at)
    assert [s.value for s in at.success] == [
        "Password changed. Use the new one next time you sign in."
    ]
    assert signed_in(sign_in("mia", new)) and not signed_in(sign_in("mia", PASSWORD))


def test_a_wrong_current_password_changes_nothing(org):
    at = change_password(WRONG, "a-new-password-1")
    assert errors(at) == ["The current password is not correct."]
    assert signed_in(sign_in("mia", PASSWORD))


# --- the cookie in a real browser --------------------------------------------------------------------


@pytest.mark.e2e
def test_the_browser_cookie_keeps_you_signed_in_until_it_expires(tmp_path, app_servers):
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    engine = make_engine(url)
    upgrade_head(engine)
    build_org(make_sessionmaker(engine))
    engine.dispose()
    server = app_servers(url)
    key = "e2e-cookie-key-" + "k" * 40  # the key tests/e2e/conftest.py starts servers with

    def steps(browser) -> None:
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        context.set_default_timeout(30_000)
        page = context.new_page()
        page.goto(server.url)
        wait_for_sign_in_form(page)
        page.get_by_label("Username", exact=True).fill("mia")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_role("heading", name="My OKRs").wait_for()
        deadline = time.monotonic() + 30  # the cookie component writes it a moment later
        while not (cookie := {c["name"]: c for c in context.cookies()}.get(auth.COOKIE_NAME)):
            assert time.monotonic() < deadline, f"no sign-in cookie: {context.cookies()}"
            page.wait_for_timeout(200)
        days = (cookie["expires"] - time.time()) / 86400
        assert auth.COOKIE_EXPIRY_DAYS - 0.1 < days <= auth.COOKIE_EXPIRY_DAYS + 0.01

        def signed_in_with(value: str | None) -> bool:
            """Open the app in a new tab with this cookie; True when it is signed in."""
            context.clear_cookies()
            if value is not None:
                context.add_cookies([{"name": auth.COOKIE_NAME, "value": value, "url": server.url}])
            tab = context.new_page()
            try:
                tab.goto(server.url)
                signed_in = tab.get_by_role("button", name="Sign out")
                form = tab.get_by_role("button", name="Sign in", exact=True)
                signed_in.or_(form).first.wait_for()
                settle(tab)
                tab.wait_for_timeout(1500)  # a cookie sign-in may still replace the form
                settle(tab)
                return signed_in.count() == 1 and form.count() == 0
            finally:
                tab.close()

        assert signed_in_with(cookie["value"])  # the cookie the app set signs in a new tab
        assert signed_in_with(token(datetime.now() + timedelta(days=1), key))
        assert not signed_in_with(token(datetime.now() - timedelta(minutes=1), key))  # expired
        assert not signed_in_with(token(datetime.now() + timedelta(days=1), "forged-" * 8))
        assert not signed_in_with(None)
        context.close()

    in_own_browser(steps)
