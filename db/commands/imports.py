"""Import objectives and key results from the template (docs/import-template.md), admins only.

Every row is checked by the rules of the write functions the forms use — check_objective and
check_key_result (what create_objective and add_key_result check) and the publish rule — with
reads only, the names a file uses looked up in bulk, so every error names its row. The
preview, ``check_import``, stops there: it writes nothing, so it takes no write lock (on
SQLite a preview that wrote and rolled back made every check-in wait for it). ``import_okrs``
then writes, only if no row failed, through create_objective, add_key_result and
set_objective_state in the caller's one transaction: all or nothing.
"""

from __future__ import annotations

from collections import defaultdict
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
    check_key_result,
    check_objective,
    create_objective,
    require_key_results_to_publish,
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
    """The preview: every row checked with reads only; nothing is written or locked."""
    return _plan(session, actor, table).check


def import_okrs(session: Session, actor: Actor, table: pd.DataFrame) -> ImportCheck:
    """Import every row, or — if any row fails — raise and write nothing."""
    plan = _plan(session, actor, table)
    if plan.check.errors:
        count = len(plan.check.errors)
        raise ValidationError(
            ngettext(
                "{count} row has an error, so nothing was imported. "
                "Fix the file and upload it again.",
                "{count} rows have errors, so nothing was imported. "
                "Fix the file and upload it again.",
                count,
            ).format(count=count)
        )
    _write(session, actor, plan)
    summary = {"objectives": plan.check.objectives, "key_results": plan.check.key_results}
    audit.record(session, actor.id, "okr.import", "import", None, None, summary)
    return plan.check


@dataclass
class _Row:
    number: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells[column]


@dataclass(frozen=True)
class _Plan:
    """The checked file: its result, and what to write if no row failed."""

    check: ImportCheck
    rows: dict[str, _Row]  # objective rows by ref
    objectives: dict[str, ObjectiveInput]  # the valid ones by ref, each parent before its children
    parents: dict[str, str]  # ref → the ref of its parent in the file
    key_results: list[tuple[_Row, KRInput]]  # the valid ones


def _plan(session: Session, actor: Actor, table: pd.DataFrame) -> _Plan:
    require_admin(actor)
    rows = [_Row(int(r.pop("row")), r) for r in table.astype(str).to_dict("records")]
    errors: dict[int, str] = {  # the first problem of each row; a NUL never reaches a query
        row.number: _("This row holds a NUL character; no text may.")
        for row in rows
        if any("\0" in cell for cell in row.cells.values())
    }
    objectives, krs = _sort_rows(rows, errors)
    names = _Names(session, [row for row in rows if row.number not in errors])
    inputs: dict[str, ObjectiveInput] = {}
    for ref, row in objectives.items():
        try:
            if row.number not in errors:
                inputs[ref] = _objective_input(row, names, objectives)
        except ValidationError as error:
            errors[row.number] = str(error)
    checked = _check_objectives(session, actor, objectives, inputs, errors)
    key_results: list[tuple[_Row, KRInput]] = []
    for row in krs:
        if row.number in errors:
            continue
        if row["ref"] not in objectives:
            errors[row.number] = _("No objective row has the ref “{ref}”.").format(ref=row["ref"])
        elif row["ref"] not in checked:
            errors[row.number] = _("Fix its objective (row {number}) first.").format(
                number=objectives[row["ref"]].number
            )
        else:
            kr = _attempt(errors, row, _kr_input, row, names)
            objective = checked[row["ref"]]
            if kr and _attempt(errors, row, check_key_result, session, actor, objective, kr):
                key_results.append((row, kr))
    with_krs = {row["ref"] for row, _kr in key_results}
    for ref in checked:
        if ObjectiveState.ACTIVE in _state_steps(objectives[ref]):
            _attempt(errors, objectives[ref], require_key_results_to_publish, ref in with_krs)
    return _Plan(
        ImportCheck(len(objectives), len(krs), dict(sorted(errors.items()))),
        objectives,
        {ref: inputs[ref] for ref in checked},
        {ref: parent for ref in checked if (parent := _parent_ref(inputs, objectives, ref))},
        key_results,
    )


def _write(session: Session, actor: Actor, plan: _Plan) -> None:
    """Write a plan without errors through the write functions; should a row fail now (the
    data changed since the check), the error names it and the caller's transaction rolls
    everything back."""
    ids: dict[str, int] = {}
    for ref, data in plan.objectives.items():
        if ref in plan.parents:
            data = replace(data, parent_id=ids[plan.parents[ref]])
        ids[ref] = _write_row(plan.rows[ref], create_objective, session, actor, data)
    for row, kr in plan.key_results:
        _write_row(row, add_key_result, session, actor, ids[row["ref"]], None, kr)
    for ref, objective_id in ids.items():
        for state in _state_steps(plan.rows[ref]):
            _write_row(
                plan.rows[ref], set_objective_state, session, actor, objective_id, None, state
            )


def _write_row(row: _Row, command, *args):
    try:
        return command(*args)
    except DomainError as error:
        raise type(error)(
            _("Row {number}: {error}").format(number=row.number, error=error)
        ) from None


def _state_steps(row: _Row) -> tuple[ObjectiveState, ...]:
    return STATE_STEPS[ObjectiveState(row["state"] or "draft")]


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


def _check_objectives(
    session: Session,
    actor: Actor,
    objectives: dict[str, _Row],
    inputs: dict[str, ObjectiveInput],
    errors: dict[int, str],
) -> dict[str, Objective]:
    """Check the objectives, each parent before its children; returns the valid ones by ref
    (unsaved), in that order."""
    checked: dict[str, Objective] = {}
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
            if parent_ref is not None and parent_ref not in checked:
                errors[objectives[ref].number] = _(
                    "Its parent (row {number}) has an error."
                ).format(number=objectives[parent_ref].number)
                continue
            parent = checked.get(parent_ref)
            objective = _attempt(
                errors, objectives[ref], check_objective, session, actor, inputs[ref], parent
            )
            if objective is not None:
                checked[ref] = objective
        pending = [ref for ref in pending if ref not in ready]
    return checked


def _attempt(errors: dict[int, str], row: _Row, check, *args):
    """Run one check and return its result; a refusal becomes the row's error (only its
    first one is kept) and returns None."""
    if row.number in errors:
        return None
    try:
        return check(*args)
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
    """Cycles, teams, people and existing objectives by the names a file uses (only those),
    one query each. The records stay referenced here, so the checks that load them by id
    find them in the session instead of asking the database again."""

    def __init__(self, session: Session, rows: list[_Row]) -> None:
        def used(column: str) -> set[str]:
            return {row[column] for row in rows if row[column]}

        cycles = session.scalars(select(Cycle).where(Cycle.name.in_(used("cycle")))).all()
        teams = session.scalars(select(Team).where(Team.name.in_(used("team")))).all()
        people = session.scalars(select(User).where(User.username.in_(used("owner")))).all()
        self.cycles = {cycle.name: cycle.id for cycle in cycles}
        self.teams = {team.name: team.id for team in teams}
        self.people = {person.username: person.id for person in people}
        existing = session.scalars(
            select(Objective).where(
                Objective.cycle_id.in_(self.cycles.values()),
                Objective.state != ObjectiveState.ARCHIVED,
                Objective.title.in_(used("title") | used("parent")),
            )
        ).all()
        self.taken = {(o.cycle_id, o.title, o.owner_id, o.level) for o in existing}
        self.titled: dict[tuple[int, str], list[int]] = defaultdict(list)
        for objective in existing:
            self.titled[objective.cycle_id, objective.title].append(objective.id)
        # An individual objective's team is its owner's: load those teams too.
        owners_teams = session.scalars(
            select(Team).where(Team.id.in_({person.team_id for person in people}))
        ).all()
        self._records = (cycles, teams, people, existing, owners_teams)

    def person(self, username: str) -> int | None:
        if not username:
            return None
        if username not in self.people:
            raise ValidationError(
                _("No one has the username “{username}”.").format(username=username)
            )
        return self.people[username]


def _objective_input(row: _Row, names: _Names, objectives: dict[str, _Row]) -> ObjectiveInput:
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
    if (cycle_id, row["title"], owner_id, row["level"]) in names.taken:
        raise ValidationError(
            _(
                "{owner} already has this objective in “{cycle}” (was this file imported before?)."
            ).format(owner=row["owner"], cycle=row["cycle"])
        )
    parent_id = None
    if row["parent"] and row["parent"] not in objectives:
        parents = names.titled.get((cycle_id, row["parent"]), [])
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


def _kr_input(row: _Row, names: _Names) -> KRInput:
    return KRInput(
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
