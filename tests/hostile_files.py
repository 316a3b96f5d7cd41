"""Hostile import files, built on the fly (never committed): a workbook whose one cell is a
huge shared string, workbooks with a million rows or a lying size, a zip bomb, garbage named
.xlsx, CSV files too long, too wide or with a giant cell.

``workbook`` writes a minimal .xlsx part by part, each part streamed from byte chunks, so a
part of a gigabyte costs the test little memory (it compresses to a few megabytes at most)."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

from db.exchange import COLUMNS

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
BOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
MB = 1 << 20

GOOD_ROW = ("objective", "O1", "Now", "company", "", "eve", "Win the mid-market")


def column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(row: int, column: int, value: str) -> bytes:
    ref = f"{column_letter(column)}{row}"
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'.encode()


def text_row(row: int, values: Iterable[str]) -> bytes:
    cells = b"".join(cell(row, column, v) for column, v in enumerate(values, start=1) if v)
    return f'<row r="{row}">'.encode() + cells + b"</row>"


def workbook(
    rows: Iterable[bytes],
    *,
    shared_strings: Iterable[bytes] | None = None,
    dimension: str = "A1:Q2",
    level: int = 6,
) -> bytes:
    """An .xlsx with one sheet "okrs" whose <sheetData> holds ``rows`` (XML chunks); with
    ``shared_strings``, an xl/sharedStrings.xml whose <sst> holds those chunks."""
    content_types = (
        f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{BOOK_TYPE}"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}"/>'
        + (
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'
            if shared_strings is not None
            else ""
        )
        + "</Types>"
    )
    package_rels = (
        f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{OFFICE_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    book = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{OFFICE_RELS}"><sheets>'
        f'<sheet name="okrs" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    strings_rel = (
        f'<Relationship Id="rId2" Type="{OFFICE_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
        if shared_strings is not None
        else ""
    )
    book_rels = (
        f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" Type="{OFFICE_RELS}/worksheet" '
        f'Target="worksheets/sheet1.xml"/>{strings_rel}</Relationships>'
    )
    sheet = [
        f'<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>'.encode(),
        *rows,
        b"</sheetData></worksheet>",
    ]
    parts: list[tuple[str, Iterable[bytes]]] = [
        ("[Content_Types].xml", [content_types.encode()]),
        ("_rels/.rels", [package_rels.encode()]),
        ("xl/workbook.xml", [book.encode()]),
        ("xl/_rels/workbook.xml.rels", [book_rels.encode()]),
        ("xl/worksheets/sheet1.xml", sheet),
    ]
    if shared_strings is not None:
        strings = [f'<sst xmlns="{MAIN}">'.encode(), *shared_strings, b"</sst>"]
        parts.append(("xl/sharedStrings.xml", strings))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, chunks in parts:
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)
    return out.getvalue()


def repeated(chunk: bytes, total: int) -> Iterator[bytes]:
    """``total`` bytes of ``chunk`` repeated, a megabyte at a time."""
    block = chunk * max(1, MB // len(chunk))
    for _ in range(total // len(block)):
        yield block
    yield chunk * ((total % len(block)) // len(chunk))


def huge_shared_string(size: int = 1 << 30, level: int = 6) -> bytes:
    """A good header and one objective whose title is a shared string of ``size`` "A"s
    (the issue's 1 GiB cell; it compresses to about a megabyte, but takes 15 s to build:
    tests use 256 MB at ``level`` 1, 1.3 s)."""
    headings = [f"<si><t>{name}</t></si>".encode() for name in COLUMNS]
    title = [b"<si><t>", *repeated(b"A", size), b"</t></si>"]
    shared = len(COLUMNS)
    header = "".join(f'<c r="{column_letter(i + 1)}1" t="s"><v>{i}</v></c>' for i in range(shared))
    row = f'{cell(2, 1, "objective").decode()}<c r="G2" t="s"><v>{shared}</v></c>'
    rows = [f'<row r="1">{header}</row>'.encode(), f'<row r="2">{row}</row>'.encode()]
    return workbook(rows, shared_strings=[*headings, *title], level=level)


def million_rows(count: int = 1_000_000, blank: bool = False) -> bytes:
    """A good header, then ``count`` rows of one small number each (the issue's 1.3 MB
    workbook that was still parsing after 120 s) or, ``blank``, of one formatted empty cell."""
    cell = '<c r="Q{row}" s="0"/>' if blank else '<c r="Q{row}"><v>1</v></c>'

    def rows() -> Iterator[bytes]:
        yield text_row(1, COLUMNS)
        for start in range(2, count + 2, 10_000):
            yield "".join(
                f'<row r="{row}">{cell.format(row=row)}</row>'
                for row in range(start, min(start + 10_000, count + 2))
            ).encode()

    return workbook(rows(), dimension=f"A1:Q{count + 1}")


def lying_dimension() -> bytes:
    """A few bytes that claim every row and column Excel allows (A1:XFD1048576) and put one
    cell in the very last row, so a reader that trusts them makes a million empty rows."""
    rows = [
        text_row(1, COLUMNS),
        text_row(2, GOOD_ROW),
        b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
    ]
    return workbook(rows, dimension="A1:XFD1048576")


def zip_bomb(size: int = 45 * MB) -> bytes:
    """A valid-looking sheet padded with ``size`` bytes of whitespace: under the size limit,
    but it inflates a thousand times over (what a nested or overlapping bomb relies on)."""
    rows = [text_row(1, COLUMNS), *repeated(b" ", size), text_row(2, GOOD_ROW)]
    return workbook(rows, level=9)


def wide_row() -> bytes:
    """A good header and a row with a value in each of 16,384 columns (XFD)."""
    row = (
        b'<row r="2">'
        + b"".join(f'<c r="{column_letter(c)}2"><v>1</v></c>'.encode() for c in range(1, 16_385))
        + b"</row>"
    )
    return workbook([text_row(1, COLUMNS), row], dimension="A1:XFD2")


def coin_flips(total: int) -> Iterator[bytes]:
    """``total`` random letters A or B, a megabyte at a time: text that packs only about 7:1,
    so a big cell stays under the packing-ratio limit and reaches the cell-length one."""
    letters = bytes(b"AB"[byte & 1] for byte in range(256))
    for start in range(0, total, MB):
        yield os.urandom(min(MB, total - start)).translate(letters)


def giant_inline_cell(size: int = 20 * MB) -> bytes:
    """A good header and one objective whose title, written in the sheet itself, is ``size``
    characters long (under the size and packing limits)."""
    row = [b'<row r="2">', cell(2, 1, "objective"), b'<c r="G2" t="inlineStr"><is><t>',
           *coin_flips(size), b"</t></is></c></row>"]  # fmt: skip
    return workbook([text_row(1, COLUMNS), *row])


def not_a_zip() -> bytes:
    return os.urandom(64 * 1024)


def zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("okrs.csv", ",".join(COLUMNS))
    return out.getvalue()


def many_entries(count: int = 20_000) -> bytes:
    """A real workbook plus ``count`` empty members."""
    good = io.BytesIO(workbook([text_row(1, COLUMNS), text_row(2, GOOD_ROW)]))
    out = io.BytesIO()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        for number in range(count):
            archive.writestr(f"xl/media/empty{number}.bin", b"")
    return out.getvalue()


# --- CSV --------------------------------------------------------------------------------------

HEADER = ",".join(COLUMNS)


def csv_okrs(rows: int) -> bytes:
    """``rows`` valid rows for tests.factories.build_org: company objectives of eve in the
    cycle "Now", each followed by four key results (so 5,000 rows: 1,000 objectives)."""
    lines = [HEADER]
    for number in range(rows):
        ref = f"O{number // 5}"
        if number % 5 == 0:
            lines.append(f"objective,{ref},Now,company,,eve,Goal {number // 5},,,active,,,,,,,")
        else:
            lines.append(f"key_result,{ref},,,,,Result {number},,,,increase,,,,0,{number},")
    return "\n".join(lines).encode()


def csv_giant_cell(size: int = 4 * MB) -> bytes:
    """One objective whose title is ``size`` characters (under the upload limit)."""
    return f"{HEADER}\nobjective,O1,Now,company,,eve,{'C' * size},,,,,,,,,,".encode()


def csv_too_big(size: int = 6 * MB) -> bytes:
    return csv_okrs(5) + b"\n" + b"," * size


def csv_wide() -> bytes:
    """The template's header followed by a million more headings, in one line."""
    return (HEADER + ",x" * 1_000_000 + "\n" + ",".join(GOOD_ROW)).encode()


def csv_binary() -> bytes:
    """Garbage that happens to be valid UTF-8, with NUL bytes and no line breaks."""
    return bytes(range(0, 128)) * 4096
