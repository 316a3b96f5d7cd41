"""The audit log page (admins only): filter by person, action, record and dates; page through;
see an entry's before and after; download the filtered log as CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.errors import PermissionDenied
from db import commands
from db.models import AuditLog
from db.queries import audit
from tests.app.helpers import button, can_open, sign_in
from tests.factories import PASSWORD, build_org, run


@pytest.fixture
def org(app_db):
    org = build_org(app_db)
    mia = org.actor("mia")
    org.ids["goal"] = run(
        app_db,
        commands.create_objective,
        mia,
        commands.ObjectiveInput(
            org.ids["cycle"],
            "individual",
            "Make onboarding painless",
            mia.id,
            key_results=[commands.KRInput('=HYPERLINK("x") signups', "increase", 0, 100)],
        ),
    )
    run(
        app_db,
        commands.update_objective,
        mia,
        org.ids["goal"],
        1,
        commands.ObjectiveInput(org.ids["cycle"], "individual", "Onboarding in one day", mia.id),
    )
    return org


def audit_rows(sessions, **where) -> int:
    query = select(func.count()).select_from(AuditLog)
    for column, value in where.items():
        query = query.where(getattr(AuditLog, column) == value)
    with sessions() as session:
        return session.scalar(query)


def open_audit(**params):
    at = sign_in("admin", PASSWORD)
    for name, value in params.items():
        at.query_params[name] = value
    at.switch_page("app_pages/audit.py")
    at.run()
    assert not at.exception, at.exception
    return at


def table(at):
    return at.dataframe[0].value


def caption_with(at, text: str) -> str:
    return next(c.value for c in at.caption if text in c.value)


def test_only_admins_have_the_page_and_the_reads_refuse_others(org, app_db):
    for username in ("mia", "lena", "eve"):
        assert not can_open(sign_in(username, PASSWORD), "app_pages/audit.py")
    with app_db() as session, pytest.raises(PermissionDenied):
        audit.audit_page(session, org.actor("eve"), audit.AuditFilter())
    at = open_audit()
    assert at.title[0].value == "Audit log"


def test_the_log_shows_every_write_newest_first_with_names(org, app_db):
    at = open_audit()
    rows = table(at)
    total = audit_rows(app_db)
    assert f"{total} entries · page 1 of 1" in caption_with(at, "entries")
    assert len(rows) == total
    assert list(rows["#"]) == sorted(rows["#"], reverse=True)
    assert rows.iloc[0]["Action"] == "session.start"  # the admin's own sign-in, just now
    newest = rows[~rows["Action"].str.startswith("session.")].iloc[0]
    assert (newest["Who"], newest["Action"], newest["Record"]) == (
        "Mia Member",
        "objective.update",
        "Onboarding in one day",
    )
    assert "title: Make onboarding painless → Onboarding in one day" in newest["Changes"]


def test_filters_by_person_action_record_and_dates(org, app_db):
    at = open_audit()
    at.selectbox(key="audit.who").set_value(org.ids["mia"])
    at.run()
    rows = table(at)
    assert set(rows["Who"]) == {"Mia Member"}
    assert len(rows) == audit_rows(app_db, actor_id=org.ids["mia"])

    at.selectbox(key="audit.action").set_value("objective.update")
    at.run()
    assert list(table(at)["Action"]) == ["objective.update"]
    assert at.query_params["action"] == "objective.update"

    at.selectbox(key="audit.action").set_value("All")
    at.selectbox(key="audit.entity").set_value("objective")
    at.text_input(key="audit.entity_id").input(str(org.ids["goal"]))
    at.run()
    rows = table(at)
    assert set(rows["Record"]) == {"Onboarding in one day"}
    assert set(rows["Action"]) == {"objective.create", "objective.update"}

    at.date_input(key="audit.from").set_value(date.today() + timedelta(days=2))
    at.run()
    assert not at.dataframe and "No entries match these filters." in at.info[0].value
    at.date_input(key="audit.from").set_value(date.today() - timedelta(days=1))
    at.run()
    assert len(table(at)) == 2


def test_a_shared_link_opens_the_same_filtered_view(org):
    at = open_audit(action="team.update", who=str(org.ids["admin"]))
    rows = table(at)
    assert set(rows["Action"]) == {"team.update"} and set(rows["Who"]) == {"Ada Admin"}


def test_pages_are_cut_in_sql_and_walked_with_older_and_newer(org, app_db):
    mia = org.actor("mia")
    kr = app_db().scalar(
        select(func.min(AuditLog.entity_id)).where(AuditLog.entity == "key_result")
    )
    run(app_db, commands.set_objective_state, mia, org.ids["goal"], 2, "active")
    for value in range(60):
        run(app_db, commands.check_in, mia, commands.CheckInInput(kr, value, 7))
    total = audit_rows(app_db) + 1  # and the admin's sign-in to read them
    at = open_audit()
    assert len(table(at)) == audit.PAGE_SIZE
    assert f"{total} entries · page 1 of 2" in caption_with(at, "entries")
    button(at, "Older").click()
    at.run()
    assert len(table(at)) == total - audit.PAGE_SIZE
    assert at.query_params["page"] == "2"
    assert button(at, "Older").disabled
    button(at, "Newer").click()
    at.run()
    assert "page 1 of 2" in caption_with(at, "entries")


def test_an_entry_shows_its_before_and_after(org):
    at = open_audit(action="objective.update")
    diff = at.dataframe[1].value.set_index("Field")
    assert diff.loc["title"].tolist() == ["Make onboarding painless", "Onboarding in one day"]
    assert list(diff.index) == ["title"]  # only what changed
    assert len(at.json) == 2
    assert at.json[0].value and at.json[1].value


def test_the_csv_has_the_filtered_entries_and_defuses_formulas(org, app_db):
    at = open_audit()
    assert any("Download CSV" in b.label for b in at.get("download_button"))
    with app_db() as session:
        data = audit.audit_csv(session, org.admin, audit.AuditFilter(entity="key_result"))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["action"] for r in rows] == ["key_result.create"]
    assert rows[0]["what"] == '\'=HYPERLINK("x") signups'  # a spreadsheet shows it as text
    assert '"title": "=HYPERLINK' in rows[0]["after"]
