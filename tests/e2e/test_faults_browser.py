"""An unreachable database in a real browser: a page that says what to check, no traceback —
whether the database is unreachable when the server starts or goes away mid-session."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db import commands
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_head
from tests.conftest import postgres_scratch_url
from tests.e2e.conftest import settle
from tests.factories import PASSWORD, build_org, run

pytestmark = pytest.mark.e2e

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"
HEADING = "OKR Tracker can't reach its database"


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.get_by_role("button", name="Sign in", exact=True).wait_for()
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").wait_for()
    settle(page)


def assert_friendly_database_page(page) -> None:
    page.get_by_role("heading", name=HEADING).wait_for()
    settle(page)
    body = page.inner_text("body")
    assert "What to check" in body and "OKR_DATABASE_URL" in body
    assert "Traceback" not in body and "OperationalError" not in body and "psycopg" not in body
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stSidebarNav").count() == 0
    assert page.get_by_role("button", name="Sign out").count() == 0


def test_unreachable_database_at_start(launch_server, page, shoot):
    server = launch_server(UNREACHABLE)
    page.goto(server.url)
    assert_friendly_database_page(page)
    shoot("unreachable-at-start")
    page.goto(server.url + "/admin")  # every address gets the same page
    assert_friendly_database_page(page)


def test_database_going_away_mid_session(launch_server, page, shoot, tmp_path):
    """PostgreSQL: the database is dropped while a person is signed in."""
    urls = postgres_scratch_url()
    url = next(urls)
    try:
        engine = make_engine(url)
        upgrade_head(engine)
        org = build_org(make_sessionmaker(engine))
        mia = org.actor("mia")
        run(
            make_sessionmaker(engine),
            commands.create_objective,
            mia,
            commands.ObjectiveInput(org.ids["cycle"], "individual", "Ship it", mia.id),
        )
        engine.dispose()
        server = launch_server(url)
        page.goto(server.url)
        sign_in(page, "mia")
        page.get_by_text("Ship it").first.wait_for()
        shoot("signed-in")

        name = make_url(url).database
        admin = create_engine(
            make_url(url).set(database="postgres").render_as_string(hide_password=False),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()

        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Log progress").click()
        assert_friendly_database_page(page)
        assert page.get_by_text("Ship it").count() == 0
        shoot("database-gone")
    finally:
        urls.close()  # drops the scratch database if it is still there
