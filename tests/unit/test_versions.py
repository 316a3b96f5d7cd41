"""What the caches key by (shell/versions): a check-in moves only its team's version, any
other write the structure's, and a read keyed by what it follows misses only when that moved."""

from __future__ import annotations

from shell.versions import (
    EVERYTHING,
    FOLD_LIMIT,
    LATE_WINDOW,
    STRUCTURE,
    SUMMARY,
    Tracker,
    Versions,
    starting_at,
    teams,
)

CYCLE, PRODUCT, SALES = 7, 2, 3


class AuditLog:
    """Writes as the audit log gives them: (id, cycle id, team id), ids growing."""

    def __init__(self, newest: int = 10) -> None:
        self.rows: list[tuple[int, int | None, int | None]] = [
            (i, None, None) for i in range(1, newest + 1)
        ]
        self.reads: list[int] = []

    @property
    def newest(self) -> int:
        return self.rows[-1][0]

    def check_in(self, team: int | None, cycle: int = CYCLE) -> int:
        self.rows.append((self.newest + 1, cycle, team))
        return self.newest

    def structure_write(self) -> int:
        self.rows.append((self.newest + 1, None, None))
        return self.newest

    def writes_after(self, audit_id: int, limit: int):
        self.reads.append(audit_id)
        return [row for row in self.rows if row[0] > audit_id][:limit]


def current(tracker: Tracker, log: AuditLog) -> Versions:
    return tracker.current(log.newest, log.writes_after)


def test_a_check_in_moves_its_team_only_and_other_writes_the_structure():
    log, tracker = AuditLog(), Tracker()
    before = current(tracker, log)
    assert before == starting_at(10) and log.reads == []  # nothing read but the newest id

    sales_check_in = log.check_in(SALES)
    after = current(tracker, log)
    assert after.newest == sales_check_in
    assert after.structure == before.structure
    assert after.of_teams(CYCLE, [SALES]) == sales_check_in
    assert after.of_teams(CYCLE, [PRODUCT]) == 0
    assert after.of_teams(CYCLE + 1, [SALES]) == 0  # another cycle's teams are apart

    company_check_in = log.check_in(None)  # a company objective's key result
    assert current(tracker, log).of_teams(CYCLE, [PRODUCT, None]) == company_check_in

    renamed = log.structure_write()
    latest = current(tracker, log)
    assert latest.structure == renamed
    assert latest.of_teams(CYCLE, [SALES]) == sales_check_in


def test_reads_are_keyed_by_what_they_follow():
    log, tracker = AuditLog(), Tracker()
    before = current(tracker, log)
    log.check_in(SALES)
    after = current(tracker, log)

    def moved(follows, summary_before=10, summary_after=10) -> bool:
        return follows.key(before, summary_before) != follows.key(after, summary_after)

    assert not moved(STRUCTURE)
    assert not moved(teams(CYCLE, [PRODUCT, None]))
    assert moved(teams(CYCLE, [PRODUCT, SALES]))
    assert moved(EVERYTHING)
    assert not moved(SUMMARY)  # until the summaries are brought up to the check-in
    assert moved(SUMMARY, summary_after=after.newest)

    log.structure_write()
    restructured = current(tracker, log)
    for follows in (STRUCTURE, teams(CYCLE, [PRODUCT]), SUMMARY, EVERYTHING):
        assert follows.key(after, 10) != follows.key(restructured, 10)


def test_a_write_seen_late_still_moves_its_team():
    """On PostgreSQL a write may commit after a newer one: the window read again finds it."""
    log, tracker = AuditLog(), Tracker()
    current(tracker, log)
    late = log.check_in(PRODUCT)
    log.check_in(SALES)
    hidden = log.rows.pop(-2)  # the Product check-in is not committed yet
    seen = current(tracker, log)
    assert seen.of_teams(CYCLE, [PRODUCT]) == 0
    log.rows.insert(-1, hidden)
    log.check_in(SALES)  # the next write anywhere
    assert current(tracker, log).of_teams(CYCLE, [PRODUCT]) == late
    assert log.reads[-1] == seen.newest - LATE_WINDOW


def test_many_writes_at_once_or_a_database_put_back_start_afresh():
    log, tracker = AuditLog(), Tracker()
    current(tracker, log)
    for _ in range(FOLD_LIMIT + LATE_WINDOW + 1):  # an import, say
        log.check_in(SALES)
    assert current(tracker, log) == starting_at(log.newest)

    older = AuditLog(newest=5)  # the same URL, a database restored from an older backup
    assert current(tracker, older) == starting_at(5)
