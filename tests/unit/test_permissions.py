"""The role table of DESIGN.md, role × level × whose/which team.

Teams: 1 is the lead's team, 2 a sub-team of 1, 3 another team. Person 99 is someone else.
"""

import pytest

from core.enums import Level, Role
from core.errors import PermissionDenied
from core.permissions import (
    Actor,
    can_assign_owner,
    can_check_in,
    can_edit_objective,
    can_give_kudos,
    can_grade,
    can_manage_org,
    can_reopen_cycle,
    can_see_draft,
    require_admin,
    require_assign_owner,
    require_check_in,
    require_edit_objective,
    require_grade,
)

MEMBER = Actor(id=10, role=Role.MEMBER, team_id=1)
LEAD = Actor(id=20, role=Role.LEAD, team_id=1, led_team_ids=frozenset({1, 2}))
EXEC = Actor(id=30, role=Role.EXECUTIVE, team_id=3)
ADMIN = Actor(id=40, role=Role.ADMIN, team_id=None)
ACTORS = {"member": MEMBER, "lead": LEAD, "executive": EXEC, "admin": ADMIN}
OTHER = 99


def _cases(table):
    """Expand {situation: (member, lead, executive, admin)} into parametrize rows."""
    return [
        pytest.param(situation, role, allowed, id=f"{role}-{situation}")
        for situation, answers in table.items()
        for role, allowed in zip(ACTORS, answers, strict=True)
    ]


# --- editing objectives ------------------------------------------------------------------

# situation → (level, team_id, owner_id or None for "the actor")
OBJECTIVES = {
    "own individual": (Level.INDIVIDUAL, 1, None),
    "same-team individual": (Level.INDIVIDUAL, 1, OTHER),
    "other-team individual": (Level.INDIVIDUAL, 3, OTHER),
    "own-team team": (Level.TEAM, 1, OTHER),
    "sub-team team": (Level.TEAM, 2, OTHER),
    "other-team team": (Level.TEAM, 3, OTHER),
    "company owned by actor": (Level.COMPANY, None, None),
    "company": (Level.COMPANY, None, OTHER),
}
EDIT_TABLE = {  # member, lead, executive, admin
    "own individual": (True, True, True, True),
    "same-team individual": (False, False, False, True),
    "other-team individual": (False, False, False, True),
    "own-team team": (False, True, True, True),
    "sub-team team": (False, True, True, True),
    "other-team team": (False, False, True, True),
    "company owned by actor": (False, False, True, True),
    "company": (False, False, True, True),
}


@pytest.mark.parametrize(("situation", "role", "allowed"), _cases(EDIT_TABLE))
def test_edit_objective(situation, role, allowed):
    actor = ACTORS[role]
    level, team_id, owner_id = OBJECTIVES[situation]
    args = (actor, level, team_id, actor.id if owner_id is None else owner_id)
    assert can_edit_objective(*args) is allowed
    if allowed:
        require_edit_objective(*args)
    else:
        with pytest.raises(PermissionDenied):
            require_edit_objective(*args)


@pytest.mark.parametrize(
    ("actor", "level", "team_id", "message"),
    [
        (LEAD, "company", None, "Only executives and admins can create or edit company"),
        (MEMBER, "team", 1, "Only team leads, executives and admins can create or edit team"),
        (LEAD, "team", 3, "You can only edit team objectives of teams you lead."),
        (EXEC, "individual", 3, "You can only edit your own individual objectives."),
    ],
)
def test_edit_refusals_say_what_is_needed(actor, level, team_id, message):
    with pytest.raises(PermissionDenied, match=message):
        require_edit_objective(actor, level, team_id, OTHER)


def test_lead_rights_need_the_lead_role_not_just_a_led_team():
    member_with_stale_led_teams = Actor(11, Role.MEMBER, 1, frozenset({1}))
    assert not can_edit_objective(member_with_stale_led_teams, Level.TEAM, 1, OTHER)
    assert not can_check_in(member_with_stale_led_teams, OTHER, 1)


# --- check-ins ---------------------------------------------------------------------------

KRS = {"own": (None, 3), "team 1": (OTHER, 1), "sub-team 2": (OTHER, 2), "team 3": (OTHER, 3)}
CHECK_IN_TABLE = {  # member, lead, executive, admin
    "own": (True, True, True, True),
    "team 1": (False, True, False, True),
    "sub-team 2": (False, True, False, True),
    "team 3": (False, False, False, True),
}


@pytest.mark.parametrize(("situation", "role", "allowed"), _cases(CHECK_IN_TABLE))
def test_check_in(situation, role, allowed):
    actor = ACTORS[role]
    owner_id, team_id = KRS[situation]
    args = (actor, actor.id if owner_id is None else owner_id, team_id)
    assert can_check_in(*args) is allowed
    if allowed:
        require_check_in(*args)
    else:
        with pytest.raises(PermissionDenied):
            require_check_in(*args)


def test_check_in_refusals_explain_the_rule():
    with pytest.raises(PermissionDenied, match="Only the key result's owner can check in"):
        require_check_in(MEMBER, OTHER, 1)
    with pytest.raises(PermissionDenied, match="own or that belong to a team you lead"):
        require_check_in(LEAD, OTHER, 3)


# --- assigning owners --------------------------------------------------------------------

# situation → (level, owner_id or None for "the actor", owner's team)
OWNERS = {
    "individual: self": (Level.INDIVIDUAL, None, 1),
    "individual: teammate": (Level.INDIVIDUAL, OTHER, 1),
    "team: self": (Level.TEAM, None, 3),
    "team: person in led team": (Level.TEAM, OTHER, 1),
    "team: person in led sub-team": (Level.TEAM, OTHER, 2),
    "team: person in other team": (Level.TEAM, OTHER, 3),
    "company: self": (Level.COMPANY, None, 1),
    "company: anyone": (Level.COMPANY, OTHER, 3),
}
ASSIGN_TABLE = {  # member, lead, executive, admin
    "individual: self": (True, True, True, True),
    "individual: teammate": (False, False, False, True),
    "team: self": (False, True, True, True),
    "team: person in led team": (False, True, True, True),
    "team: person in led sub-team": (False, True, True, True),
    "team: person in other team": (False, False, True, True),
    "company: self": (False, False, True, True),
    "company: anyone": (False, False, True, True),
}


@pytest.mark.parametrize(("situation", "role", "allowed"), _cases(ASSIGN_TABLE))
def test_assign_owner(situation, role, allowed):
    actor = ACTORS[role]
    level, owner_id, owner_team_id = OWNERS[situation]
    args = (actor, level, actor.id if owner_id is None else owner_id, owner_team_id)
    assert can_assign_owner(*args) is allowed
    if allowed:
        require_assign_owner(*args)
    else:
        with pytest.raises(PermissionDenied):
            require_assign_owner(*args)


def test_assign_owner_refusals_explain_the_rule():
    with pytest.raises(PermissionDenied, match="Only admins can make someone else the owner"):
        require_assign_owner(EXEC, "individual", OTHER, 3)
    with pytest.raises(PermissionDenied, match="yourself or people in teams you lead"):
        require_assign_owner(LEAD, "team", OTHER, 3)


# --- grading, organisation, cycles, drafts, kudos ------------------------------------------

GRADE_TABLE = {  # member, lead, executive, admin
    1: (False, True, True, True),
    2: (False, True, True, True),
    3: (False, False, True, True),
    None: (False, False, True, True),  # company objectives have no team
}


@pytest.mark.parametrize(("team_id", "role", "allowed"), _cases(GRADE_TABLE))
def test_grade(team_id, role, allowed):
    actor = ACTORS[role]
    assert can_grade(actor, team_id) is allowed
    if allowed:
        require_grade(actor, team_id)
    else:
        with pytest.raises(PermissionDenied, match="grade"):
            require_grade(actor, team_id)


@pytest.mark.parametrize(("role", "allowed"), zip(ACTORS, (False, False, False, True), strict=True))
def test_only_admins_manage_the_organisation_and_reopen_cycles(role, allowed):
    actor = ACTORS[role]
    assert can_manage_org(actor) is allowed
    assert can_reopen_cycle(actor) is allowed
    if allowed:
        require_admin(actor)
    else:
        with pytest.raises(PermissionDenied, match="Only admins can manage people, teams"):
            require_admin(actor)


DRAFT_TABLE = {  # member, lead, executive, admin
    "own": (True, True, True, True),
    "team 1": (False, True, True, True),
    "sub-team 2": (False, True, True, True),
    "team 3": (False, False, True, True),
}


@pytest.mark.parametrize(("situation", "role", "allowed"), _cases(DRAFT_TABLE))
def test_see_draft(situation, role, allowed):
    actor = ACTORS[role]
    owner_id, owner_team_id = KRS[situation]
    owner = actor.id if owner_id is None else owner_id
    assert can_see_draft(actor, owner, owner_team_id) is allowed


@pytest.mark.parametrize("actor", ACTORS.values())
def test_everyone_may_give_kudos(actor):
    assert can_give_kudos(actor) is True


def test_actor_accepts_plain_data_from_the_db_layer():
    actor = Actor(id=5, role="lead", team_id=None, led_team_ids={7})
    assert actor.role is Role.LEAD
    assert actor.led_team_ids == frozenset({7})
    assert can_edit_objective(actor, "team", 7, OTHER)
    hash(actor)  # frozen and hashable, safe to cache


def test_actor_with_unknown_role_is_refused():
    with pytest.raises(ValueError):
        Actor(id=5, role="owner", team_id=None)
