"""The Dashboard through the real app, on the small demo organisation: every role gets its
default view without an error, the view follows the link's query string, leads stay within
their teams, and every chart comes with its table and a CSV download."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.demo import DEMO_PASSWORD, load_demo
from db.models import Team, User
from tests.app.helpers import errors, sign_in

PAGE = "app_pages/dashboard.py"
COMPANY_SECTIONS = [
    "Forecast by company objective",
    "Progress by team, week by week",
    "Status of key results",
    "Check-in freshness",
    "At risk and off track",
    "This cycle against earlier cycles",
]
TEAM_SECTIONS = [
    "Team progress over time",
    "People",
    "At risk and off track",
    "Objectives least likely to land",
]


@pytest.fixture
def demo(app_db, engine):
    load_demo(engine, "small")
    return app_db


def open_page(username: str, **params):
    at = sign_in(username, DEMO_PASSWORD)
    at.switch_page(PAGE)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    assert not errors(at)
    return at


def subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


def team_of(sessions, username: str) -> tuple[int, str]:
    with sessions() as session:
        return session.execute(
            select(Team.id, Team.name)
            .join(User, User.team_id == Team.id)
            .where(User.username == username)
        ).one()


def first_table_with(at, column: str):
    """The first table on the page with this column."""
    return next(t.value for t in at.dataframe if column in t.value.columns)


def a_team_other_than(sessions, team_id: int) -> int:
    with sessions() as session:
        return session.scalar(
            select(Team.id).where(Team.id != team_id, Team.parent_id.is_not(None)).limit(1)
        )


@pytest.mark.parametrize("username", ["admin", "exec"])
def test_executives_and_admins_open_on_the_company_view(demo, username):
    at = open_page(username)
    assert at.button_group(key="dash.view").value == "company"
    assert subheaders(at) == COMPANY_SECTIONS
    assert [m.label for m in at.metric][:2] == ["Company progress", "Forecast at the end"]
    assert all(m.value.endswith("%") for m in at.metric)
    assert any(c.value.startswith("Forecast: ") for c in at.caption)


def test_a_lead_opens_on_their_own_team(demo):
    team_id, _ = team_of(demo, "lead")
    at = open_page("lead")
    assert at.button_group(key="dash.view").value == "team"
    assert subheaders(at) == TEAM_SECTIONS
    assert at.selectbox(key="dash.team").value == team_id
    people = first_table_with(at, "Person")
    with demo() as session:
        members = set(
            session.scalars(
                select(User.display_name).where(User.team_id == team_id, User.active.is_(True))
            )
        )
    assert set(people["Person"]) == members


def test_a_member_sees_their_team_read_only_and_can_switch_to_the_company(demo):
    team_id, _ = team_of(demo, "member")
    at = open_page("member")
    assert subheaders(at) == TEAM_SECTIONS
    team = at.selectbox(key="dash.team")
    assert team.value == team_id and team.disabled
    at = open_page("member", view="company")
    assert subheaders(at) == COMPANY_SECTIONS
    assert [b.key for b in at.button] == ["app.logout"]  # read-only: nothing to save


def test_a_lead_cannot_open_another_team_by_editing_the_link(demo):
    own, _ = team_of(demo, "lead")
    other = a_team_other_than(demo, own)
    at = open_page("lead", team=str(other))
    assert at.selectbox(key="dash.team").value == own
    assert at.query_params["team"] == str(own)


def test_the_view_team_and_filters_live_in_the_link(demo):
    own, _ = team_of(demo, "member")
    at = open_page("exec", view="team", team=str(own), status="needs_update")
    assert at.button_group(key="dash.view").value == "team"
    assert at.selectbox(key="dash.team").value == own
    assert at.button_group(key="dash.status").value == ["needs_update"]
    # Choosing another team writes it back to the link.
    other = a_team_other_than(demo, own)
    at.selectbox(key="dash.team").set_value(other).run()
    assert at.query_params["team"] == str(other)
    assert not at.exception


def test_a_department_drill_down_shows_its_teams_in_the_heatmap(demo):
    with demo() as session:
        department, name = session.execute(
            select(Team.id, Team.name).where(Team.name == "Engineering")
        ).one()
        teams = set(session.scalars(select(Team.name).where(Team.parent_id == department)))
    at = open_page("exec")
    closed = len(at.dataframe)
    at.session_state["dash.heatmap.tabs"] = "Table"  # a chart's table is drawn when opened
    at.run()
    assert len(at.dataframe) == closed + 1
    departments = set(first_table_with(at, "Team")["Team"])
    assert name in departments and not teams & departments
    at = open_page("exec", dept=str(department))
    at.session_state["dash.heatmap.tabs"] = "Table"
    shown = set(first_table_with(at.run(), "Team")["Team"])
    assert shown == teams | {name}


@pytest.mark.parametrize(("username", "view"), [("exec", "company"), ("lead", "team")])
def test_every_chart_has_a_table_and_a_csv_download(demo, username, view):
    at = open_page(username, view=view)
    tabs = [t.label for t in at.tabs]
    charts = tabs.count("Chart")
    assert charts and tabs.count("Table") == charts
    downloads = at.get("download_button")
    assert len(downloads) >= charts  # plus the CSV of each list
