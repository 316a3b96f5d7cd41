"""Back up the whole organisation to one .xlsx file: every table, one sheet each.

    python -m db.backup out.xlsx [--database-url URL]

The file holds password hashes, so only its owner may read it: it is written with mode 0600
from the start (db/private_files.py), also when it replaces an older file.

Restore it with ``python -m db.restore out.xlsx`` (db/restore.py). The round trip is exact:
ids, every column's value and type, NULLs, empty strings, datetimes to the microsecond, floats
to the last bit, JSON columns as the JSON text that was stored (SQL NULL and JSON null kept
apart). A backup is read in one transaction (REPEATABLE READ on PostgreSQL), so it is a
consistent snapshot even while the app is in use.

The file is meant to be readable in a spreadsheet as well:

- Sheet "_about": the format, the schema revision (Alembic), when it was made, and for every
  table its row count and column types. Restore checks all of these.
- One sheet per table, named after it, rows in primary-key order; the first row holds the
  column names. A table longer than a sheet can be (1,048,575 rows) continues on sheets
  named "<table>~2", "<table>~3", ….
- Cells: NULL is an empty cell. Numbers, booleans and dates are spreadsheet values.
  Datetimes are ISO text ("2026-11-26 20:31:16.123456"). Text is text, never a formula (a
  title "=1+1" stays text). Characters a spreadsheet cannot hold (control characters) are
  written as "_xHHHH_" — the OOXML convention Excel itself uses — with a literal "_x" escaped
  as "_x005F_x"; an empty string is the one cell "_xEMPTY_". Floats and integers that a
  spreadsheet number would round (beyond 16 significant digits, -0.0, NaN, ±inf) are text.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    Text,
    cast,
    select,
    text,
    type_coerce,
)
from sqlalchemy import String as SAString

from core import files_out
from db.engine import database_url, make_engine
from db.models import Base
from db.private_files import write_private

FORMAT = "okr-tracker-backup"
FORMAT_VERSION = 1
ABOUT = "_about"
MAX_ROWS_PER_SHEET = 1_048_575  # Excel's 1,048,576 rows, less the header
EMPTY_STRING = "_xEMPTY_"
BATCH = 5_000

_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_(?=x)")
_UNESCAPE = re.compile(r"_x([0-9A-F]{4})_")


# --- cell encoding, shared with db.restore -------------------------------------------------------


def kind_of(column) -> str:
    """The backup's name for a column's type."""
    column_type = column.type
    for kind, types in (
        ("json", (JSON,)),
        ("boolean", (Boolean,)),
        ("datetime", (DateTime,)),
        ("date", (Date,)),
        ("float", (Float,)),
        ("integer", (Integer,)),
        ("text", (SAString, Text)),
    ):
        if isinstance(column_type, types):
            return kind
    raise TypeError(f"{column.table.name}.{column.name}: no backup encoding for {column_type!r}")


def escape_text(value: str) -> str:
    if value == "":
        return EMPTY_STRING
    return _ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


def unescape_text(value: str) -> str:
    if value == EMPTY_STRING:
        return ""
    return _UNESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)


def _exact_number(value: float | int) -> bool:
    """Whether a spreadsheet number cell gives this value back unchanged (openpyxl writes
    numbers with 16 significant digits; -0.0, NaN and infinities it cannot write)."""
    if isinstance(value, float):
        if not math.isfinite(value) or (value == 0 and math.copysign(1.0, value) < 0):
            return False
        return float(f"{value:.16g}") == value
    return abs(value) < 10**15


def encode(kind: str, value: Any) -> Any:
    """A database value as a cell value (see the module docstring)."""
    if value is None:
        return None
    if kind == "json" and not isinstance(value, str):
        # SQLite gives a JSON number back as a number (the column has numeric affinity)
        value = json.dumps(value)
    if kind == "text" or kind == "json":
        return escape_text(value)
    if kind == "datetime":
        return value.isoformat(sep=" ", timespec="microseconds")
    if kind == "integer" or kind == "float":
        return value if _exact_number(value) else repr(value)
    return value  # boolean, date


def decode(kind: str, value: Any) -> Any:
    """A cell value back to the database value."""
    if value is None:
        return None
    if kind == "text" or kind == "json":
        return unescape_text(str(value))
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return value.date() if isinstance(value, datetime) else date.fromisoformat(str(value))
    if kind == "integer":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "boolean":
        return bool(value)
    raise ValueError(kind)


def readable(connection: Connection, column):
    """How to select a column for the backup: JSON as the text that is stored."""
    if kind_of(column) == "json":
        if connection.dialect.name == "postgresql":
            return cast(column, Text).label(column.name)
        return type_coerce(column, Text).label(column.name)
    return column


def schema_revision(connection: Connection) -> str | None:
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # no alembic_version table: not an OKR Tracker database
        return None


def sheet_names(table: str, rows: int) -> list[str]:
    sheets = max(1, -(-rows // MAX_ROWS_PER_SHEET))
    return [table] + [f"{table}~{n}" for n in range(2, sheets + 1)]


# --- backing up -------------------------------------------------------------------------------------


def backup(engine: Engine, path: str | Path) -> dict[str, int]:
    """Write every table to ``path`` (mode 0600, replacing any file there); returns
    {table: rows}."""
    workbook = Workbook(write_only=True)
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            revision = schema_revision(connection)
            if revision is None:
                raise BackupError("This database has no OKR Tracker schema (no alembic_version).")
            about = workbook.create_sheet(ABOUT)
            tables = Base.metadata.sorted_tables
            for table in tables:
                counts[table.name] = connection.scalar(select(text("count(*)")).select_from(table))
            _write_about(about, revision, counts)
            for table in tables:
                _write_table(workbook, connection, table, counts[table.name])
    write_private(path, workbook.save)  # it holds password hashes
    return counts


class BackupError(RuntimeError):
    """The backup could not be made; the message says why."""


def _write_about(sheet, revision: str, counts: dict[str, int]) -> None:
    sheet.append(["key", "value"])
    sheet.append(["format", FORMAT])
    sheet.append(["format_version", FORMAT_VERSION])
    sheet.append(["schema_revision", revision])
    sheet.append(["created_utc", datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")])
    sheet.append([])
    sheet.append(["table", "rows", "columns (name:type)"])
    for table in Base.metadata.sorted_tables:
        columns = ", ".join(f"{c.name}:{kind_of(c)}" for c in table.columns)
        sheet.append([table.name, counts[table.name], columns])


def _rows(connection: Connection, table) -> Iterator[tuple]:
    query = select(*(readable(connection, c) for c in table.columns)).order_by(
        *table.primary_key.columns
    )
    result = connection.execution_options(yield_per=BATCH).execute(query)
    yield from result


def _write_table(workbook: Workbook, connection: Connection, table, rows: int) -> None:
    kinds = [kind_of(c) for c in table.columns]
    names = sheet_names(table.name, rows)
    sheet, written, number = None, MAX_ROWS_PER_SHEET, 0
    for row in _rows(connection, table):
        if written == MAX_ROWS_PER_SHEET:
            sheet = _new_sheet(workbook, names[number], table)
            written, number = 0, number + 1
        sheet.append([_cell(sheet, kind, value) for kind, value in zip(kinds, row, strict=True)])
        written += 1
    for name in names[number:]:  # an empty table still gets its sheet and header
        _new_sheet(workbook, name, table)


def _new_sheet(workbook: Workbook, name: str, table):
    sheet = workbook.create_sheet(name)
    sheet.append([column.name for column in table.columns])
    return sheet


def _cell(sheet, kind: str, value: Any):
    encoded = encode(kind, value)
    if encoded is None:
        return None
    if isinstance(encoded, str):
        return files_out.xlsx_cell(sheet, encoded)  # text, never a formula
    cell = WriteOnlyCell(sheet, value=encoded)
    if kind == "date":
        cell.number_format = "yyyy-mm-dd"
    return cell


# --- command line -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m db.backup", description=__doc__.splitlines()[0]
    )
    parser.add_argument("file", help="the .xlsx file to write")
    parser.add_argument("--database-url", default=None, help="default: OKR_DATABASE_URL or SQLite")
    args = parser.parse_args(argv)
    path = Path(args.file)
    if path.suffix.lower() != ".xlsx":
        print("The backup file must end in .xlsx.", file=sys.stderr)
        return 2
    engine = make_engine(args.database_url or database_url())
    try:
        counts = backup(engine, path)
    except BackupError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    summary = ", ".join(f"{n:,} {name}" for name, n in counts.items())
    print(f"Backed up to {path}: {summary}.")
    print("Only you can read it (mode 0600): it holds password hashes. Keep it that way.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
