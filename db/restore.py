"""Restore an organisation from a backup made by db/backup.py, exactly as it was.

    python -m db.restore backup.xlsx [--database-url URL] [--replace]

The database is migrated to the newest schema first (an empty database gets its tables); the
backup must have been made at that same schema revision. Restoring into a database that
already has data is refused unless ``--replace`` is given, which deletes everything first.
Everything happens in one transaction: if anything is wrong with the file, the database is
left as it was. Afterwards PostgreSQL's id sequences continue after the restored ids.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    text,
    type_coerce,
    update,
)

from db.backup import (
    ABOUT,
    BATCH,
    FORMAT,
    FORMAT_VERSION,
    decode,
    kind_of,
    schema_revision,
    sheet_names,
)
from db.engine import WRITE_OPTION, database_url, make_engine
from db.migrate import upgrade_head
from db.models import Base


class RestoreError(RuntimeError):
    """The restore was refused or the file is not a usable backup; the message says why."""


def restore(engine: Engine, path: str | Path, *, replace: bool = False) -> dict[str, int]:
    """Load the backup at ``path`` into the database; returns {table: rows restored}."""
    try:
        workbook = load_workbook(str(path), read_only=True, data_only=True)
    except FileNotFoundError:
        raise RestoreError(f"There is no file {path}.") from None
    except Exception as error:  # not a zip / not a workbook
        raise RestoreError(
            f"{path} is not a backup made by python -m db.backup ({error})."
        ) from None
    try:
        about = _about(workbook)
        upgrade_head(engine)
        # Alembic leaves SQLite's foreign-key checks off on the connection it used (the
        # pragma cannot change inside its transaction); fresh connections have them on.
        engine.dispose()
        with engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                revision = schema_revision(connection)
                if revision != about["schema_revision"]:
                    raise RestoreError(
                        f"The backup was made at schema revision {about['schema_revision']}, "
                        f"this database is at {revision}. Restore with the app version that "
                        "made the backup, then upgrade."
                    )
                existing = _row_counts(connection)
                if any(existing.values()) and not replace:
                    found = ", ".join(f"{n:,} {t}" for t, n in existing.items() if n)
                    raise RestoreError(
                        f"The database is not empty ({found}). Restore into an empty database, "
                        "or add --replace to delete everything in it first."
                    )
                if any(existing.values()):
                    _delete_everything(connection)
                counts, links = {}, []
                for table in Base.metadata.sorted_tables:
                    expected = about["rows"][table.name]
                    counts[table.name] = _load_table(connection, workbook, table, links)
                    if counts[table.name] != expected:
                        raise RestoreError(
                            f"The sheet {table.name} has {counts[table.name]:,} rows but the "
                            f"backup says {expected:,}: the file is incomplete."
                        )
                for statement, rows in links:  # now every row they point at is there
                    connection.execute(statement, rows)
                _reset_sequences(connection)
    finally:
        workbook.close()
    return counts


def _about(workbook) -> dict[str, Any]:
    if ABOUT not in workbook.sheetnames:
        raise RestoreError("This file has no _about sheet: it was not made by python -m db.backup.")
    rows = list(workbook[ABOUT].iter_rows(values_only=True))
    values = {row[0]: row[1] for row in rows if row and row[0] and len(row) > 1}
    if values.get("format") != FORMAT:
        raise RestoreError("This file was not made by python -m db.backup.")
    if values.get("format_version") != FORMAT_VERSION:
        raise RestoreError(
            f"This backup has format version {values.get('format_version')}; this version of "
            f"the app reads version {FORMAT_VERSION}."
        )
    header = next(i for i, row in enumerate(rows) if row and row[0] == "table")
    tables = {row[0]: row for row in rows[header + 1 :] if row and row[0]}
    counts = {}
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            raise RestoreError(f"The backup has no table {table.name}.")
        _, count, columns = tables[table.name][:3]
        ours = ", ".join(f"{c.name}:{kind_of(c)}" for c in table.columns)
        if columns != ours:
            raise RestoreError(
                f"The columns of {table.name} in the backup ({columns}) differ from this "
                f"database's ({ours})."
            )
        counts[table.name] = int(count)
    return {"schema_revision": values.get("schema_revision"), "rows": counts}


def _row_counts(connection: Connection) -> dict[str, int]:
    return {
        table.name: connection.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def _later_references(table) -> list:
    """Foreign-key columns pointing at this table itself or one restored after it (teams →
    their lead; parents): inserted as NULL first, set once every row is in."""
    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    return [
        fk.parent for fk in table.foreign_keys if order[fk.column.table.name] >= order[table.name]
    ]


def _delete_everything(connection: Connection) -> None:
    tables = Base.metadata.sorted_tables
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
        return
    for table in tables:
        deferred = _later_references(table)
        if deferred:
            connection.execute(update(table).values({c.name: None for c in deferred}))
    for table in reversed(tables):
        connection.execute(delete(table))


def _sheet_rows(workbook, table) -> Iterator[tuple]:
    names = [c.name for c in table.columns]
    for sheet_name in sheet_names(table.name, 0) + [
        n for n in workbook.sheetnames if n.startswith(f"{table.name}~")
    ]:
        if sheet_name not in workbook.sheetnames:
            raise RestoreError(f"The backup has no sheet {sheet_name}.")
        rows = workbook[sheet_name].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or list(header[: len(names)]) != names:
            raise RestoreError(f"The sheet {sheet_name} does not start with the columns {names}.")
        for row in rows:
            if row is None or all(value is None for value in row):
                continue
            yield tuple(row[: len(names)]) + (None,) * (len(names) - len(row))


def _insert_statement(connection: Connection, table):
    """INSERT with JSON columns given as the JSON text from the backup, stored as it was."""
    values = {}
    for column in table.columns:
        parameter = bindparam(f"p_{column.name}", type_=column.type)
        if kind_of(column) == "json":
            text_parameter = bindparam(f"p_{column.name}", type_=Text)
            if connection.dialect.name == "postgresql":
                parameter = cast(text_parameter, JSON)
            else:
                parameter = type_coerce(text_parameter, Text)
        values[column.name] = parameter
    return insert(table).values(values)


def _load_table(connection: Connection, workbook, table, links: list) -> int:
    """Insert the table's rows; references to rows restored later are appended to ``links``
    as (UPDATE statement, rows) to run once every table is in."""
    columns = list(table.columns)
    kinds = [kind_of(c) for c in columns]
    deferred = {c.name for c in _later_references(table)}
    statement = _insert_statement(connection, table)
    later: list[dict] = []
    batch: list[dict] = []
    count = 0
    for row in _sheet_rows(workbook, table):
        record = {
            column.name: decode(kind, value)
            for column, kind, value in zip(columns, kinds, row, strict=True)
        }
        if deferred and any(record[name] is not None for name in deferred):
            later.append({"p_row_id": record["id"], **{f"p_{n}": record[n] for n in deferred}})
            record = {**record, **dict.fromkeys(deferred)}
        batch.append({f"p_{name}": value for name, value in record.items()})
        count += 1
        if len(batch) == BATCH:
            connection.execute(statement, batch)
            batch = []
    if batch:
        connection.execute(statement, batch)
    if later:
        statement = (
            update(table)
            .where(table.c.id == bindparam("p_row_id"))
            .values({name: bindparam(f"p_{name}") for name in deferred})
        )
        links.append((statement, later))
    return count


def _reset_sequences(connection: Connection) -> None:
    """PostgreSQL: each id sequence continues after the largest restored id."""
    if connection.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'COALESCE(MAX(id), 0) + 1, false) FROM "{table.name}"'
                )
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m db.restore", description=__doc__.splitlines()[0]
    )
    parser.add_argument("file", help="a backup made by python -m db.backup")
    parser.add_argument("--database-url", default=None, help="default: OKR_DATABASE_URL or SQLite")
    parser.add_argument(
        "--replace", action="store_true", help="delete everything in the database first"
    )
    args = parser.parse_args(argv)
    engine = make_engine(args.database_url or database_url())
    try:
        counts = restore(engine, args.file, replace=args.replace)
    except RestoreError as error:
        print(f"Nothing was restored: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    summary = ", ".join(f"{n:,} {name}" for name, n in counts.items())
    print(f"Restored {args.file}: {summary}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
