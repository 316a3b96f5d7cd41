"""Alignment reads on SQLite and PostgreSQL: which objectives reach a company objective through
their parent chain, the orphan list (equal to a direct walk over every objective), per-team
shares, and the tree's nodes loaded one level at a time."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from db.models import Objective
from db.queries import alignment
from tests.db.test_dashboard_queries import add_kr, add_objective, cycle_of, past_cycle
from tests.factories import Org, build_org

PUBLISHED = ("active", "closed")


@pytest.fixture
def org(sessions) -> Org:
    """Company goal C ← team T (Product) ← Mia's M; Max's X aligns to nothing; Sales' S aligns
    to nothing and Sue's U to S (unaligned through its chain); drafts, archived objectives and
    another cycle's stay out."""
    org = build_org(sessions)
    ids = org.ids
    ids["C"] = add_objective(org, "Grow revenue", "company", "company", "eve")
    ids["C2"] = add_objective(org, "Happy customers", "company", "company", "eve")
    ids["T"] = add_objective(org, "Ship the app", parent=ids["C"])
    ids["M"] = add_objective(org, "Learn Swift", "individual", owner="mia", parent=ids["T"])
    ids["M2"] = add_objective(org, "Ship onboarding", "individual", owner="mia", parent=ids["T"])
    ids["X"] = add_objective(org, "Read more books", "individual", owner="max")
    ids["S"] = add_objective(org, "Win deals", team="sales", owner="sam")
    ids["U"] = add_objective(org, "Call customers", "individual", "sales", "sue", ids["S"])
    ids["D"] = add_objective(org, "Draft idea", "individual", owner="mia", state="draft")
    ids["A"] = add_objective(org, "Old idea", "individual", owner="mia", state="archived")
    # A published child of a draft parent: the chain breaks at the draft.
    ids["B"] = add_objective(org, "Under a draft", "individual", owner="max", parent=ids["D"])
    other = past_cycle(org, "Earlier", 100)
    add_objective(org, "Last quarter", "individual", owner="max", state="closed", cycle_id=other)
    add_kr(org, ids["C"], owner="eve", current=40)
    add_kr(org, ids["C"], owner="eve", current=80, weight=3)
    add_kr(org, ids["T"], owner="lena", current=20)
    add_kr(org, ids["M"], current=60)
    return org


def direct_orphans(org: Org) -> list[int]:
    """Published team/individual objectives of the cycle whose parent chain, walked in Python
    over every objective, never reaches a published company objective."""
    with org.sessions() as session:
        rows = session.execute(
            select(Objective.id, Objective.level, Objective.parent_id, Objective.state).where(
                Objective.cycle_id == org.ids["cycle"]
            )
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

    return sorted(
        row.id
        for row in rows
        if row.state in PUBLISHED and row.level != "company" and not aligned(row)
    )


def test_the_orphan_list_equals_a_direct_walk_over_every_objective(org):
    with org.sessions() as session:
        frame, total = alignment.orphans(session, org.ids["cycle"])
    expected = direct_orphans(org)
    assert sorted(frame["objective_id"]) == expected
    assert total == len(expected)
    ids = org.ids
    assert set(expected) == {ids["X"], ids["S"], ids["U"], ids["B"]}


def test_orphans_are_ordered_paged_counted_and_scoped_to_teams(org):
    ids = org.ids
    with org.sessions() as session:
        everything, total = alignment.orphans(session, ids["cycle"])
        page, paged_total = alignment.orphans(session, ids["cycle"], None, 2, 1)
        sales, sales_total = alignment.orphans(session, ids["cycle"], (ids["sales"],))
    # By team, then team objectives before individual ones, then title.
    assert list(everything["title"]) == [
        "Read more books",
        "Under a draft",
        "Win deals",
        "Call customers",
    ]
    assert list(page["title"]) == ["Under a draft", "Win deals"] and paged_total == total == 4
    assert list(sales["title"]) == ["Win deals", "Call customers"] and sales_total == 2
    # The chain breaks higher up: the parent is named, and it is itself unaligned.
    call = everything.set_index("title").loc["Call customers"]
    assert (call["parent_title"], call["team"], call["owner"]) == (
        "Win deals",
        "Sales",
        "Sue Member",
    )


def test_alignment_by_team_counts_aligned_objectives_directly_or_through_parents(org):
    with org.sessions() as session:
        frame = alignment.alignment_by_team(session, org.ids["cycle"])
    counts = frame.set_index("team_id")[["objectives", "aligned", "orphans"]]
    assert counts.loc[org.ids["product"]].tolist() == [5, 3, 2]  # T, M, M2 | X, B
    assert counts.loc[org.ids["sales"]].tolist() == [2, 0, 2]
    assert org.ids["company"] not in counts.index  # company objectives are what others align to
    assert counts["orphans"].sum() == len(direct_orphans(org))


def test_company_objectives_are_the_roots_with_progress_status_and_child_counts(org):
    with org.sessions() as session:
        roots = alignment.company_objectives(session, cycle_of(org))
    by_title = roots.set_index("title")
    assert list(roots["title"]) == ["Grow revenue", "Happy customers"]
    assert by_title.loc["Grow revenue", "progress"] == pytest.approx((0.4 + 0.8 * 3) / 4)
    assert by_title.loc["Grow revenue", "children"] == 1
    assert by_title.loc["Grow revenue", "kr_count"] == 2
    assert by_title.loc["Happy customers", "kr_count"] == 0
    assert pd.isna(by_title.loc["Happy customers", "status"])


def test_children_load_one_level_with_their_own_child_counts_and_mean(org):
    ids = org.ids
    with org.sessions() as session:
        below_c = alignment.children(session, cycle_of(org), ids["C"])
        below_t = alignment.children(session, cycle_of(org), ids["T"])
        below_d = alignment.children(session, cycle_of(org), ids["D"])
        krs = alignment.objective_krs(session, cycle_of(org), ids["C"])
    assert list(below_c["objective_id"]) == [ids["T"]]
    assert below_c.iloc[0]["children"] == 2 and below_c.iloc[0]["parent_title"] == "Grow revenue"
    assert list(below_t["title"]) == ["Learn Swift", "Ship onboarding"]
    # The mean of the aligned children skips one without key results (no progress, not 0).
    assert alignment.mean_of(below_t) == pytest.approx(0.6)
    assert alignment.mean_of(below_t.iloc[0:0]) is None
    assert list(below_d["title"]) == ["Under a draft"]  # children are published ones only
    assert sorted(krs["progress"]) == pytest.approx([0.4, 0.8])
    assert set(krs.columns) >= {"status", "days_since_update", "owner_name"}


def test_entry_points_are_where_a_teams_objectives_join_the_tree(org):
    ids = org.ids
    with org.sessions() as session:
        product, total = alignment.entry_points(session, cycle_of(org), (ids["product"],))
        both, _ = alignment.entry_points(session, cycle_of(org), (ids["product"], ids["sales"]))
        limited, limited_total = alignment.entry_points(
            session, cycle_of(org), (ids["product"],), limit=1
        )
    # T aligns outside the team, X and B to nothing published-in-team; M and M2 align to T.
    assert set(product["objective_id"]) == {ids["T"], ids["X"], ids["B"]} and total == 3
    assert list(product["title"])[0] == "Ship the app"  # team objectives first
    assert ids["U"] not in set(both["objective_id"])  # U aligns to S, inside the teams
    assert len(limited) == 1 and limited_total == 3


def test_search_finds_published_objectives_by_title_in_any_or_the_chosen_teams(org):
    ids = org.ids
    with org.sessions() as session:
        found, total = alignment.entry_points(session, cycle_of(org), (), "SHIP")
        in_sales, none = alignment.entry_points(session, cycle_of(org), (ids["sales"],), "ship")
        drafts, _ = alignment.entry_points(session, cycle_of(org), (), "idea")
    assert set(found["title"]) == {"Ship the app", "Ship onboarding"} and total == 2
    assert in_sales.empty and none == 0
    assert drafts.empty
