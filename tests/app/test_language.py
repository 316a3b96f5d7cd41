"""A person switches the app to Vietnamese in the sidebar; the choice is theirs to keep."""

import pytest
from sqlalchemy import select

from core import i18n
from db.demo import DEMO_PASSWORD, load_demo
from db.models import AuditLog, User
from tests.app.helpers import new_app, sign_in
from tests.factories import PASSWORD, build_org


def _language_of(app_db, username: str) -> str:
    with app_db() as session:
        return session.scalar(select(User.language).where(User.username == username))


def language_switch(at):
    """The sidebar's switch: its key names the language the page is drawn in."""
    (switch,) = [s for s in at.selectbox if (s.key or "").startswith("app.language.")]
    return switch


def test_vietnamese_is_chosen_in_the_sidebar_and_remembered_at_the_next_sign_in(app_db):
    build_org(app_db)
    at = sign_in("mia", PASSWORD)
    assert at.title[0].value == "My OKRs"
    language_switch(at).select("vi").run()
    assert not at.exception
    assert at.title[0].value == "OKR của tôi"
    assert "Đăng xuất" in [b.label for b in at.sidebar.button]
    assert language_switch(at).label == "Ngôn ngữ"
    assert _language_of(app_db, "mia") == "vi"
    with app_db() as session:
        assert session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc()).limit(1)) == (
            "user.set_language"
        )

    elsewhere = sign_in("mia", PASSWORD)  # another browser: the saved choice applies
    assert elsewhere.title[0].value == "OKR của tôi"
    language_switch(elsewhere).select("en").run()
    assert elsewhere.title[0].value == "My OKRs"
    assert _language_of(app_db, "mia") == "en"


def test_the_sign_in_form_speaks_the_chosen_language_before_anyone_signs_in(app_db):
    build_org(app_db)
    at = new_app()
    at.run()
    language_switch(at).select("vi").run()
    assert "Đăng nhập" in [b.label for b in at.button]
    assert "Mật khẩu" in [t.label for t in at.text_input]
    assert _language_of(app_db, "mia") == "en"  # nobody signed in: nothing saved


PAGES = ["my_okrs", "log_progress", "set_goals", "dashboard", "alignment", "review", "people",
         "kudos", "leaderboard", "account", "admin", "audit", "import_export"]  # fmt: skip


def test_every_page_renders_in_vietnamese(app_db, engine):
    load_demo(engine, "small")
    at = sign_in("admin", DEMO_PASSWORD)  # an admin may open every page
    language_switch(at).select("vi").run()
    # AppTest formats widget options (format_func) in this thread, not the script's: speak
    # Vietnamese here too, as the server's script thread does.
    i18n.set_language("vi")
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, [e.value for e in at.error])
        assert at.title[0].value != "", page
    assert [t.value for t in at.title] == ["Nhập & xuất"]


@pytest.fixture(autouse=True)
def _english_in_this_thread_afterwards():
    yield
    i18n.set_language("en")
