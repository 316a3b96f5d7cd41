"""Files out: every CSV and Excel file the app hands to someone is written here, so that no
cell of user text can become a live formula in a spreadsheet.

The rule (OWASP "CSV Injection"; ASVS 5.0 1.2.10 adds NUL): text starting with ``=``, ``+``,
``-``, ``@``, tab, carriage return, line feed or NUL is prefixed with one apostrophe, and so is
text where apostrophes come before such a character, so that a reader removing exactly one
apostrophe (``NEUTRALISED``; the import does) gets the original back. Numbers, dates and
booleans are values, not text: a negative number stays a number, while the text "-1+2" is
neutralised.

- CSV: UTF-8 with a byte order mark (Excel then reads Vietnamese correctly), RFC 4180 quoting,
  CRLF line ends; an empty or missing value (None, NaN, NaT) is an empty cell, datetimes are
  ISO text ("2026-11-26 20:31:16").
- Excel: write-only workbooks (fast, streamed). Text is always a string cell, never a formula
  (openpyxl would store a string starting with "=" as one); text that the rule neutralises is
  marked "quote prefix", Excel's own form of a typed leading apostrophe, so the cell shows the
  text, stays text when edited, and reads back unchanged. Characters a workbook cannot hold
  (control characters) are dropped.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = "=+-@\t\r\n\0"
_NEEDS_APOSTROPHE = re.compile(rf"'*[{re.escape(FORMULA_TRIGGERS)}]")
# The apostrophe the rule added, for readers that want the text back.
NEUTRALISED = re.compile(rf"^'(?='*[{re.escape(FORMULA_TRIGGERS)}])")
MAX_SHEET_ROWS = 1_048_575  # Excel's limit, less the header; longer tables go on "name~2"
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MIME = "application/zip"

Rows = Iterable[Iterable[Any]]
Sheet = tuple[str, Sequence[str], Rows]  # (name, column names, rows)


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet may safely read it: text that a spreadsheet would run as a
    formula gets a leading apostrophe; anything that is not text is returned unchanged."""
    if isinstance(value, str) and _NEEDS_APOSTROPHE.match(value):
        return "'" + value
    return value


def frame_table(frame: pd.DataFrame) -> tuple[list[str], Rows]:
    """A DataFrame's column names and rows (plain tuples: no class made per call)."""
    return [str(c) for c in frame.columns], frame.itertuples(index=False, name=None)


# --- CSV ---------------------------------------------------------------------------------------


def csv_bytes(table: pd.DataFrame | Sequence[str], rows: Rows | None = None) -> bytes:
    """A CSV file: ``csv_bytes(frame)`` or ``csv_bytes(columns, rows)``."""
    columns, rows = frame_table(table) if isinstance(table, pd.DataFrame) else (table, rows)
    out = io.StringIO(newline="")
    _write_csv(out, columns, rows or ())
    return out.getvalue().encode("utf-8-sig")


def csv_zip(sheets: Iterable[Sheet]) -> bytes:
    """A zip with one CSV file per sheet ("<name>.csv"), each streamed into the archive."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, columns, rows in sheets:
            entry = archive.open(f"{name}.csv", "w")
            with io.TextIOWrapper(entry, "utf-8-sig", newline="") as text:
                _write_csv(text, columns, rows)
    return out.getvalue()


def _write_csv(out, columns: Sequence[str], rows: Rows) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_value(c) for c in columns])
    writer.writerows([_csv_value(value) for value in row] for row in rows)


def _csv_value(value: Any) -> Any:
    if isinstance(value, str):  # first: most cells are text
        return safe_cell(value)
    if _missing(value):
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


# --- Excel -------------------------------------------------------------------------------------


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """An .xlsx workbook with one sheet per (name, columns, rows); text is never a formula."""
    workbook = Workbook(write_only=True)
    for name, columns, rows in sheets:
        sheet, part, count = _new_sheet(workbook, name, columns), 1, 0
        for row in rows:
            if count == MAX_SHEET_ROWS:
                part, count = part + 1, 0
                sheet = _new_sheet(workbook, f"{name}~{part}", columns)
            sheet.append([xlsx_cell(sheet, value) for value in row])
            count += 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _new_sheet(workbook: Workbook, name: str, columns: Sequence[str]):
    sheet = workbook.create_sheet(name)
    sheet.append([xlsx_cell(sheet, str(c)) for c in columns])
    return sheet


def xlsx_cell(sheet, value: Any) -> Any:
    """What to append to a write-only ``sheet`` for ``value``: text never becomes a formula,
    and text a spreadsheet would run carries the quote prefix."""
    if not isinstance(value, str):
        return None if _missing(value) else value
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not _NEEDS_APOSTROPHE.match(text):
        return text  # plain text: a WriteOnlyCell each would cost a tenth of the export
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # openpyxl would make "=…" a formula
    cell.quotePrefix = True  # Excel's leading apostrophe: shown and kept as text
    return cell
