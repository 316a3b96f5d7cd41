"""Sign-in, lockout, navigation by role and first-run setup, driven through the real app."""

from datetime import timedelta

from sqlalchemy import select

from db import queries
from db.models import User, utcnow
from tests.app.helpers import button, can_open, errors, new_app, sign_in, signed_in, text_input
from tests.factories import PASSWORD, build_org

REFUSED = "User name or password is wrong, or the account is locked for a while."


def account(sessions, username: str) -> User:
    with sessions() as session:
        return session.scalars(select(User).where(User.username == username)).one()


def test_right_password_opens_home_wrong_one_says_so(app_db):
    build_org(app_db)
    at = sign_in("mia", PASSWORD)
    assert signed_in(at) and not at.exception
    assert at.title[0].value == "My OKRs"
    assert "Sign out" in [b.label for b in at.sidebar.button]

    at = sign_in("mia", "not-the-password")
    assert not signed_in(at)
    assert errors(at) == [REFUSED]
    assert [t.value for t in at.title] == ["OKR Tracker"]


def test_five_failures_lock_the_account_even_for_the_right_password(app_db):
    build_org(app_db)
    at = new_app()
    for _ in range(5):
        at = sign_in("max", "wrong-password-x", at)
    assert errors(at) == [REFUSED]  # the same words as any wrong sign-in
    max_ = account(app_db, "max")
    assert max_.failed_logins == 5
    assert max_.locked_until > utcnow() + timedelta(minutes=14)

    fresh = sign_in("max", PASSWORD)  # another browser, right password: still locked
    assert not signed_in(fresh)
    assert errors(fresh) == [REFUSED]


def test_a_successful_sign_in_resets_the_failure_count(app_db):
    build_org(app_db)
    at = new_app()
    for _ in range(3):
        at = sign_in("sue", "wrong-password-x", at)
    at = sign_in("sue", PASSWORD, at)
    assert signed_in(at)
    assert account(app_db, "sue").failed_logins == 0


def test_navigation_follows_the_role(app_db):
    build_org(app_db)
    member = sign_in("mia", PASSWORD)
    assert not can_open(member, "app_pages/admin.py")
    assert can_open(member, "app_pages/account.py")
    admin = sign_in("admin", PASSWORD)
    assert can_open(admin, "app_pages/admin.py")
    assert admin.title[0].value == "Admin" and not admin.exception


def test_signed_out_sessions_see_only_the_sign_in_form(app_db):
    build_org(app_db)
    at = new_app()
    at.run()
    assert [t.value for t in at.title] == ["OKR Tracker"]
    assert {ti.label for ti in at.text_input} == {"Username", "Password"}
    for page in ("app_pages/my_okrs.py", "app_pages/account.py", "app_pages/admin.py"):
        assert not can_open(at, page)


def test_first_run_setup_creates_an_admin_who_can_sign_in(app_db):
    at = new_app()
    at.run()
    assert at.title[0].value == "Welcome to OKR Tracker"
    text_input(at, "Username").input("Boss")
    text_input(at, "Full name").input("Bà Chủ Nguyễn")
    text_input(at, "Password").input("first-admin-pw")
    text_input(at, "Repeat password").input("first-admin-pw")
    button(at, "Create admin").click()
    at.run()
    assert not at.exception and [s.value for s in at.success] == ["Your admin account is ready."]
    button(at, "Continue to sign in").click()
    at.run()
    at = sign_in("boss", "first-admin-pw", at)
    assert signed_in(at) and at.title[0].value == "My OKRs"
    assert "Bà Chủ Nguyễn" in at.sidebar.markdown[0].value
    assert can_open(at, "app_pages/admin.py")


def test_first_run_setup_refuses_bad_input(app_db):
    at = new_app()
    at.run()
    text_input(at, "Username").input("x")
    text_input(at, "Full name").input("X")
    text_input(at, "Password").input("short")
    text_input(at, "Repeat password").input("short")
    button(at, "Create admin").click()
    at.run()
    assert errors(at) and "Username" in errors(at)[0]
    with app_db() as session:
        assert not queries.has_users(session)


def test_admin_creates_a_person_who_can_then_sign_in(app_db):
    build_org(app_db)
    at = sign_in("admin", PASSWORD)
    at.switch_page("app_pages/admin.py")
    at.run()
    button(at, "Add person").click()
    at.run()
    at.text_input(key="admin.new_person.username").input("linh.tran")
    at.text_input(key="admin.new_person.display_name").input("Trần Thu Linh")
    at.text_input(key="admin.new_person.email").input("linh@example.com")
    at.text_input(key="admin.new_person.password").input("linh-password-1")
    button(at, "Save").click()
    at.run()
    assert not at.exception and not errors(at)
    person = sign_in("linh.tran", "linh-password-1")
    assert signed_in(person) and "Trần Thu Linh" in person.sidebar.markdown[0].value
