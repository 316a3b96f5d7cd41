"""Every read. Functions take a session and return plain values, frozen dataclasses or
DataFrames (never ORM objects, so results can be cached)."""

from db.queries import okrs
from db.queries.accounts import (
    CurrentUser,
    SessionRecord,
    current_user,
    data_version,
    has_users,
    led_team_ids,
    live_sessions,
    session_record,
)
from db.queries.okrs import owned_objectives
from db.queries.org import (
    CycleRow,
    cycles,
    default_cycle_id,
    people_page,
    person_options,
    status_settings,
    teams_frame,
)

__all__ = [
    "okrs",
    "CurrentUser",
    "CycleRow",
    "SessionRecord",
    "current_user",
    "cycles",
    "data_version",
    "default_cycle_id",
    "has_users",
    "led_team_ids",
    "live_sessions",
    "owned_objectives",
    "people_page",
    "person_options",
    "session_record",
    "status_settings",
    "teams_frame",
]
