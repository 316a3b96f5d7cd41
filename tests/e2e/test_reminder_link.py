"""A reminder's link opened in a browser that is not signed in: the sign-in form keeps the
address, and signing in opens that key result's check-in form."""

from __future__ import annotations

import pytest

from db import reminders
from db.demo import DEMO_PASSWORD, load_demo
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_head
from tests.e2e.conftest import settle, wait_for_sign_in_form

pytestmark = pytest.mark.e2e


def test_a_reminder_link_leads_through_sign_in_to_the_kr_form(
    page, shoot, launch_server, fresh_db_url
):
    engine = make_engine(fresh_db_url)
    upgrade_head(engine)
    load_demo(engine, "small")
    with make_sessionmaker(engine)() as session:
        # Someone with two stale KRs or more (who, depends on the day the demo is built for;
        # every demo account has the demo password).
        found = reminders.reminders(session)
        reminder = next(r for r in found if len(r.krs) >= 2 and r.language == "en")
    engine.dispose()
    # Not the KR Log progress would offer first anyway: the link must be what chooses it.
    first, kr = reminder.krs[0], reminder.krs[-1]
    server = launch_server(fresh_db_url)

    link = reminders.check_in_link(server.url, kr)
    page.goto(link)
    wait_for_sign_in_form(page)
    shoot("signed-out")
    assert page.get_by_text("Page not found").count() == 0
    assert page.url == link  # the address survives the sign-in screen

    page.get_by_label("Username", exact=True).fill(reminder.username)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Log progress").wait_for()
    settle(page)
    shoot("log-progress")
    assert page.get_by_role("button", name="Save check-in").is_visible()
    chosen = page.get_by_role("combobox", name="Key result").input_value()
    assert chosen.startswith(kr.title) and not chosen.startswith(first.title)
    assert f"kr={kr.kr_id}" in page.url
