"""Objective, key-result and check-in writes on SQLite and PostgreSQL: the core loop works end
to end, the write functions enforce the role table themselves, and bad input gets a clear
message and writes nothing (no objective, KR, check-in or audit row)."""

import math
import re
from contextlib import contextmanager
from datetime import date, timedelta
from operator import attrgetter

import pytest
from sqlalchemy import func, select

from core.errors import PermissionDenied, StaleVersion, ValidationError
from db import commands, queries
from db.commands import CheckInInput, KRInput, ObjectiveInput
from db.models import AuditLog, CheckIn, KeyResult, Objective
from tests.factories import Org, build_org, run

STALE = "(?i)changed by someone else"


@pytest.fixture
def org(sessions) -> Org:
    return build_org(sessions)


# --- helpers (test_okr_queries.py uses them too) ---------------------------------------------


def write(org: Org, username: str, command, *args):
    """``username`` makes the write, in one transaction."""
    return run(org.sessions, command, org.actor(username), *args)


def row_counts(org: Org) -> dict[str, int]:
    with org.sessions() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Objective, KeyResult, CheckIn, AuditLog)
        }


@contextmanager
def refused(org: Org, error, match: str):
    """The write inside is refused with the message, and no objective, KR, check-in or audit
    row was added."""
    before = row_counts(org)
    with pytest.raises(error, match=match):
        yield
    assert row_counts(org) == before


def kr(title="Weekly active users", kind="increase", start=0, target=100, **fields) -> KRInput:
    return KRInput(title, kind, start, target, **fields)


def objective(
    org: Org,
    owner="mia",
    *,
    level="individual",
    title="Grow the product",
    team=None,
    parent=None,
    cycle=None,
    krs=None,
) -> ObjectiveInput:
    """Input for an objective in the active cycle with one 0 → 100 KR unless told otherwise;
    ``owner`` and ``team`` are names in ``org.ids``."""
    return ObjectiveInput(
        cycle_id=cycle or org.ids["cycle"],
        level=level,
        title=title,
        owner_id=org.ids[owner],
        team_id=org.ids[team] if team else None,
        parent_id=parent,
        key_results=(kr(),) if krs is None else krs,
    )


def create(org: Org, username: str, **fields) -> int:
    """``username`` creates an objective they own (unless ``owner`` says otherwise)."""
    data = objective(org, fields.pop("owner", username), **fields)
    return write(org, username, commands.create_objective, data)


def load(org: Org, model, record_id: int):
    with org.sessions() as session:
        return session.get(model, record_id)


def key_results(org: Org, objective_id: int) -> list[KeyResult]:
    query = select(KeyResult).where(KeyResult.objective_id == objective_id)
    with org.sessions() as session:
        return list(session.scalars(query.order_by(KeyResult.id)))


def publish(org: Org, username: str, objective_id: int) -> None:
    version = load(org, Objective, objective_id).version
    write(org, username, commands.set_objective_state, objective_id, version, "active")


def check_in(org: Org, username: str, kr_id: int, value, confidence=7, note="") -> int:
    return write(org, username, commands.check_in, CheckInInput(kr_id, value, confidence, note))


def next_cycle(org: Org) -> int:
    """A planning cycle after the active one."""
    start = date.today() + timedelta(days=90)
    end = start + timedelta(days=90)
    return run(org.sessions, commands.create_cycle, org.admin, "Next", start, end)


definition = attrgetter(
    "title", "kind", "unit", "currency_code", "start_value", "target_value", "weight", "owner_id"
)


# --- the core loop -----------------------------------------------------------------------------

THREE_KINDS = (
    KRInput("Revenue", "increase", "0", "1,000,000,000", "currency", "vnd", weight=2),
    KRInput("Churn", "decrease", 10, 5, "percent"),
    KRInput("Launch the pricing page", "milestone"),
)


def my_kr(org: Org, username: str, title: str) -> dict:
    """One row of the person's "My OKRs" key results, with progress and status."""
    with org.sessions() as session:
        cycle = queries.okrs.cycle_row(session, org.ids["cycle"])
        frame = queries.okrs.my_key_results(session, org.ids[username], cycle)
    return frame.set_index("title").loc[title].to_dict()


def objective_progress(org: Org, username: str, objective_id: int) -> float:
    with org.sessions() as session:
        cycle = queries.okrs.cycle_row(session, org.ids["cycle"])
        objs, _ = queries.okrs.objectives_with_krs(
            session, org.actor(username), cycle, ids=[objective_id]
        )
    return objs.set_index("objective_id").loc[objective_id, "progress"]


def test_member_creates_a_draft_with_three_kinds_of_key_results(org):
    objective_id = create(org, "mia", krs=THREE_KINDS)

    saved = load(org, Objective, objective_id)
    assert (saved.state, saved.version, saved.level) == ("draft", 1, "individual")
    assert saved.team_id == org.ids["product"]  # an individual objective is in its owner's team
    krs = key_results(org, objective_id)
    mia = org.ids["mia"]
    assert [definition(k) for k in krs] == [
        ("Revenue", "increase", "currency", "VND", 0, 1_000_000_000, 2, mia),
        ("Churn", "decrease", "percent", None, 10, 5, 1, mia),
        ("Launch the pricing page", "milestone", "number", None, 0, 1, 1, mia),
    ]
    assert [k.current_value for k in krs] == [k.start_value for k in krs]


def test_publishing_and_checking_in_moves_progress_and_status(org):
    objective_id = create(org, "mia", krs=THREE_KINDS)
    publish(org, "mia", objective_id)
    assert load(org, Objective, objective_id).state == "active"
    revenue, churn, launch = (k.id for k in key_results(org, objective_id))
    assert my_kr(org, "mia", "Revenue")["status"] == "off_track"  # a third of the cycle gone

    check_in(org, "mia", revenue, "500,000,000", confidence=8)
    shown = my_kr(org, "mia", "Revenue")
    assert (shown["progress"], shown["status"]) == (0.5, "on_track")

    latest = check_in(org, "mia", revenue, 1_200_000_000, confidence=9, note="Big deal signed")
    stored = load(org, KeyResult, revenue)
    assert (stored.current_value, stored.confidence) == (1_200_000_000, 9)
    assert stored.last_checkin_at == load(org, CheckIn, latest).created_at
    shown = my_kr(org, "mia", "Revenue")
    assert (shown["progress"], shown["status"]) == (1.2, "achieved")  # over-achievement shown

    # weights 2, 1, 1; the over-achieved revenue counts as 1: (2·1 + 0 + 0) / 4
    assert objective_progress(org, "mia", objective_id) == pytest.approx(0.5)
    check_in(org, "mia", churn, 7.5)
    check_in(org, "mia", launch, "done")
    assert objective_progress(org, "mia", objective_id) == pytest.approx((2 + 0.5 + 1) / 4)


# --- alignment ---------------------------------------------------------------------------------


def test_member_aligns_to_a_team_objective_of_another_team(org):
    sales_goal = create(org, "sam", level="team", team="sales", title="Close enterprise deals")
    mine = create(org, "mia", parent=sales_goal)
    assert load(org, Objective, mine).parent_id == sales_goal


def test_a_team_objective_cannot_align_to_an_individual_one(org):
    individual = create(org, "lena", title="Lena's own goal")
    team_goal = objective(org, "lena", level="team", team="product", parent=individual)
    with refused(org, ValidationError, "higher or equal level"):
        write(org, "lena", commands.create_objective, team_goal)


def test_an_alignment_loop_is_refused_naming_the_titles(org):
    first = create(org, "mia", title="Win users")
    second = create(org, "mia", title="Ship v2", parent=first)
    with refused(org, ValidationError, re.escape("loop: Win users → Ship v2 → Win users")):
        write(
            org,
            "mia",
            commands.update_objective,
            first,
            1,
            objective(org, title="Win users", parent=second),
        )
    assert load(org, Objective, first).parent_id is None


def test_a_parent_in_another_cycle_is_refused(org):
    later = create(org, "lena", level="team", team="product", cycle=next_cycle(org))
    with refused(org, ValidationError, "same cycle"):
        create(org, "mia", parent=later)


# --- who may create, edit, assign, check in -----------------------------------------------------


@pytest.mark.parametrize(
    "username, level, team, match",
    [
        ("mia", "team", "product", "Only team leads, executives and admins"),
        ("mia", "company", None, "Only executives and admins"),
        ("lena", "team", "sales", "only edit team objectives of teams you lead"),
        ("lena", "company", None, "Only executives and admins"),
    ],
)
def test_roles_limit_which_objectives_people_create(org, username, level, team, match):
    with refused(org, PermissionDenied, match):
        create(org, username, level=level, team=team)


def test_leads_create_objectives_for_their_teams_and_sub_teams_executives_for_the_company(org):
    org.ids["web"] = run(
        org.sessions, commands.create_team, org.admin, "Product Web", org.ids["product"], None
    )
    created = [
        create(org, "lena", level="team", team="product"),
        create(org, "lena", level="team", team="web"),
        create(org, "eve", level="company"),
    ]
    assert [load(org, Objective, i).level for i in created] == ["team", "team", "company"]


def test_member_cannot_edit_someone_elses_objective(org):
    mine = create(org, "mia", title="Mia's goal")
    with refused(org, PermissionDenied, "only edit your own"):
        write(org, "max", commands.update_objective, mine, 1, objective(org, title="Taken over"))
    with refused(org, PermissionDenied, "only edit your own"):
        write(org, "max", commands.set_objective_state, mine, 1, "active")
    assert load(org, Objective, mine).title == "Mia's goal"


def test_member_cannot_make_someone_else_the_owner_of_their_objective_or_kr(org):
    someone_else = kr(owner_id=org.ids["max"])
    with refused(org, PermissionDenied, "Only admins can make someone else the owner"):
        create(org, "mia", owner="max")
    with refused(org, PermissionDenied, "Only admins can make someone else the owner"):
        create(org, "mia", krs=(someone_else,))
    kr_id = key_results(org, create(org, "mia"))[0].id
    with refused(org, PermissionDenied, "Only admins can make someone else the owner"):
        write(org, "mia", commands.update_key_result, kr_id, 1, someone_else)


@pytest.fixture
def published(org) -> dict[str, int]:
    """Mia's published objective: an increase KR (0 → 100) and a milestone; {kind: kr id}."""
    objective_id = create(org, "mia", krs=(kr(), kr("Go live", "milestone")))
    publish(org, "mia", objective_id)
    return {k.kind: k.id for k in key_results(org, objective_id)}


@pytest.mark.parametrize("username", ["mia", "lena", "admin"])
def test_owner_lead_of_the_team_and_admins_check_in(org, published, username):
    entry = load(org, CheckIn, check_in(org, username, published["increase"], 40))
    assert (entry.author_id, entry.value) == (org.ids[username], 40)
    assert load(org, KeyResult, published["increase"]).current_value == 40


@pytest.mark.parametrize(
    "username, match",
    [
        ("max", "Only the key result's owner"),
        ("eve", "Only the key result's owner"),  # an executive who does not own it
        ("sam", "belong to a team you lead"),  # the lead of another team
    ],
)
def test_others_cannot_check_in(org, published, username, match):
    with refused(org, PermissionDenied, match):
        check_in(org, username, published["increase"], 40)


# --- invalid input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, match",
    [
        pytest.param({"title": ""}, "Title is required", id="empty title"),
        pytest.param({"title": "  \n "}, "Title is required", id="blank title"),
        pytest.param(
            {"krs": (kr(start=5, target=5),)},
            "Key result 1: Start and target must differ",
            id="start == target",
        ),
        pytest.param(
            {"krs": (kr(kind="decrease", start=10, target=12),)},
            "decreasing key result needs a target below its start",
            id="decrease going up",
        ),
        pytest.param(
            {"krs": (kr(start=10, target=8),)},
            "increasing key result needs a target above its start",
            id="increase going down",
        ),
        pytest.param({"krs": (kr(weight=0),)}, "Weight must be greater than 0", id="weight 0"),
        pytest.param(
            {"krs": (kr(weight="-1"),)}, "Weight must be greater than 0", id="negative weight"
        ),
        pytest.param({"krs": (kr(start="abc"),)}, "Start must be a number", id="text number"),
        pytest.param({"krs": (kr(target=math.nan),)}, "Target must be a number", id="NaN"),
        pytest.param({"krs": (kr(target="inf"),)}, "Target must be a number", id="'inf'"),
        pytest.param({"krs": (kr(target=math.inf),)}, "Target is too large", id="infinity"),
        pytest.param(
            {"krs": (kr(unit="currency"),)}, "Currency code is required", id="currency without code"
        ),
        pytest.param(
            {"krs": (kr(unit="currency", currency_code="đồng"),)},
            "Currency code must be 3 letters",
            id="currency with a bad code",
        ),
        pytest.param(
            {"krs": (kr(unit="text", unit_label=" "),)},
            "Unit label is required",
            id="text unit without label",
        ),
    ],
)
def test_invalid_objective_input_is_refused_and_writes_nothing(org, fields, match):
    with refused(org, ValidationError, match):
        create(org, "mia", **fields)


def test_a_bad_third_key_result_leaves_no_objective_and_no_key_result(org):
    three = (kr("One"), kr("Two"), kr("Three", start=7, target=7))
    with refused(org, ValidationError, "Key result 3: Start and target must differ"):
        create(org, "mia", krs=three)


@pytest.mark.parametrize(
    "kind, fields, match",
    [
        pytest.param("increase", {"value": "abc"}, "Value must be a number", id="text value"),
        pytest.param("increase", {"value": math.nan}, "Value must be a number", id="NaN"),
        pytest.param("increase", {"value": "inf"}, "Value must be a number", id="'inf'"),
        pytest.param("increase", {"value": " "}, "Enter the new value", id="no value"),
        pytest.param("increase", {"confidence": 11}, "whole number from 0 to 10", id="conf 11"),
        pytest.param("increase", {"confidence": -1}, "whole number from 0 to 10", id="conf -1"),
        pytest.param("increase", {"note": "x" * 2001}, "Note is too long", id="long note"),
        pytest.param("milestone", {"value": "half"}, "either done or not done", id="half done"),
        pytest.param("milestone", {"value": 2}, "either done or not done", id="milestone 2"),
    ],
)
def test_invalid_check_in_is_refused_and_writes_nothing(org, published, kind, fields, match):
    data = {"value": 50, "confidence": 7, "note": "", **fields}
    with refused(org, ValidationError, match):
        check_in(org, "mia", published[kind], **data)
    assert load(org, KeyResult, published[kind]).last_checkin_at is None


def test_a_note_of_2000_characters_is_accepted(org, published):
    entry = load(org, CheckIn, check_in(org, "mia", published["increase"], 10, note="x" * 2000))
    assert len(entry.note) == 2000


def test_check_in_on_a_draft_is_refused(org):
    kr_id = key_results(org, create(org, "mia"))[0].id
    with refused(org, ValidationError, "Publish the objective"):
        check_in(org, "mia", kr_id, 10)


def test_a_closed_cycle_accepts_no_new_objectives_and_no_check_ins(org, published):
    run(org.sessions, commands.set_cycle_state, org.admin, org.ids["cycle"], "closed")
    with refused(org, ValidationError, "closed"):
        create(org, "mia")
    with refused(org, ValidationError, "closed"):
        check_in(org, "mia", published["increase"], 10)


# --- versions -----------------------------------------------------------------------------------


def test_a_stale_objective_edit_is_refused_and_the_first_edit_is_kept(org):
    objective_id = create(org, "mia", title="Original")
    opened = load(org, Objective, objective_id).version
    write(
        org,
        "mia",
        commands.update_objective,
        objective_id,
        opened,
        objective(org, title="First edit"),
    )
    with refused(org, StaleVersion, STALE):
        write(
            org,
            "mia",
            commands.update_objective,
            objective_id,
            opened,
            objective(org, title="Second edit"),
        )
    assert load(org, Objective, objective_id).title == "First edit"


def test_a_stale_key_result_edit_is_refused_and_the_first_edit_is_kept(org):
    kr_id = key_results(org, create(org, "mia"))[0].id
    opened = load(org, KeyResult, kr_id).version
    write(org, "mia", commands.update_key_result, kr_id, opened, kr("First edit", target=200))
    with refused(org, StaleVersion, STALE):
        write(org, "mia", commands.update_key_result, kr_id, opened, kr("Second", target=300))
    stored = load(org, KeyResult, kr_id)
    assert (stored.title, stored.target_value) == ("First edit", 200)


def test_a_check_in_makes_an_open_key_result_edit_form_stale(org, published):
    kr_id = published["increase"]
    opened = load(org, KeyResult, kr_id).version
    check_in(org, "mia", kr_id, 30)
    assert load(org, KeyResult, kr_id).version == opened + 1
    with refused(org, StaleVersion, STALE):
        write(org, "mia", commands.update_key_result, kr_id, opened, kr(target=500))


def test_correcting_the_start_before_any_check_in_shows_no_progress(org):
    objective_id = create(org, "mia", krs=(kr("Churn", "decrease", start=10, target=5),))
    kr_id = key_results(org, objective_id)[0].id
    write(
        org,
        "mia",
        commands.update_key_result,
        kr_id,
        1,
        kr("Churn", "decrease", start=12, target=5),
    )

    assert load(org, KeyResult, kr_id).current_value == 12
    assert my_kr(org, "mia", "Churn")["progress"] == 0


# --- copy to another cycle -----------------------------------------------------------------------


def test_copy_into_another_cycle_is_a_fresh_draft_without_alignment(org):
    parent = create(org, "lena", level="team", team="product")
    source = create(org, "mia", parent=parent, krs=THREE_KINDS)
    publish(org, "mia", source)
    for k in key_results(org, source)[:2]:
        check_in(org, "mia", k.id, 7, confidence=4)

    later = next_cycle(org)
    copy = write(org, "mia", commands.copy_objective, source, later)

    copied = load(org, Objective, copy)
    assert (copied.cycle_id, copied.state, copied.parent_id, copied.title) == (
        later,
        "draft",
        None,
        "Grow the product",
    )
    fresh = key_results(org, copy)
    assert [definition(k) for k in fresh] == [definition(k) for k in key_results(org, source)]
    assert [(k.current_value, k.confidence, k.last_checkin_at) for k in fresh] == [
        (k.start_value, None, None) for k in fresh
    ]


def test_copy_into_the_same_cycle_is_refused(org):
    source = create(org, "mia")
    with refused(org, ValidationError, "different cycle"):
        write(org, "mia", commands.copy_objective, source, org.ids["cycle"])


# --- "update all my KRs" ----------------------------------------------------------------------


def test_check_in_many_saves_every_row(org, published):
    rows = [
        CheckInInput(published["increase"], 25, 6),
        CheckInInput(published["milestone"], True, 9),
    ]
    assert write(org, "mia", commands.check_in_many, rows) == 2
    current = [load(org, KeyResult, published[k]).current_value for k in ("increase", "milestone")]
    assert current == [25, 1]


def test_check_in_many_saves_nothing_when_one_row_is_invalid(org, published):
    rows = [
        CheckInInput(published["increase"], 25, 6),
        CheckInInput(published["milestone"], True, 11),
    ]
    with refused(org, ValidationError, "Row 2: Confidence must be a whole number"):
        write(org, "mia", commands.check_in_many, rows)


# --- audit ----------------------------------------------------------------------------------------


def audited(org: Org, username: str, command, *args) -> tuple[object, list[tuple[str, int]]]:
    """Run a write as ``username``; return its result and the (action, actor id) pairs of the
    audit rows it added, sorted."""
    with org.sessions() as session:
        last = session.scalar(select(func.max(AuditLog.id)))
    result = write(org, username, command, *args)
    with org.sessions() as session:
        rows = session.execute(
            select(AuditLog.action, AuditLog.actor_id).where(AuditLog.id > last)
        ).all()
    return result, sorted(tuple(row) for row in rows)


def test_every_write_leaves_an_audit_row_naming_the_actor(org):
    mia, lena = org.ids["mia"], org.ids["lena"]
    objective_id, rows = audited(org, "mia", commands.create_objective, objective(org))
    assert rows == [("key_result.create", mia), ("objective.create", mia)]

    renamed = objective(org, title="Renamed")
    _, rows = audited(org, "mia", commands.update_objective, objective_id, 1, renamed)
    assert rows == [("objective.update", mia)]

    version = load(org, Objective, objective_id).version
    _, rows = audited(org, "mia", commands.add_key_result, objective_id, version, kr("Second"))
    assert rows == [("key_result.create", mia)]

    first_kr, second_kr = (k.id for k in key_results(org, objective_id))
    _, rows = audited(org, "mia", commands.update_key_result, second_kr, 1, kr("Second!"))
    assert rows == [("key_result.update", mia)]

    version = load(org, Objective, objective_id).version
    _, rows = audited(org, "mia", commands.set_objective_state, objective_id, version, "active")
    assert rows == [("objective.active", mia)]

    _, rows = audited(org, "lena", commands.check_in, CheckInInput(first_kr, 10, 7))
    assert rows == [("checkin.create", lena)]

    both = [CheckInInput(first_kr, 20, 7), CheckInInput(second_kr, 20, 7)]
    _, rows = audited(org, "mia", commands.check_in_many, both)
    assert rows == [("checkin.create", mia)] * 2

    _, rows = audited(org, "mia", commands.copy_objective, objective_id, next_cycle(org))
    assert rows == [("key_result.create", mia)] * 2 + [
        ("objective.copy", mia),
        ("objective.create", mia),
    ]
