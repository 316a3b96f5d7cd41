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

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
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
# A file is checked before and while it is parsed, so a hostile one is refused within seconds
# and a few megabytes, whatever it claims about itself.

MAX_FILE_BYTES = 5 * 2**20  # as server.maxUploadSize in .streamlit/config.toml
MAX_UNPACKED_BYTES = 50 * 2**20  # a workbook's parts unpacked; 5,000 rows take a few MB
MAX_PARTS = 1_000  # files inside a workbook; Excel writes a few dozen
MAX_PACKING_RATIO = 100  # unpacked ÷ packed; spreadsheet XML packs about 10:1
RATIO_CHECKED_FROM = 2**20  # unpacked bytes; a smaller part exhausts nothing at any ratio
MAX_COLUMNS = 50  # cells read per row; the template has 17
MAX_CELL_CHARS = 10_000  # a description may have 2,000
LAST_ROW = 2 * MAX_ROWS + 1  # nothing below is read, not even blank rows
_CSV_FIELD_LIMIT = "field larger than field limit"  # csv.Error past csv.field_size_limit()


def read_table(data: bytes, filename: str) -> pd.DataFrame:
    """An uploaded CSV or Excel file as text: column "row" (the spreadsheet row, header = 1)
    and every template column; blank rows dropped. Raises ValidationError saying what is wrong
    (the limits above included). Excel: the sheet "okrs" if there is one, else the first."""
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationError(_("Upload a .csv or .xlsx file (see the template)."))
    if not data:
        raise ValidationError(_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(
            _("The file is {size} MB; an import file can be at most {limit} MB.").format(
                size=_megabytes(len(data)), limit=_megabytes(MAX_FILE_BYTES)
            )
        )
    if suffix == ".csv":
        rows, unquote = _csv_rows(data), _without_export_apostrophe
    else:
        rows, unquote = _xlsx_rows(data), str
    with closing(rows):  # a refusal stops the reading: the workbook is closed at once
        return _table(rows, unquote)


def _table(rows: Iterator[Sequence], unquote: Callable[[str], str]) -> pd.DataFrame:
    """The template's columns from rows of cell values (the first holds the headings), read
    only as far as the limits allow; ``unquote`` undoes what the export did to a text."""
    header = next(rows, None)
    if header is None:
        raise ValidationError(_("The file is empty."))
    names = [re.sub(r"\s+", "_", name.lower()) for name in _cells(header, 1, (), unquote)]
    body: list[tuple[int, list[str]]] = []
    for number, values in enumerate(rows, start=2):
        if number > LAST_ROW:
            raise ValidationError(
                _(
                    "The file goes on past row {row} (empty or formatted rows count too). "
                    "Import at most {limit} rows at a time and delete the rows below your data."
                ).format(row=format_decimal(LAST_ROW, 0), limit=format_decimal(MAX_ROWS, 0))
            )
        cells = _cells(values, number, names, unquote)
        if not any(cells):
            continue
        if len(body) == MAX_ROWS:
            raise ValidationError(
                _("The file has more than {limit} rows; import at most {limit} at a time.").format(
                    limit=format_decimal(MAX_ROWS, 0)
                )
            )
        body.append((number, cells + [""] * (len(names) - len(cells))))
    if not any(names) and not body:
        raise ValidationError(_("The file is empty."))
    position = _check_columns(names, body)
    if not body:
        raise ValidationError(_("The file has column headings but no rows to import."))
    records = [
        [number, *(cells[position[c]] if c in position else "" for c in COLUMNS)]
        for number, cells in body
    ]
    return pd.DataFrame(records, columns=["row", *COLUMNS])


def _cells(values: Sequence, row: int, names: Sequence[str], unquote) -> list[str]:
    """A row's cells as text (NFC, stripped); refuses a row wider than MAX_COLUMNS (in a
    workbook, a formatted empty cell far to the right makes each row that wide to read) or a
    cell longer than MAX_CELL_CHARS, naming where it is."""
    if len(values) > MAX_COLUMNS:
        raise ValidationError(
            _(
                "Row {row} goes on past column {column} (in a workbook, a formatted empty cell "
                "counts too); the template has {count} columns."
            ).format(row=row, column=get_column_letter(MAX_COLUMNS), count=len(COLUMNS))
        )
    cells = []
    for index, value in enumerate(values):
        text = _text(value)
        if len(text) > MAX_CELL_CHARS:
            column = get_column_letter(index + 1)
            if index < len(names) and names[index]:
                column = f"{column} ({names[index]})"
            raise ValidationError(
                _(
                    "Row {row}, column {column}: the cell holds {count} characters; "
                    "a cell can hold at most {limit}."
                ).format(
                    row=row,
                    column=column,
                    count=format_decimal(len(text), 0),
                    limit=format_decimal(MAX_CELL_CHARS, 0),
                )
            )
        cells.append(unicodedata.normalize("NFC", unquote(text)).strip() if text else "")
    return cells


def _text(value) -> str:
    """A cell's value as text: whole numbers without ".0" (Excel stores 12 as 12.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_columns(names: list[str], body: list[tuple[int, list[str]]]) -> dict[str, int]:
    """Where each template column is; refuses unknown, repeated or missing columns."""
    filled = {index for _number, cells in body for index, text in enumerate(cells) if text}
    unknown = [
        _shortened(name) or _("(one without a heading)")
        for index, name in enumerate(names)
        if (name and name not in COLUMNS) or (not name and index in filled)
    ]
    unknown += [_("(one without a heading)")] * sum(index >= len(names) for index in filled)
    repeated = sorted({name for name in names if name in COLUMNS and names.count(name) > 1})
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if unknown or repeated or missing:
        problems = []
        if unknown:
            problems.append(_("unknown columns: {columns}").format(columns=", ".join(unknown)))
        if repeated:
            problems.append(_("repeated columns: {columns}").format(columns=", ".join(repeated)))
        if missing:
            problems.append(_("missing columns: {columns}").format(columns=", ".join(missing)))
        raise ValidationError(
            _(
                "The columns do not match the template ({problems}). Its columns are: {columns}."
            ).format(problems="; ".join(problems), columns=", ".join(COLUMNS))
        )
    return {name: index for index, name in enumerate(names) if name in COLUMNS}


def _without_export_apostrophe(text: str) -> str:
    """A text cell written by the export as '=… (so a spreadsheet shows it as text) is =…."""
    return _DEFUSED.sub("", text, count=1)


def _shortened(name: str, length: int = 40) -> str:
    return name if len(name) <= length else name[: length - 1] + "…"


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    """The CSV's records, decoded and split as they are read (the text is never copied whole)."""
    if b"\0" in data:  # no text file holds a NUL
        raise ValidationError(
            _(
                "The file holds binary data, not text. "
                "In Excel, save it as “CSV UTF-8 (comma delimited)”."
            )
        )
    first_line = data.partition(b"\n")[0]
    delimiter = ";" if first_line.count(b";") > first_line.count(b",") else ","
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    read = 0  # records so far: an error is in the next one
    try:
        for record in csv.reader(text, delimiter=delimiter):
            read += 1
            while len(record) > MAX_COLUMNS and not record[-1]:  # trailing separators
                record.pop()
            yield record
    except UnicodeDecodeError:
        raise ValidationError(
            _("The CSV file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (comma delimited)”.")
        ) from None
    except csv.Error as error:
        if _CSV_FIELD_LIMIT in str(error):
            raise ValidationError(
                _("Row {row}: a cell holds more than {limit} characters.").format(
                    row=read + 1, limit=format_decimal(MAX_CELL_CHARS, 0)
                )
            ) from None
        raise ValidationError(
            _("The CSV file could not be read: {error}").format(error=error)
        ) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple]:
    """The rows of the sheet "okrs" (else the first), streamed: openpyxl's read-only mode
    parses one row at a time, and the size a sheet claims (its "dimension") is ignored."""
    _check_archive(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception:  # not a workbook, a damaged one: all the same to the user
        raise _unreadable_workbook() from None
    try:
        if not book.worksheets:
            raise ValidationError(_("The workbook has no sheets."))
        sheet = book[IMPORT_SHEET] if IMPORT_SHEET in book.sheetnames else book.worksheets[0]
        sheet.reset_dimensions()
        yield from sheet.iter_rows(values_only=True)
    except ValidationError:
        raise
    except Exception:  # damaged XML further in
        raise _unreadable_workbook() from None
    finally:
        book.close()


def _check_archive(data: bytes) -> None:
    """Refuse a workbook (a zip) before parsing it: not a zip, too many parts, too big
    unpacked, or packed like a zip bomb. The sizes are those the zip declares: Python's zipfile
    never unpacks more than a part declares (a lie ends in a CRC error), so they bound the
    work."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise _unreadable_workbook() from None
    if len(parts) > MAX_PARTS:
        raise ValidationError(
            _(
                "The workbook holds {count} files; an Excel workbook holds a few dozen, "
                "and at most {limit} are accepted."
            ).format(count=format_decimal(len(parts), 0), limit=format_decimal(MAX_PARTS, 0))
        )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValidationError(
            _(
                "Unpacked, the workbook takes {size} MB; at most {limit} MB can be imported. "
                "Keep only the sheet “{sheet}”, or import it as a CSV file."
            ).format(
                size=_megabytes(unpacked),
                limit=_megabytes(MAX_UNPACKED_BYTES),
                sheet=IMPORT_SHEET,
            )
        )
    for part in parts:
        if _packed_too_tightly(part.file_size, part.compress_size):
            raise ValidationError(
                _(
                    "The part “{name}” of the workbook unpacks to {ratio} times its packed "
                    "size; at most {limit} times is accepted (a zip bomb looks like this)."
                ).format(
                    name=part.filename,
                    ratio=format_decimal(part.file_size // max(part.compress_size, 1), 0),
                    limit=MAX_PACKING_RATIO,
                )
            )
    packed = sum(part.compress_size for part in parts)
    if _packed_too_tightly(unpacked, packed):
        raise ValidationError(
            _(
                "The workbook unpacks to {ratio} times its packed size; at most {limit} times "
                "is accepted (a zip bomb looks like this)."
            ).format(ratio=format_decimal(unpacked // max(packed, 1), 0), limit=MAX_PACKING_RATIO)
        )
    if "[Content_Types].xml" not in {part.filename for part in parts}:
        raise _unreadable_workbook()


def _packed_too_tightly(unpacked: int, packed: int) -> bool:
    return unpacked > RATIO_CHECKED_FROM and unpacked > MAX_PACKING_RATIO * packed


def _unreadable_workbook() -> ValidationError:
    return ValidationError(
        _(
            "The file could not be read as an Excel workbook (.xlsx). "
            "Open it in Excel or LibreOffice and save it again as .xlsx."
        )
    )


def _megabytes(size: int) -> str:
    return format_decimal(size / 2**20, 1)


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
