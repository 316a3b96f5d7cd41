"""A fresh install in a real browser: first-run setup, sign in, Home."""

import re
import time

import pytest

from tests.e2e.conftest import settle

pytestmark = pytest.mark.e2e

USERNAME = "founder"
FULL_NAME = "Nguyễn Thị Lan"
PASSWORD = "first-admin-2026"


def test_first_run(page, shoot, app_server):
    page.goto(app_server)
    page.get_by_role("heading", name="Welcome to OKR Tracker").wait_for()
    settle(page)
    shoot("setup")

    form = page.get_by_test_id("stForm").filter(has_text="Create the first admin account")
    form.get_by_label("Username", exact=True).fill(USERNAME)
    form.get_by_label("Full name", exact=True).fill(FULL_NAME)
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_label("Repeat password", exact=True).fill(PASSWORD)
    shoot("setup-filled")
    form.get_by_role("button", name="Create admin").click()

    page.get_by_text("Your admin account is ready.").wait_for()
    settle(page)
    shoot("admin-created")
    page.get_by_role("button", name="Continue to sign in").click()

    sign_in = page.get_by_role("button", name="Sign in", exact=True)
    sign_in.wait_for()
    settle(page)
    assert page.get_by_role("heading", name="Welcome to OKR Tracker").count() == 0
    shoot("sign-in")
    page.get_by_label("Username", exact=True).fill(USERNAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    sign_in.click()

    # Signed in: the sidebar says who, offers "Sign out" and an admin's navigation; the form goes.
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("button", name="Sign out").wait_for()
    sidebar.get_by_text(FULL_NAME, exact=True).wait_for()
    sign_in.wait_for(state="detached")
    settle(page)
    shoot("home")
    assert sidebar.get_by_text("Admin · no team").is_visible()
    nav = page.get_by_test_id("stSidebarNav")
    assert nav.get_by_role("link", name="Admin").is_visible()
    assert nav.get_by_role("link", name="Account").is_visible()
    title = page.get_by_test_id("stMain").get_by_role("heading", level=1).first
    assert title.inner_text() not in ("OKR Tracker", "Welcome to OKR Tracker")
    assert page.get_by_label("Password", exact=True).count() == 0


def setup_token_in_log(server, timeout: float = 30) -> str:
    """The token the server wrote to its log when the setup page was first shown."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.findall(r"^First-run setup token: (\S+) — ", server.output(), re.MULTILINE)
        if found:
            assert len(set(found)) == 1, found  # one token per server process
            return found[0]
        time.sleep(0.2)
    pytest.fail(f"no setup token in the server log:\n{server.output()}")


def test_first_run_in_production_takes_the_token_from_the_server_log(
    page, launch_server, fresh_db_url, monkeypatch
):
    monkeypatch.setenv("OKR_ENV", "production")
    monkeypatch.delenv("OKR_SETUP_TOKEN", raising=False)
    server = launch_server(fresh_db_url)
    page.goto(server.url)
    page.get_by_role("heading", name="Welcome to OKR Tracker").wait_for()
    settle(page)
    assert page.get_by_role("button", name="Load the demo organisation").count() == 0
    token = setup_token_in_log(server)

    form = page.get_by_test_id("stForm").filter(has_text="Create the first admin account")
    form.get_by_label("Username", exact=True).fill(USERNAME)
    form.get_by_label("Full name", exact=True).fill(FULL_NAME)
    form.get_by_label("Password", exact=True).fill(PASSWORD)
    form.get_by_label("Repeat password", exact=True).fill(PASSWORD)
    form.get_by_label("Setup token", exact=True).fill(token[::-1])
    form.get_by_role("button", name="Create admin").click()
    page.get_by_text("The setup token is missing or wrong.").wait_for()

    form.get_by_label("Setup token", exact=True).fill(token)
    form.get_by_role("button", name="Create admin").click()
    page.get_by_text("Your admin account is ready.").wait_for()
    assert setup_token_in_log(server) == token  # the page shown again made no new one
