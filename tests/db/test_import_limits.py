"""Imports cannot exhaust the server: every hostile file (built here, never committed) is
refused within 5 seconds, in under 300 MB, with a message naming the limit it hit; the
preview of a file at the row limit is quick, writes nothing and takes no write lock, so a
check-in made meanwhile does not wait for it (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, select

from db import commands, exchange
from db.commands import CheckInInput, KRInput, ObjectiveInput
from db.commands.imports import check_import
from db.engine import make_engine, make_sessionmaker
from db.models import KeyResult
from tests import hostile_files as hostile
from tests.db.test_exchange import counts
from tests.factories import build_org, run

ROOT = Path(__file__).resolve().parents[2]
SECONDS = 5
PEAK_MB = 300

# The child reads the file, then times read_table alone and reports its own peak RSS
# (tracemalloc would miss what expat and zlib allocate in C).
CHILD = """
import json, sys, time
from core.errors import ValidationError
from db import exchange
data = open(sys.argv[1], "rb").read()
start = time.perf_counter()
try:
    exchange.read_table(data, sys.argv[2])
    message = None
except ValidationError as error:
    message = str(error)
seconds = time.perf_counter() - start
# VmHWM: this process's own peak RSS. ru_maxrss would also count the parent's peak, which
# the child inherits through fork and exec.
status = open("/proc/self/status").read()
peak_mb = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({"message": message, "seconds": seconds, "peak_mb": peak_mb}))
"""

HOSTILE = {
    # name: (build, file name, what the refusal says)
    "1 GiB-like shared string": (
        lambda: hostile.huge_shared_string(256 * hostile.MB, level=1),
        "okrs.xlsx",
        "Unpacked, the workbook takes 256 MB; at most 50 MB can be imported.",
    ),
    "a million rows": (
        hostile.million_rows,
        "okrs.xlsx",
        "The file has more than 5,000 rows; import at most 5,000 at a time.",
    ),
    "a million formatted empty rows": (
        lambda: hostile.million_rows(blank=True),
        "okrs.xlsx",
        "The file goes on past row 10,001 (empty or formatted rows count too).",
    ),
    "a lying size (A1:XFD1048576)": (
        hostile.lying_dimension,
        "okrs.xlsx",
        "The file goes on past row 10,001",
    ),
    "a zip bomb": (
        hostile.zip_bomb,
        "okrs.xlsx",
        "times its packed size; at most 100 times is accepted",
    ),
    "20,000 parts": (
        hostile.many_entries,
        "okrs.xlsx",
        "The workbook holds 20,005 files;",
    ),
    "random bytes named .xlsx": (
        hostile.not_a_zip,
        "okrs.xlsx",
        "could not be read as an Excel workbook",
    ),
    "a zip that is no workbook": (
        hostile.zip_without_workbook,
        "okrs.xlsx",
        "could not be read as an Excel workbook",
    ),
    "5,001 CSV rows": (
        lambda: hostile.csv_okrs(exchange.MAX_ROWS + 1),
        "okrs.csv",
        "The file has more than 5,000 rows; import at most 5,000 at a time.",
    ),
    "a 4 MB CSV cell": (
        hostile.csv_giant_cell,
        "okrs.csv",
        "Row 2: a cell holds more than 10,000 characters.",
    ),
    "a 20 MB workbook cell": (
        hostile.giant_inline_cell,
        "okrs.xlsx",
        "Row 2, column G (title): the cell holds 20,971,520 characters; a cell can hold at "
        "most 10,000.",
    ),
    "a 6 MB CSV": (
        hostile.csv_too_big,
        "okrs.csv",
        "The file is 6 MB; an import file can be at most 5 MB.",
    ),
    "a million CSV columns": (
        hostile.csv_wide,
        "okrs.csv",
        "Row 1 goes on past column AX (in a workbook, a formatted empty cell counts too)",
    ),
    "16,384 workbook columns": (
        hostile.wide_row,
        "okrs.xlsx",
        "Row 2 goes on past column AX",
    ),
    "binary garbage as CSV": (
        hostile.csv_binary,
        "okrs.csv",
        "The file holds binary data, not text.",
    ),
}


def read_in_child(path: Path, name: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_file_is_refused_quickly_in_little_memory(case, tmp_path):
    build, name, message = HOSTILE[case]
    path = tmp_path / name
    path.write_bytes(build())

    result = read_in_child(path, name)

    assert result["message"] is not None, f"{case}: accepted"
    assert message in result["message"]
    assert result["seconds"] < SECONDS, result
    assert result["peak_mb"] < PEAK_MB, result


def test_a_file_at_the_row_limit_is_read_in_little_memory(tmp_path):
    path = tmp_path / "okrs.csv"
    path.write_bytes(hostile.csv_okrs(exchange.MAX_ROWS))
    result = read_in_child(path, "okrs.csv")
    assert result["message"] is None
    assert result["seconds"] < SECONDS and result["peak_mb"] < PEAK_MB, result


# --- the preview -----------------------------------------------------------------------------


@pytest.fixture
def org(sessions):
    org = build_org(sessions)
    mia = org.actor("mia")
    goal = ObjectiveInput(
        org.ids["cycle"],
        "individual",
        "Make onboarding painless",
        mia.id,
        key_results=[KRInput("Activated accounts", "increase", 0, 1000)],
    )
    org.ids["goal"] = run(sessions, commands.create_objective, mia, goal)
    run(sessions, commands.set_objective_state, mia, org.ids["goal"], None, "active")
    with sessions() as session:
        org.ids["kr"] = session.scalar(
            select(KeyResult.id).where(KeyResult.objective_id == org.ids["goal"])
        )
    return org


def statements_of(engine) -> list[str]:
    """Every SQL statement the engine runs from now on."""
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def is_write(statement: str) -> bool:
    return statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")


def test_a_preview_at_the_row_limit_is_quick_and_writes_nothing(org, engine):
    table = exchange.read_table(hostile.csv_okrs(exchange.MAX_ROWS), "okrs.csv")
    before = counts(org.sessions)
    statements = statements_of(engine)

    start = time.perf_counter()
    with org.sessions() as session:  # as the page runs it: a plain session, no write intent
        check = check_import(session, org.admin, table)
    seconds = time.perf_counter() - start

    assert (check.objectives, check.key_results, check.errors) == (1_000, 4_000, {})
    assert [s for s in statements if is_write(s)] == []
    assert seconds < SECONDS
    assert counts(org.sessions) == before


def test_a_check_in_does_not_wait_for_a_preview(org, db_url):
    """The preview runs on its own engine (as on another server); it pauses at its first
    write, if it makes one, and before it ends — a check-in meanwhile must not wait."""
    table = exchange.read_table(hostile.csv_okrs(exchange.MAX_ROWS), "okrs.csv")
    preview_engine = make_engine(db_url)
    preview_sessions = make_sessionmaker(preview_engine)
    paused, checked_in = threading.Event(), threading.Event()
    results: list = []

    @event.listens_for(preview_engine, "after_cursor_execute")
    def pause_at_the_first_write(conn, cursor, statement, *args):
        if is_write(statement) and not paused.is_set():
            paused.set()
            checked_in.wait(timeout=3)

    def preview():
        try:
            with preview_sessions() as session:
                results.append(check_import(session, org.admin, table))
                paused.set()  # no write: hold the preview's transaction open instead
                checked_in.wait(timeout=3)
        except Exception as error:  # inspected below
            results.append(error)

    thread = threading.Thread(target=preview)
    thread.start()
    try:
        assert paused.wait(timeout=120)
        start = time.perf_counter()
        try:
            mia = org.actor("mia")
            run(org.sessions, commands.check_in, mia, CheckInInput(org.ids["kr"], 5, 7, "now"))
        finally:
            seconds = time.perf_counter() - start
            checked_in.set()
        thread.join(timeout=120)
    finally:
        checked_in.set()
        preview_engine.dispose()
    assert seconds < 2, f"the check-in waited {seconds:.1f} s for the preview"
    assert [type(r).__name__ for r in results] == ["ImportCheck"], results
    assert results[0].errors == {}
