"""The Leaderboard page on the small demo organisation, for every role."""

import pytest

from db.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from db.queries import org
from tests.app.helpers import button, errors, sign_in
from tests.factories import PASSWORD, build_org


@pytest.fixture
def demo(app_db, engine):
    load_demo(engine, "small")
    return app_db


def open_board(username: str, **params):
    at = sign_in(username, DEMO_PASSWORD)
    at.switch_page("app_pages/leaderboard.py")
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    assert not errors(at)
    return at


def charts(at) -> int:
    return len(at.get("vega_lite_chart"))


def table(at):
    return at.dataframe[0].value


def text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize("username", sorted(DEMO_LOGINS))
def test_the_leaderboard_renders_for_every_role(demo, username):
    at = open_board(username)
    assert at.title[0].value == "Leaderboard"
    assert "How is this ranked?" in [e.label for e in at.expander]
    assert "Only published OKRs count" in text(at)  # the rules are on the page
    assert "last third of the cycle" in text(at)
    assert charts(at) == 1  # the podium; the bar chart is drawn when its tab is opened
    board = table(at)
    assert list(board.columns[:4]) == ["Rank", "Name", "Team", "Value"]
    assert 0 < len(board) <= 25
    assert [d.label for d in at.get("download_button")] == ["Download the full board (CSV)"]
    at.session_state["lb.tabs"] = "Chart"
    at.run()
    assert charts(at) == 2 and not at.dataframe


def test_a_member_sees_their_place_and_the_board_in_rank_order(demo):
    at = open_board("member")
    place = at.info[0].value
    assert place.startswith("You are **") and "on *Score*" in place
    board = table(at)
    ranks = [int(r.lstrip("=")) for r in board["Rank"]]
    assert ranks == sorted(ranks) and ranks[0] == 1
    values = [int(v.rstrip(" %")) for v in board["Value"]]
    assert values == sorted(values, reverse=True)
    assert board["Name"].str.endswith("(you)").sum() <= 1


def test_show_more_and_where_am_i_search(demo):
    at = open_board("admin")
    assert len(table(at)) == 25
    button(at, "Show 25 more").click()
    at.run()
    assert len(table(at)) > 25
    full = table(at)
    first_name, first_rank = full["Name"][0].removesuffix(" (you)"), full["Rank"][0]
    at.text_input(key="lb.search").input(first_name[:6])
    at.run()
    found = table(at)
    assert 1 <= len(found) < len(full)
    assert all(first_name[:6].lower() in name.lower() for name in found["Name"])
    # A match keeps its place on the whole board: search answers "where am I?".
    same = found[found["Name"].str.removesuffix(" (you)") == first_name]
    assert list(same["Rank"]) == [first_rank]


@pytest.mark.parametrize("metric", ["score", "consistency", "kudos", "improvement"])
def test_every_board_of_people_and_teams_renders(demo, metric):
    at = open_board("lead", metric=metric)
    assert at.selectbox(key="lb.metric").value == metric
    people = table(at)
    at.radio(key="lb.board").set_value("teams")
    at.run()
    assert not at.exception and not errors(at)
    assert at.query_params["board"] == "teams"
    teams = table(at)
    assert "People" in teams.columns and "Streak (weeks)" not in teams.columns
    assert set(teams["Name"].str.removesuffix(" (your team)")).isdisjoint(
        set(people["Name"].str.removesuffix(" (you)"))
    )
    at.radio(key="lb.level").set_value("department")
    at.run()
    assert not at.exception and not errors(at)


def shown_of(at) -> tuple[int, int]:
    caption = next(c.value for c in at.caption if c.value.startswith("Showing "))
    shown, total = caption.removeprefix("Showing ").rstrip(".").replace(",", "").split(" of ")
    return int(shown), int(total)


def test_the_department_filter_narrows_the_board(demo):
    with demo() as session:
        teams = org.teams_frame(session)
    engineering = int(teams.loc[teams["name"] == "Engineering", "id"].iloc[0])
    at = open_board("exec")
    assert at.selectbox(key="lb.dept").options[0] == "Whole organisation"
    _, everyone = shown_of(at)
    at.selectbox(key="lb.dept").set_value(str(engineering))
    at.run()
    assert not at.exception and not errors(at)
    assert at.query_params["dept"] == str(engineering)
    _, inside = shown_of(at)
    assert 0 < inside < everyone
    assert table(at)["Team"].str.startswith("Engineering").all()
    # Teams inside the department only.
    at.radio(key="lb.board").set_value("teams")
    at.run()
    assert table(at)["Part of"].eq("Engineering").all()


def test_a_shared_link_opens_the_same_board(demo):
    at = open_board("member", board="teams", metric="kudos", level="department")
    assert at.radio(key="lb.board").value == "teams"
    assert at.selectbox(key="lb.metric").value == "kudos"
    assert at.radio(key="lb.level").value == "department"
    assert table(at)["Value"].str.endswith("kudos").all()


def test_a_new_organisation_without_key_results_says_nobody_is_ranked_yet(app_db):
    build_org(app_db)
    at = sign_in("mia", PASSWORD)
    at.switch_page("app_pages/leaderboard.py")
    at.run()
    assert not at.exception and not errors(at)
    assert "Nobody is ranked on this board yet" in at.info[0].value
    assert "Not on this board" in " ".join(c.value for c in at.caption)
    assert charts(at) == 0
