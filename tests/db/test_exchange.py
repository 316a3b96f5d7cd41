"""Import and export (issue 8 §2) on SQLite and PostgreSQL: an export imports into an empty
organisation as the same objectives and key results; the template files match the generator;
bad rows get their own message and nothing is written while any row fails."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from core import files_out
from core.errors import PermissionDenied, ValidationError
from db import commands, exchange
from db.commands import CheckInInput, KRInput, ObjectiveInput
from db.commands.imports import check_import, import_okrs
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_head
from db.models import AuditLog, KeyResult, Objective, Team, User
from tests.conftest import postgres_scratch_url
from tests.factories import build_org, run

ROOT = Path(__file__).resolve().parents[2]
HEADER = ",".join(exchange.COLUMNS)


@pytest.fixture
def org(sessions):
    return build_org(sessions)


@pytest.fixture
def empty_org(db_url, tmp_path):
    """A second database with the same people, teams and cycle, and no OKRs."""
    urls = (
        iter([f"sqlite:///{tmp_path / 'other.db'}"])
        if db_url.startswith("sqlite")
        else postgres_scratch_url()
    )
    engine = make_engine(next(urls))
    upgrade_head(engine)
    yield build_org(make_sessionmaker(engine))
    engine.dispose()
    next(urls, None)  # drops the scratch PostgreSQL database


def csv_table(*rows: str):
    return exchange.read_table("\n".join([HEADER, *rows]).encode(), "okrs.csv")


def okrs(sessions) -> list[tuple]:
    """Every objective with its key results, by names (ids differ between databases)."""
    parent = aliased(Objective)
    with sessions() as session:
        objectives = session.execute(
            select(
                Objective.id,
                Objective.title,
                Objective.level,
                Team.name,
                User.username,
                parent.title,
                Objective.state,
                Objective.description,
            )
            .outerjoin(Team, Objective.team_id == Team.id)
            .join(User, Objective.owner_id == User.id)
            .outerjoin(parent, Objective.parent_id == parent.id)
        ).all()
        krs = session.execute(
            select(
                KeyResult.objective_id,
                KeyResult.title,
                KeyResult.kind,
                KeyResult.unit,
                KeyResult.currency_code,
                KeyResult.unit_label,
                KeyResult.start_value,
                KeyResult.target_value,
                KeyResult.weight,
                User.username,
            ).join(User, KeyResult.owner_id == User.id)
        ).all()
    return sorted(
        (*objective[1:], sorted(tuple(kr[1:]) for kr in krs if kr[0] == objective[0]))
        for objective in objectives
    )


def counts(sessions) -> tuple[int, int, int]:
    with sessions() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Objective, KeyResult, AuditLog)
        )


def build_okrs(org) -> None:
    """Every kind, unit and state, alignment across levels, a KR owned by someone else."""
    admin, cycle = org.admin, org.ids["cycle"]

    def create(level, title, owner, krs, team=None, parent=None, description=""):
        data = ObjectiveInput(cycle, level, title, org.ids[owner], team, description, parent, krs)
        return run(org.sessions, commands.create_objective, admin, data)

    company = create(
        "company",
        "Win the mid-market",
        "eve",
        [
            KRInput("Revenue", "increase", "1,200,000", 1_800_000, "currency", "VND", weight=2),
            KRInput("Churn", "stay_below", None, 2.5, "percent", owner_id=org.ids["sam"]),
        ],
        description="Line one\nline two",
    )
    team = create(
        "team",
        "=SUM(A1) onboarding",
        "lena",
        [
            KRInput("Days to value", "decrease", 14, 3, "text", unit_label="days"),
            KRInput("Guided setup", "milestone", owner_id=org.ids["mia"]),
        ],
        team=org.ids["product"],
        parent=company,
    )
    create(
        "individual",
        "Học hỏi từ khách hàng",
        "mia",
        [KRInput("Interviews", "stay_above", 0, 10, weight=0.5)],
        parent=team,
    )
    archived = create("team", "Old idea", "sam", [], team=org.ids["sales"])
    closed = create("company", "Done early", "eve", [KRInput("Launch", "milestone")])
    for objective_id, states in ((company, ["active"]), (team, ["active"]),
                                 (archived, ["archived"]), (closed, ["active", "closed"])):  # fmt: skip
        for state in states:
            run(org.sessions, commands.set_objective_state, admin, objective_id, None, state)
    with org.sessions() as session:
        kr_id = session.scalar(select(KeyResult.id).where(KeyResult.title == "Revenue"))
    run(org.sessions, commands.check_in, admin, CheckInInput(kr_id, 1_500_000, 7, "Half way"))


def import_file(org, table):
    return run(org.sessions, import_okrs, org.admin, table)


# --- round trip --------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_an_export_imports_into_an_empty_database_as_the_same_okrs(org, empty_org, form):
    build_okrs(org)
    if form == "xlsx":
        data = run(org.sessions, exchange.export_xlsx, org.admin, org.ids["cycle"])
        table = exchange.read_table(data, "export.xlsx")
    else:
        data = run(org.sessions, exchange.export_csv_zip, org.admin, org.ids["cycle"])
        table = exchange.read_table(zipfile.ZipFile(io.BytesIO(data)).read("okrs.csv"), "okrs.csv")

    result = import_file(empty_org, table)

    assert (result.objectives, result.key_results, result.errors) == (5, 6, {})
    assert okrs(empty_org.sessions) == okrs(org.sessions)
    with empty_org.sessions() as session:  # definitions only: no progress comes along
        revenue = session.scalars(select(KeyResult).where(KeyResult.title == "Revenue")).one()
        assert (revenue.current_value, revenue.last_checkin_at) == (1_200_000, None)
        imports = session.scalars(select(AuditLog).where(AuditLog.action == "okr.import")).all()
    assert [(a.actor_id, a.after) for a in imports] == [
        (empty_org.admin.id, {"objectives": 5, "key_results": 6})
    ]


def test_the_export_has_one_sheet_per_entity_and_no_password_hashes(org):
    build_okrs(org)
    run(
        org.sessions, commands.create_cycle, org.admin, "Later", date(2040, 1, 1), date(2040, 3, 31)
    )
    data = run(org.sessions, exchange.export_xlsx, org.admin, org.ids["cycle"])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        "teams",
        "people",
        "cycles",
        "objectives",
        "key_results",
        "check_ins",
        "kudos",
        "okrs",
    ]
    people = [row for row in book["people"].values]
    assert "password_hash" not in people[0] and "username" in people[0]
    assert {row[1] for row in people[1:]} == {"admin", "eve", "lena", "sam", "mia", "max", "sue"}
    assert [row[1] for row in book["cycles"].values] == ["name", "Now"]  # only the chosen cycle
    check_ins = list(book["check_ins"].values)
    assert check_ins[1][2:6] == ("admin", 1_500_000, 7, "Half way")
    title = next(
        c for row in book["objectives"].iter_rows() for c in row if c.value == "=SUM(A1) onboarding"
    )
    assert title.data_type == "s"  # text, not a formula a spreadsheet would run

    everything = load_workbook(io.BytesIO(run(org.sessions, exchange.export_xlsx, org.admin, None)))
    assert [row[1] for row in everything["cycles"].values] == ["name", "Now", "Later"]
    archive = zipfile.ZipFile(
        io.BytesIO(run(org.sessions, exchange.export_csv_zip, org.admin, None))
    )
    assert archive.namelist() == [f"{name}.csv" for name in everything.sheetnames]
    people_csv = archive.read("people.csv").decode("utf-8-sig")
    assert "password" not in people_csv and "sue@example.com" in people_csv
    assert "'=SUM(A1) onboarding" in archive.read("objectives.csv").decode("utf-8-sig")


def test_only_admins_export_and_import(org):
    table = exchange.read_table(exchange.template_csv(), "template.csv")
    for username in ("eve", "lena", "mia"):
        with pytest.raises(PermissionDenied):
            run(org.sessions, exchange.export_xlsx, org.actor(username), None)
        with pytest.raises(PermissionDenied):
            run(org.sessions, import_okrs, org.actor(username), table)
        with pytest.raises(PermissionDenied):
            run(org.sessions, check_import, org.actor(username), table)


# --- the template --------------------------------------------------------------------------------


def test_the_template_files_match_the_generator_and_the_documentation():
    assert (ROOT / "docs/import-template.csv").read_bytes() == exchange.template_csv()
    book = load_workbook(ROOT / "docs/import-template.xlsx")
    assert book.sheetnames == ["okrs"]
    cells = [tuple("" if v is None else v for v in row) for row in book["okrs"].values]
    assert cells == [exchange.COLUMNS, *exchange.TEMPLATE_ROWS]
    documented = (ROOT / "docs/import-template.md").read_text()
    for column in exchange.COLUMNS:
        assert f"| `{column}` |" in documented, column


def test_the_template_example_imports(org):
    cycle = run(
        org.sessions,
        commands.create_cycle,
        org.admin,
        "2026 Q3",
        date(2040, 7, 1),
        date(2040, 9, 30),
    )
    existing = ObjectiveInput(cycle, "company", "Grow revenue in Vietnam", org.ids["eve"])
    existing_id = run(org.sessions, commands.create_objective, org.admin, existing)

    result = import_file(org, exchange.read_table(exchange.template_xlsx(), "template.xlsx"))

    assert (result.objectives, result.key_results, result.errors) == (4, 6, {})
    by_title = {row[0]: row for row in okrs(org.sessions)}
    assert by_title["Win the mid-market"][5] == "active"  # its state column says so
    assert by_title["Make onboarding effortless"][4:6] == ("Win the mid-market", "draft")
    assert by_title["Learn from every new customer"][2:5] == (
        "Product",
        "mia",
        "Make onboarding effortless",
    )
    assert by_title["Open the Da Nang office"][4] == "Grow revenue in Vietnam"
    revenue, churn = by_title["Win the mid-market"][7]
    assert revenue == (
        "Grow annual recurring revenue",
        "increase",
        "currency",
        "USD",
        None,
        1.2e6,
        1.8e6,
        2.0,
        "eve",
    )
    assert churn == (
        "Keep churn below 2 %",
        "stay_below",
        "percent",
        None,
        None,
        2.0,
        2.0,
        1.0,
        "sam",
    )
    assert existing_id in {row.parent_id for row in objectives_in(org, cycle)}


def objectives_in(org, cycle_id):
    with org.sessions() as session:
        return session.scalars(select(Objective).where(Objective.cycle_id == cycle_id)).all()


# --- bad rows --------------------------------------------------------------------------------------


def test_every_bad_row_gets_its_own_message_and_nothing_is_written(org):
    table = csv_table(
        "objective,O1,Now,team,Product,lena,Fine objective,,,,,,,,,,",  # row 2
        "key_result,O1,,,,,Fine KR,,,,increase,,,,0,10,",
        "key_result,O1,,,,,Flat KR,,,,increase,,,,5,5,",  # row 4
        "key_result,O1,,,,nobody,Orphan owner,,,,milestone,,,,,,",
        "key_result,O9,,,,,Lost KR,,,,milestone,,,,,,",  # row 6
        "objective,O2,Never,company,,eve,Wrong cycle,,,,,,,,,,",
        "objective,O3,Now,team,Nowhere,lena,Wrong team,,,,,,,,,,",  # row 8
        "objective,O4,Now,squad,,eve,Wrong level,,,,,,,,,,",
        "objective,O1,Now,company,,eve,Same ref,,,,,,,,,,",  # row 10
        "objective,O5,Now,individual,,mia,Bad parent,,Nothing like it,,,,,,,,",
        "objective,O6,Now,team,Sales,sam,Loop A,,O7,,,,,,,,",  # row 12
        "objective,O7,Now,team,Sales,sam,Loop B,,O6,,,,,,,,",
        "objective,O8,Now,individual,,mia,Aligned too high,,O1,,,,,,,,",  # row 14: fine
        "objective,O9x,Now,company,,eve,Bad state,,,published,,,,,,,",
        "key_result,O1,Now,,,,Has a cycle,,,,milestone,,,,,,",  # row 16
        "thing,O1,,,,,What,,,,,,,,,,",
        "objective,O10,Now,company,,eve,Publish me empty,,,active,,,,,,,",  # row 18
        "key_result,O9x,,,,,Under a bad objective,,,,milestone,,,,,,",
    )
    before = counts(org.sessions)

    errors = run(org.sessions, check_import, org.admin, table).errors

    assert errors == {
        4: "Start and target must differ.",
        5: "No one has the username “nobody”.",
        6: "No objective row has the ref “O9”.",
        7: "There is no cycle named “Never”.",
        8: "There is no team named “Nowhere”.",
        9: "Level must be company, team or individual.",
        10: "The ref “O1” is already used on row 2; each objective needs its own.",
        11: "The parent “Nothing like it” is neither a ref in this file nor the title of an "
        "objective in “Now”.",
        12: "The parent refs of rows 12, 13 form a loop (or hang from one).",
        13: "The parent refs of rows 12, 13 form a loop (or hang from one).",
        15: "State must be draft, active, closed or archived (empty: draft).",
        16: "Key result rows leave cycle empty.",
        17: "Type must be “objective” or “key_result”.",
        18: "Add at least one key result before publishing.",
        19: "Fix its objective (row 15) first.",
    }
    assert counts(org.sessions) == before  # the preview writes nothing
    with pytest.raises(ValidationError, match="15 rows have errors, so nothing was imported"):
        import_file(org, table)
    assert counts(org.sessions) == before


def test_one_failing_row_stops_the_whole_import(org):
    good = [
        "Objective,A,Now,Company,,EVE,Company goal,,,Active,,,,,,,",  # any case
        "key_result,A,,,,,Revenue,,,,increase,currency,usd,,0,100,",
        "objective,B,Now,individual,,mia,Mine,,A,,,,,,,,",
    ]
    before = counts(org.sessions)
    table = csv_table(*good, "key_result,B,,,,,Backwards,,,,increase,,,,10,0,")
    with pytest.raises(ValidationError, match="1 row has an error"):
        import_file(org, table)
    assert counts(org.sessions) == before
    assert run(org.sessions, check_import, org.admin, table).errors == {
        5: "An increasing key result needs a target above its start."
    }

    result = import_file(org, csv_table(*good))
    assert (result.objectives, result.key_results) == (2, 1)
    # the same file again would duplicate everything: the preview says so per row
    again = run(org.sessions, check_import, org.admin, csv_table(*good)).errors
    assert again[2] == "eve already has this objective in “Now” (was this file imported before?)."
    assert again[4].startswith("mia already has this objective")


def test_a_parent_can_be_an_existing_objective_by_title_if_the_title_is_unique(org):
    for owner in ("eve", "admin"):
        data = ObjectiveInput(org.ids["cycle"], "company", "Grow", org.ids[owner])
        run(org.sessions, commands.create_objective, org.admin, data)
    table = csv_table("objective,X,Now,team,Sales,sam,Sell more,,Grow,,,,,,,,")
    assert run(org.sessions, check_import, org.admin, table).errors == {
        2: "Several objectives in “Now” are titled “Grow”; rename one so the parent is clear."
    }


def test_a_parent_in_the_file_must_fit_like_an_existing_one(org):
    run(org.sessions, commands.create_cycle, org.admin, "Next", date(2040, 1, 1), date(2040, 3, 31))
    table = csv_table(
        "objective,I,Now,individual,,mia,Mine,,,,,,,,,,",
        "objective,T,Now,team,Product,lena,Team goal,,I,,,,,,,,",  # row 3: under an individual
        "objective,N,Next,company,,eve,Next goal,,,,,,,,,,",
        "objective,X,Now,company,,eve,Across cycles,,N,,,,,,,,",  # row 5: under another cycle
    )
    assert run(org.sessions, check_import, org.admin, table).errors == {
        3: "An objective can only align to one of a higher or equal level.",
        5: "An objective can only align to one in the same cycle.",
    }


def test_closed_cycles_take_no_import(org):
    cycle = run(
        org.sessions, commands.create_cycle, org.admin, "Past", date(2020, 1, 1), date(2020, 3, 31)
    )
    run(org.sessions, commands.set_cycle_state, org.admin, cycle, "closed")
    errors = run(
        org.sessions,
        check_import,
        org.admin,
        csv_table("objective,P,Past,company,,eve,Old,,,,,,,,,,"),
    ).errors
    assert "closed" in errors[2]


# --- reading files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "okrs.csv", "The file is empty."),
        (b"", "okrs.xlsx", "The file is empty."),
        (HEADER.encode() + b"\n\n", "okrs.csv", "column headings but no rows"),
        (b"name,goal\nA,B\n", "okrs.csv", "unknown columns: name, goal; missing columns: type,"),
        (b"type,ref,title\nobjective,O1,X\n", "okrs.csv", "missing columns: cycle, level, owner"),
        ("type,ref,title\nobjective,Ô1,X\n".encode("cp1258"), "okrs.csv", "not UTF-8"),
        (b"PK\x03\x04 not really a workbook", "okrs.xlsx", "could not be read as an Excel"),
        (b"type\n", "okrs.json", "Upload a .csv or .xlsx file"),
    ],
)
def test_unreadable_files_get_a_clear_message(data, name, message):
    with pytest.raises(ValidationError, match=message):
        exchange.read_table(data, name)


def test_reading_keeps_spreadsheet_row_numbers_and_text_exactly():
    cells = ["objective", "O1", "Now", "company", "", "eve", "'=1+1 sales", *[""] * 10]
    semicolons = HEADER.replace(",", ";") + "\n\n" + ";".join(cells)
    table = exchange.read_table(semicolons.encode("utf-8-sig"), "okrs.csv")
    assert table["row"].tolist() == [3]  # the blank row 2 is skipped, not renumbered
    assert table.loc[0, "title"] == "=1+1 sales"  # the export's apostrophe comes off
    typed_on_a_mac = unicodedata.normalize("NFD", "Tăng doanh thu")
    data = f"{HEADER}\nobjective,O1,Now,company,,eve,{typed_on_a_mac}".encode()
    assert exchange.read_table(data, "x.csv").loc[0, "title"] == "Tăng doanh thu"  # NFC


def test_csv_cells_that_look_like_formulas_survive_a_round_trip():
    titles = ['=HYPERLINK("x")', "'=already quoted", "-5 % churn", "plain", "+1", "@me"]
    rows = [
        ("objective", f"O{i}", "Now", "company", "", "eve", title, *[""] * 10)
        for i, title in enumerate(titles)
    ]
    data = files_out.csv_bytes(exchange.COLUMNS, rows)
    written = [row[6] for row in csv.reader(io.StringIO(data.decode("utf-8-sig")))][1:]
    assert written == [
        '\'=HYPERLINK("x")',
        "''=already quoted",
        "'-5 % churn",
        "plain",
        "'+1",
        "'@me",
    ]
    assert exchange.read_table(data, "okrs.csv")["title"].tolist() == titles


def test_an_import_row_limit_keeps_previews_fast():
    rows = "\n".join(
        f"objective,O{i},Now,company,,eve,T{i},,,,,,,,,," for i in range(exchange.MAX_ROWS + 1)
    )
    with pytest.raises(ValidationError, match="import at most 5,000 at a time"):
        exchange.read_table(f"{HEADER}\n{rows}".encode(), "big.csv")


def test_dates_are_iso_text_in_csv(org):
    archive = zipfile.ZipFile(
        io.BytesIO(run(org.sessions, exchange.export_csv_zip, org.admin, None))
    )
    cycles = archive.read("cycles.csv").decode("utf-8-sig").splitlines()
    start = (date.today() - timedelta(days=30)).isoformat()
    assert cycles[1].startswith(f"{org.ids['cycle']},Now,{start},")
