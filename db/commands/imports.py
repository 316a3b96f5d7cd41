"""Import objectives and key results from the template (docs/import-template.md), admins only.

Every row goes through the write functions the forms use — create_objective, add_key_result,
set_objective_state — each in its own savepoint, so the same rules apply and every error
names its row. ``check_import`` (the preview) then rolls everything back; ``import_okrs``
keeps it only if no row failed, and otherwise raises, so the caller's one transaction writes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.enums import KRKind, ObjectiveState
from core.errors import DomainError, ValidationError
from core.i18n import _, ngettext
from core.permissions import Actor, require_admin
from db import audit
from db.commands.okrs import (
    KRInput,
    ObjectiveInput,
    add_key_result,
    create_objective,
    set_objective_state,
)
from db.exchange import KR_ONLY, OBJECTIVE_ONLY
from db.models import Cycle, Objective, Team, User

OBJECTIVE, KEY_RESULT = "objective", "key_result"
# An imported objective is created as a draft, then moved to the state its row asks for.
STATE_STEPS = {
    ObjectiveState.DRAFT: (),
    ObjectiveState.ACTIVE: (ObjectiveState.ACTIVE,),
    ObjectiveState.CLOSED: (ObjectiveState.ACTIVE, ObjectiveState.CLOSED),
    ObjectiveState.ARCHIVED: (ObjectiveState.ARCHIVED,),
}
KINDS = ", ".join(kind.value for kind in KRKind)


@dataclass(frozen=True)
class ImportCheck:
    """What a file would import; ``errors`` maps a spreadsheet row to what is wrong with it."""

    objectives: int
    key_results: int
    errors: dict[int, str]


def check_import(session: Session, actor: Actor, table: pd.DataFrame) -> ImportCheck:
    """The preview: run the whole import, then roll it back."""
    savepoint = session.begin_nested()
    try:
        return _import(session, actor, table)
    finally:
        savepoint.rollback()


def import_okrs(session: Session, actor: Actor, table: pd.DataFrame) -> ImportCheck:
    """Import every row, or — if any row fails — raise and write nothing."""
    result = _import(session, actor, table)
    if result.errors:
        count = len(result.errors)
        raise ValidationError(
            ngettext(
                "{count} row has an error, so nothing was imported. "
                "Fix the file and upload it again.",
                "{count} rows have errors, so nothing was imported. "
                "Fix the file and upload it again.",
                count,
            ).format(count=count)
        )
    summary = {"objectives": result.objectives, "key_results": result.key_results}
    audit.record(session, actor.id, "okr.import", "import", None, None, summary)
    return result


@dataclass
class _Row:
    number: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells[column]


def _import(session: Session, actor: Actor, table: pd.DataFrame) -> ImportCheck:
    require_admin(actor)
    rows = [_Row(int(r.pop("row")), r) for r in table.astype(str).to_dict("records")]
    errors: dict[int, str] = {}  # the first problem of each row
    objectives, krs = _sort_rows(rows, errors)
    names = _Names(session, rows)
    inputs: dict[str, ObjectiveInput] = {}
    for ref, row in objectives.items():
        try:
            if row.number not in errors:
                inputs[ref] = _objective_input(session, row, names, objectives)
        except ValidationError as error:
            errors[row.number] = str(error)
    created = _create_objectives(session, actor, objectives, inputs, errors)
    for row in krs:
        if row.number in errors:
            continue
        if row["ref"] not in objectives:
            errors[row.number] = _("No objective row has the ref “{ref}”.").format(ref=row["ref"])
        elif row["ref"] not in created:
            errors[row.number] = _("Fix its objective (row {number}) first.").format(
                number=objectives[row["ref"]].number
            )
        else:
            _attempt(session, errors, row, _add_kr, actor, created[row["ref"]], row, names)
    for ref, objective_id in created.items():
        for state in STATE_STEPS[ObjectiveState(objectives[ref]["state"] or "draft")]:
            _attempt(session, errors, objectives[ref], set_objective_state, actor,
                     objective_id, None, state)  # fmt: skip
    return ImportCheck(len(objectives), len(krs), dict(sorted(errors.items())))


def _sort_rows(rows: list[_Row], errors: dict[int, str]) -> tuple[dict[str, _Row], list[_Row]]:
    """Objective rows by ref and key-result rows; an objective row with a problem keeps its
    ref, so its key results point at it rather than at nothing."""
    objectives: dict[str, _Row] = {}
    krs: list[_Row] = []
    for row in rows:
        try:
            row_type = _row_type(row)
        except ValidationError as error:
            errors[row.number] = str(error)
            row_type = row["type"].lower().replace(" ", "_")
        if row_type == KEY_RESULT:
            krs.append(row)
        elif row_type == OBJECTIVE and row["ref"] in objectives:
            errors.setdefault(
                row.number,
                _(
                    "The ref “{ref}” is already used on row {number}; each objective needs its own."
                ).format(ref=row["ref"], number=objectives[row["ref"]].number),
            )
        elif row_type == OBJECTIVE and row["ref"]:
            objectives[row["ref"]] = row
    return objectives, krs


def _create_objectives(
    session: Session,
    actor: Actor,
    objectives: dict[str, _Row],
    inputs: dict[str, ObjectiveInput],
    errors: dict[int, str],
) -> dict[str, int]:
    """Create the valid objectives, each parent before its children; returns ref → id."""
    created: dict[str, int] = {}
    pending = list(inputs)
    while pending:
        ready = [ref for ref in pending if _parent_ref(inputs, objectives, ref) not in pending]
        if not ready:  # every pending row waits for another: their parent refs form a loop
            loop = ", ".join(str(objectives[ref].number) for ref in pending)
            for ref in pending:
                errors[objectives[ref].number] = _(
                    "The parent refs of rows {rows} form a loop (or hang from one)."
                ).format(rows=loop)
            break
        for ref in ready:
            parent_ref = _parent_ref(inputs, objectives, ref)
            data = inputs[ref]
            if parent_ref is not None and parent_ref not in created:
                errors[objectives[ref].number] = _(
                    "Its parent (row {number}) has an error."
                ).format(number=objectives[parent_ref].number)
                continue
            if parent_ref is not None:
                data = replace(data, parent_id=created[parent_ref])
            objective_id = _attempt(session, errors, objectives[ref], create_objective, actor, data)
            if objective_id is not None:
                created[ref] = objective_id
        pending = [ref for ref in pending if ref not in ready]
    return created


def _attempt(session: Session, errors: dict[int, str], row: _Row, command, *args):
    """Run one write in a savepoint and return its result; a refusal becomes the row's error
    (only its first one is kept) and returns None."""
    if row.number in errors:
        return None
    try:
        with session.begin_nested():
            return command(session, *args)
    except DomainError as error:
        errors[row.number] = str(error)
        return None


def _row_type(row: _Row) -> str:
    """Which kind of row this is; refuses values in columns that belong to the other kind."""
    row_type = row["type"].lower().replace(" ", "_")
    if row_type not in (OBJECTIVE, KEY_RESULT):
        raise ValidationError(_("Type must be “objective” or “key_result”."))
    if not row["ref"] and row_type == KEY_RESULT:
        raise ValidationError(
            _(
                "Ref is required: a short name for the objective (e.g. O1) that this key result "
                "belongs to."
            )
        )
    if not row["ref"]:
        raise ValidationError(_("Ref is required: a short name for the objective (e.g. O1)."))
    if not row["title"]:
        raise ValidationError(_("Title is required."))
    others = KR_ONLY if row_type == OBJECTIVE else OBJECTIVE_ONLY
    filled = ", ".join(column for column in others if row[column])
    if filled and row_type == OBJECTIVE:
        raise ValidationError(_("Objective rows leave {columns} empty.").format(columns=filled))
    if filled:
        raise ValidationError(_("Key result rows leave {columns} empty.").format(columns=filled))
    if row_type == OBJECTIVE and row["state"].lower() not in ("", *STATE_STEPS):
        raise ValidationError(_("State must be draft, active, closed or archived (empty: draft)."))
    if row_type == KEY_RESULT and not row["kind"]:
        raise ValidationError(_("Kind is required: {kinds}.").format(kinds=KINDS))
    lower_case = ("type", "level", "owner", "state", "kind", "unit")  # usernames are lower-case
    row.cells.update({column: row[column].lower() for column in lower_case})
    return row_type


class _Names:
    """Cycle, team and person ids by the names a file uses (only the names it uses)."""

    def __init__(self, session: Session, rows: list[_Row]) -> None:
        def ids(name_column, id_column, column: str) -> dict[str, int]:
            names = {row[column] for row in rows if row[column]}
            query = select(name_column, id_column).where(name_column.in_(names))
            return dict(session.execute(query).all()) if names else {}

        self.cycles = ids(Cycle.name, Cycle.id, "cycle")
        self.teams = ids(Team.name, Team.id, "team")
        self.people = ids(User.username, User.id, "owner")

    def person(self, username: str) -> int | None:
        if not username:
            return None
        if username not in self.people:
            raise ValidationError(
                _("No one has the username “{username}”.").format(username=username)
            )
        return self.people[username]


def _objective_input(
    session: Session, row: _Row, names: _Names, objectives: dict[str, _Row]
) -> ObjectiveInput:
    """The objective as create_objective takes it; ``parent_id`` is set here only for a parent
    that already exists (a parent in the file gets its id once it is created)."""
    if not row["cycle"]:
        raise ValidationError(_("Cycle is required."))
    if row["cycle"] not in names.cycles:
        raise ValidationError(_("There is no cycle named “{cycle}”.").format(cycle=row["cycle"]))
    if row["team"] and row["team"] not in names.teams:
        raise ValidationError(_("There is no team named “{team}”.").format(team=row["team"]))
    if not row["owner"]:
        raise ValidationError(_("Owner is required (a username)."))
    cycle_id = names.cycles[row["cycle"]]
    owner_id = names.person(row["owner"])
    existing = select(Objective.id).where(
        Objective.cycle_id == cycle_id, Objective.state != ObjectiveState.ARCHIVED
    )
    if session.scalar(
        existing.where(
            Objective.title == row["title"],
            Objective.owner_id == owner_id,
            Objective.level == row["level"],
        )
    ):
        raise ValidationError(
            _(
                "{owner} already has this objective in “{cycle}” (was this file imported before?)."
            ).format(owner=row["owner"], cycle=row["cycle"])
        )
    parent_id = None
    if row["parent"] and row["parent"] not in objectives:
        parents = session.scalars(existing.where(Objective.title == row["parent"]).limit(2)).all()
        if not parents:
            raise ValidationError(
                _(
                    "The parent “{parent}” is neither a ref in this file nor the title of "
                    "an objective in “{cycle}”."
                ).format(parent=row["parent"], cycle=row["cycle"])
            )
        if len(parents) > 1:
            raise ValidationError(
                _(
                    "Several objectives in “{cycle}” are titled “{parent}”; "
                    "rename one so the parent is clear."
                ).format(cycle=row["cycle"], parent=row["parent"])
            )
        parent_id = parents[0]
    return ObjectiveInput(
        cycle_id=cycle_id,
        level=row["level"],
        title=row["title"],
        owner_id=owner_id,
        team_id=names.teams.get(row["team"]),
        description=row["description"],
        parent_id=parent_id,
    )


def _parent_ref(inputs: dict[str, ObjectiveInput], objectives: dict[str, _Row], ref: str):
    parent = objectives[ref]["parent"]
    return parent if parent in objectives and inputs[ref].parent_id is None else None


def _add_kr(session: Session, actor: Actor, objective_id: int, row: _Row, names: _Names) -> None:
    kr = KRInput(
        title=row["title"],
        kind=row["kind"],
        start=row["start"],
        target=row["target"],
        unit=row["unit"] or "number",
        currency_code=row["currency_code"] or None,
        unit_label=row["unit_label"] or None,
        weight=row["weight"],
        owner_id=names.person(row["owner"]),
    )
    add_key_result(session, actor, objective_id, None, kr)
