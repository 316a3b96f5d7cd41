"""The domain's vocabularies, as string enums so they store and compare as plain text."""

from enum import StrEnum

from core.i18n import N_, _, pgettext


class Role(StrEnum):
    ADMIN = "admin"
    EXECUTIVE = "executive"
    LEAD = "lead"
    MEMBER = "member"


class Level(StrEnum):
    COMPANY = "company"
    TEAM = "team"
    INDIVIDUAL = "individual"


# Lower rank = higher level. An objective may align to a parent of a higher or equal level.
LEVEL_RANK = {Level.COMPANY: 0, Level.TEAM: 1, Level.INDIVIDUAL: 2}


class CycleState(StrEnum):
    PLANNING = "planning"
    ACTIVE = "active"
    CLOSED = "closed"


class ObjectiveState(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"
    ARCHIVED = "archived"


class KRKind(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"
    STAY_ABOVE = "stay_above"
    STAY_BELOW = "stay_below"
    MILESTONE = "milestone"


class Unit(StrEnum):
    NUMBER = "number"
    PERCENT = "percent"
    CURRENCY = "currency"
    TEXT = "text"


class Status(StrEnum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    NEEDS_UPDATE = "needs_update"
    OFF_TRACK = "off_track"


# Worst last: an objective's status is the most severe of its KRs'.
STATUS_SEVERITY = {
    Status.ACHIEVED: 0,
    Status.ON_TRACK: 1,
    Status.AT_RISK: 2,
    Status.NEEDS_UPDATE: 3,
    Status.OFF_TRACK: 4,
}


# --- labels people read ------------------------------------------------------------------
# The stored values above never change; these are the English msgids shown for them, marked
# for extraction and translated where shown (``_(LEVEL_LABELS[level])`` or the functions).

# Roles are shown through role_label(): "Admin" as a role is not "Admin" the page.
ROLE_LABELS = {
    Role.ADMIN: "Admin",
    Role.EXECUTIVE: "Executive",
    Role.LEAD: "Lead",
    Role.MEMBER: "Member",
}
LEVEL_LABELS = {
    Level.COMPANY: N_("Company"),
    Level.TEAM: N_("Team"),
    Level.INDIVIDUAL: N_("Individual"),
}
CYCLE_STATE_LABELS = {
    CycleState.PLANNING: N_("Planning"),
    CycleState.ACTIVE: N_("Active"),
    CycleState.CLOSED: N_("Closed"),
}
OBJECTIVE_STATE_LABELS = {
    ObjectiveState.DRAFT: N_("Draft"),
    ObjectiveState.ACTIVE: N_("Active"),
    ObjectiveState.CLOSED: N_("Closed"),
    ObjectiveState.ARCHIVED: N_("Archived"),
}
KR_KIND_LABELS = {
    KRKind.INCREASE: N_("increase to"),
    KRKind.DECREASE: N_("decrease to"),
    KRKind.STAY_ABOVE: N_("stay above"),
    KRKind.STAY_BELOW: N_("stay below"),
    KRKind.MILESTONE: N_("milestone (done / not done)"),
}
UNIT_LABELS = {
    Unit.NUMBER: N_("number"),
    Unit.PERCENT: N_("percent"),
    Unit.CURRENCY: N_("currency"),
    Unit.TEXT: N_("custom unit"),
}
# A cycle's or objective's state inside a sentence ("This objective is archived: …").
STATE_WORDS = {
    "planning": N_("planning"),
    "draft": N_("draft"),
    "active": N_("active"),
    "closed": N_("closed"),
    "archived": N_("archived"),
}


def _label(labels: dict, value: object) -> str:
    """The translated label of ``value`` (a member or its stored text); unknown → as it is."""
    text = labels.get(value)  # a StrEnum member hashes as its stored text
    if text is not None:
        return _(text)
    return "" if value is None else str(value)


def role_label(role: object) -> str:
    """A role as people read it ("Lead"), translated in the "role" context."""
    labels = {
        Role.ADMIN: pgettext("role", "Admin"),
        Role.EXECUTIVE: pgettext("role", "Executive"),
        Role.LEAD: pgettext("role", "Lead"),
        Role.MEMBER: pgettext("role", "Member"),
    }
    return labels.get(role, "" if role is None else str(role))


def level_label(level: object) -> str:
    return _label(LEVEL_LABELS, level)


def cycle_state_label(state: object) -> str:
    return _label(CYCLE_STATE_LABELS, state)


def objective_state_label(state: object) -> str:
    return _label(OBJECTIVE_STATE_LABELS, state)


def kr_kind_label(kind: object) -> str:
    return _label(KR_KIND_LABELS, kind)


def unit_label(unit: object) -> str:
    return _label(UNIT_LABELS, unit)


def state_word(state: object) -> str:
    """A state as a lower-case word for a sentence ("archived"), translated."""
    return _label(STATE_WORDS, state)
