"""The core loop through the real app: set goals, publish, check in, see where I stand."""

import pytest
from sqlalchemy import func, select

from db import commands
from db.models import CheckIn, KeyResult, Objective
from tests.app.helpers import button, errors, sign_in
from tests.factories import PASSWORD, build_org, run


@pytest.fixture
def org(app_db):
    org = build_org(app_db)
    lena = org.actor("lena")
    org.ids["ship"] = run(
        app_db,
        commands.create_objective,
        lena,
        commands.ObjectiveInput(
            org.ids["cycle"],
            "team",
            "Ship the new app",
            lena.id,
            org.ids["product"],
            key_results=[commands.KRInput("Beta users", "increase", 0, 100)],
        ),
    )
    run(app_db, commands.set_objective_state, lena, org.ids["ship"], 1, "active")
    return org


def rows(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def open_new_objective(username: str):
    at = sign_in(username, PASSWORD)
    at.switch_page("app_pages/set_goals.py")
    at.run()
    button(at, "New objective").click()
    at.run()
    return at


def fill_kr(
    at,
    slot: int,
    title: str,
    kind: str = "increase",
    start="",
    target="",
    unit: str = "number",
    code: str = "",
    weight: str = "1",
) -> None:
    key = f"goals.new.kr{slot}"
    at.text_input(key=f"{key}.title").input(title)
    at.selectbox(key=f"{key}.kind").set_value(kind)
    at.text_input(key=f"{key}.start").input(start)
    at.text_input(key=f"{key}.target").input(target)
    at.selectbox(key=f"{key}.unit").set_value(unit)
    at.text_input(key=f"{key}.code").input(code)
    at.text_input(key=f"{key}.weight").input(weight)


def toasts(at) -> list[str]:
    return [t.value for t in at.toast]


def test_member_sets_aligns_publishes_and_checks_in(org, app_db):
    at = open_new_objective("mia")
    assert at.button_group(key="goals.new.level").options == ["Individual"]  # no team level
    at.text_input(key="goals.new.parent_search").input("ship")
    at.run()
    at.selectbox(key="goals.new.parent").set_value(org.ids["ship"])
    at.text_input(key="goals.new.title").input("Become the go-to person for onboarding")
    fill_kr(
        at, 0, "Revenue from upsells", start="0", target="2,000,000", unit="currency", code="VND"
    )
    fill_kr(at, 1, "Open support tickets", kind="decrease", start="40", target="10")
    fill_kr(at, 2, "Run the onboarding workshop", kind="milestone")
    button(at, "Save as draft").click()
    at.run()
    assert not at.exception and not errors(at)
    assert toasts(at) == ["Objective saved as a draft. Publish it when it is ready."]
    with app_db() as session:
        objective = session.scalars(
            select(Objective).where(Objective.owner_id == org.ids["mia"])
        ).one()
        assert (objective.state, objective.parent_id) == ("draft", org.ids["ship"])
        kinds = session.scalars(
            select(KeyResult.kind)
            .where(KeyResult.objective_id == objective.id)
            .order_by(KeyResult.id)
        ).all()
    assert kinds == ["increase", "decrease", "milestone"]

    button(at, "Publish").click()
    at.run()
    assert toasts(at) == ["“Become the go-to person for onboarding” is now active."]

    at.switch_page("app_pages/log_progress.py")
    at.run()
    value_box = next(t for t in at.text_input if t.key.startswith("log.value."))
    value_box.input("1,000,000")
    button(at, "Save check-in").click()
    at.run()
    assert not errors(at)
    assert toasts(at)[0].startswith("Saved. ") and "50%" in toasts(at)[0]

    value_box = next(t for t in at.text_input if t.key.startswith("log.value."))
    value_box.input("2,400,000")
    button(at, "Save check-in").click()
    at.run()
    assert "120%" in toasts(at)[0] and "Achieved" in toasts(at)[0]
    assert rows(app_db, CheckIn) == 2

    at.switch_page("app_pages/my_okrs.py")
    at.run()
    assert not at.exception
    shown = " ".join([c.value for c in at.caption] + [m.value for m in at.markdown])
    assert "₫2,400,000" in shown and "aligned to “Ship the new app”" in shown


def test_member_has_no_way_to_a_team_objective_and_the_write_refuses_it(org, app_db):
    at = open_new_objective("max")
    assert at.button_group(key="goals.new.level").options == ["Individual"]
    lead = open_new_objective("lena")
    assert lead.button_group(key="goals.new.level").options == ["Team", "Individual"]
    execs = open_new_objective("eve")
    assert execs.button_group(key="goals.new.level").options == ["Company", "Team", "Individual"]


@pytest.mark.parametrize(
    "title, kr, message",
    [
        ("", dict(title="A", start="0", target="10"), "Title is required."),
        (
            "Goal",
            dict(title="A", start="5", target="5"),
            "Key result 1: Start and target must differ.",
        ),
        (
            "Goal",
            dict(title="A", kind="decrease", start="5", target="9"),
            "Key result 1: A decreasing",
        ),
        ("Goal", dict(title="A", start="9", target="5"), "Key result 1: An increasing"),
        ("Goal", dict(title="A", start="0", target="10", weight="0"), "Key result 1: Weight"),
        ("Goal", dict(title="A", start="zero", target="10"), "Key result 1: Start"),
        ("Goal", dict(title="A", start="0", target="nan"), "Key result 1: Target"),
        ("Goal", dict(title="A", start="0", target="inf"), "Key result 1: Target"),
        (
            "Goal",
            dict(title="A", start="0", target="9", unit="currency", code="dollars"),
            "Key result 1: ",
        ),
    ],
)
def test_invalid_goals_show_a_message_and_save_nothing(org, app_db, title, kr, message):
    before = (rows(app_db, Objective), rows(app_db, KeyResult))
    at = open_new_objective("mia")
    at.text_input(key="goals.new.title").input(title)
    fill_kr(at, 0, **kr)
    button(at, "Save as draft").click()
    at.run()
    assert not at.exception
    assert errors(at) and errors(at)[0].startswith(message), errors(at)
    assert (rows(app_db, Objective), rows(app_db, KeyResult)) == before


def test_a_stale_edit_is_refused_and_the_other_edit_kept(org, app_db):
    lena = org.actor("lena")
    at = sign_in("lena", PASSWORD)
    at.switch_page("app_pages/set_goals.py")
    at.run()
    at.button(key=f"goals.edit.{org.ids['ship']}.2").click()
    at.run()
    prefix = f"goals.objective.{org.ids['ship']}.2"
    at.text_input(key=f"{prefix}.title").input("Ship it (my edit)")
    run(
        app_db,
        commands.update_objective,
        lena,
        org.ids["ship"],
        2,
        commands.ObjectiveInput(
            org.ids["cycle"], "team", "Ship it (their edit)", lena.id, org.ids["product"]
        ),
    )
    button(at, "Save").click()
    at.run()
    assert errors(at) == ["Changed by someone else — reload and try again."]
    with app_db() as session:
        assert session.get(Objective, org.ids["ship"]).title == "Ship it (their edit)"


def test_check_in_refuses_bad_values_and_closed_cycles(org, app_db):
    at = sign_in("lena", PASSWORD)
    at.switch_page("app_pages/log_progress.py")
    at.run()
    value_box = next(t for t in at.text_input if t.key.startswith("log.value."))
    value_box.input("lots")
    button(at, "Save check-in").click()
    at.run()
    assert errors(at) == ["Value must be a number, e.g. 1250 or 1,250.5."] or errors(at)[
        0
    ].startswith("Value")
    run(app_db, commands.set_cycle_state, org.admin, org.ids["cycle"], "closed")
    value_box = next(t for t in at.text_input if t.key.startswith("log.value."))
    value_box.input("10")
    button(at, "Save check-in").click()
    at.run()
    assert any("closed" in e for e in errors(at))
    assert rows(app_db, CheckIn) == 0


def test_a_kr_link_opens_its_form_directly(org, app_db):
    with app_db() as session:
        kr_id = session.scalar(
            select(KeyResult.id).where(KeyResult.objective_id == org.ids["ship"])
        )
    at = sign_in("lena", PASSWORD)
    at.query_params["kr"] = str(kr_id)
    at.switch_page("app_pages/log_progress.py")
    at.run()
    assert at.selectbox(key="log.kr").value == kr_id


def test_update_all_saves_the_filled_rows_together_from_its_tab(org, app_db):
    at = sign_in("lena", PASSWORD)
    at.switch_page("app_pages/log_progress.py")
    at.run()
    assert not [t for t in at.text_input if t.key.startswith("log.all.")]  # drawn when opened
    at.session_state["log.tabs"] = "Update all my KRs"
    at.run()
    assert not [t for t in at.text_input if t.key.startswith("log.value.")]
    (value_box,) = [t for t in at.text_input if t.key.startswith("log.all.") and ".v" in t.key]
    value_box.input("40")
    button(at, "Save all").click()
    at.run()
    assert not errors(at) and not at.exception
    with app_db() as session:
        assert session.scalars(select(CheckIn.value)).all() == [40]
