"""The language switch in a browser: a choice made on the sign-in screen and after signing in
holds on every page opened later by URL (a new session, signed in by the cookie), where the
switch must show the language the page speaks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.demo import DEMO_PASSWORD
from db.engine import make_engine
from db.models import User
from tests.e2e.conftest import settle, wait_for_sign_in_form

pytestmark = pytest.mark.e2e
VIETNAMESE = "Tiếng Việt"


def switch(page):
    """The sidebar's switch; its key names the language the page is drawn in."""
    return page.locator("[class*=st-key-app-language-]")


def choose(page, language: str) -> None:
    combobox = switch(page).get_by_role("combobox")
    combobox.click()
    page.get_by_role("option", name=language, exact=True).click()
    settle(page)


def saved_language(url: str) -> str:
    engine = make_engine(url)
    with engine.connect() as connection:
        language = connection.scalar(select(User.language).where(User.username == "member"))
    engine.dispose()
    return language


def test_the_switch_shows_the_language_of_every_page_opened_later(
    page, shoot, launch_server, demo_url
):
    server = launch_server(demo_url)
    page.goto(server.url)
    wait_for_sign_in_form(page)
    choose(page, VIETNAMESE)
    page.get_by_role("button", name="Đăng nhập", exact=True).wait_for()
    page.locator(".st-key-app-login-username input").fill("member")
    page.locator(".st-key-app-login-password input").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.get_by_role("heading", name="My OKRs").wait_for()  # the saved choice (English) applies
    settle(page)
    choose(page, VIETNAMESE)
    page.get_by_role("heading", name="OKR của tôi").wait_for()
    assert saved_language(demo_url) == "vi"

    for path in ("dashboard", "people", "kudos", ""):
        page.goto(f"{server.url}/{path}")
        page.get_by_test_id("stSidebarNav").wait_for()
        settle(page)
        assert switch(page).locator("label").inner_text() == "Ngôn ngữ", path
        assert switch(page).get_by_role("combobox").input_value() == VIETNAMESE, path
    shoot("my-okrs-vi")
