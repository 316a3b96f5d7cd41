"""Who may do what (DESIGN.md "Roles"), as pure functions on plain data.

Each rule is written once, as a ``_..._refusal`` function returning the message to show or
None when allowed; ``can_*`` answers the question for the UI and ``require_*`` raises
PermissionDenied for the write functions, so the two can never disagree.
"""

from dataclasses import dataclass, field

from core.enums import Level, Role
from core.errors import PermissionDenied
from core.i18n import _


@dataclass(frozen=True)
class Actor:
    """The person acting. ``led_team_ids``: teams they lead INCLUDING all sub-teams.

    The db layer computes ``led_team_ids``; team-lead rights need both the lead role and the
    team in this set.
    """

    id: int
    role: Role
    team_id: int | None
    led_team_ids: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # Accept plain strings / any iterable from the db layer; store the canonical types.
        object.__setattr__(self, "role", Role(self.role))
        object.__setattr__(self, "led_team_ids", frozenset(self.led_team_ids))


def _leads(actor: Actor, team_id: int | None) -> bool:
    return actor.role is Role.LEAD and team_id is not None and team_id in actor.led_team_ids


def _is_exec_or_admin(actor: Actor) -> bool:
    return actor.role in (Role.EXECUTIVE, Role.ADMIN)


def _raise_if(refusal: str | None) -> None:
    if refusal is not None:
        raise PermissionDenied(refusal)


# --- objectives -------------------------------------------------------------------------


def _edit_objective_refusal(
    actor: Actor, level: Level | str, team_id: int | None, owner_id: int | None
) -> str | None:
    level = Level(level)
    if actor.role is Role.ADMIN:
        return None
    if level is Level.COMPANY:
        if actor.role is Role.EXECUTIVE:
            return None
        return _("Only executives and admins can create or edit company objectives.")
    if level is Level.TEAM:
        if actor.role is Role.EXECUTIVE or _leads(actor, team_id):
            return None
        if actor.role is Role.LEAD:
            return _("You can only edit team objectives of teams you lead.")
        return _("Only team leads, executives and admins can create or edit team objectives.")
    if owner_id == actor.id:
        return None
    return _("You can only edit your own individual objectives.")


def can_edit_objective(
    actor: Actor, level: Level | str, team_id: int | None, owner_id: int | None
) -> bool:
    """May ``actor`` create or edit this objective (and its KRs)?"""
    return _edit_objective_refusal(actor, level, team_id, owner_id) is None


def require_edit_objective(
    actor: Actor, level: Level | str, team_id: int | None, owner_id: int | None
) -> None:
    """Raise PermissionDenied saying what is needed unless ``actor`` may edit the objective."""
    _raise_if(_edit_objective_refusal(actor, level, team_id, owner_id))


# --- check-ins --------------------------------------------------------------------------


def _check_in_refusal(actor: Actor, kr_owner_id: int | None, kr_team_id: int | None) -> str | None:
    if actor.role is Role.ADMIN or kr_owner_id == actor.id or _leads(actor, kr_team_id):
        return None
    if actor.role is Role.LEAD:
        return _("You can only check in on key results you own or that belong to a team you lead.")
    return _("Only the key result's owner can check in on it.")


def can_check_in(actor: Actor, kr_owner_id: int | None, kr_team_id: int | None) -> bool:
    """May ``actor`` check in? ``kr_team_id`` is the team of the KR's objective."""
    return _check_in_refusal(actor, kr_owner_id, kr_team_id) is None


def require_check_in(actor: Actor, kr_owner_id: int | None, kr_team_id: int | None) -> None:
    """Raise PermissionDenied unless ``actor`` may check in on the KR."""
    _raise_if(_check_in_refusal(actor, kr_owner_id, kr_team_id))


# --- owners -----------------------------------------------------------------------------


def _assign_owner_refusal(
    actor: Actor, level: Level | str, owner_id: int | None, owner_team_id: int | None
) -> str | None:
    level = Level(level)
    if actor.role is Role.ADMIN:
        return None
    if level is Level.INDIVIDUAL:
        if owner_id == actor.id:
            return None
        return _("Only admins can make someone else the owner of an individual objective.")
    if actor.role is Role.EXECUTIVE:
        return None
    if level is Level.COMPANY:
        return _("Only executives and admins can assign owners in company objectives.")
    if actor.role is Role.LEAD and (owner_id == actor.id or _leads(actor, owner_team_id)):
        return None
    if actor.role is Role.LEAD:
        return _("You can only assign yourself or people in teams you lead as owners.")
    return _("Only team leads, executives and admins can assign owners in team objectives.")


def can_assign_owner(
    actor: Actor, level: Level | str, owner_id: int | None, owner_team_id: int | None
) -> bool:
    """May ``actor`` make ``owner_id`` (in team ``owner_team_id``) the owner of an objective
    or KR at ``level`` (a KR: its objective's level)?"""
    return _assign_owner_refusal(actor, level, owner_id, owner_team_id) is None


def require_assign_owner(
    actor: Actor, level: Level | str, owner_id: int | None, owner_team_id: int | None
) -> None:
    """Raise PermissionDenied unless ``actor`` may assign this owner."""
    _raise_if(_assign_owner_refusal(actor, level, owner_id, owner_team_id))


# --- grading, organisation, cycles --------------------------------------------------------


def _grade_refusal(actor: Actor, team_id: int | None) -> str | None:
    if _is_exec_or_admin(actor) or _leads(actor, team_id):
        return None
    if actor.role is Role.LEAD:
        return _("You can only grade the OKRs of teams you lead.")
    return _("Only team leads, executives and admins can grade OKRs.")


def can_grade(actor: Actor, team_id: int | None) -> bool:
    """May ``actor`` close/grade OKRs of ``team_id`` (an individual objective: its team)?"""
    return _grade_refusal(actor, team_id) is None


def require_grade(actor: Actor, team_id: int | None) -> None:
    """Raise PermissionDenied unless ``actor`` may grade OKRs of ``team_id``."""
    _raise_if(_grade_refusal(actor, team_id))


def can_manage_org(actor: Actor) -> bool:
    """People, teams, cycles and settings are admin-only."""
    return actor.role is Role.ADMIN


def require_admin(actor: Actor) -> None:
    """Raise PermissionDenied unless ``actor`` is an admin."""
    if not can_manage_org(actor):
        raise PermissionDenied(_("Only admins can manage people, teams, cycles and settings."))


def can_reopen_cycle(actor: Actor) -> bool:
    """Admins only. DESIGN.md also names leads, but a cycle is shared by every team, so
    reopening it is an organisation-wide change (cycles are admin-managed); enforce with
    :func:`require_admin`."""
    return actor.role is Role.ADMIN


# --- reading and recognition -------------------------------------------------------------


def can_see_draft(actor: Actor, owner_id: int | None, owner_team_id: int | None) -> bool:
    """Drafts are visible to their owner, the owner's lead, executives and admins."""
    return owner_id == actor.id or _is_exec_or_admin(actor) or _leads(actor, owner_team_id)


def can_give_kudos(actor: Actor) -> bool:
    """Everyone may give kudos (recognition is open to all)."""
    return True
