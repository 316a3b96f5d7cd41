"""Giving kudos: what is saved and audited, and every refusal writes nothing."""

import pytest
from sqlalchemy import func, select

from core.errors import DomainError
from db import commands
from db.commands import kudos
from db.models import AuditLog, KeyResult, Kudos
from tests.factories import build_org, run


@pytest.fixture
def org(sessions):
    org = build_org(sessions)
    mia = org.actor("mia")
    org.ids["goal"] = run(
        sessions,
        commands.create_objective,
        mia,
        commands.ObjectiveInput(
            org.ids["cycle"],
            "individual",
            "Make onboarding painless",
            mia.id,
            org.ids["product"],
            key_results=[commands.KRInput("Onboarding NPS", "increase", 20, 60)],
        ),
    )
    org.ids["draft"] = run(
        sessions,
        commands.create_objective,
        mia,
        commands.ObjectiveInput(
            org.ids["cycle"],
            "individual",
            "Secret plan",
            mia.id,
            org.ids["product"],
            key_results=[commands.KRInput("Secret KR", "milestone")],
        ),
    )
    run(sessions, commands.set_objective_state, mia, org.ids["goal"], 1, "active")
    with sessions() as session:
        org.ids["goal_kr"], org.ids["draft_kr"] = (
            session.scalar(
                select(func.min(KeyResult.id)).where(KeyResult.objective_id == org.ids[name])
            )
            for name in ("goal", "draft")
        )
    return org


def count(sessions, model=Kudos) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_member_thanks_a_colleague_for_a_key_result(org, sessions):
    max_ = org.actor("max")
    kudos_id = run(
        sessions,
        kudos.give_kudos,
        max_,
        "  Thanks for the onboarding guide, Mia!  ",
        receiver_user_id=org.ids["mia"],
        key_result_id=org.ids["goal_kr"],
    )
    with sessions() as session:
        saved = session.get(Kudos, kudos_id)
        assert (saved.giver_id, saved.receiver_user_id, saved.receiver_team_id) == (
            org.ids["max"],
            org.ids["mia"],
            None,
        )
        assert saved.message == "Thanks for the onboarding guide, Mia!"
        # The KR's objective is linked too, so the wall can say what it was for.
        assert (saved.objective_id, saved.key_result_id) == (org.ids["goal"], org.ids["goal_kr"])
        audit = session.scalars(select(AuditLog).where(AuditLog.action == "kudos.create")).one()
        assert (audit.actor_id, audit.entity, audit.entity_id) == (max_.id, "kudos", kudos_id)
        assert audit.after["message"] == saved.message


def test_a_team_can_be_thanked_including_ones_own_team(org, sessions):
    lena = org.actor("lena")
    run(sessions, kudos.give_kudos, lena, "Great sprint, Sales!", receiver_team_id=org.ids["sales"])
    run(sessions, kudos.give_kudos, lena, "Proud of us.", receiver_team_id=org.ids["product"])
    assert count(sessions) == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"message": "", "receiver": "mia"}, "Message is required"),
        ({"message": "   \n ", "receiver": "mia"}, "Message is required"),
        ({"message": "x" * 501, "receiver": "mia"}, r"too long \(at most 500"),
        ({"message": "Thanks!", "receiver": "max"}, "yourself"),
        ({"message": "Thanks!", "receiver_user_id": 99999}, "does not exist"),
        ({"message": "Thanks!", "receiver_team_id": 99999}, "does not exist"),
        ({"message": "Thanks!"}, "Choose the person or the team"),
        ({"message": "Thanks!", "receiver": "mia", "team": "product"}, "not both"),
        ({"message": "Thanks!", "receiver": "mia", "objective": "draft"}, "published"),
        ({"message": "Thanks!", "receiver": "mia", "kr": "draft_kr"}, "published"),
        ({"message": "Thanks!", "receiver": "mia", "objective_id": 99999}, "published"),
        ({"message": "Thanks!", "receiver": "mia", "key_result_id": 99999}, "does not exist"),
        ({"message": "Bad\x00byte", "receiver": "mia"}, "control characters"),
    ],
)
def test_bad_kudos_are_refused_and_nothing_is_written(org, sessions, arguments, message):
    arguments = dict(arguments)
    ids = org.ids
    call = {"message": arguments.pop("message")}
    if "receiver" in arguments:
        call["receiver_user_id"] = ids[arguments.pop("receiver")]
    if "team" in arguments:
        call["receiver_team_id"] = ids[arguments.pop("team")]
    if "objective" in arguments:
        call["objective_id"] = ids[arguments.pop("objective")]
    if "kr" in arguments:
        call["key_result_id"] = ids[arguments.pop("kr")]
    call.update(arguments)
    audits = count(sessions, AuditLog)
    with pytest.raises(DomainError, match=message):
        run(sessions, kudos.give_kudos, org.actor("max"), call.pop("message"), **call)
    assert count(sessions) == 0
    assert count(sessions, AuditLog) == audits


def test_a_key_result_of_another_objective_is_refused(org, sessions):
    with pytest.raises(DomainError, match="another objective"):
        run(
            sessions,
            kudos.give_kudos,
            org.actor("max"),
            "Thanks!",
            receiver_user_id=org.ids["mia"],
            objective_id=org.ids["draft"],
            key_result_id=org.ids["goal_kr"],
        )
    assert count(sessions) == 0


def test_an_inactive_person_cannot_be_thanked(org, sessions):
    run(sessions, commands.set_user_active, org.admin, org.ids["sue"], False)
    with pytest.raises(DomainError, match="no longer active"):
        run(sessions, kudos.give_kudos, org.actor("max"), "Hi!", receiver_user_id=org.ids["sue"])
    assert count(sessions) == 0


def test_the_same_kudos_twice_in_a_row_is_saved_once(org, sessions):
    max_ = org.actor("max")
    run(sessions, kudos.give_kudos, max_, "Thank you!", receiver_user_id=org.ids["mia"])
    with pytest.raises(DomainError, match="just sent"):
        run(sessions, kudos.give_kudos, max_, "Thank you!", receiver_user_id=org.ids["mia"])
    # Different words, or another receiver, are new kudos.
    run(sessions, kudos.give_kudos, max_, "Thank you again!", receiver_user_id=org.ids["mia"])
    run(sessions, kudos.give_kudos, max_, "Thank you!", receiver_user_id=org.ids["sue"])
    assert count(sessions) == 3
