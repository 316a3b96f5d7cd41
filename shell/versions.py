"""What the caches key by: versions of the data, told apart by what a write changed.

Every write leaves an audit row, so audit ids order the writes of every server. A check-in
changes the progress of one team's objective in one cycle (its audit row says which, see
db/audit.record); any other write changes the organisation's *structure* (people, teams,
cycles, settings, objectives, key results, kudos, grades). A cached read says what it
follows (see ``Follows``) and is keyed by the versions of that alone, so a check-in leaves
valid every view that does not show the team it went into.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

TeamKey = tuple[int, int | None]  # (cycle id, team id); team None: company objectives
Write = tuple[int, int | None, int | None]  # (audit id, cycle id, team id) as audit rows give them

# Writes folded in one step at most; more (an import, a long pause) count as a structure change.
FOLD_LIMIT = 2000
# On PostgreSQL ids are handed out before commit, so a write may become visible after a
# newer one: each step reads again this many ids back (folding a write twice changes nothing).
LATE_WINDOW = 100


@dataclass(frozen=True)
class Versions:
    """The data as of one audit id (``newest``): the newest structure write, and the newest
    check-in into each team of each cycle since the tracker began (0: none since)."""

    newest: int
    structure: int
    teams: Mapping[TeamKey, int] = field(default_factory=lambda: MappingProxyType({}))

    def of_teams(self, cycle_id: int, team_ids: Iterable[int | None]) -> int:
        """The newest check-in into any of the teams: it moves when any of them changes
        (audit ids only grow)."""
        return max((self.teams.get((cycle_id, team), 0) for team in team_ids), default=0)

    def after(self, writes: list[Write], newest: int) -> Versions:
        """These versions moved on by the writes up to ``newest`` (writes seen before change
        nothing)."""
        structure, teams = self.structure, dict(self.teams)
        for audit_id, cycle_id, team_id in writes:
            if cycle_id is None:
                structure = max(structure, audit_id)
            else:
                teams[(cycle_id, team_id)] = max(teams.get((cycle_id, team_id), 0), audit_id)
        return Versions(max(newest, self.newest), structure, MappingProxyType(teams))


def starting_at(newest: int) -> Versions:
    """Versions with no history: everything before ``newest`` counts as a structure change
    (every cache of a new process or database misses once anyway)."""
    return Versions(newest, newest)


class Tracker:
    """One database's versions, brought up to date from its audit log: at each run the
    newest audit id is read (one indexed lookup); only when it moved are the new rows read
    (their ids, cycles and teams)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: Versions | None = None

    def current(self, newest: int, writes_after: Callable[[int, int], list[Write]]) -> Versions:
        """The versions as of ``newest``; ``writes_after(audit_id, limit)`` reads the writes
        after an id, oldest first."""
        with self._lock:
            known = self._versions
            if known is None or newest < known.newest:  # new, or a database put back
                known = starting_at(newest)
            elif newest > known.newest:
                writes = writes_after(known.newest - LATE_WINDOW, FOLD_LIMIT + 1)
                if len(writes) > FOLD_LIMIT:
                    known = starting_at(newest)
                else:
                    known = known.after(writes, max([newest] + [w[0] for w in writes[-1:]]))
            self._versions = known
            return known


@dataclass(frozen=True)
class Follows:
    """What a cached read follows. ``EVERYTHING``: every write. ``STRUCTURE``: no check-in
    changes it. ``teams(cycle, teams)``: the structure and the check-ins into those teams'
    objectives. ``SUMMARY``: the structure and every check-in, but brought up to date at most
    every ``OKR_SUMMARY_REFRESH_S`` seconds (organisation-wide figures); ``BOARDS`` the same,
    at most every five such periods (the leaderboards: a second of work at 5,000 people)."""

    kind: str
    cycle_id: int | None = None
    team_ids: frozenset[int | None] = frozenset()
    periods: int = 1  # a summary's refresh period, in OKR_SUMMARY_REFRESH_S

    @property
    def summary(self) -> bool:
        return self.kind == "summary"

    def key(self, versions: Versions, summary: int) -> tuple:
        """The versions a read following this is keyed by (``summary``: the newest audit id
        the summaries are brought up to)."""
        if self.kind == "structure":
            return ("s", versions.structure)
        if self.kind == "teams":
            return ("t", versions.structure, versions.of_teams(self.cycle_id, self.team_ids))
        if self.summary:
            return ("m", versions.structure, summary)
        return ("e", versions.newest)


EVERYTHING = Follows("everything")
STRUCTURE = Follows("structure")
SUMMARY = Follows("summary")
BOARDS = Follows("summary", periods=5)


def teams(cycle_id: int, team_ids: Iterable[int | None]) -> Follows:
    return Follows("teams", cycle_id, frozenset(team_ids))
