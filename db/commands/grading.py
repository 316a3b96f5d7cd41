"""Grading key results and closing a cycle (DESIGN.md "Scoring at cycle close", issue 4 §4).

Who may do what:

- **Grade** (set a KR's score, confirmed at once) and **confirm** a score: leads for the
  objectives of the teams they lead (and sub-teams), executives and admins for all
  (core.permissions.require_grade on the objective's team).
- **Propose** a score: the KR's owner, with a reason when it differs from the default; it stays
  unconfirmed until a grader confirms or changes it.
- **Close a cycle** ("close grading"): executives and admins. A cycle is shared by every team,
  so a lead cannot close it; leads grade their teams' KRs before or after the close. Closing
  locks check-ins (db.commands.checkins refuses them), closes the cycle's active objectives
  and gives every KR nobody has decided on its default score. Cycle states otherwise stay
  admin-only (db.commands.org.set_cycle_state); a cycle an admin closed that way is finished
  by :func:`close_cycle` too (objectives closed, missing scores filled).
- **Reopen**: admins only (:func:`reopen_cycle`): the cycle and its closed objectives become
  active again, so check-ins work; scores are kept, undecided ones are refreshed at the next
  close.

A KR's grade, as the columns hold it:

==================  =====  ============  ===============
state               score  score_reason  score_confirmed
==================  =====  ============  ===============
ungraded            None   None          False
default (at close)  set    None          False
proposed by owner   set    set           False
confirmed           set    any           True
==================  =====  ============  ===============

An objective's score is the weighted mean of its KRs' scores once every KR has one (None
before). Every write leaves an audit row; a refusal raises a DomainError and writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import Session

from core.enums import CycleState, ObjectiveState, Role, state_word
from core.errors import NotFound, PermissionDenied, ValidationError
from core.formatting import format_score
from core.i18n import N_, _
from core.permissions import Actor, can_reopen_cycle, require_grade
from core.progress import kr_progress
from core.scoring import (
    MAX_REASON_LENGTH,
    default_score,
    objective_score,
    validate_score_override,
)
from core.validation import clean_text
from db import audit
from db.commands import org
from db.commands._common import check_version, get_for_update
from db.models import Cycle, KeyResult, Objective

GRADED_STATES = (ObjectiveState.ACTIVE, ObjectiveState.CLOSED)
CLOSE_REFUSAL = N_(
    "Closing a cycle ends it for every team, so only executives and admins can close it. "
    "Grade your teams' key results here; the rest get their default score at the close."
)


@dataclass(frozen=True)
class CloseSummary:
    objectives_closed: int
    krs_default_scored: int
    objectives_scored: int


# --- grading one key result ---------------------------------------------------------------


def grade_key_result(
    session: Session, actor: Actor, kr_id: int, version: int | None, score, reason: str = ""
) -> float:
    """A grader sets the KR's score (a reason is needed when it differs from the default);
    the score counts as confirmed. Returns the stored score."""
    kr, objective, cycle = _load(session, kr_id, version)
    require_grade(actor, objective.team_id)
    _require_gradable(objective, cycle)
    default = kr_default_score(kr)
    snapped = validate_score_override(score, reason, default)
    before = _grade_snapshot(kr, objective)
    kr.score, kr.score_reason, kr.score_confirmed = snapped, _reason(reason), True
    _finish(session, actor, "kr.grade", kr, objective, before)
    return snapped


def propose_score(
    session: Session, actor: Actor, kr_id: int, version: int | None, score, reason: str = ""
) -> float:
    """The KR's owner proposes a score (with a reason unless it is the default); a grader
    confirms it. A confirmed score can only be changed by a grader."""
    kr, objective, cycle = _load(session, kr_id, version)
    if kr.owner_id != actor.id:
        raise PermissionDenied(_("Only the key result's owner can propose a score for it."))
    _require_gradable(objective, cycle)
    if kr.score_confirmed:
        raise ValidationError(
            _(
                "This score ({score}) is already confirmed; ask your lead if it should change."
            ).format(score=format_score(kr.score))
        )
    snapped = validate_score_override(score, reason, kr_default_score(kr))
    before = _grade_snapshot(kr, objective)
    kr.score, kr.score_reason, kr.score_confirmed = snapped, _reason(reason), False
    _finish(session, actor, "kr.score_propose", kr, objective, before)
    return snapped


def confirm_score(session: Session, actor: Actor, kr_id: int, version: int | None) -> float:
    """A grader confirms the KR's score as it stands (an ungraded KR: its default score)."""
    kr, objective, cycle = _load(session, kr_id, version)
    require_grade(actor, objective.team_id)
    _require_gradable(objective, cycle)
    if kr.score_confirmed:
        raise ValidationError(
            _("“{title}” is already confirmed at {score}.").format(
                title=kr.title, score=format_score(kr.score)
            )
        )
    before = _grade_snapshot(kr, objective)
    if kr.score is None:
        kr.score = kr_default_score(kr)
    kr.score_confirmed = True
    _finish(session, actor, "kr.score_confirm", kr, objective, before)
    return kr.score


def accept_default_scores(session: Session, actor: Actor, objective_ids: Iterable[int]) -> int:
    """Confirm the default score of every KR of these objectives that nobody has decided on
    (owners' proposals are left for a decision one by one). All or nothing; returns how many
    KRs were confirmed."""
    ids = sorted({int(i) for i in objective_ids})
    if not ids:
        raise ValidationError(_("There are no objectives to grade here."))
    confirmed = 0
    for objective_id in ids:  # in id order, so concurrent graders lock in the same order
        objective = get_for_update(session, Objective, objective_id, N_("objective"))
        require_grade(actor, objective.team_id)
        _require_gradable(objective, session.get(Cycle, objective.cycle_id))
        undecided = session.scalars(
            select(KeyResult)
            .where(
                KeyResult.objective_id == objective.id,
                KeyResult.score_confirmed.is_(False),
                KeyResult.score_reason.is_(None),
            )
            .order_by(KeyResult.id)
            .with_for_update()
        ).all()
        if not undecided:
            continue
        before = {"scores": {kr.id: kr.score for kr in undecided}, "score": objective.score}
        for kr in undecided:
            kr.score, kr.score_confirmed = kr_default_score(kr), True
        confirmed += len(undecided)
        after = {"scores": {kr.id: kr.score for kr in undecided}}
        after["score"] = _refresh_objective_score(session, objective)
        audit.record(
            session, actor.id, "objective.accept_scores", "objective", objective.id, before, after
        )
    if not confirmed:
        raise ValidationError(
            _("Every key result here already has a confirmed score or a proposal to decide on.")
        )
    return confirmed


# --- closing and reopening a cycle ----------------------------------------------------------


def close_cycle(session: Session, actor: Actor, cycle_id: int) -> CloseSummary:
    """Close grading for a cycle: lock check-ins (the cycle becomes closed), close its active
    objectives, give each undecided KR its default score and store the objectives' scores.

    A cycle already closed another way (Admin → Cycles → Close) is finished the same way:
    its active objectives are closed and its KRs without any score get their default.

    Bulk statements, so the cost follows the cycle's KRs (tens of thousands at most), and each
    KR update re-checks "still undecided", so a grade saved meanwhile is never overwritten.
    """
    if actor.role not in (Role.EXECUTIVE, Role.ADMIN):
        raise PermissionDenied(_(CLOSE_REFUSAL))
    cycle = get_for_update(session, Cycle, cycle_id, N_("cycle"))
    if cycle.state == CycleState.PLANNING:
        raise ValidationError(
            _("“{cycle}” has not started (planning); there is nothing to grade or close.").format(
                cycle=cycle.name
            )
        )
    finishing = cycle.state == CycleState.CLOSED
    undecided_filter = [KeyResult.score_confirmed.is_(False), KeyResult.score_reason.is_(None)]
    if finishing:  # defaults already given stay as they are: only the missing ones are filled
        undecided_filter.append(KeyResult.score.is_(None))
        if not _unfinished(session, cycle.id):
            raise ValidationError(_("“{cycle}” is already closed.").format(cycle=cycle.name))
    before = audit.snapshot(cycle)
    graded = Objective.cycle_id == cycle.id, Objective.state.in_(GRADED_STATES)
    undecided = session.execute(
        select(
            KeyResult.id,
            KeyResult.kind,
            KeyResult.start_value,
            KeyResult.target_value,
            KeyResult.current_value,
        )  # fmt: skip
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(*graded, *undecided_filter)
    ).all()
    krs = KeyResult.__table__
    default_scored = 0
    if undecided:
        result = session.execute(
            update(krs)
            .where(
                krs.c.id == bindparam("kr_id"),
                krs.c.score_confirmed.is_(False),
                krs.c.score_reason.is_(None),
                *([krs.c.score.is_(None)] if finishing else []),
            )
            .values(score=bindparam("new_score"), version=krs.c.version + 1),
            [{"kr_id": row.id, "new_score": _default_of(row.kind, *row[2:])} for row in undecided],
        )
        exact = session.get_bind().dialect.supports_sane_multi_rowcount
        default_scored = result.rowcount if exact else len(undecided)
    objectives_scored = _store_objective_scores(session, cycle.id)
    objs = Objective.__table__
    closed = session.execute(
        update(objs)
        .where(objs.c.cycle_id == cycle.id, objs.c.state == ObjectiveState.ACTIVE)
        .values(state=ObjectiveState.CLOSED, version=objs.c.version + 1)
    ).rowcount
    cycle.state = CycleState.CLOSED
    summary = CloseSummary(closed, default_scored, objectives_scored)
    after = {**audit.snapshot(cycle), **summary.__dict__}
    action = "cycle.grading_finished" if finishing else "cycle.closed"
    audit.record(session, actor.id, action, "cycle", cycle.id, before, after)
    return summary


def _unfinished(session: Session, cycle_id: int) -> bool:
    """Whether a closed cycle still has active objectives or published KRs without a score."""
    active = select(Objective.id).where(
        Objective.cycle_id == cycle_id, Objective.state == ObjectiveState.ACTIVE
    )
    unscored = (
        select(KeyResult.id)
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(
            Objective.cycle_id == cycle_id,
            Objective.state.in_(GRADED_STATES),
            KeyResult.score.is_(None),
            KeyResult.score_confirmed.is_(False),
        )
    )
    return session.scalar(select(exists(active))) or session.scalar(select(exists(unscored)))


def reopen_cycle(session: Session, actor: Actor, cycle_id: int) -> int:
    """Admins reopen a closed cycle: it and its closed objectives become active again, so
    check-ins work. Scores stay; undecided ones are refreshed when it closes again. Returns
    how many objectives were reopened."""
    if not can_reopen_cycle(actor):
        raise PermissionDenied(_("Only admins can reopen a cycle."))
    cycle = get_for_update(session, Cycle, cycle_id, N_("cycle"))
    if cycle.state != CycleState.CLOSED:
        raise ValidationError(
            _("“{cycle}” is not closed, so there is nothing to reopen.").format(cycle=cycle.name)
        )
    org.set_cycle_state(session, actor, cycle.id, CycleState.ACTIVE)  # refuses an overlap
    objs = Objective.__table__
    reopened = session.execute(
        update(objs)
        .where(objs.c.cycle_id == cycle.id, objs.c.state == ObjectiveState.CLOSED)
        .values(state=ObjectiveState.ACTIVE, version=objs.c.version + 1)
    ).rowcount
    audit.record(
        session,
        actor.id,
        "cycle.objectives_reopened",
        "cycle",
        cycle.id,
        {"state": ObjectiveState.CLOSED.value},
        {"state": ObjectiveState.ACTIVE.value, "objectives_reopened": reopened},
    )
    return reopened


# --- helpers -----------------------------------------------------------------------------------


def kr_default_score(kr: KeyResult) -> float:
    """The KR's default score from its current value (clamped progress rounded to 0.1)."""
    return _default_of(kr.kind, kr.start_value, kr.target_value, kr.current_value)


def _default_of(kind, start, target, current) -> float:
    return default_score(kr_progress(kind, start, target, current))


def _load(session: Session, kr_id: int, version: int | None) -> tuple[KeyResult, Objective, Cycle]:
    """The KR with its objective and cycle; the objective is locked before the KR (the order
    accept_default_scores uses too), so concurrent graders queue instead of deadlocking."""
    objective_id = session.scalar(select(KeyResult.objective_id).where(KeyResult.id == kr_id))
    if objective_id is None:
        raise NotFound(
            _("That {what} no longer exists — reload the page.").format(what=_("key result"))
        )
    objective = get_for_update(session, Objective, objective_id, N_("objective"))
    kr = get_for_update(session, KeyResult, kr_id, N_("key result"))
    check_version(kr, version)
    return kr, objective, session.get(Cycle, objective.cycle_id)


def _require_gradable(objective: Objective, cycle: Cycle) -> None:
    if cycle.state == CycleState.PLANNING:
        raise ValidationError(
            _("“{cycle}” has not started yet; key results are graded once it is under way.").format(
                cycle=cycle.name
            )
        )
    if objective.state not in GRADED_STATES:
        raise ValidationError(
            _("This objective is {state}; only published objectives are graded.").format(
                state=state_word(objective.state)
            )
        )


def _reason(reason: str | None) -> str | None:
    return clean_text(reason, N_("reason"), max_len=MAX_REASON_LENGTH, required=False) or None


def _grade_snapshot(kr: KeyResult, objective: Objective) -> dict:
    return {
        "score": kr.score,
        "score_reason": kr.score_reason,
        "score_confirmed": kr.score_confirmed,
        "objective_score": objective.score,
    }


def _finish(
    session: Session, actor: Actor, action: str, kr: KeyResult, objective: Objective, before
) -> None:
    _refresh_objective_score(session, objective)
    after = _grade_snapshot(kr, objective)
    audit.record(session, actor.id, action, "key_result", kr.id, before, after)


def _refresh_objective_score(session: Session, objective: Objective) -> float | None:
    """The objective's score: the weighted mean of its KRs' scores once all have one."""
    session.flush()
    rows = session.execute(
        select(KeyResult.score, KeyResult.weight).where(KeyResult.objective_id == objective.id)
    ).all()
    complete = bool(rows) and all(score is not None for score, _ in rows)
    objective.score = objective_score(rows) if complete else None
    return objective.score


def _store_objective_scores(session: Session, cycle_id: int) -> int:
    """Score every graded objective of the cycle whose KRs all have a score (one read, one
    executemany); returns how many objectives have a score now."""
    rows = session.execute(
        select(KeyResult.objective_id, KeyResult.score, KeyResult.weight)
        .join(Objective, Objective.id == KeyResult.objective_id)
        .where(Objective.cycle_id == cycle_id, Objective.state.in_(GRADED_STATES))
    ).all()
    by_objective: dict[int, list[tuple[float | None, float]]] = defaultdict(list)
    for objective_id, score, weight in rows:
        by_objective[objective_id].append((score, weight))
    scores = [
        {"objective": oid, "new_score": objective_score(pairs)}
        for oid, pairs in by_objective.items()
        if all(score is not None for score, _ in pairs)
    ]
    if scores:
        objs = Objective.__table__
        session.execute(
            update(objs)
            .where(objs.c.id == bindparam("objective"))
            .values(score=bindparam("new_score"), version=objs.c.version + 1),
            scores,
        )
    return len(scores)
