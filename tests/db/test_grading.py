"""Grading and closing a cycle on SQLite and PostgreSQL: who may grade, propose, confirm, close
and reopen; default scores, overrides with reasons, objective scores; refusals write nothing;
closed cycles refuse check-ins; and the cycle-review reads (zones, teams, cycles, to-dos)."""

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from core.errors import PermissionDenied, StaleVersion, ValidationError
from core.scoring import Zone, score_distribution
from db import commands
from db.commands import grading
from db.models import AuditLog, Cycle, KeyResult, Objective
from db.queries import review
from db.queries.okrs import cycle_row
from tests.db.test_okr_commands import (
    check_in,
    create,
    key_results,
    kr,
    load,
    publish,
    write,
)
from tests.factories import Org, build_org, run


@pytest.fixture
def org(sessions) -> Org:
    return build_org(sessions)


@pytest.fixture
def okrs(org) -> dict[str, int]:
    """Published: a Product team objective (lena; KRs weighted 1 and 3, at 43 % and 100 %),
    mia's individual objective (Product; one KR at 25 %) and a Sales team objective (sam).
    Also a draft of max's that must never be graded."""
    ids = {}
    ids["team"] = create(
        org,
        "lena",
        level="team",
        team="product",
        title="Ship the app",
        krs=(kr("Beta users", start=0, target=100), kr("Launch", "milestone", weight=3)),
    )
    ids["mine"] = create(org, "mia", title="Grow the product")
    ids["sales"] = create(org, "sam", level="team", team="sales", title="Sell more")
    ids["draft"] = create(org, "max", title="Still thinking")
    for owner, key in (("lena", "team"), ("mia", "mine"), ("sam", "sales")):
        publish(org, owner, ids[key])
    beta, launch = (k.id for k in key_results(org, ids["team"]))
    ids |= {"beta": beta, "launch": launch}
    ids["mia_kr"] = key_results(org, ids["mine"])[0].id
    ids["sales_kr"] = key_results(org, ids["sales"])[0].id
    ids["draft_kr"] = key_results(org, ids["draft"])[0].id
    check_in(org, "lena", beta, 43)
    check_in(org, "lena", launch, 1)
    check_in(org, "mia", ids["mia_kr"], 25)
    return ids


def kr_row(org: Org, kr_id: int) -> KeyResult:
    return load(org, KeyResult, kr_id)


def version(org: Org, kr_id: int) -> int:
    return kr_row(org, kr_id).version


def grade(org, username, kr_id, score, reason=""):
    return write(org, username, grading.grade_key_result, kr_id, version(org, kr_id), score, reason)


def state(org: Org) -> dict:
    """Everything grading may change: KR grades, objective scores and states, cycles, audit."""
    with org.sessions() as session:
        return {
            "krs": sorted(
                session.execute(
                    select(
                        KeyResult.id,
                        KeyResult.score,
                        KeyResult.score_reason,
                        KeyResult.score_confirmed,
                        KeyResult.version,
                    )
                ).all()
            ),
            "objectives": sorted(
                session.execute(
                    select(Objective.id, Objective.score, Objective.state, Objective.version)
                ).all()
            ),
            "cycles": sorted(session.execute(select(Cycle.id, Cycle.state)).all()),
            "audit": session.scalar(select(func.count(AuditLog.id))),
        }


@contextmanager
def refused(org: Org, error, match: str):
    """The write inside is refused with the message and changes nothing at all."""
    before = state(org)
    with pytest.raises(error, match=match):
        yield
    assert state(org) == before


def audit_actions(org: Org, entity_id: int) -> list[str]:
    with org.sessions() as session:
        return list(
            session.scalars(
                select(AuditLog.action)
                .where(AuditLog.entity_id == entity_id, AuditLog.action.like("kr.%"))
                .order_by(AuditLog.id)
            )
        )


# --- grading -----------------------------------------------------------------------------------


def test_lead_grades_default_and_override_and_the_objective_gets_its_weighted_score(org, okrs):
    # 43 % → default 0.4: accepted without a reason, confirmed at once.
    assert grade(org, "lena", okrs["beta"], 0.4) == 0.4
    beta = kr_row(org, okrs["beta"])
    assert (beta.score, beta.score_reason, beta.score_confirmed) == (0.4, None, True)
    assert load(org, Objective, okrs["team"]).score is None  # one KR still ungraded
    # The milestone is done (default 1.0); the lead overrides it with a reason.
    assert grade(org, "lena", okrs["launch"], 0.7, "Shipped, but only on Android") == 0.7
    launch = kr_row(org, okrs["launch"])
    assert (launch.score, launch.score_reason) == (0.7, "Shipped, but only on Android")
    # Weighted mean: (0.4 × 1 + 0.7 × 3) / 4 = 0.625 → 0.63 (half up).
    assert load(org, Objective, okrs["team"]).score == 0.63
    assert audit_actions(org, okrs["launch"]) == ["kr.grade"]


def test_an_override_without_a_reason_or_off_the_steps_is_refused(org, okrs):
    with refused(org, ValidationError, "reason"):
        grade(org, "lena", okrs["beta"], 0.9)
    with refused(org, ValidationError, "steps of 0.1"):
        grade(org, "lena", okrs["beta"], 0.75, "between two steps")
    with refused(org, ValidationError, "between 0.0 and 1.0"):
        grade(org, "lena", okrs["beta"], 1.2, "over-delivered")


def test_only_leads_of_the_team_executives_and_admins_may_grade(org, okrs):
    with refused(org, PermissionDenied, "teams you lead"):
        grade(org, "sam", okrs["beta"], 0.4)  # sam leads Sales, not Product
    with refused(org, PermissionDenied, "Only team leads, executives and admins"):
        grade(org, "mia", okrs["mia_kr"], 0.3)  # her own KR: she may only propose
    grade(org, "lena", okrs["mia_kr"], 0.3)  # mia is in Product, which lena leads
    grade(org, "eve", okrs["sales_kr"], 0.0)
    run(
        org.sessions,
        grading.grade_key_result,
        org.admin,
        okrs["beta"],
        version(org, okrs["beta"]),
        0.4,
        "",
    )
    assert kr_row(org, okrs["sales_kr"]).score_confirmed


def test_a_draft_or_a_stale_version_is_not_graded(org, okrs):
    with refused(org, ValidationError, "only published objectives are graded"):
        grade(org, "lena", okrs["draft_kr"], 0.0)
    stale = version(org, okrs["beta"])
    check_in(org, "lena", okrs["beta"], 50)  # the KR changed meanwhile
    with refused(org, StaleVersion, "(?i)changed by someone else"):
        write(org, "lena", grading.grade_key_result, okrs["beta"], stale, 0.5, "")


def test_a_planning_cycle_is_not_graded(org):
    start = date.today() + timedelta(days=120)
    planning = run(
        org.sessions, commands.create_cycle, org.admin, "Later", start, start + timedelta(90)
    )
    objective_id = create(org, "mia", cycle=planning)
    publish(org, "mia", objective_id)
    kr_id = key_results(org, objective_id)[0].id
    with refused(org, ValidationError, "has not started"):
        grade(org, "lena", kr_id, 0.0)


def test_owner_proposes_with_a_reason_and_the_lead_confirms(org, okrs):
    kr_id = okrs["mia_kr"]  # 25 % → default 0.3
    with refused(org, ValidationError, "reason"):
        write(org, "mia", grading.propose_score, kr_id, version(org, kr_id), 0.6, "")
    with refused(org, PermissionDenied, "owner"):
        write(org, "max", grading.propose_score, kr_id, version(org, kr_id), 0.6, "Helped")
    write(org, "mia", grading.propose_score, kr_id, version(org, kr_id), 0.6, "Blocked by legal")
    proposal = kr_row(org, kr_id)
    assert (proposal.score, proposal.score_confirmed) == (0.6, False)
    with org.sessions() as session:
        waiting, total = review.pending_proposals(session, org.actor("lena"), org.ids["cycle"])
        assert total == 1 and list(waiting["kr_id"]) == [kr_id]
        assert review.pending_proposals(session, org.actor("sam"), org.ids["cycle"])[1] == 0
    with refused(org, PermissionDenied, "teams you lead"):
        write(org, "sam", grading.confirm_score, kr_id, version(org, kr_id))
    assert write(org, "lena", grading.confirm_score, kr_id, version(org, kr_id)) == 0.6
    confirmed = kr_row(org, kr_id)
    assert (confirmed.score, confirmed.score_reason, confirmed.score_confirmed) == (
        0.6,
        "Blocked by legal",
        True,
    )
    assert load(org, Objective, okrs["mine"]).score == 0.6
    with refused(org, ValidationError, "already confirmed"):
        write(org, "mia", grading.propose_score, kr_id, version(org, kr_id), 0.9, "More")
    assert audit_actions(org, kr_id) == ["kr.score_propose", "kr.score_confirm"]


def test_accepting_defaults_confirms_undecided_krs_and_leaves_proposals(org, okrs):
    kr_id = okrs["mia_kr"]
    write(org, "mia", grading.propose_score, kr_id, version(org, kr_id), 0.5, "Scope doubled")
    with refused(org, PermissionDenied, "teams you lead"):
        write(org, "sam", grading.accept_default_scores, [okrs["team"], okrs["mine"]])
    confirmed = write(org, "lena", grading.accept_default_scores, [okrs["team"], okrs["mine"]])
    assert confirmed == 2  # beta and launch; mia's proposal waits for a decision
    assert (kr_row(org, okrs["beta"]).score, kr_row(org, okrs["launch"]).score) == (0.4, 1.0)
    assert not kr_row(org, kr_id).score_confirmed
    assert load(org, Objective, okrs["team"]).score == 0.85  # (0.4 + 3 × 1.0) / 4
    with refused(org, ValidationError, "already has a confirmed score"):
        write(org, "lena", grading.accept_default_scores, [okrs["team"]])


# --- closing and reopening ---------------------------------------------------------------------


def close(org: Org, username: str):
    return write(org, username, grading.close_cycle, org.ids["cycle"])


def test_leads_and_members_cannot_close_a_cycle(org, okrs):
    with refused(org, PermissionDenied, "only executives and admins can close"):
        close(org, "lena")
    with refused(org, PermissionDenied, "only executives and admins can close"):
        close(org, "mia")


def test_closing_locks_check_ins_closes_objectives_and_fills_default_scores(org, okrs):
    grade(org, "lena", okrs["beta"], 0.6, "Quality beat the numbers")
    kr_id = okrs["mia_kr"]
    write(org, "mia", grading.propose_score, kr_id, version(org, kr_id), 0.5, "Scope doubled")

    summary = close(org, "eve")

    assert summary == grading.CloseSummary(
        objectives_closed=3, krs_default_scored=2, objectives_scored=3
    )  # launch and the Sales KR got defaults; the grade and the proposal were kept
    assert load(org, Cycle, org.ids["cycle"]).state == "closed"
    assert (kr_row(org, okrs["beta"]).score, kr_row(org, okrs["beta"]).score_confirmed) == (
        0.6,
        True,
    )
    assert kr_row(org, kr_id).score == 0.5 and not kr_row(org, kr_id).score_confirmed
    launch = kr_row(org, okrs["launch"])
    assert (launch.score, launch.score_confirmed, launch.score_reason) == (1.0, False, None)
    assert kr_row(org, okrs["sales_kr"]).score == 0.0  # no check-in: progress 0
    assert load(org, Objective, okrs["team"]).score == 0.9  # (0.6 + 3 × 1.0) / 4
    assert load(org, Objective, okrs["team"]).state == "closed"
    draft = load(org, Objective, okrs["draft"])
    assert (draft.state, draft.score, kr_row(org, okrs["draft_kr"]).score) == ("draft", None, None)
    with org.sessions() as session:
        after = session.scalar(
            select(AuditLog.after).where(AuditLog.action == "cycle.closed").order_by(AuditLog.id)
        )
    assert after["state"] == "closed" and after["krs_default_scored"] == 2

    with refused(org, ValidationError, "closed: check-ins are locked"):
        check_in(org, "lena", okrs["beta"], 90)
    with refused(org, ValidationError, "already closed"):
        close(org, "eve")
    # Grading goes on after the close.
    grade(org, "lena", okrs["launch"], 1.0)
    assert kr_row(org, okrs["launch"]).score_confirmed


def test_a_cycle_closed_by_the_admin_refuses_check_ins_with_the_message(org, okrs):
    run(org.sessions, commands.set_cycle_state, org.admin, org.ids["cycle"], "closed")
    with refused(org, ValidationError, "is closed: check-ins are locked. An admin can reopen"):
        check_in(org, "mia", okrs["mia_kr"], 30)


def test_a_cycle_closed_from_admin_gets_its_grading_finished(org, okrs):
    grade(org, "lena", okrs["beta"], 0.6, "Quality beat the numbers")
    run(org.sessions, commands.set_cycle_state, org.admin, org.ids["cycle"], "closed")
    assert load(org, Objective, okrs["team"]).state == "active"  # the admin page's close
    with refused(org, PermissionDenied, "only executives and admins can close"):
        close(org, "lena")
    summary = close(org, "eve")
    assert summary == grading.CloseSummary(3, 3, 3)  # launch, mia's and the Sales KR
    assert kr_row(org, okrs["beta"]).score == 0.6
    assert load(org, Objective, okrs["team"]).state == "closed"
    with org.sessions() as session:
        assert review.review_summary(session, org.ids["cycle"]).active == 0
        actions = session.scalars(select(AuditLog.action).where(AuditLog.entity == "cycle"))
        assert "cycle.grading_finished" in list(actions)
    with refused(org, ValidationError, "already closed"):
        close(org, "eve")


def test_only_admins_reopen_and_check_ins_work_again(org, okrs):
    close(org, "eve")
    with refused(org, PermissionDenied, "Only admins can reopen"):
        write(org, "eve", grading.reopen_cycle, org.ids["cycle"])
    with refused(org, PermissionDenied, "Only admins can reopen"):
        write(org, "lena", grading.reopen_cycle, org.ids["cycle"])
    assert run(org.sessions, grading.reopen_cycle, org.admin, org.ids["cycle"]) == 3
    assert load(org, Cycle, org.ids["cycle"]).state == "active"
    assert load(org, Objective, okrs["team"]).state == "active"
    check_in(org, "mia", okrs["mia_kr"], 80)  # accepted again
    assert kr_row(org, okrs["beta"]).score == 0.4  # scores are kept...
    close(org, "eve")
    assert kr_row(org, okrs["mia_kr"]).score == 0.8  # ...undecided ones follow the progress


def test_closing_never_overwrites_a_grade(org, okrs):
    """The bulk default update re-checks "undecided" row by row (a grade saved meanwhile)."""
    grade(org, "lena", okrs["launch"], 0.2, "Shipped broken")
    with org.sessions.begin() as session:  # an undecided flag cleared behind close's back
        session.execute(
            update(KeyResult).where(KeyResult.id == okrs["beta"]).values(score_confirmed=True)
        )
    close(org, "eve")
    assert kr_row(org, okrs["launch"]).score == 0.2
    assert kr_row(org, okrs["beta"]).score is None  # confirmed without a score: left alone


# --- the cycle review reads -----------------------------------------------------------------


def scored_org(org: Org, okrs) -> None:
    """Product team objective 0.9 (green), mia's 0.3 (red), Sales 0.0 (red), after close."""
    grade(org, "lena", okrs["beta"], 0.6, "Quality beat the numbers")
    close(org, "eve")


def test_zone_counts_match_the_core_rule(org, okrs):
    scored_org(org, okrs)
    with org.sessions() as session:
        zones = review.zone_counts(session, org.ids["cycle"])
        scores = session.scalars(
            select(Objective.score).where(Objective.cycle_id == org.ids["cycle"])
        ).all()
    expected = score_distribution(scores)
    assert list(zones["zone"]) == ["red", "yellow", "green"]
    assert dict(zip(zones["zone"], zones["objectives"], strict=True)) == {
        zone.value: count for zone, count in expected.items()
    }
    assert expected == {Zone.RED: 2, Zone.YELLOW: 0, Zone.GREEN: 1}


def test_zone_boundaries_in_sql(org, okrs):
    """0.4 is yellow and 0.7 green, also when float arithmetic stored 0.6999999999."""
    close(org, "eve")
    with org.sessions.begin() as session:
        for objective_id, score in ((okrs["team"], 0.6999999999), (okrs["mine"], 0.4)):
            session.execute(
                update(Objective).where(Objective.id == objective_id).values(score=score)
            )
    with org.sessions() as session:
        zones = review.zone_counts(session, org.ids["cycle"])
    assert list(zones["objectives"]) == [1, 1, 1]


def test_team_scores_are_aggregated_ordered_and_paged(org, okrs):
    scored_org(org, okrs)
    with org.sessions() as session:
        lowest, total = review.team_scores(session, org.ids["cycle"], "lowest", limit=1)
        highest, _ = review.team_scores(session, org.ids["cycle"], "highest")
        found, matching = review.team_scores(session, org.ids["cycle"], search="sal")
    assert total == 2 and list(lowest["team"]) == ["Sales"]
    product = highest.iloc[0]
    assert product["team"] == "Product"
    assert (product["objectives"], product["scored"]) == (2, 2)
    assert product["mean_score"] == pytest.approx((0.9 + 0.3) / 2)
    assert (product["red"], product["yellow"], product["green"]) == (1, 0, 1)
    assert matching == 1 and list(found["team"]) == ["Sales"]


def test_cycle_comparison_has_each_scored_cycle(org, okrs):
    scored_org(org, okrs)
    with org.sessions() as session:
        comparison = review.cycle_comparison(session)
        summary = review.review_summary(session, org.ids["cycle"])
    row = comparison.iloc[0]
    assert list(comparison["cycle"]) == ["Now"]
    assert row["mean_score"] == pytest.approx((0.9 + 0.3 + 0.0) / 3)
    assert row["red_share"] == pytest.approx(2 / 3) and row["green_share"] == pytest.approx(1 / 3)
    assert (summary.objectives, summary.scored, summary.krs, summary.krs_confirmed) == (3, 3, 4, 1)


def test_grading_view_shows_one_team_with_defaults_and_grade_states(org, okrs):
    grade(org, "lena", okrs["beta"], 0.4)
    lena = org.actor("lena")
    with org.sessions() as session:
        cycle = cycle_row(session, org.ids["cycle"])
        view = review.grading_view(session, lena, cycle, org.ids["product"])
        open_only = review.grading_view(session, lena, cycle, org.ids["product"], only_open=True)
        paged = review.grading_view(session, lena, cycle, org.ids["product"], limit=1, offset=1)
        assert review.gradable_teams(session, lena) == {org.ids["product"]: "Product"}
        assert len(review.gradable_teams(session, org.actor("eve"))) == 3
    assert view.total == 2 and set(view.objectives["title"]) == {"Ship the app", "Grow the product"}
    states = dict(zip(view.krs["title"], view.krs["grade_state"], strict=True))
    defaults = dict(zip(view.krs["title"], view.krs["default_score"], strict=True))
    assert states == {
        "Beta users": "confirmed",
        "Launch": "ungraded",
        "Weekly active users": "ungraded",
    }
    assert defaults == {"Beta users": 0.4, "Launch": 1.0, "Weekly active users": 0.3}
    assert view.counts == {"krs": 3, "confirmed": 1, "proposed": 0, "ungraded": 2, "default": 0}
    assert open_only.total == 2  # "Ship the app" still has the unconfirmed launch
    assert paged.total == 2 and len(paged.objectives) == 1
