"""Import and export: the organisation's OKRs as Excel or CSV, and the import template.

Export (admins): one sheet per entity — teams, people (never password hashes), cycles,
objectives, key_results, check_ins, kudos — plus a sheet "okrs" in the import template's
format, so an export can be imported again. A cycle's export holds that cycle, its
objectives, key results and check-ins, the kudos given during it, and every team and person.
As CSV: a zip with one UTF-8 file per sheet. Datetimes are UTC.

Import: ``read_table`` turns an uploaded CSV or Excel file into rows of text in the template's
columns (docs/import-template.md); db/commands/imports.py checks and writes them.

    python -m db.exchange   # regenerate docs/import-template.xlsx and .csv from TEMPLATE_ROWS
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import and_, false, select, true
from sqlalchemy.orm import Session, aliased

from core import files_out
from core.errors import ValidationError
from core.i18n import _, format_decimal
from core.permissions import Actor, require_admin
from db.models import CheckIn, Cycle, KeyResult, Kudos, Objective, Team, User

# --- the import template ---------------------------------------------------------------------

COLUMNS = (
    "type",
    "ref",
    "cycle",
    "level",
    "team",
    "owner",
    "title",
    "description",
    "parent",
    "state",
    "kind",
    "unit",
    "currency_code",
    "unit_label",
    "start",
    "target",
    "weight",
)
REQUIRED_COLUMNS = ("type", "ref", "cycle", "level", "owner", "title")
OBJECTIVE_ONLY = ("cycle", "level", "team", "description", "parent", "state")
KR_ONLY = ("kind", "unit", "currency_code", "unit_label", "start", "target", "weight")
IMPORT_SHEET = "okrs"
MAX_ROWS = 5_000
TEMPLATE_FILES = ("docs/import-template.xlsx", "docs/import-template.csv")

# The example in docs/import-template.md: a company objective; a team objective and an
# individual objective aligned by ref within the file; a team objective aligned by title to an
# objective that already exists in the cycle.
TEMPLATE_ROWS = (
    ("objective", "C1", "2026 Q3", "company", "", "eve", "Win the mid-market",
     "Our focus this quarter", "", "active", "", "", "", "", "", "", ""),
    ("key_result", "C1", "", "", "", "", "Grow annual recurring revenue", "", "", "", "increase",
     "currency", "USD", "", 1200000, 1800000, 2),
    ("key_result", "C1", "", "", "", "sam", "Keep churn below 2 %", "", "", "", "stay_below",
     "percent", "", "", "", 2, 1),
    ("objective", "P1", "2026 Q3", "team", "Product", "lena", "Make onboarding effortless", "",
     "C1", "", "", "", "", "", "", "", ""),
    ("key_result", "P1", "", "", "", "", "Cut time to first value", "", "", "", "decrease",
     "text", "", "days", 14, 3, 1),
    ("key_result", "P1", "", "", "", "mia", "Ship the guided setup", "", "", "", "milestone",
     "", "", "", "", "", ""),
    ("objective", "M1", "2026 Q3", "individual", "", "mia", "Learn from every new customer", "",
     "P1", "", "", "", "", "", "", "", ""),
    ("key_result", "M1", "", "", "", "", "Customer interviews held", "", "", "", "increase",
     "number", "", "", 0, 12, 1),
    ("objective", "S1", "2026 Q3", "team", "Sales", "sam", "Open the Da Nang office", "",
     "Grow revenue in Vietnam", "", "", "", "", "", "", "", ""),
    ("key_result", "S1", "", "", "", "", "Contracts signed in Da Nang", "", "", "", "increase",
     "currency", "VND", "", 0, 5000000000, 1),
)  # fmt: skip


def template_frame() -> pd.DataFrame:
    return pd.DataFrame(TEMPLATE_ROWS, columns=list(COLUMNS))


def template_xlsx() -> bytes:
    return files_out.xlsx_bytes([(IMPORT_SHEET, *files_out.frame_table(template_frame()))])


def template_csv() -> bytes:
    return files_out.csv_bytes(template_frame())


def write_templates(root: Path) -> None:
    """Regenerate the template files under ``root`` (the project folder)."""
    xlsx, csv_file = (root / name for name in TEMPLATE_FILES)
    xlsx.write_bytes(template_xlsx())
    csv_file.write_bytes(template_csv())


# --- reading an upload -----------------------------------------------------------------------


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """An uploaded CSV or Excel file as text: column "row" (the spreadsheet row, header = 1)
    and every template column; blank rows dropped. Raises ValidationError saying what is wrong.
    Excel: the sheet "okrs" if there is one (an export), else the first sheet."""
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationError(_("Upload a .csv or .xlsx file (see the template)."))
    if not data:
        raise ValidationError(_("The file is empty."))
    frame = (_read_csv(data) if suffix == ".csv" else _read_xlsx(data)).fillna("")
    frame.columns = [re.sub(r"\s+", "_", str(c).strip().lower()) for c in frame.columns]
    # A column with neither heading nor values (a stray separator, a formatted empty column)
    blank = frame.columns.str.startswith("unnamed:") & (frame == "").all().to_numpy()
    frame = frame.loc[:, ~blank]
    unknown = [
        _("(one without a heading)") if c.startswith("unnamed:") else c
        for c in frame.columns
        if c not in COLUMNS
    ]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if unknown or missing:
        problems = []
        if unknown:
            problems.append(_("unknown columns: {columns}").format(columns=", ".join(unknown)))
        if missing:
            problems.append(_("missing columns: {columns}").format(columns=", ".join(missing)))
        raise ValidationError(
            _(
                "The columns do not match the template ({problems}). Its columns are: {columns}."
            ).format(problems="; ".join(problems), columns=", ".join(COLUMNS))
        )
    frame = frame.reindex(columns=list(COLUMNS), fill_value="").astype(str)
    frame = frame.apply(lambda column: column.str.normalize("NFC").str.strip())
    frame.insert(0, "row", range(2, len(frame) + 2))
    frame = frame[(frame[list(COLUMNS)] != "").any(axis=1)].reset_index(drop=True)
    if frame.empty:
        raise ValidationError(_("The file has column headings but no rows to import."))
    if len(frame) > MAX_ROWS:
        raise ValidationError(
            _("The file has {rows} rows; import at most {limit} at a time.").format(
                rows=format_decimal(len(frame), 0), limit=format_decimal(MAX_ROWS, 0)
            )
        )
    return frame


def _read_csv(data: bytes) -> pd.DataFrame:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _("The CSV file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (comma delimited)”.")
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError:
        raise ValidationError(_("The file is empty.")) from None
    except (pd.errors.ParserError, ValueError) as error:
        raise ValidationError(
            _("The CSV file could not be read: {error}").format(error=error)
        ) from None
    # A text cell written by the export as '=… (so a spreadsheet shows it as text) is =….
    return frame.apply(lambda column: column.str.replace(_DEFUSED, "", n=1, regex=True))


def _read_xlsx(data: bytes) -> pd.DataFrame:
    try:
        sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=str, keep_default_na=False)
    except Exception:  # not a zip, not a workbook, a damaged file: all the same to the user
        raise ValidationError(
            _(
                "The file could not be read as an Excel workbook (.xlsx). "
                "Open it in Excel or LibreOffice and save it again as .xlsx."
            )
        ) from None
    if not sheets:
        raise ValidationError(_("The workbook has no sheets."))
    frame = sheets.get(IMPORT_SHEET, next(iter(sheets.values())))
    if frame.columns.empty:
        raise ValidationError(_("The file is empty."))
    return frame


# --- export ----------------------------------------------------------------------------------

Sheet = files_out.Sheet


def export_xlsx(session: Session, actor: Actor, cycle_id: int | None) -> bytes:
    """A cycle (or everything, ``cycle_id`` None) as an Excel workbook."""
    return files_out.xlsx_bytes(export_sheets(session, actor, cycle_id))


def export_csv_zip(session: Session, actor: Actor, cycle_id: int | None) -> bytes:
    """A cycle (or everything) as a zip of CSV files, one per sheet."""
    return files_out.csv_zip(export_sheets(session, actor, cycle_id))


def export_sheets(session: Session, actor: Actor, cycle_id: int | None) -> Iterator[Sheet]:
    """Every sheet as (name, column names, rows); rows are streamed from the database."""
    require_admin(actor)
    parent, lead, manager = aliased(Team), aliased(User), aliased(User)
    receiver, receiver_team = aliased(User), aliased(Team)
    in_cycle = _in_cycle(cycle_id)
    yield _sheet(
        session,
        "teams",
        select(Team.id, Team.name, parent.name.label("parent"), lead.username.label("lead"))
        .outerjoin(parent, Team.parent_id == parent.id)
        .outerjoin(lead, Team.lead_id == lead.id)
        .order_by(Team.id),
    )
    yield _sheet(
        session,
        "people",
        select(
            User.id,
            User.username,
            User.display_name,
            User.email,
            User.role,
            Team.name.label("team"),
            manager.username.label("manager"),
            User.language,
            User.active,
            User.created_at,
        )
        .outerjoin(Team, User.team_id == Team.id)
        .outerjoin(manager, User.manager_id == manager.id)
        .order_by(User.id),
    )
    cycles = select(Cycle.id, Cycle.name, Cycle.start_date, Cycle.end_date, Cycle.state)
    if cycle_id is not None:
        cycles = cycles.where(Cycle.id == cycle_id)
    yield _sheet(session, "cycles", cycles.order_by(Cycle.start_date, Cycle.id))
    yield _sheet(
        session,
        "objectives",
        select(
            Objective.id,
            Cycle.name.label("cycle"),
            Objective.level,
            Team.name.label("team"),
            User.username.label("owner"),
            Objective.parent_id,
            Objective.title,
            Objective.description,
            Objective.state,
            Objective.score,
            Objective.created_at,
        )
        .join(Cycle, Objective.cycle_id == Cycle.id)
        .outerjoin(Team, Objective.team_id == Team.id)
        .join(User, Objective.owner_id == User.id)
        .where(in_cycle)
        .order_by(Objective.id),
    )
    yield _sheet(
        session,
        "key_results",
        select(
            KeyResult.id,
            KeyResult.objective_id,
            User.username.label("owner"),
            KeyResult.title,
            KeyResult.kind,
            KeyResult.unit,
            KeyResult.currency_code,
            KeyResult.unit_label,
            KeyResult.start_value,
            KeyResult.target_value,
            KeyResult.current_value,
            KeyResult.weight,
            KeyResult.confidence,
            KeyResult.last_checkin_at,
            KeyResult.score,
            KeyResult.score_reason,
            KeyResult.score_confirmed,
            KeyResult.created_at,
        )
        .join(Objective, KeyResult.objective_id == Objective.id)
        .join(User, KeyResult.owner_id == User.id)
        .where(in_cycle)
        .order_by(KeyResult.id),
    )
    yield _sheet(
        session,
        "check_ins",
        select(
            CheckIn.id,
            CheckIn.key_result_id,
            User.username.label("author"),
            CheckIn.value,
            CheckIn.confidence,
            CheckIn.note,
            CheckIn.created_at,
        )
        .join(KeyResult, CheckIn.key_result_id == KeyResult.id)
        .join(Objective, KeyResult.objective_id == Objective.id)
        .join(User, CheckIn.author_id == User.id)
        .where(in_cycle)
        .order_by(CheckIn.id),
    )
    yield _sheet(
        session,
        "kudos",
        select(
            Kudos.id,
            User.username.label("giver"),
            receiver.username.label("receiver"),
            receiver_team.name.label("receiver_team"),
            Kudos.message,
            Kudos.objective_id,
            Kudos.key_result_id,
            Kudos.created_at,
        )
        .join(User, Kudos.giver_id == User.id)
        .outerjoin(receiver, Kudos.receiver_user_id == receiver.id)
        .outerjoin(receiver_team, Kudos.receiver_team_id == receiver_team.id)
        .where(_kudos_during(session, cycle_id))
        .order_by(Kudos.id),
    )
    yield IMPORT_SHEET, list(COLUMNS), _okr_rows(session, cycle_id)


def _sheet(session: Session, name: str, query) -> Sheet:
    result = session.execute(query.execution_options(yield_per=5_000))
    return name, list(result.keys()), result


def _in_cycle(cycle_id: int | None):
    return true() if cycle_id is None else Objective.cycle_id == cycle_id


def _kudos_during(session: Session, cycle_id: int | None):
    if cycle_id is None:
        return true()
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        return false()
    start = datetime.combine(cycle.start_date, datetime.min.time())
    end = datetime.combine(cycle.end_date + timedelta(days=1), datetime.min.time())
    return and_(Kudos.created_at >= start, Kudos.created_at < end)


def _okr_rows(session: Session, cycle_id: int | None) -> Iterator[tuple]:
    """The objectives and key results in the import format: each objective, then its KRs.
    ``ref`` is "O" + the objective's id, so ``parent`` can name any exported objective."""
    objectives = session.execute(
        select(
            Objective.id,
            Cycle.name,
            Objective.level,
            Team.name,
            User.username,
            Objective.title,
            Objective.description,
            Objective.parent_id,
            Objective.state,
        )
        .join(Cycle, Objective.cycle_id == Cycle.id)
        .outerjoin(Team, Objective.team_id == Team.id)
        .join(User, Objective.owner_id == User.id)
        .where(_in_cycle(cycle_id))
        .order_by(Objective.id)
    ).all()
    krs: dict[int, list[tuple]] = {}
    for objective_id, *kr in session.execute(
        select(
            KeyResult.objective_id,
            User.username,
            KeyResult.title,
            KeyResult.kind,
            KeyResult.unit,
            KeyResult.currency_code,
            KeyResult.unit_label,
            KeyResult.start_value,
            KeyResult.target_value,
            KeyResult.weight,
        )
        .join(Objective, KeyResult.objective_id == Objective.id)
        .join(User, KeyResult.owner_id == User.id)
        .where(_in_cycle(cycle_id))
        .order_by(KeyResult.id)
    ):
        krs.setdefault(objective_id, []).append(tuple(kr))
    for oid, cycle, level, team, owner, title, description, parent_id, state in objectives:
        parent = f"O{parent_id}" if parent_id else None
        yield ("objective", f"O{oid}", cycle, level, team, owner, title, description, parent,
               state, *[None] * len(KR_ONLY))  # fmt: skip
        for kr_owner, kr_title, *kr_fields in krs.get(oid, ()):
            yield ("key_result", f"O{oid}", *[None] * 3, kr_owner, kr_title,
                   *[None] * 3, *kr_fields)  # fmt: skip


# A text cell the export wrote as '=… (so a spreadsheet shows it as text) is read back as =….
_DEFUSED = files_out.NEUTRALISED


if __name__ == "__main__":
    write_templates(Path(__file__).resolve().parent.parent)
    print("Wrote", ", ".join(TEMPLATE_FILES))
