"""Backup to .xlsx and restore: the organisation comes back exactly, on SQLite and PostgreSQL.

The small demo organisation plus rows with awkward values (emoji, Vietnamese, text that looks
like a formula or like the file's own escapes, control characters, empty strings next to
NULLs, JSON null next to SQL NULL, floats that a spreadsheet would round, microseconds) is
backed up, restored into an empty database and compared with the original row by row, table
by table (JSON columns as the text stored).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, insert, select, update

from db import backup as backup_module
from db import commands, queries
from db.backup import backup, kind_of, readable
from db.demo import load_demo
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_head
from db.models import AuditLog, Base, KeyResult, Kudos, Setting, Team
from db.restore import RestoreError, restore
from tests.conftest import POSTGRES_URL
from tests.factories import run
from tests.reliability.world import database_urls

ROOT = Path(__file__).resolve().parents[2]
AWKWARD = [
    "=1+1",
    "_x000B_ is how Excel writes a vertical tab",
    "_xEMPTY_",
    "tab\tand\nnew line",
    "vertical\x0btab and bell\x07",
    "  spaces around  ",
    "Đạt mục tiêu quý 4 🚀👩‍👩‍👧 زيادة",
]


def dump(engine, parse_json: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table; JSON as its stored text (or parsed, to compare across kinds
    of database), floats by their exact repr."""
    with engine.connect() as connection:
        tables = {}
        for table in Base.metadata.sorted_tables:
            json_columns = [kind_of(c) == "json" for c in table.columns]
            query = select(*(readable(connection, c) for c in table.columns)).order_by(
                *table.primary_key.columns
            )
            tables[table.name] = [
                tuple(
                    _plain(value, parse_json and is_json)
                    for value, is_json in zip(row, json_columns, strict=True)
                )
                for row in connection.execute(query)
            ]
        return tables


def _plain(value, parse: bool):
    if parse and isinstance(value, str):
        value = json.loads(value)
    return repr(value) if isinstance(value, float) else value


@pytest.fixture
def source(engine):
    """The small demo, plus awkward values written straight into the tables."""
    load_demo(engine, "small", today=date(2026, 11, 26))
    with engine.begin() as connection:
        team = connection.scalar(select(func.min(Team.id)))
        giver, receiver = connection.execute(select(Kudos.giver_id, Kudos.receiver_user_id)).first()
        for text in [*AWKWARD, ""]:
            connection.execute(
                insert(Kudos).values(
                    giver_id=giver,
                    receiver_user_id=receiver,
                    message=text,
                    created_at=datetime(2026, 11, 26, 9, 30, 15, 123456),
                )
            )
        kr = connection.scalar(select(func.min(KeyResult.id)))
        connection.execute(
            update(KeyResult)
            .where(KeyResult.id == kr)
            .values(
                weight=0.1 + 0.2,
                start_value=-0.0,
                target_value=1e15,
                current_value=123456789.12345679,
                unit_label="",
                score_reason=None,
            )
        )
        connection.execute(update(Team).where(Team.id == team).values(name="=SUM(A1:A9) team"))
        connection.execute(
            insert(AuditLog).values(
                action="test.nulls",
                entity="test",
                before=None,  # JSON null
                after={"text": AWKWARD, "n": 0.1 + 0.2, "nested": {"none": None}},
                created_at=datetime(2026, 1, 2, 3, 4, 5, 6),
            )
        )
        connection.execute(insert(Setting).values(key="awkward", value=[None, "", 1.5, "=1"]))
    return engine


@pytest.fixture
def target_url(db_url, tmp_path):
    """A second, empty database of the same kind."""
    folder = tmp_path / "target"
    folder.mkdir()
    yield from database_urls("postgresql" if db_url.startswith("postgresql") else "sqlite", folder)


def test_a_backup_restores_every_table_exactly(source, target_url, tmp_path):
    path = tmp_path / "okr.xlsx"
    counts = backup(source, path)
    assert counts["check_ins"] > 1000 and counts["users"] == 50
    target = make_engine(target_url)
    try:
        restored = restore(target, path)
        assert restored == counts
        original, copy = dump(source), dump(target)
        for table in original:
            assert copy[table] == original[table], f"{table} differs after the round trip"
    finally:
        target.dispose()


def test_the_spreadsheet_reads_as_a_spreadsheet(source, tmp_path):
    path = tmp_path / "okr.xlsx"
    backup(source, path)
    book = load_workbook(path)
    assert book.sheetnames[0] == "_about"
    assert set(book.sheetnames[1:]) == {t.name for t in Base.metadata.sorted_tables}
    teams = book["teams"]
    assert [c.value for c in teams[1]] == [c.name for c in Team.__table__.columns]
    formula = next(c for row in teams.iter_rows() for c in row if c.value == "=SUM(A1:A9) team")
    assert formula.data_type == "s"  # text, not a formula a spreadsheet would run
    kudos = [
        row[Kudos.__table__.columns.keys().index("message")].value
        for row in book["kudos"].iter_rows()
    ]
    assert (
        "Đạt mục tiêu quý 4 🚀👩‍👩‍👧 زيادة" in kudos
        and "vertical_x000B_tab and bell_x0007_" in kudos
    )


def test_a_table_longer_than_a_sheet_continues_on_more_sheets(
    source, target_url, tmp_path, monkeypatch
):
    monkeypatch.setattr(backup_module, "MAX_ROWS_PER_SHEET", 1000)
    path = tmp_path / "okr.xlsx"
    counts = backup(source, path)
    sheets = load_workbook(path, read_only=True).sheetnames
    expected = -(-counts["check_ins"] // 1000)
    assert [s for s in sheets if s.startswith("check_ins")] == ["check_ins"] + [
        f"check_ins~{n}" for n in range(2, expected + 1)
    ]
    target = make_engine(target_url)
    try:
        restore(target, path)
        assert dump(target)["check_ins"] == dump(source)["check_ins"]
    finally:
        target.dispose()


def test_restore_refuses_a_database_with_data_unless_replace(source, tmp_path):
    path = tmp_path / "okr.xlsx"
    backup(source, path)
    before = dump(source)
    with pytest.raises(RestoreError, match=r"^The database is not empty \(.*50 users.*--replace"):
        restore(source, path)
    assert dump(source) == before
    restore(source, path, replace=True)
    assert dump(source) == before


def test_after_a_restore_the_app_writes_new_rows_after_the_restored_ids(
    source, target_url, tmp_path
):
    path = tmp_path / "okr.xlsx"
    backup(source, path)
    target = make_engine(target_url)
    try:
        restore(target, path)
        sessions = make_sessionmaker(target)
        with sessions() as session:
            admin = queries.current_user(session, "admin").actor
            largest = session.scalar(select(func.max(Team.id)))
        new_team = run(sessions, commands.create_team, admin, "Sau khi khôi phục", None, None)
        assert new_team == largest + 1
    finally:
        target.dispose()


def test_a_file_that_is_not_a_backup_is_refused(engine, tmp_path):
    other = tmp_path / "other.xlsx"
    Workbook().save(other)
    with pytest.raises(RestoreError, match="not made by python -m db.backup"):
        restore(engine, other)
    with pytest.raises(RestoreError, match="There is no file"):
        restore(engine, tmp_path / "missing.xlsx")


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (OKR_TEST_POSTGRES_URL)")
def test_a_sqlite_backup_restores_into_postgresql(tmp_path, sqlite_url):
    source = make_engine(sqlite_url)
    upgrade_head(source)
    load_demo(source, "small", today=date(2026, 11, 26))
    path = tmp_path / "okr.xlsx"
    backup(source, path)
    for url in database_urls("postgresql", tmp_path):
        target = make_engine(url)
        try:
            restore(target, path)
            assert dump(target, parse_json=True) == dump(source, parse_json=True)
        finally:
            target.dispose()
    source.dispose()


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o277])
def test_a_backup_is_readable_by_its_owner_only_whatever_was_there(engine, tmp_path, umask):
    """It holds password hashes: mode 0600 from the start, also over an older, wider file."""
    folder = tmp_path / "backups"
    folder.mkdir()
    path = folder / "okr.xlsx"
    path.write_bytes(b"last week's backup")
    path.chmod(0o644)
    before = os.umask(umask)
    try:
        backup(engine, path)
    finally:
        os.umask(before)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_workbook(path, read_only=True).sheetnames[0] == "_about"
    assert os.listdir(folder) == ["okr.xlsx"]  # no temporary file left beside it


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_the_command_line_pair(source, db_url, target_url, tmp_path):
    path = tmp_path / "okr.xlsx"
    made = cli("db.backup", str(path), "--database-url", db_url)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"Backed up to {path}: ")
    assert made.stdout.splitlines()[-1] == (
        "Only you can read it (mode 0600): it holds password hashes. Keep it that way."
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    restored = cli("db.restore", str(path), "--database-url", target_url)
    assert restored.returncode == 0, restored.stderr
    assert "50 users" in restored.stdout
    again = cli("db.restore", str(path), "--database-url", target_url)
    assert again.returncode == 2
    assert again.stderr.startswith("Nothing was restored: The database is not empty")
    replaced = cli("db.restore", str(path), "--database-url", target_url, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    target = make_engine(target_url)
    try:
        assert dump(target) == dump(source)
    finally:
        target.dispose()
