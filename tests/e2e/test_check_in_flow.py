"""The check-in a member does most: from signing in to a saved check-in on the KR that most
needs it, counting every interaction after the sign-in."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from db.demo import DEMO_PASSWORD
from db.engine import make_engine, make_sessionmaker
from db.models import CheckIn
from db.queries import current_user, cycles, default_cycle_id, okrs
from tests.e2e.conftest import settle, sign_in_with_form

pytestmark = pytest.mark.e2e
MAX_INTERACTIONS = 3


def most_needed_kr(url: str) -> tuple[int, str]:
    """The member's KR that should be offered first, by the app's own rule."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        member = current_user(session, "member")
        listed = cycles(session)
        cycle = next(c for c in listed if c.id == default_cycle_id(listed, date.today()))
        krs = okrs.my_key_results(session, member.id, cycle)
        krs = krs[krs["objective_state"] == "active"]
        first = krs.iloc[0]
    engine.dispose()
    return int(first.kr_id), str(first.title)


def check_ins_of(url: str, kr_id: int) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.key_result_id == kr_id)
        )
    engine.dispose()
    return count


def test_a_member_checks_in_on_the_most_needed_kr_in_three_interactions(
    page, shoot, launch_server, demo_url
):
    kr_id, kr_title = most_needed_kr(demo_url)
    before = check_ins_of(demo_url, kr_id)
    server = launch_server(demo_url)
    page.goto(server.url)
    sign_in_with_form(page, "member", DEMO_PASSWORD)
    page.get_by_role("heading", name="Needs your update").wait_for()
    settle(page)
    shoot("my-okrs")

    interactions = 0
    page.get_by_role("link", name="Check in").first.click()  # the top of "Needs your update"
    interactions += 1
    value = page.get_by_label("New value", exact=True).first  # the "Check in" tab
    value.wait_for()
    settle(page)
    assert f"kr={kr_id}" in page.url
    shoot("log-progress")
    value.fill("1")
    interactions += 1
    page.get_by_role("button", name="Save check-in").click()
    interactions += 1
    page.get_by_text("last update today").first.wait_for()
    settle(page)
    shoot("saved")

    assert interactions <= MAX_INTERACTIONS
    assert check_ins_of(demo_url, kr_id) == before + 1
