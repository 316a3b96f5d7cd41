"""Helpers shared by the write functions: loading records or refusing with a clear message."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from core.errors import NotFound, StaleVersion
from core.i18n import _

T = TypeVar("T")


def _gone(what: str) -> NotFound:
    """``what`` is an English noun marked with ``N_`` by the caller ("key result")."""
    return NotFound(_("That {what} no longer exists — reload the page.").format(what=_(what)))


def get_or_refuse(session: Session, model: type[T], record_id: int | None, what: str) -> T:
    record = session.get(model, record_id) if record_id is not None else None
    if record is None:
        raise _gone(what)
    return record


def get_for_update(session: Session, model: type[T], record_id: int | None, what: str) -> T:
    """Load a record with a row lock (PostgreSQL), so concurrent writes queue."""
    record = session.get(model, record_id, with_for_update=True) if record_id is not None else None
    if record is None:
        raise _gone(what)
    return record


def check_version(record, expected_version: int | None) -> None:
    """Refuse an edit made on an outdated version (no lost updates)."""
    if expected_version is not None and record.version != expected_version:
        raise StaleVersion()
