"""The domain's vocabularies, as string enums so they store and compare as plain text."""

from enum import StrEnum


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
