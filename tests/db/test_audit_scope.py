"""Audit rows say what a write changed, for the caches (shell/versions): a check-in names the
cycle and team whose progress it moved; every other write is a change of structure."""

from __future__ import annotations

from db import commands, queries
from db.queries.accounts import structure_version, writes_after
from tests.factories import build_org, run, team_objective


def test_check_ins_name_their_cycle_and_team_and_other_writes_count_as_structure(sessions):
    org = build_org(sessions)
    lena = org.actor("lena")
    kr_id = team_objective(org, "lena", "product", "lena")
    with sessions() as session:
        before = queries.data_version(session)
        assert structure_version(session) == before  # every write so far changed the structure

    run(sessions, commands.check_in, lena, commands.CheckInInput(kr_id, 30, 7))
    run(sessions, commands.set_language, lena, "vi")
    with sessions() as session:
        newest = queries.data_version(session)
        writes = writes_after(session, before, 10)
        assert writes == [
            (before + 1, org.ids["cycle"], org.ids["product"]),
            (newest, None, None),
        ]
        assert structure_version(session) == newest
        assert writes_after(session, before, 1) == writes[:1]
        assert queries.okrs.key_result_team(session, kr_id) == (
            org.ids["cycle"],
            org.ids["product"],
        )
        assert queries.okrs.key_result_team(session, kr_id + 999) is None


def test_the_teams_a_persons_own_views_show(sessions):
    """Their objectives', those holding their key results, those theirs align to, their team."""
    org = build_org(sessions)
    cycle = org.ids["cycle"]
    eve, sam, sue = org.actor("eve"), org.actor("sam"), org.actor("sue")
    company = run(
        sessions,
        commands.create_objective,
        eve,
        commands.ObjectiveInput(cycle, "company", "Grow", eve.id, None),
    )
    run(
        sessions,
        commands.create_objective,
        org.admin,  # a lead may not make someone of another team an owner; an admin may
        commands.ObjectiveInput(
            cycle,
            "team",
            "Sell more",
            sam.id,
            org.ids["sales"],
            key_results=[commands.KRInput("Deals", "increase", 0, 10, owner_id=org.ids["mia"])],
        ),
    )
    run(
        sessions,
        commands.create_objective,
        sue,
        commands.ObjectiveInput(
            cycle, "individual", "Learn", sue.id, org.ids["sales"], parent_id=company
        ),
    )
    with sessions() as session:
        # Mia (Product) owns a key result of a Sales objective.
        assert queries.okrs.teams_in_view(session, org.actor("mia"), cycle) == {
            org.ids["product"],
            org.ids["sales"],
        }
        # Sue's objective aligns to the company's (team None).
        assert queries.okrs.teams_in_view(session, sue, cycle) == {org.ids["sales"], None}
        assert queries.okrs.teams_in_view(session, org.actor("max"), cycle) == {org.ids["product"]}
