"""Review & grade through the real app on the small demo organisation: it renders for every role
that may use it (each view, active and closed cycle), a lead grades a KR (a changed score needs
a reason), and an executive closes the cycle, after which check-ins fail with the message."""

import pytest
from sqlalchemy import select

from core.errors import ValidationError
from db import commands
from db.demo import DEMO_PASSWORD, load_demo
from db.models import Cycle, KeyResult, Objective, User
from db.queries import current_user, review
from db.queries.okrs import cycle_row
from tests.app.helpers import button, can_open, errors, sign_in
from tests.factories import run

PAGE = "app_pages/review.py"


@pytest.fixture
def demo(app_db, engine):
    load_demo(engine, "small")
    return app_db


def cycle_ids(sessions) -> dict[str, int]:
    with sessions() as session:
        return dict(session.execute(select(Cycle.state, Cycle.id)).all())


def open_review(username: str, **params):
    at = sign_in(username, DEMO_PASSWORD)
    for name, value in params.items():
        at.query_params[name] = str(value)
    at.switch_page(PAGE)
    at.run()
    return at


def no_problem(at) -> bool:
    return not at.exception and not errors(at)


def toasts(at) -> list[str]:
    return [t.value for t in at.toast]


@pytest.mark.parametrize("username", ["admin", "exec", "lead"])
def test_every_view_renders_for_each_role_that_may_use_it(demo, username):
    cycles = cycle_ids(demo)
    at = open_review(username, cycle=cycles["closed"])
    assert no_problem(at), (at.exception, errors(at))
    assert "Review & grade" in [t.value for t in at.title]
    assert any(e.value.startswith("“2026 Q") and "is closed" in e.value for e in at.info)
    assert any(key.startswith("review.menu.") for key in at.session_state)  # "Grade" menus
    at.button_group(key="review.view").set_value("review").run()
    assert no_problem(at), (at.exception, errors(at))
    assert [s.value for s in at.subheader] == ["Score distribution", "By team"]
    assert len(at.get("download_button")) == 2  # every chart has its CSV
    at.button_group(key="review.view").set_value("compare").run()
    assert no_problem(at), (at.exception, errors(at))
    assert at.query_params["view"] in ("compare", ["compare"])  # the view is in the URL
    assert len(at.get("download_button")) == 1
    # The active cycle renders too (nothing scored yet: the review says so).
    at.query_params["cycle"] = str(cycles["active"])
    at.button_group(key="review.view").set_value("review").run()
    assert no_problem(at)
    assert any("has a score yet" in i.value for i in at.info)


def test_members_have_no_review_page(demo):
    at = sign_in("member", DEMO_PASSWORD)
    assert not can_open(at, PAGE)


def first_kr_on_the_page(sessions, username: str):
    """The first KR the page lists for the user's own team (as the page orders them)."""
    with sessions() as session:
        user = current_user(session, username)
        active = cycle_row(session, cycle_ids(sessions)["active"])
        view = review.grading_view(session, user.actor, active, user.team_id, limit=10)
        kr = view.krs[view.krs["objective_id"] == view.objectives["objective_id"].iloc[0]].iloc[0]
    return int(kr.kr_id), int(kr.kr_version), float(kr.default_score)


def submit(at, form_id: str):
    next(b for b in at.button if b.form_id == form_id).click()
    at.run()


def test_a_lead_grades_a_key_result_and_a_changed_score_needs_a_reason(demo):
    kr_id, version, default = first_kr_on_the_page(demo, "lead")
    other = 1.0 if default < 1.0 else 0.0
    at = open_review("lead")
    assert no_problem(at)
    assert not at.select_slider  # each KR's form is drawn when its "Grade" menu opens
    at.session_state[f"review.menu.{kr_id}.{version}"] = True
    at.run()
    at.select_slider(key=f"review.score.{kr_id}.{version}").set_value(other)
    submit(at, f"review.form.{kr_id}.{version}")
    assert any("reason" in message for message in errors(at))
    with demo() as session:
        assert session.get(KeyResult, kr_id).score is None  # nothing written

    at.text_area(key=f"review.reason.{kr_id}.{version}").input("Landed the hard part early")
    submit(at, f"review.form.{kr_id}.{version}")
    assert not errors(at)
    assert any("Graded" in message for message in toasts(at))
    with demo() as session:
        graded = session.get(KeyResult, kr_id)
        assert (graded.score, graded.score_reason, graded.score_confirmed) == (
            other,
            "Landed the hard part early",
            True,
        )


def test_an_executive_closes_the_cycle_and_check_ins_then_fail(demo):
    active = cycle_ids(demo)["active"]
    at = open_review("exec", cycle=active)
    button(at, "Close this cycle…").click()
    at.run()
    assert any("ends it for every team" in w.value for w in at.warning)
    at.button(key="review.close.confirm").click()
    at.run()
    assert no_problem(at)
    assert any("is closed" in message for message in toasts(at))
    with demo() as session:
        assert session.get(Cycle, active).state == "closed"
        kr_id, owner = session.execute(
            select(KeyResult.id, KeyResult.owner_id)
            .join(Objective, Objective.id == KeyResult.objective_id)
            .where(Objective.cycle_id == active, Objective.state == "closed")
            .limit(1)
        ).one()
        unscored = session.scalar(
            select(KeyResult.id)
            .join(Objective, Objective.id == KeyResult.objective_id)
            .where(Objective.cycle_id == active, Objective.state == "closed")
            .where(KeyResult.score.is_(None))
            .limit(1)
        )
        owner_actor = current_user(session, session.get(User, owner).username).actor
    assert unscored is None  # every KR of a closed objective has a score now
    with pytest.raises(ValidationError, match="closed: check-ins are locked"):
        run(demo, commands.check_in, owner_actor, commands.CheckInInput(kr_id, 1, 5, ""))
    # The page now offers no closing, and a lead sees the lock.
    at = open_review("lead", cycle=active)
    assert no_problem(at)
    assert any("check-ins are locked" in i.value for i in at.info)


def test_a_cycle_closed_from_admin_is_finished_here(demo):
    active = cycle_ids(demo)["active"]
    with demo() as session:
        admin = current_user(session, "admin").actor
    run(demo, commands.set_cycle_state, admin, active, "closed")
    at = open_review("exec", cycle=active)
    assert any("closed without grading" in w.value for w in at.warning)
    at.button(key="review.finish").click()
    at.run()
    assert no_problem(at) and any("default score" in message for message in toasts(at))
    with demo() as session:
        summary = review.review_summary(session, active)
    assert summary.active == 0 and summary.krs_scored == summary.krs
    assert "review.finish" not in [b.key for b in at.button]  # nothing left to finish
