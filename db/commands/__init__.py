"""Every write: validate → authorise → write → audit, inside the caller's one transaction.

Each function takes the session and the acting person; it raises core.errors.DomainError
subclasses with a message for the user, and then nothing is written (the caller rolls back).
"""

from db.commands.accounts import (
    UserInput,
    change_password,
    create_first_admin,
    create_user,
    reset_password,
    set_user_active,
    update_user,
)
from db.commands.checkins import CheckInInput, check_in, check_in_many
from db.commands.okrs import (
    KRInput,
    ObjectiveInput,
    add_key_result,
    copy_objective,
    create_objective,
    set_objective_state,
    update_key_result,
    update_objective,
)
from db.commands.org import (
    create_cycle,
    create_team,
    save_status_settings,
    set_cycle_state,
    update_cycle,
    update_team,
)
from db.commands.preferences import set_language

__all__ = [
    "set_language",
    "CheckInInput",
    "KRInput",
    "ObjectiveInput",
    "UserInput",
    "add_key_result",
    "check_in",
    "check_in_many",
    "copy_objective",
    "create_objective",
    "set_objective_state",
    "update_key_result",
    "update_objective",
    "change_password",
    "create_cycle",
    "create_first_admin",
    "create_team",
    "create_user",
    "reset_password",
    "save_status_settings",
    "set_cycle_state",
    "set_user_active",
    "update_cycle",
    "update_team",
    "update_user",
]
