"""Admin → People in a real browser: a person's linked single sign-on identity is shown in
their dialog, and "Unlink" forgets it (their next single sign-on links a new one).

AppTest cannot select a row of st.dataframe, which is what opens the dialog; a browser can.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.accounts import SessionPolicy
from core.sso import Identity
from db.commands import sso
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_head
from db.models import AuditLog, LinkedIdentity, utcnow
from tests.e2e.conftest import settle, sign_in_with_form
from tests.factories import PASSWORD, build_org, run

pytestmark = pytest.mark.e2e

ISSUER = "https://accounts.google.com"


def test_an_admin_sees_a_persons_linked_identity_and_unlinks_it(
    launch_server, fresh_db_url, page, shoot
):
    engine = make_engine(fresh_db_url)
    upgrade_head(engine)
    sessions = make_sessionmaker(engine)
    org = build_org(sessions)
    sue = Identity(ISSUER, "g-sue", "sue@example.com", True, issued_at=utcnow() - timedelta(1))
    run(sessions, sso.sign_in_with_identity, sue, None, utcnow(), SessionPolicy(), ())
    server = launch_server(fresh_db_url)

    page.goto(server.url)
    sign_in_with_form(page, "admin", PASSWORD)
    page.get_by_role("link", name="Admin").click()
    page.get_by_label("Search people").fill("sue")
    page.get_by_label("Search people").press("Enter")
    page.get_by_text("1 person · page 1 of 1").wait_for()
    settle(page)

    table = page.locator('[data-testid="stDataFrame"]').first.bounding_box()
    page.mouse.click(table["x"] + 16, table["y"] + 35 + 17)  # the first row's selection box
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Single sign-on: linked on").wait_for()
    shown = dialog.inner_text().replace("\u2060", "")  # word joiners keep links from forming
    assert "to sue@example.com at https://accounts.google.com." in shown
    dialog.get_by_role("button", name="Unlink").scroll_into_view_if_needed()
    shoot("linked-identity")
    dialog.get_by_role("button", name="Unlink").click()
    page.get_by_text("Sue Member's single sign-on identity is unlinked.").wait_for()
    shoot("unlinked")

    with sessions() as session:
        assert session.scalar(select(LinkedIdentity)) is None
        audit = session.scalar(select(AuditLog).where(AuditLog.action == "identity.unlink"))
        assert (audit.actor_id, audit.entity_id) == (org.admin.id, org.ids["sue"])
    engine.dispose()
