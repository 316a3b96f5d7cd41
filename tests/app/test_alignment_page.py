"""The Alignment page through the real app, on the small demo organisation: every role sees
the tree, the orphan list equals a direct query, and opening, filtering and searching work."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.demo import DEMO_PASSWORD, load_demo
from db.models import Cycle, Objective, Team
from tests.app.helpers import errors, sign_in

PAGE = "app_pages/alignment.py"
PUBLISHED = ("active", "closed")
LEVEL_RANK = {"company": 0, "team": 1, "individual": 2}


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


def active_cycle(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(Cycle.id).where(Cycle.state == "active"))


def published(sessions, cycle_id: int, **filters) -> list:
    with sessions() as session:
        return session.execute(
            select(Objective.id, Objective.title, Objective.parent_id)
            .where(Objective.cycle_id == cycle_id, Objective.state.in_(PUBLISHED))
            .filter_by(**filters)
            .order_by(Objective.title)
        ).all()


def direct_orphans(sessions, cycle_id: int) -> list[str]:
    """Titles of the published team/individual objectives whose parent chain never reaches a
    published company objective, walked over every objective of the cycle, in the page's
    order (team, level, title)."""
    with sessions() as session:
        rows = session.execute(
            select(
                Objective.id,
                Objective.title,
                Objective.level,
                Objective.parent_id,
                Objective.state,
                Team.name.label("team"),
            )
            .outerjoin(Team, Team.id == Objective.team_id)
            .where(Objective.cycle_id == cycle_id)
        ).all()
    by_id = {row.id: row for row in rows}

    def aligned(row) -> bool:
        seen = set()
        while row is not None and row.id not in seen and row.state in PUBLISHED:
            if row.level == "company":
                return True
            seen.add(row.id)
            row = by_id.get(row.parent_id)
        return False

    orphans = [r for r in rows if r.state in PUBLISHED and r.level != "company" and not aligned(r)]
    orphans.sort(key=lambda r: (r.team or "", LEVEL_RANK[r.level], r.title, r.id))
    return [r.title for r in orphans]


@pytest.mark.parametrize("username", ["admin", "exec", "lead", "member"])
def test_every_role_sees_the_tree_of_company_objectives_and_departments(demo, username):
    at = open_page(username)
    company = published(demo, active_cycle(demo), level="company")
    labels = [e.label for e in at.expander]
    node_labels = [label for label in labels if "aligned" in label or "%" in label]
    for objective in company:
        assert any(f"**{objective.title}**" in label for label in node_labels)
    assert any("**Engineering**" in label and "objectives" in label for label in labels)
    assert [m.label for m in at.metric] == [
        "Team & individual objectives",
        "Aligned to a company objective",
        "Not aligned",
    ]


def test_the_orphan_list_equals_a_direct_query(demo):
    expected = direct_orphans(demo, active_cycle(demo))
    assert expected  # the demo leaves some objectives unaligned
    at = open_page("exec", section="orphans")
    table = at.dataframe[0].value
    assert list(table["Objective"]) == expected[:25]
    assert at.metric[2].value == f"{len(expected):,}"
    assert f"Not aligned ({len(expected):,})" in at.button_group(key="align.section").options


def test_opening_an_objective_shows_its_krs_own_progress_and_its_childrens_mean(demo):
    cycle_id = active_cycle(demo)
    company = published(demo, cycle_id, level="company")
    parent = next(o for o in company if published(demo, cycle_id, parent_id=o.id))
    children = published(demo, cycle_id, parent_id=parent.id)
    at = sign_in("exec", DEMO_PASSWORD)
    at.switch_page(PAGE)
    at.run()
    at.session_state[f"align.node.c{parent.id}"] = True
    at.run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    plural = "s" if len(children) != 1 else ""
    assert f"{len(children)} aligned objective{plural}, mean progress" in text
    assert "Own progress" in text and "updated" in text  # its KRs are listed
    labels = [e.label for e in at.expander]
    for child in children[:20]:
        assert any(f"**{child.title}**" in label for label in labels)


def test_team_filter_and_search_come_from_the_link(demo):
    cycle_id = active_cycle(demo)
    with demo() as session:
        team_id, team_name = session.execute(
            select(Team.id, Team.name).where(Team.name == "Engineering")
        ).one()
    at = open_page("member", team=str(team_id))
    assert at.selectbox(key="align.team").value == team_id
    assert any(f"Where {team_name}'s objectives join the tree" in c.value for c in at.caption)

    target = published(demo, cycle_id, level="team")[0]
    word = target.title.split()[0]
    at = open_page("lead", q=word)
    assert at.text_input(key="align.search").value == word
    labels = [e.label for e in at.expander]
    assert labels and all(word.lower() in label.lower() for label in labels)


def test_by_team_shows_each_departments_share_of_aligned_objectives(demo):
    at = open_page("exec", section="teams")
    assert not at.dataframe  # the table is drawn when its tab is opened
    at.session_state["align.teams.tabs"] = "Table"
    table = at.run().dataframe[0].value
    with demo() as session:
        departments = session.scalars(
            select(Team.name).where(
                Team.parent_id == select(Team.id).where(Team.parent_id.is_(None)).scalar_subquery()
            )
        ).all()
    assert set(departments) <= set(table["Team"])
    assert ((table["Aligned"] + table["Not aligned"]) == table["Objectives"]).all()
    assert table["Share aligned"].between(0, 100).all()
