"""Reads about OKRs on SQLite and PostgreSQL: which KR needs an update first, who sees drafts,
objective progress, and the alignment picker."""

from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import update

from db import commands, queries
from db.engine import transaction
from db.models import CheckIn, KeyResult, utcnow
from tests.db.test_okr_commands import (
    check_in,
    create,
    key_results,
    kr,
    next_cycle,
    publish,
    write,
)
from tests.factories import Org, build_org


@pytest.fixture
def org(sessions) -> Org:
    return build_org(sessions)


def cycle(session, org: Org):
    return queries.okrs.cycle_row(session, org.ids["cycle"])


def silence(org: Org, kr_id: int, days: int) -> None:
    """Move the KR's check-ins (and so its last update) ``days`` into the past."""
    past = utcnow() - timedelta(days=days)
    with transaction(org.sessions) as session:
        session.execute(
            update(CheckIn).where(CheckIn.key_result_id == kr_id).values(created_at=past)
        )
        session.execute(update(KeyResult).where(KeyResult.id == kr_id).values(last_checkin_at=past))


def published_krs(org: Org, *titles: str) -> dict[str, int]:
    """Mia's published objective with one 0 → 100 KR per title; {title: kr id}."""
    objective_id = create(org, "mia", krs=tuple(kr(title) for title in titles))
    publish(org, "mia", objective_id)
    return {k.title: k.id for k in key_results(org, objective_id)}


def my_key_results(org: Org, username: str = "mia") -> pd.DataFrame:
    with org.sessions() as session:
        return queries.okrs.my_key_results(session, org.ids[username], cycle(session, org))


# --- what needs my update first --------------------------------------------------------------
# The cycle is a third over (30 of 90 days): 0 % progress is off track, 10 % at risk.


def test_the_silent_kr_comes_first_then_the_most_behind_and_drafts_last(org):
    krs = published_krs(org, "A bit behind", "Far behind", "Silent")
    check_in(org, "mia", krs["A bit behind"], 10, confidence=8)
    check_in(org, "mia", krs["Far behind"], 0, confidence=8)
    check_in(org, "mia", krs["Silent"], 30, confidence=8)
    silence(org, krs["Silent"], days=20)
    create(org, "mia", title="Not yet published", krs=(kr("Draft KR"),))

    mine = my_key_results(org)
    assert list(zip(mine["title"], mine["status"], strict=True)) == [
        ("Silent", "needs_update"),
        ("Far behind", "off_track"),
        ("A bit behind", "at_risk"),
        ("Draft KR", "off_track"),
    ]
    assert mine.set_index("title").loc["Silent", "days_since_update"] == 20


def test_a_silent_kr_comes_first_even_when_it_is_also_off_track(org):
    krs = published_krs(org, "Fresh but far behind", "Silent and unsure")
    check_in(org, "mia", krs["Fresh but far behind"], 0, confidence=8)
    check_in(org, "mia", krs["Silent and unsure"], 30, confidence=2)  # off track by confidence
    silence(org, krs["Silent and unsure"], days=20)

    assert my_key_results(org)["title"].tolist() == ["Silent and unsure", "Fresh but far behind"]


# --- who sees drafts ------------------------------------------------------------------------


def visible_titles(org: Org, username: str) -> set[str]:
    with org.sessions() as session:
        frame = queries.okrs.objectives(session, org.actor(username), org.ids["cycle"])
    return set(frame["title"])


@pytest.mark.parametrize(
    "username, sees_draft",
    [
        ("mia", True),
        ("lena", True),
        ("eve", True),
        ("admin", True),
        ("max", False),
        ("sue", False),
        ("sam", False),
    ],
)
def test_a_draft_is_visible_to_its_owner_their_lead_executives_and_admins(
    org, username, sees_draft
):
    create(org, "mia", title="Mia's draft")
    published = create(org, "mia", title="Mia's published")
    publish(org, "mia", published)

    expected = {"Mia's draft", "Mia's published"} if sees_draft else {"Mia's published"}
    assert visible_titles(org, username) == expected


@pytest.mark.parametrize(
    "username, sees_draft",
    [("mia", True), ("lena", True), ("eve", True), ("admin", True), ("max", False), ("sam", False)],
)
def test_a_draft_key_result_is_found_by_id_only_by_those_who_see_the_draft(
    org, username, sees_draft
):
    draft = create(org, "mia", title="Mia's draft", krs=(kr("Secret KR"),))
    published = create(org, "mia", title="Mia's published", krs=(kr("Open KR"),))
    publish(org, "mia", published)
    (secret,), (shared,) = key_results(org, draft), key_results(org, published)
    with org.sessions() as session:
        actor = org.actor(username)
        found = queries.okrs.visible_key_result(session, actor, secret.id)
        open_kr = queries.okrs.visible_key_result(session, actor, shared.id)
        missing = queries.okrs.visible_key_result(session, actor, shared.id + 1000)
    assert found["title"].tolist() == (["Secret KR"] if sees_draft else [])
    assert open_kr["title"].tolist() == ["Open KR"]
    assert missing.empty


def test_a_key_result_in_a_team_draft_is_found_by_its_owner(org):
    """As on My OKRs: the person a lead made owner of a draft team KR sees that KR."""
    draft = create(org, "lena", level="team", team="product", krs=(kr(owner_id=org.ids["mia"]),))
    (theirs,) = key_results(org, draft)
    with org.sessions() as session:
        for username, sees in (("mia", True), ("max", False)):
            found = queries.okrs.visible_key_result(session, org.actor(username), theirs.id)
            assert (not found.empty) == sees, username


# --- objective progress -----------------------------------------------------------------------


def test_an_objective_without_key_results_has_no_progress_rather_than_zero(org):
    empty = create(org, "mia", title="Still thinking", krs=())
    with org.sessions() as session:
        objs, _ = queries.okrs.objectives_with_krs(
            session, org.actor("mia"), cycle(session, org), ids=[empty]
        )
    row = objs.set_index("objective_id").loc[empty]
    assert pd.isna(row["progress"]) and row["kr_count"] == 0


# --- the alignment picker --------------------------------------------------------------------


@pytest.fixture
def objectives(org) -> dict[str, int]:
    """One objective of each level in the active cycle, plus an archived one and one in
    another cycle; {title: id}."""
    team = {"level": "team", "team": "product"}
    ids = {
        "Lead the market": create(org, "eve", level="company", title="Lead the market"),
        "Delight product users": create(org, "lena", title="Delight product users", **team),
        "Close enterprise deals": create(
            org, "sam", level="team", team="sales", title="Close enterprise deals"
        ),
        "Ship onboarding": create(org, "mia", title="Ship onboarding"),
        "Retired goal": create(org, "lena", title="Retired goal", **team),
        "Next quarter": create(org, "lena", title="Next quarter", cycle=next_cycle(org), **team),
    }
    write(org, "lena", commands.set_objective_state, ids["Retired goal"], 1, "archived")
    return ids


def candidates(org: Org, level: str, search: str = "", exclude_id: int | None = None) -> set[str]:
    with org.sessions() as session:
        found = queries.okrs.parent_candidates(
            session, org.admin, org.ids["cycle"], level, search, exclude_id
        )
    return {label.split(" · ")[0] for label in found.values()}


@pytest.mark.parametrize(
    "level, expected",
    [
        (
            "individual",
            {
                "Lead the market",
                "Delight product users",
                "Close enterprise deals",
                "Ship onboarding",
            },
        ),
        ("team", {"Lead the market", "Delight product users", "Close enterprise deals"}),
        ("company", {"Lead the market"}),
    ],
)
def test_parents_offered_are_of_the_same_cycle_and_a_higher_or_equal_level(
    org, objectives, level, expected
):
    assert candidates(org, level) == expected


@pytest.mark.parametrize(
    "search, expected",
    [
        ("sales", {"Close enterprise deals"}),  # the team's name
        ("  DELIGHT ", {"Delight product users"}),  # the title, any case
        ("product", {"Delight product users", "Ship onboarding"}),  # title or team name
        ("quarter", set()),  # other cycles are never offered
    ],
)
def test_parents_are_searched_by_title_or_team_name(org, objectives, search, expected):
    assert candidates(org, "individual", search) == expected


def test_an_objective_is_not_offered_as_its_own_parent(org, objectives):
    mine = objectives["Ship onboarding"]
    assert "Ship onboarding" not in candidates(org, "individual", exclude_id=mine)


def test_parents_are_found_by_their_vietnamese_title_as_typed(org):
    create(org, "lena", level="team", team="product", title="Đẩy mạnh doanh số")
    assert candidates(org, "individual", "Đẩy mạnh") == {"Đẩy mạnh doanh số"}
