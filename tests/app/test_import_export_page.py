"""The Import & export page (admins only): the preview shows every row's problem and keeps the
import button disabled; a valid file imports in one click; unreadable files get a message."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import files_out
from db import exchange
from db.models import KeyResult, Objective
from tests import hostile_files as hostile
from tests.app.helpers import button, can_open, errors, sign_in
from tests.factories import PASSWORD, build_org

PAGE = "app_pages/import_export.py"
HEADER = ",".join(exchange.COLUMNS)
GOOD = [
    "objective,A,Now,company,,eve,Win the mid-market,,,active,,,,,,,",
    "key_result,A,,,,,Revenue,,,,increase,currency,VND,,0,1000000,",
    "key_result,A,,,,sam,Churn,,,,stay_below,percent,,,,2,",
]
BAD_KR = "key_result,A,,,,,Backwards,,,,increase,,,,10,0,"


@pytest.fixture
def org(app_db):
    return build_org(app_db)


def csv_file(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode()


def open_page():
    at = sign_in("admin", PASSWORD)
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    return at


def upload(at, name: str, data: bytes):
    at.file_uploader[0].set_value((name, data, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert not any("Something went wrong" in e for e in errors(at)), errors(at)  # app.py's catch
    return at


def okr_counts(sessions) -> tuple[int, int]:
    with sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Objective)),
            session.scalar(select(func.count()).select_from(KeyResult)),
        )


def test_only_admins_have_the_page(org):
    for username in ("mia", "lena", "eve"):
        assert not can_open(sign_in(username, PASSWORD), PAGE)
    at = open_page()
    assert at.title[0].value == "Import & export"
    downloads = [element.proto.label for element in at.get("download_button")]
    assert downloads == [
        "Excel workbook (.xlsx)",
        "CSV files (.zip)",
        "Template (.xlsx)",
        "Template (.csv)",
    ]
    assert at.radio(key="import_export.scope").options == [
        "The cycle Now",
        "Everything (all cycles)",
    ]


def test_the_preview_shows_each_rows_problem_and_the_import_stays_disabled(org, app_db):
    at = upload(open_page(), "okrs.csv", csv_file(*GOOD, BAD_KR))

    assert [e.replace("\\", "") for e in errors(at)] == [
        "1 of 4 rows has an error, so nothing can be imported yet. Fix the file and upload it "
        "again.\n\n- Row 5: An increasing key result needs a target above its start."
    ]
    preview = at.dataframe[0].value
    assert preview.loc[preview["row"] == 5, "problem"].tolist() == [
        "An increasing key result needs a target above its start."
    ]
    assert set(preview.loc[preview["row"] != 5, "problem"]) == {""}
    assert button(at, "Import 1 objective and 3 key results").disabled

    at.toggle(key="import_export.only_errors").set_value(True).run()
    assert at.dataframe[0].value["row"].tolist() == [5]
    assert okr_counts(app_db) == (0, 0)  # the preview wrote nothing


def test_a_valid_file_imports_in_one_click(org, app_db):
    at = upload(open_page(), "okrs.csv", csv_file(*GOOD))
    assert at.success[0].value == "All 3 rows are valid: 1 objective and 2 key results."
    assert not errors(at)
    assert at.dataframe[0].value["title"].tolist() == ["Win the mid-market", "Revenue", "Churn"]

    button(at, "Import 1 objective and 2 key results").click()
    at.run()

    assert not at.exception and not errors(at)
    assert okr_counts(app_db) == (1, 2)
    assert at.success[0].value == "Imported 1 objective and 2 key results."
    assert not at.dataframe  # a fresh uploader: the same file is not offered again
    with app_db() as session:
        assert session.scalar(select(Objective.state)) == "active"


def test_an_excel_file_imports_too(org, app_db):
    xlsx = files_out.xlsx_bytes([("okrs", exchange.COLUMNS, [row.split(",") for row in GOOD])])
    at = upload(open_page(), "okrs.xlsx", xlsx)
    assert at.success[0].value.startswith("All 3 rows are valid")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("okrs.csv", b"", "The file is empty."),
        ("okrs.csv", HEADER.encode(), "column headings but no rows"),
        ("okrs.csv", b"goal,owner\nSell,eve\n", "The columns do not match the template"),
        ("okrs.xlsx", b"not a workbook", "could not be read as an Excel workbook"),
    ],
)
def test_bad_files_get_a_clear_message_and_no_import_button(org, app_db, name, data, message):
    at = upload(open_page(), name, data)
    assert len(errors(at)) == 1 and message in errors(at)[0].replace("\\", "")
    assert not any(b.label.startswith("Import ") for b in at.button)
    assert okr_counts(app_db) == (0, 0)


@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        (
            "okrs.xlsx",
            lambda: hostile.huge_shared_string(256 * hostile.MB, level=1),
            "Unpacked, the workbook takes 256 MB; at most 50 MB can be imported.",
        ),
        ("okrs.xlsx", hostile.lying_dimension, "The file goes on past row 10,001"),
        ("okrs.xlsx", hostile.zip_bomb, "at most 100 times is accepted"),
        ("okrs.csv", lambda: hostile.csv_okrs(5_001), "The file has more than 5,000 rows"),
        ("okrs.csv", hostile.csv_giant_cell, "Row 2: a cell holds more than 10,000 characters."),
    ],
)
def test_hostile_files_are_refused_with_their_limit_and_nothing_is_written(
    org, app_db, name, build, message
):
    at = upload(open_page(), name, build())
    assert len(errors(at)) == 1 and message in errors(at)[0].replace("\\", "")
    assert not at.dataframe and not any(b.label.startswith("Import ") for b in at.button)
    assert okr_counts(app_db) == (0, 0)
