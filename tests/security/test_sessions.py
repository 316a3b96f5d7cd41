"""Sessions and accounts as an attacker tries them: parallel guessing, enumeration by timing,
locking out everyone, copied and forged cookies, sessions that should have ended — through
the sign-in functions on SQLite and PostgreSQL, the real app (AppTest), and a real browser.
"""

from __future__ import annotations

import statistics
import threading
import time
from datetime import datetime, timedelta

import jwt
import pytest
import streamlit as st
from sqlalchemy import func, select, update

from core.accounts import MAX_FAILED_LOGINS, SessionPolicy, sign_in_refused, sign_in_throttled
from db import accounts as accounts_cli
from db import commands, queries
from db import sign_in as sign_in_flow
from db.commands import sign_in
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_head
from db.models import AuditLog, SignInSession, User, utcnow
from db.security import hash_password
from shell import auth
from tests.app.helpers import button, can_open, errors, new_app, signed_in
from tests.app.helpers import sign_in as sign_in_app
from tests.e2e.conftest import settle, sign_in_with_form, wait_for_sign_in_form
from tests.factories import PASSWORD, build_org, run
from tests.reliability.browser import in_own_browser

WRONG = "not-the-password"
REFUSED = "User name or password is wrong, or the account is locked for a while."
POLICY = SessionPolicy()


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


def audit_actions(sessions, action: str) -> list[AuditLog]:
    with sessions() as session:
        return list(session.scalars(select(AuditLog).where(AuditLog.action == action)))


def attempt(sessions, username: str, password: str, client: str | None = None, now=None):
    return sign_in_flow.sign_in_with_password(
        sessions, username, password, client, POLICY, 20, now=now
    )


def shows_sign_in_form(at) -> bool:
    return [ti.label for ti in at.text_input] == ["Username", "Password"] and not at.exception


@pytest.fixture
def password_checks(monkeypatch):
    """The passwords checked against a real account's hash (not the dummy), as they happen."""
    checked: list[str] = []
    real = sign_in_flow.verify_password

    def counting(password: str, password_hash: str) -> bool:
        if password_hash != sign_in_flow.dummy_hash():
            checked.append(password)
        return real(password, password_hash)

    monkeypatch.setattr(sign_in_flow, "verify_password", counting)
    return checked


# --- lockout that cannot be raced -------------------------------------------------------------


def test_twenty_parallel_attempts_check_at_most_five_passwords(org, password_checks):
    """Twenty browsers guess at once: five passwords are checked, the rest are refused
    unchecked, the account is locked and the right password is refused while it is."""
    barrier = threading.Barrier(20)
    results = []

    def guess(n: int) -> None:
        barrier.wait()
        results.append(attempt(org.sessions, "sue", f"guess-{n}-wrong"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20 and all(r.token is None and r.message == REFUSED for r in results)
    assert len(password_checks) <= MAX_FAILED_LOGINS
    sue = account(org.sessions, "sue")
    assert sue.locked_until is not None and sue.locked_until > utcnow()
    assert len(audit_actions(org.sessions, "user.locked")) == 1

    assert attempt(org.sessions, "sue", PASSWORD).token is None  # locked: not even checked
    assert len(password_checks) <= MAX_FAILED_LOGINS


def test_the_lock_ends_after_its_period_and_one_mistake_does_not_lock_again(org):
    for _ in range(MAX_FAILED_LOGINS):
        attempt(org.sessions, "sue", WRONG)
    later = utcnow() + timedelta(minutes=16)
    assert attempt(org.sessions, "sue", WRONG, now=later).message == REFUSED
    assert account(org.sessions, "sue").failed_logins == 1
    assert account(org.sessions, "sue").locked_until is None
    assert attempt(org.sessions, "sue", PASSWORD, now=later).token is not None
    assert account(org.sessions, "sue").failed_logins == 0


def test_five_failures_in_the_app_lock_the_account_and_say_nothing_about_it(org):
    at = new_app()
    for _ in range(MAX_FAILED_LOGINS):
        at = sign_in_app("sue", WRONG, at)
        assert errors(at) == [REFUSED]
    assert account(org.sessions, "sue").locked_until > utcnow()
    right = sign_in_app("sue", PASSWORD)
    assert not signed_in(right) and errors(right) == [REFUSED]


# --- user names cannot be told apart ----------------------------------------------------------


@pytest.mark.parametrize("username", ["mia\x00", "ｍｉａ", "mia' OR '1'='1", "🚀" * 50, ""])
def test_odd_usernames_are_just_wrong_sign_ins(org, username):
    at = sign_in_app(username, PASSWORD)
    assert not at.exception and not signed_in(at)
    assert errors(at) == [REFUSED]
    assert account(org.sessions, "mia").failed_logins == 0


def test_unknown_user_wrong_password_and_locked_account_answer_alike(org):
    for _ in range(MAX_FAILED_LOGINS):
        attempt(org.sessions, "sue", WRONG)
    answers = {
        attempt(org.sessions, "nobody-here", WRONG).message,
        attempt(org.sessions, "mia", WRONG).message,
        attempt(org.sessions, "sue", PASSWORD).message,  # locked
    }
    assert answers == {sign_in_refused()} == {REFUSED}


def test_unknown_and_real_users_take_the_same_time(org, monkeypatch):
    """bcrypt runs for every attempt (a dummy hash for unknown names), so timing tells
    nothing: the medians of 20 tries differ by less than 20 %."""
    monkeypatch.setenv("OKR_BCRYPT_ROUNDS", "10")  # a real cost, so the check dominates
    sign_in_flow.dummy_hash.cache_clear()
    with org.sessions() as session, session.begin():
        session.execute(
            update(User).where(User.username == "mia").values(password_hash=hash_password(PASSWORD))
        )
    try:
        unknown, real = [], []
        for _ in range(20):
            for name, times in (("nobody-at-all", unknown), ("mia", real)):
                started = time.perf_counter()
                attempt(org.sessions, name, WRONG)
                times.append(time.perf_counter() - started)
                with org.sessions() as session, session.begin():  # never reach the lock
                    session.execute(update(User).values(failed_logins=0, locked_until=None))
        a, b = statistics.median(unknown), statistics.median(real)
        assert abs(a - b) / max(a, b) < 0.20, (a, b)
    finally:
        monkeypatch.setenv("OKR_BCRYPT_ROUNDS", "4")
        sign_in_flow.dummy_hash.cache_clear()


# --- one client cannot lock out everyone -------------------------------------------------------


def test_one_address_is_throttled_and_others_are_not(org):
    now = utcnow()
    for n in range(20):
        assert attempt(org.sessions, f"guess-{n}", WRONG, "198.51.100.9", now).message == REFUSED
    throttled = attempt(org.sessions, "mia", PASSWORD, "198.51.100.9", now)
    assert throttled.token is None and throttled.message == sign_in_throttled()
    assert account(org.sessions, "mia").failed_logins == 0  # not even counted on the account
    assert attempt(org.sessions, "mia", PASSWORD, "198.51.100.10", now).token is not None
    a_minute_later = now + timedelta(seconds=61)
    assert attempt(org.sessions, "mia", PASSWORD, "198.51.100.9", a_minute_later).token


def test_the_throttle_counts_parallel_attempts(org):
    barrier = threading.Barrier(30)
    results = []

    def guess() -> None:
        barrier.wait()
        results.append(attempt(org.sessions, "nobody-here", WRONG, "198.51.100.9"))

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.message == sign_in_throttled() for r in results) == 10


def test_admins_unlock_from_the_admin_page_and_the_command_line(org):
    for _ in range(MAX_FAILED_LOGINS):
        attempt(org.sessions, "sue", WRONG)
    with pytest.raises(Exception, match="Only admins"):
        run(org.sessions, sign_in.unlock_account, org.actor("mia"), org.ids["sue"])
    run(org.sessions, sign_in.unlock_account, org.admin, org.ids["sue"])
    assert account(org.sessions, "sue").locked_until is None
    assert attempt(org.sessions, "sue", PASSWORD).token is not None

    for _ in range(MAX_FAILED_LOGINS):
        attempt(org.sessions, "admin", WRONG)
    assert attempt(org.sessions, "admin", PASSWORD).token is None
    url = str(org.sessions.kw["bind"].url.render_as_string(hide_password=False))
    assert accounts_cli.main(["unlock", "admin", "--database-url", url]) == 0
    assert attempt(org.sessions, "admin", PASSWORD).token is not None
    unlocks = audit_actions(org.sessions, "user.unlock")
    assert [u.actor_id for u in unlocks] == [org.admin.id, None]
    assert accounts_cli.main(["unlock", "nobody-here", "--database-url", url]) == 1


def test_the_admin_page_shows_the_lock_and_unlocks(org):
    for _ in range(MAX_FAILED_LOGINS):
        attempt(org.sessions, "sue", WRONG)
    at = sign_in_app("admin", PASSWORD)
    at.switch_page("app_pages/admin.py")
    at.run()
    people = at.dataframe[0].value
    assert bool(people.loc[people["username"] == "sue", "locked"].iloc[0])
    assert not bool(people.loc[people["username"] == "mia", "locked"].iloc[0])


# --- sessions that end ---------------------------------------------------------------------------


def live_sessions(sessions, username: str) -> int:
    with sessions() as session:
        return session.scalar(
            select(func.count(SignInSession.id))
            .join(User, User.id == SignInSession.user_id)
            .where(User.username == username, SignInSession.revoked_at.is_(None))
        )


def test_sign_out_ends_the_session_in_the_database(org):
    at = sign_in_app("mia", PASSWORD)
    token = at.session_state[auth.TOKEN_KEY]
    assert can_open(at, "app_pages/my_okrs.py") and live_sessions(org.sessions, "mia") == 1
    next(b for b in at.sidebar.button if b.label == "Sign out").click()
    at.run()
    assert not signed_in(at) and shows_sign_in_form(at)
    at.run()  # and it stays ended on the next run
    assert not signed_in(at) and not can_open(at, "app_pages/my_okrs.py")
    assert live_sessions(org.sessions, "mia") == 0
    with org.sessions() as session:  # a copy of its cookie finds no session any more
        assert queries.session_record(session, sign_in.token_hash(token)) is None
    assert [a.action for a in audit_actions(org.sessions, "session.end")] == ["session.end"]
    assert len(audit_actions(org.sessions, "session.start")) == 1


def test_a_copied_token_signs_in_another_browser_until_sign_out(org):
    """The cookie's token is what a copied cookie carries: another session holding it is
    signed in until the first signs out, then on its next run it is not."""
    first = sign_in_app("mia", PASSWORD)
    copy = new_app()
    copy.session_state[auth.TOKEN_KEY] = first.session_state[auth.TOKEN_KEY]
    copy.run()
    assert not copy.exception and copy.title[0].value == "My OKRs"
    next(b for b in first.sidebar.button if b.label == "Sign out").click()
    first.run()
    copy.run()
    assert shows_sign_in_form(copy) and not signed_in(copy)
    assert any("session has ended" in i.value for i in copy.info)


def test_a_password_change_ends_the_other_sessions_but_not_this_one(org):
    other = sign_in_app("mia", PASSWORD)
    at = sign_in_app("mia", PASSWORD)
    at.switch_page("app_pages/account.py")
    at.run()
    at.text_input(key="account.current").input(PASSWORD)
    at.text_input(key="account.new").input("a-new-password-1")
    at.text_input(key="account.repeat").input("a-new-password-1")
    button(at, "Change password").click()
    at.run()
    assert [s.value for s in at.success] == [
        "Password changed. Your other sessions have been signed out."
    ]
    at.run()
    assert signed_in(at) and at.title[0].value == "Account"
    other.run()
    assert shows_sign_in_form(other)
    assert live_sessions(org.sessions, "mia") == 1


@pytest.mark.parametrize("how", ["reset", "deactivate", "admin signs out everywhere"])
def test_admin_actions_end_every_session_of_the_person(org, how):
    at = sign_in_app("max", PASSWORD)
    assert signed_in(at)
    if how == "reset":
        run(org.sessions, commands.reset_password, org.admin, org.ids["max"], "reset-password-1")
    elif how == "deactivate":
        run(org.sessions, commands.set_user_active, org.admin, org.ids["max"], False)
    else:
        run(org.sessions, sign_in.end_all_sessions, org.admin, org.ids["max"])
    at.run()
    assert not signed_in(at) and shows_sign_in_form(at)
    assert live_sessions(org.sessions, "max") == 0
    assert account(org.sessions, "max").sessions_revoked_at is not None


def test_nobody_but_an_admin_signs_another_person_out(org):
    with pytest.raises(Exception, match="Only admins"):
        run(org.sessions, sign_in.end_all_sessions, org.actor("mia"), org.ids["max"])


def test_sign_out_everywhere_on_the_account_page(org):
    elsewhere = sign_in_app("mia", PASSWORD)
    at = sign_in_app("mia", PASSWORD)
    at.switch_page("app_pages/account.py")
    at.run()
    sessions_table = at.dataframe[0].value
    assert len(sessions_table) == 2 and sessions_table["this"].sum() == 1
    button(at, "Sign out everywhere").click()
    at.run()
    assert shows_sign_in_form(at)
    elsewhere.run()
    assert shows_sign_in_form(elsewhere)
    assert live_sessions(org.sessions, "mia") == 0
    assert len(audit_actions(org.sessions, "session.end_all")) == 1


@pytest.mark.parametrize(
    ("column", "back"),
    [("last_seen_at", timedelta(hours=12, minutes=1)), ("created_at", timedelta(days=7, hours=1))],
)
def test_idle_and_absolute_timeouts_end_a_session(org, column, back):
    at = sign_in_app("mia", PASSWORD)
    with org.sessions() as session, session.begin():
        session.execute(update(SignInSession).values({column: utcnow() - back}))
    if column == "last_seen_at":
        at.session_state[auth.TOUCHED_KEY] = utcnow() - back  # this browser was idle too
    at.session_state[auth.CHECKED_KEY] = None  # as if the database had moved meanwhile
    at.run()
    assert shows_sign_in_form(at) and not signed_in(at)


def test_a_session_that_is_used_stays_alive(org):
    at = sign_in_app("mia", PASSWORD)
    at.session_state[auth.TOUCHED_KEY] = utcnow() - timedelta(minutes=6)
    at.run()
    assert signed_in(at)
    with org.sessions() as session:
        seen = session.scalar(select(SignInSession.last_seen_at))
    assert utcnow() - seen < timedelta(minutes=1)  # the idle clock started again


def test_sign_ins_and_lockouts_leave_audit_rows_that_move_no_cache(org):
    with org.sessions() as session:
        newest = queries.accounts.data_version(session)
    assert attempt(org.sessions, "mia", PASSWORD, "198.51.100.20").token
    with org.sessions() as session:
        writes = queries.accounts.writes_after(session, newest, 10)
        start = session.scalars(select(AuditLog).where(AuditLog.action == "session.start")).one()
    assert writes == []  # signing in changes no page's data
    assert start.actor_id == org.ids["mia"]
    assert start.after["method"] == "password" and start.after["client"] == "198.51.100.20"


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
    assert signed_in(sign_in_app("mia", PASSWORD))


# --- passwords -------------------------------------------------------------------------------------


def change_password(current: str, new: str, repeat: str | None = None):
    at = sign_in_app("mia", PASSWORD)
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
        "Password changed. Your other sessions have been signed out."
    ]
    assert signed_in(sign_in_app("mia", new)) and not signed_in(sign_in_app("mia", PASSWORD))


def test_a_wrong_current_password_changes_nothing(org):
    at = change_password(WRONG, "a-new-password-1")
    assert errors(at) == ["The current password is not correct."]
    assert signed_in(sign_in_app("mia", PASSWORD))


# --- the cookie --------------------------------------------------------------------------------


KEY = "test-cookie-key-" + "x" * 40


@pytest.mark.parametrize(
    "value",
    [
        jwt.encode({"sid": "a" * 43, "exp": 2_000_000_000}, None, algorithm="none"),
        jwt.encode({"sid": "a" * 43, "exp": 2_000_000_000}, KEY, algorithm="HS512"),
        jwt.encode({"sid": "a" * 43, "exp": 2_000_000_000}, "another-key-" * 4, "HS256"),
        jwt.encode({"sid": "a" * 43, "exp": int(time.time()) - 5}, KEY, "HS256"),  # expired
        jwt.encode({"sid": "a" * 43}, KEY, "HS256"),  # no expiry
        jwt.encode({"username": "admin", "exp_date": 2e9}, KEY, "HS256"),  # the old shape
        jwt.encode({"sid": ["a"] * 43, "exp": 2_000_000_000}, KEY, "HS256"),
        "garbage",
        "a.b.c",
        "",
        "é" * 5000,
        None,
    ],
)
def test_a_malformed_cookie_is_no_sign_in(value):
    assert auth.token_in_cookie(value, KEY) is None


def test_a_good_cookie_carries_its_token():
    value = auth.cookie_value("t" * 43, datetime.now() + timedelta(days=7), KEY)
    assert auth.token_in_cookie(value, KEY) == "t" * 43


@pytest.mark.e2e
def test_the_browser_cookie_signs_in_until_the_session_ends(tmp_path, app_servers):
    """In Chromium: the cookie the app sets signs in a new tab; after sign-out the same
    cookie does not; forged, none-algorithm and garbage cookies show the sign-in form (no
    error page) and are cleared."""
    url = f"sqlite:///{tmp_path / 'okr.db'}"
    engine = make_engine(url)
    upgrade_head(engine)
    build_org(make_sessionmaker(engine))
    server = app_servers(url)
    key = "e2e-cookie-key-" + "k" * 40  # the key tests/e2e/conftest.py starts servers with

    def steps(browser) -> None:
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        context.set_default_timeout(30_000)
        page = context.new_page()
        page.goto(server.url)
        sign_in_with_form(page, "mia", PASSWORD)
        page.get_by_role("heading", name="My OKRs").wait_for()
        deadline = time.monotonic() + 30  # the cookie component writes it a moment later
        while not (cookie := {c["name"]: c for c in context.cookies()}.get(auth.COOKIE_NAME)):
            assert time.monotonic() < deadline, f"no sign-in cookie: {context.cookies()}"
            page.wait_for_timeout(200)
        days = (cookie["expires"] - time.time()) / 86400
        assert 6.9 < days <= 7.01

        def opens_with(value: str | None) -> tuple[bool, bool]:
            """A new tab with this cookie: (signed in, the cookie still there). A refused
            cookie is cleared by the cookie component a moment after the page is drawn."""
            context.clear_cookies()
            if value is not None:
                context.add_cookies([{"name": auth.COOKIE_NAME, "value": value, "url": server.url}])
            tab = context.new_page()
            try:
                tab.goto(server.url)
                signed = tab.get_by_role("button", name="Sign out")
                form = tab.get_by_role("button", name="Sign in", exact=True)
                signed.or_(form).first.wait_for()
                settle(tab)
                tab.wait_for_timeout(1500)  # a cookie sign-in may still replace the form
                settle(tab)
                assert tab.get_by_text("Something went wrong").count() == 0
                is_signed_in = signed.count() == 1 and form.count() == 0
                deadline = time.monotonic() + (0 if is_signed_in else 10)
                while True:
                    kept = auth.COOKIE_NAME in {c["name"] for c in context.cookies()}
                    if not kept or time.monotonic() > deadline:
                        return is_signed_in, kept
                    tab.wait_for_timeout(200)
            finally:
                tab.close()

        assert opens_with(cookie["value"]) == (True, True)
        for bad in (
            jwt.encode({"sid": "a" * 43, "exp": 2_000_000_000}, None, algorithm="none"),
            jwt.encode({"sid": "a" * 43, "exp": 2_000_000_000}, "forged-" * 8, "HS256"),
            jwt.encode({"username": "admin", "exp_date": 2e9}, key, "HS256"),
            "garbage!",
        ):
            assert opens_with(bad) == (False, False), bad
        assert opens_with(None)[0] is False

        context.clear_cookies()
        context.add_cookies(
            [{"name": auth.COOKIE_NAME, "value": cookie["value"], "url": server.url}]
        )
        page = context.new_page()
        page.goto(server.url)
        page.get_by_role("button", name="Sign out").click()
        wait_for_sign_in_form(page)
        assert opens_with(cookie["value"])[0] is False  # the copied cookie is dead now
        context.close()

    in_own_browser(steps)
    with make_sessionmaker(engine)() as session:
        actions = [a for (a,) in session.execute(select(AuditLog.action).order_by(AuditLog.id))]
    assert "session.resume" in actions and "session.end" in actions
    engine.dispose()
