"""Several app servers, one PostgreSQL database: what one server saves, the other shows
within OKR_REFRESH_S — in a real browser, with two `streamlit run` servers on one scratch
database, as shipped (15 s).

Server B is looked at first (so its caches hold the old value), then a check-in is saved
through server A, then B runs again (clicks in its navigation, same session) until it shows
the new value: cached reads are keyed by the data version every write moves on, and a
server's sessions move to it at most every OKR_REFRESH_S seconds.
"""

from __future__ import annotations

import time

import pytest

from db import commands
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_head
from shell.store import DEFAULT_REFRESH_S
from tests.conftest import postgres_scratch_url
from tests.e2e.conftest import artifact_folder, settle
from tests.e2e.test_faults_browser import sign_in
from tests.factories import build_org, run
from tests.reliability.browser import in_own_browser

pytestmark = pytest.mark.e2e

KR = "Activated accounts"


@pytest.fixture
def shared_database():
    for url in postgres_scratch_url():
        engine = make_engine(url)
        upgrade_head(engine)
        sessions = make_sessionmaker(engine)
        org = build_org(sessions)
        mia = org.actor("mia")
        goal = run(
            sessions,
            commands.create_objective,
            mia,
            commands.ObjectiveInput(
                org.ids["cycle"],
                "individual",
                "Onboarding in one day",
                mia.id,
                key_results=[commands.KRInput(KR, "increase", 0, 1000)],
            ),
        )
        run(sessions, commands.set_objective_state, mia, goal, 1, "active")
        engine.dispose()
        yield url


def open_page(browser, server_url: str, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(server_url)
    sign_in(page, username)
    return page


def main_text(page) -> str:
    main = page.get_by_test_id("stMain")
    main.get_by_text(KR).first.wait_for()
    settle(page)
    return main.inner_text()


def go(page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    page.get_by_role("heading", name=name, level=1).wait_for()
    settle(page)


def test_a_check_in_through_server_a_shows_on_server_b(shared_database, app_servers, request):
    a, b = app_servers(shared_database), app_servers(shared_database)
    folder = artifact_folder(request)

    def steps(browser) -> None:
        on_b = open_page(browser, b.url, "mia")  # one tab on server B, looked at first
        assert "no check-in yet" in main_text(on_b) and "now 420" not in main_text(on_b)
        on_b.screenshot(path=str(folder / "01-server-b-before.png"), full_page=True)

        on_a = open_page(browser, a.url, "mia")  # another tab, on server A, checks in
        go(on_a, "Log progress")
        form = on_a.get_by_test_id("stForm").filter(has_text="Save check-in")
        form.get_by_role("textbox", name="New value").fill("420")
        form.get_by_role("textbox", name="What changed? Any blockers?").fill("Through server A")
        form.get_by_role("button", name="Save check-in").click()
        on_a.get_by_text("now 420").first.wait_for()
        on_a.screenshot(path=str(folder / "02-server-a-saved.png"), full_page=True)

        # B's next runs, in the same session: B follows other sessions' writes within
        # OKR_REFRESH_S (15 s by default; the writer's own session sees its write at once).
        deadline = time.monotonic() + 2 * DEFAULT_REFRESH_S
        while True:
            go(on_b, "Log progress")
            go(on_b, "My OKRs")
            if "now 420" in main_text(on_b) or time.monotonic() > deadline:
                break
            on_b.wait_for_timeout(1000)
        assert "now 420" in main_text(on_b)
        on_b.screenshot(path=str(folder / "03-server-b-after.png"), full_page=True)

    in_own_browser(steps)
