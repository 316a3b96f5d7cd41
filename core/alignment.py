"""Objective alignment (DESIGN.md "Objective"): one parent of a higher or equal level, in any
team, and never a loop — a loop would make roll-ups and the alignment tree endless."""

from collections.abc import Callable

from core.enums import LEVEL_RANK, Level
from core.errors import ValidationError
from core.i18n import _


def _level(value: object) -> Level:
    try:
        return Level(value)
    except ValueError:
        names = ", ".join(level.value for level in Level)
        raise ValidationError(
            _("Unknown objective level {value}; choose one of: {names}.").format(
                value=repr(value), names=names
            )
        ) from None


def check_alignment(child_level: Level | str, parent_level: Level | str) -> None:
    """Refuse aligning to a lower level (e.g. a company objective under a team objective)."""
    if LEVEL_RANK[_level(parent_level)] > LEVEL_RANK[_level(child_level)]:
        raise ValidationError(_("An objective can only align to one of a higher or equal level."))


def _chain_to_child(
    child_id: int, parent_id: int, parent_of: Callable[[int], int | None]
) -> list[int] | None:
    """Ids from ``parent_id`` up its ancestors to ``child_id``, or None if never reached.

    The visited set stops the walk in a loop that already exists higher up (bad data must
    not hang the app).
    """
    chain: list[int] = []
    visited: set[int] = set()
    node: int | None = parent_id
    while node is not None and node not in visited:
        chain.append(node)
        if node == child_id:
            return chain
        visited.add(node)
        node = parent_of(node)
    return None


def would_form_loop(child_id: int, parent_id: int, parent_of: Callable[[int], int | None]) -> bool:
    """Would aligning ``child_id`` under ``parent_id`` close a loop? ``parent_of`` gives an
    objective's current parent id (None at the top); aligning to itself is a loop."""
    return _chain_to_child(child_id, parent_id, parent_of) is not None


def require_no_loop(
    child_id: int,
    parent_id: int,
    parent_of: Callable[[int], int | None],
    name_of: Callable[[int], str] | None = None,
) -> None:
    """Raise ValidationError naming the loop, e.g. "A → B → A"; ``name_of`` turns ids into
    titles for the message (default "#id")."""
    chain = _chain_to_child(child_id, parent_id, parent_of)
    if chain is None:
        return
    name = name_of or (lambda objective_id: f"#{objective_id}")
    path = " → ".join(name(i) for i in [child_id, *chain])
    raise ValidationError(
        _(
            "This alignment would form a loop: {path}. Choose a parent that is not aligned "
            "under this objective."
        ).format(path=path)
    )
