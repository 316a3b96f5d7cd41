"""The role table of DESIGN.md, enforced by the write functions themselves.

Every write function in db/commands/*.py × every role (member, lead, executive, admin) × a
target that is the actor's own, a colleague's in the same team, or someone's in another team.
Each cell is either allowed — saved, with an audit row naming the actor — or refused with a
PermissionDenied (or, where the table says so, a ValidationError) whose message says why, and
then not one row of any table has changed.

The expectations below are written out by hand from DESIGN.md's table (not computed from
core.permissions), so a change in the rules shows up here as a failing cell:

| action                                   | member | lead                        | executive | admin |
|------------------------------------------|--------|-----------------------------|-----------|-------|
| create / edit own individual objectives  | own    | own                         | own       | any   |
| team objectives (and their KRs)          | –      | teams they lead             | any       | any   |
| company objectives                       | –      | –                           | any       | any   |
| check in on a KR                         | owner  | owner, lead of its team     | owner     | any   |
| give kudos                               | yes    | yes                         | yes       | yes   |
| grade / close a cycle's OKRs             | –      | own teams (closing: –)      | yes       | yes   |
| people, teams, cycles, settings          | –      | –                           | –         | yes   |
| sign in / out, sign oneself out anywhere | yes    | yes                         | yes       | yes   |
| sign others out everywhere, unlock       | –      | –                           | –         | yes   |

Signing in and out happens before anyone is signed in, or as the person signing in or out:
those writes are allowed whoever is at the form, and audited as nobody or as that person.

The actors: member = mia (Product), lead = lena (leads Product), executive = eve (Company),
admin (Company). Their colleagues: max, mia, cora, cora. Another team: sue (Sales).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from core.accounts import MAX_FAILED_LOGINS, SessionPolicy
from core.errors import PermissionDenied, ValidationError
from core.settings import StatusSettings
from core.sso import Identity
from db.commands import (
    accounts,
    checkins,
    grading,
    imports,
    kudos,
    okrs,
    org,
    preferences,
    sign_in,
    sso,
)
from db.commands.accounts import UserInput
from db.commands.checkins import CheckInInput
from db.commands.okrs import KRInput, ObjectiveInput
from db.models import Objective, utcnow
from tests.factories import PASSWORD
from tests.reliability.world import World, qualified_name, write_functions

OK = "ok"
D = PermissionDenied
V = ValidationError
ROLES = ("member", "lead", "executive", "admin")
ACTOR_OF = {"member": "mia", "lead": "lena", "executive": "eve", "admin": "admin"}
COLLEAGUE = {"mia": "max", "lena": "mia", "eve": "cora", "admin": "cora"}
SCOPES = ("own", "same-team", "other-team")
ANY = ("any",)  # the target does not depend on whose it is (a cycle, settings, oneself)

# Rows of expectations that recur: (own, same-team, other-team) per role.
INDIVIDUAL = {"member": (OK, D, D), "lead": (OK, D, D), "executive": (OK, D, D), "admin": (OK,) * 3}
TEAM = {"member": (D, D, D), "lead": (OK, OK, D), "executive": (OK,) * 3, "admin": (OK,) * 3}
COMPANY = {"member": (D, D, D), "lead": (D, D, D), "executive": (OK,) * 3, "admin": (OK,) * 3}
CHECK_IN = {"member": (OK, D, D), "lead": (OK, OK, D), "executive": (OK, D, D), "admin": (OK,) * 3}
GRADE = {"member": (D, D, D), "lead": (OK, OK, D), "executive": (OK,) * 3, "admin": (OK,) * 3}
OWNER_ONLY = {role: (OK, D, D) for role in ROLES}
ADMIN_ONLY = {"member": (D, D, D), "lead": (D, D, D), "executive": (D, D, D), "admin": (OK,) * 3}
ADMIN_ONLY_ANY = {"member": (D,), "lead": (D,), "executive": (D,), "admin": (OK,)}
EVERYONE_ANY = {role: (OK,) for role in ROLES}
EVERYONE = {role: (OK,) * 3 for role in ROLES}

Write = Callable[[Any], Any]  # session -> result


@dataclass(frozen=True)
class Row:
    """One write (with one kind of target) and what each role may do with it.

    ``call(world, actor, who)`` returns the write to attempt; ``who`` is the username whose
    record is the target (the actor, a colleague, or sue in another team). With ``prepare``,
    ``prepare(world, who)`` is written first, outside the cell's before/after comparison, and
    its result is the call's fourth argument (e.g. the token of a session to end)."""

    function: Callable
    target: str
    call: Callable[..., Write]
    expect: dict[str, tuple]
    audited: bool = True
    writes: bool = True  # False: a preview that must leave the database as it was
    prepare: Callable[[World, str], Write] | None = None
    signs_in: bool = False  # audited as the target, the person signing in or out

    @property
    def scopes(self) -> tuple[str, ...]:
        return ANY if len(next(iter(self.expect.values()))) == 1 else SCOPES


def kr_input(title="New key result", **fields) -> KRInput:
    return KRInput(title, "increase", 0, 100, **fields)


def new_objective(w: World, level: str, who: str) -> ObjectiveInput:
    team = w.team_of[who] if level == "team" else None
    return ObjectiveInput(w.cycle, level, "A new goal", w.ids[who], team, key_results=[kr_input()])


def edit(w: World, actor, goal: str, who: str) -> Write:
    objective_id = w.objective[goal, who]
    level = "individual" if goal in ("individual", "draft") else goal
    data = ObjectiveInput(
        w.cycle,
        level,
        "Renamed goal",
        w.ids[who],
        w.team_of[who] if level == "team" else None,
        description="Changed",
    )
    version = w.version[objective_id]
    return lambda s: okrs.update_objective(s, actor, objective_id, version, data)


def state(w: World, goal: str, who: str, target: str):
    objective_id = w.objective[goal, who]
    return lambda s, a: okrs.set_objective_state(
        s, a, objective_id, w.version[objective_id], target
    )


def import_table(who: str) -> pd.DataFrame:
    """An import file (as db.exchange.read_table gives it): one objective with one KR."""
    columns = ["row", "type", "ref", "cycle", "level", "team", "owner", "title", "description",
               "parent", "state", "kind", "unit", "currency_code", "unit_label", "start",
               "target", "weight"]  # fmt: skip
    objective = [2, "objective", "O1", "Now", "individual", "", who, "Imported goal", "", "",
                 "active", "", "", "", "", "", "", ""]  # fmt: skip
    kr = [3, "key_result", "O1", "", "", "", who, "Imported KR", "", "", "", "increase",
          "number", "", "", "0", "10", "1"]  # fmt: skip
    return pd.DataFrame([objective, kr], columns=columns).astype(str)


def kr_of(w: World, goal: str, who: str) -> tuple[int, int]:
    kr_id = w.kr[goal, who]
    return kr_id, w.kr_version[kr_id]


POLICY = SessionPolicy()
CLIENT = "198.51.100.7"  # a documentation address (RFC 5737)


def later() -> datetime:
    """A moment after the prepared session started (its idle clock visibly moves)."""
    return utcnow() + timedelta(minutes=1)


SSO_DOMAINS = ("example.com",)


def sso_identity(email: str, subject: str = "sub-1", **fields) -> Identity:
    """A verified identity from an OpenID provider, issued a minute ago."""
    return Identity(
        "https://id.example.org", subject, email, True, issued_at=utcnow() - timedelta(minutes=1),
        **fields,
    )  # fmt: skip


def sso_sign_in(email: str, subject: str) -> Write:
    """A single sign-on with this identity; the write returns the accepted sign-in."""
    identity = sso_identity(email, subject)
    return lambda s: sso.sign_in_with_identity(s, identity, CLIENT, utcnow(), POLICY, SSO_DOMAINS)


def new_session(w: World, who: str) -> Write:
    """The target signs in; the write returns the new session's token."""
    return lambda s: sign_in.start_session(s, w.ids[who], "password", CLIENT, utcnow(), POLICY)


def wrong_passwords(who: str, count: int) -> Write:
    """``count`` attempts reserved at the target's account (as ``count`` wrong passwords
    leave them); the write returns the last reservation. MAX_FAILED_LOGINS locks it."""

    def reserve(s):
        reservations = [sign_in.reserve_attempt(s, who, utcnow()) for _ in range(count)]
        assert all(reservations), "the target could not be locked"
        return reservations[-1]

    return reserve


def person(w: World, who: str, username: str = "newbie", role: str = "member") -> UserInput:
    return UserInput(
        username, "Người Mới", f"{username}@example.com", role, w.team_of[who], None, "vi",
        PASSWORD,
    )  # fmt: skip


ROWS: list[Row] = [
    # --- objectives ------------------------------------------------------------------------
    Row(
        okrs.create_objective,
        "individual objective owned by the target",
        lambda w, a, who: (
            lambda s: okrs.create_objective(s, a, new_objective(w, "individual", who))
        ),
        INDIVIDUAL,
    ),
    Row(
        okrs.create_objective,
        "team objective of the target's team, owned by the target",
        lambda w, a, who: lambda s: okrs.create_objective(s, a, new_objective(w, "team", who)),
        TEAM,
    ),
    Row(
        okrs.create_objective,
        "company objective owned by the target",
        lambda w, a, who: lambda s: okrs.create_objective(s, a, new_objective(w, "company", who)),
        COMPANY,
    ),
    *(
        Row(
            okrs.check_objective,
            f"check a {level} objective owned by the target (an import's preview)",
            lambda w, a, who, level=level: (
                lambda s: okrs.check_objective(s, a, new_objective(w, level, who))
            ),
            expect,
            audited=False,
            writes=False,
        )
        for level, expect in (("individual", INDIVIDUAL), ("team", TEAM), ("company", COMPANY))
    ),
    Row(
        okrs.update_objective,
        "the target's individual objective",
        lambda w, a, who: edit(w, a, "individual", who),
        INDIVIDUAL,
    ),
    Row(
        okrs.update_objective,
        "the target's team objective",
        lambda w, a, who: edit(w, a, "team", who),
        TEAM,
    ),
    Row(
        okrs.update_objective,
        "the target's company objective",
        lambda w, a, who: edit(w, a, "company", who),
        COMPANY,
    ),
    Row(
        okrs.set_objective_state,
        "publish the target's draft",
        lambda w, a, who: lambda s: state(w, "draft", who, "active")(s, a),
        INDIVIDUAL,
    ),
    Row(
        okrs.set_objective_state,
        "archive the target's team objective",
        lambda w, a, who: lambda s: state(w, "team", who, "archived")(s, a),
        TEAM,
    ),
    Row(
        okrs.set_objective_state,
        "close the target's company objective",
        lambda w, a, who: lambda s: state(w, "company", who, "closed")(s, a),
        COMPANY,
    ),
    Row(
        okrs.copy_objective,
        "copy the target's individual objective to the next cycle",
        lambda w, a, who: (
            lambda s: okrs.copy_objective(s, a, w.objective["individual", who], w.ids["next"])
        ),
        INDIVIDUAL,
    ),
    Row(
        okrs.copy_objective,
        "copy the target's team objective to the next cycle",
        lambda w, a, who: (
            lambda s: okrs.copy_objective(s, a, w.objective["team", who], w.ids["next"])
        ),
        TEAM,
    ),
    # --- key results -----------------------------------------------------------------------
    *(
        Row(
            okrs.add_key_result,
            f"add a KR to the target's {goal} objective",
            lambda w, a, who, goal=goal: (
                lambda s: okrs.add_key_result(
                    s,
                    a,
                    w.objective[goal, who],
                    w.version[w.objective[goal, who]],
                    kr_input(),
                )
            ),
            expect,
        )
        for goal, expect in (("individual", INDIVIDUAL), ("team", TEAM), ("company", COMPANY))
    ),
    *(
        Row(
            okrs.check_key_result,
            f"check a KR for the target's {goal} objective (an import's preview)",
            lambda w, a, who, goal=goal: (
                lambda s: okrs.check_key_result(
                    s, a, s.get(Objective, w.objective[goal, who]), kr_input()
                )
            ),
            expect,
            audited=False,
            writes=False,
        )
        for goal, expect in (("individual", INDIVIDUAL), ("team", TEAM), ("company", COMPANY))
    ),
    *(
        Row(
            okrs.update_key_result,
            f"edit the KR of the target's {goal} objective",
            lambda w, a, who, goal=goal: (
                lambda s: okrs.update_key_result(
                    s, a, *kr_of(w, goal, who), kr_input("Edited key result", weight=2)
                )
            ),
            expect,
        )
        for goal, expect in (("individual", INDIVIDUAL), ("team", TEAM), ("company", COMPANY))
    ),
    # --- check-ins -------------------------------------------------------------------------
    Row(
        checkins.check_in,
        "check in on the target's individual KR",
        lambda w, a, who: (
            lambda s: checkins.check_in(
                s, a, CheckInInput(w.kr["individual", who], "42", 7, "Progress")
            )
        ),
        CHECK_IN,
    ),
    Row(
        checkins.check_in,
        "check in on the target's KR of a team objective",
        lambda w, a, who: (
            lambda s: checkins.check_in(s, a, CheckInInput(w.kr["team", who], 42, 7, ""))
        ),
        CHECK_IN,
    ),
    Row(
        checkins.check_in_many,
        "update all: the target's individual KR",
        lambda w, a, who: (
            lambda s: checkins.check_in_many(
                s, a, [CheckInInput(w.kr["individual", who], 10, 5, "Batch")]
            )
        ),
        CHECK_IN,
    ),
    # --- grading ---------------------------------------------------------------------------
    Row(
        grading.grade_key_result,
        "grade the target's KR",
        lambda w, a, who: (
            lambda s: grading.grade_key_result(
                s, a, *kr_of(w, "individual", who), 0.7, "Delivered what mattered"
            )
        ),
        GRADE,
    ),
    Row(
        grading.confirm_score,
        "confirm the target's KR score",
        lambda w, a, who: lambda s: grading.confirm_score(s, a, *kr_of(w, "individual", who)),
        GRADE,
    ),
    Row(
        grading.accept_default_scores,
        "accept default scores of the target's objective",
        lambda w, a, who: (
            lambda s: grading.accept_default_scores(s, a, [w.objective["individual", who]])
        ),
        GRADE,
    ),
    Row(
        grading.propose_score,
        "propose a score for the target's KR",
        lambda w, a, who: (
            lambda s: grading.propose_score(
                s, a, *kr_of(w, "individual", who), 0.3, "Blocked by the vendor"
            )
        ),
        OWNER_ONLY,
    ),
    Row(
        grading.close_cycle,
        "close the active cycle",
        lambda w, a, who: lambda s: grading.close_cycle(s, a, w.cycle),
        {"member": (D,), "lead": (D,), "executive": (OK,), "admin": (OK,)},
    ),
    Row(
        grading.reopen_cycle,
        "reopen a closed cycle",
        lambda w, a, who: lambda s: grading.reopen_cycle(s, a, w.ids["past"]),
        ADMIN_ONLY_ANY,
    ),
    # --- kudos -----------------------------------------------------------------------------
    Row(
        kudos.give_kudos,
        "thank the target (oneself: refused)",
        lambda w, a, who: (
            lambda s: kudos.give_kudos(s, a, "Cảm ơn! 🎉", receiver_user_id=w.ids[who])
        ),
        {role: (V, OK, OK) for role in ROLES},
    ),
    Row(
        kudos.give_kudos,
        "thank the target's team",
        lambda w, a, who: (
            lambda s: kudos.give_kudos(s, a, "Great quarter", receiver_team_id=w.team_of[who])
        ),
        {role: (OK,) * 3 for role in ROLES},
    ),
    # --- people ----------------------------------------------------------------------------
    Row(
        accounts.create_user,
        "add a person to the target's team",
        lambda w, a, who: lambda s: accounts.create_user(s, a, person(w, who)),
        ADMIN_ONLY,
    ),
    Row(
        accounts.update_user,
        "edit the target's name and language",
        lambda w, a, who: (
            lambda s: accounts.update_user(
                s,
                a,
                w.ids[who],
                UserInput(
                    who,
                    "Renamed Person",
                    f"{who}@example.com",
                    w.actors[who].role,
                    w.team_of[who],
                    None,
                    "vi",
                ),
            )
        ),
        ADMIN_ONLY,
    ),
    Row(
        accounts.set_user_active,
        "deactivate the target (oneself: refused)",
        lambda w, a, who: lambda s: accounts.set_user_active(s, a, w.ids[who], False),
        {**ADMIN_ONLY, "admin": (V, OK, OK)},
    ),
    Row(
        accounts.reset_password,
        "reset the target's password",
        lambda w, a, who: lambda s: accounts.reset_password(s, a, w.ids[who], "a-new-password-1"),
        ADMIN_ONLY,
    ),
    Row(
        accounts.change_password,
        "change one's own password",
        lambda w, a, who: lambda s: accounts.change_password(s, a, PASSWORD, "another-password-2"),
        EVERYONE_ANY,
    ),
    Row(
        preferences.set_language,
        "choose one's own language",
        lambda w, a, who: lambda s: preferences.set_language(s, a, "vi"),
        EVERYONE_ANY,
    ),
    Row(
        accounts.create_first_admin,
        "first-run setup once people exist",
        lambda w, a, who: (
            lambda s: accounts.create_first_admin(
                s, UserInput("intruder", "Intruder", None, "admin", None, None, "en", PASSWORD)
            )
        ),
        {role: (D,) for role in ROLES},
    ),
    # --- signing in and out: before anyone is signed in, or as the one signing in or out -------
    Row(
        sign_in.reserve_client_attempt,
        "count a sign-in attempt from a client address",
        lambda w, a, who: lambda s: sign_in.reserve_client_attempt(s, CLIENT, utcnow(), 20),
        EVERYONE_ANY,
        audited=False,  # a counter per address, about nobody
    ),
    Row(
        sign_in.reserve_attempt,
        "reserve a sign-in attempt at the target's account",
        lambda w, a, who: lambda s: sign_in.reserve_attempt(s, who, utcnow()),
        EVERYONE,
        audited=False,  # the count is audited when it locks the account (finish_attempt)
    ),
    Row(
        sign_in.finish_attempt,
        "a right password for the target after a wrong one",
        lambda w, a, who, reservation: (
            lambda s: sign_in.finish_attempt(s, reservation, True, CLIENT, utcnow(), POLICY)
        ),
        EVERYONE,
        prepare=lambda w, who: wrong_passwords(who, 1),
        signs_in=True,
    ),
    Row(
        sign_in.finish_attempt,
        "a wrong password for the target, not the last try",
        lambda w, a, who, reservation: (
            lambda s: sign_in.finish_attempt(s, reservation, False, CLIENT, utcnow(), POLICY)
        ),
        EVERYONE,
        prepare=lambda w, who: wrong_passwords(who, 1),
        audited=False,
        writes=False,  # the attempt was counted when it was reserved
    ),
    Row(
        sign_in.finish_attempt,
        "the target's last wrong password locks the account",
        lambda w, a, who, reservation: (
            lambda s: sign_in.finish_attempt(s, reservation, False, CLIENT, utcnow(), POLICY)
        ),
        EVERYONE,
        prepare=lambda w, who: wrong_passwords(who, MAX_FAILED_LOGINS),
    ),
    Row(
        sign_in.start_session,
        "a session for the target, who has just proved who they are",
        lambda w, a, who: new_session(w, who),
        EVERYONE,
        signs_in=True,
    ),
    Row(
        sign_in.resume_session,
        "the target's browser comes back with its cookie",
        lambda w, a, who, token: lambda s: sign_in.resume_session(s, token, later()),
        EVERYONE,
        prepare=new_session,
        signs_in=True,
    ),
    Row(
        sign_in.touch_session,
        "the target's session is used again after a while",
        lambda w, a, who, token: lambda s: sign_in.touch_session(s, token, later()),
        EVERYONE,
        prepare=new_session,
        audited=False,  # only the idle clock moves
    ),
    Row(
        sign_in.end_session,
        "the target signs out",
        lambda w, a, who, token: lambda s: sign_in.end_session(s, token, later()),
        EVERYONE,
        prepare=new_session,
        signs_in=True,
    ),
    Row(
        sign_in.end_all_sessions,
        "sign the target out everywhere",
        lambda w, a, who, token: lambda s: sign_in.end_all_sessions(s, a, w.ids[who]),
        {**OWNER_ONLY, "admin": (OK,) * 3},
        prepare=new_session,
    ),
    Row(
        sign_in.unlock_account,
        "unlock the target's locked account",
        lambda w, a, who, reservation: lambda s: sign_in.unlock_account(s, a, w.ids[who]),
        ADMIN_ONLY,
        prepare=lambda w, who: wrong_passwords(who, MAX_FAILED_LOGINS),
    ),
    Row(
        sign_in.unlock_account,
        "unlock the target's account that is not locked",
        lambda w, a, who: lambda s: sign_in.unlock_account(s, a, w.ids[who]),
        {**ADMIN_ONLY, "admin": (V,) * 3},
    ),
    # --- import, single sign-on ----------------------------------------------------------------
    Row(
        imports.import_okrs,
        "import an objective owned by the target",
        lambda w, a, who: lambda s: imports.import_okrs(s, a, import_table(who)),
        ADMIN_ONLY,
    ),
    Row(
        imports.check_import,
        "preview importing an objective owned by the target",
        lambda w, a, who: lambda s: imports.check_import(s, a, import_table(who)),
        ADMIN_ONLY,
        audited=False,
        writes=False,
    ),
    Row(
        sso.save_sso_settings,
        "let unknown SSO emails become members",
        lambda w, a, who: lambda s: sso.save_sso_settings(s, a, True),
        ADMIN_ONLY_ANY,
    ),
    Row(
        sso.create_member_from_identity,
        "an unknown SSO email signs in (auto-create off)",
        lambda w, a, who: (
            lambda s: sso.create_member_from_identity(
                s, sso_identity("new@example.com"), SSO_DOMAINS
            )
        ),
        {role: (D,) for role in ROLES},
    ),
    Row(
        sso.create_member_from_identity,
        "an unknown SSO email signs in after an admin turned auto-create on",
        lambda w, a, who: (
            lambda s: (
                sso.save_sso_settings(s, w.actors["admin"], True),
                sso.create_member_from_identity(
                    s, sso_identity("nguyen.an@example.com", name="Nguyễn An"), SSO_DOMAINS
                ),
            )
        ),
        {role: (OK,) for role in ROLES},
        audited=False,  # two actors: the admin's setting, the new member's own account
    ),
    Row(
        sso.create_member_from_identity,
        "an unknown SSO email of a domain not allowed, auto-create on",
        lambda w, a, who: (
            lambda s: (
                sso.save_sso_settings(s, w.actors["admin"], True),
                sso.create_member_from_identity(s, sso_identity("an@example.org"), SSO_DOMAINS),
            )
        ),
        {role: (D,) for role in ROLES},
    ),
    Row(
        sso.sign_in_with_identity,
        "the target's first single sign-on (links their account)",
        lambda w, a, who: sso_sign_in(f"{who}@example.com", f"first-{who}"),
        EVERYONE,
        signs_in=True,
    ),
    Row(
        sso.sign_in_with_identity,
        "the target's linked identity signs in again",
        lambda w, a, who, _first: sso_sign_in(f"{who}@example.com", f"first-{who}"),
        EVERYONE,
        prepare=lambda w, who: sso_sign_in(f"{who}@example.com", f"first-{who}"),
        signs_in=True,
    ),
    Row(
        sso.sign_in_with_identity,
        "another identity with the target's email, once the target's account is linked",
        lambda w, a, who, _first: sso_sign_in(f"{who}@example.com", f"intruder-{who}"),
        {role: (D,) * 3 for role in ROLES},
        prepare=lambda w, who: sso_sign_in(f"{who}@example.com", f"first-{who}"),
    ),
    Row(
        sso.unlink_identity,
        "unlink the target's single sign-on identity",
        lambda w, a, who, _first: lambda s: sso.unlink_identity(s, a, w.ids[who]),
        ADMIN_ONLY,
        prepare=lambda w, who: sso_sign_in(f"{who}@example.com", f"first-{who}"),
    ),
    Row(
        sso.unlink_identity,
        "unlink the target's identity when there is none",
        lambda w, a, who: lambda s: sso.unlink_identity(s, a, w.ids[who]),
        {**ADMIN_ONLY, "admin": (V,) * 3},
    ),
    # --- teams, cycles, settings -------------------------------------------------------------
    Row(
        org.create_team,
        "create a sub-team of the target's team",
        lambda w, a, who: lambda s: org.create_team(s, a, "Đội mới", w.team_of[who], None),
        ADMIN_ONLY,
    ),
    Row(
        org.update_team,
        "rename the target's team",
        lambda w, a, who: (
            lambda s: org.update_team(s, a, w.team_of[who], "Renamed team", None, None)
        ),
        ADMIN_ONLY,
    ),
    Row(
        org.create_cycle,
        "create a cycle",
        lambda w, a, who: (
            lambda s: org.create_cycle(s, a, "2030 Q1", date(2030, 1, 1), date(2030, 3, 31))
        ),
        ADMIN_ONLY_ANY,
    ),
    Row(
        org.update_cycle,
        "change the next cycle's dates",
        lambda w, a, who: (
            lambda s: org.update_cycle(
                s,
                a,
                w.ids["next"],
                "Next (moved)",
                date.today() + timedelta(days=100),
                date.today() + timedelta(days=190),
            )
        ),
        ADMIN_ONLY_ANY,
    ),
    Row(
        org.set_cycle_state,
        "activate the next cycle",
        lambda w, a, who: lambda s: org.set_cycle_state(s, a, w.ids["next"], "active"),
        ADMIN_ONLY_ANY,
    ),
    Row(
        org.save_status_settings,
        "change the status thresholds",
        lambda w, a, who: (
            lambda s: org.save_status_settings(s, a, StatusSettings(0.1, 0.2, 7, 2, 5))
        ),
        ADMIN_ONLY_ANY,
    ),
]

# Writes made before anyone is signed in; the acting "role" is whoever is at the sign-in form.
ACTORLESS = {
    accounts.create_first_admin,
    sso.create_member_from_identity,
    sso.sign_in_with_identity,
    sign_in.reserve_client_attempt,
    sign_in.reserve_attempt,
    sign_in.finish_attempt,
    sign_in.start_session,
    sign_in.resume_session,
    sign_in.touch_session,
    sign_in.end_session,
}


def cells() -> list:
    params = []
    for row in ROWS:
        for role in ROLES:
            for scope, expected in zip(row.scopes, row.expect[role], strict=True):
                label = f"{qualified_name(row.function)}[{row.target}]-{role}-{scope}"
                params.append(pytest.param(row, role, scope, expected, id=label))
    return params


CELLS = cells()


def target(role: str, scope: str) -> str:
    actor = ACTOR_OF[role]
    return {"own": actor, "any": actor, "same-team": COLLEAGUE[actor]}.get(scope, "sue")


@pytest.mark.parametrize(("row", "role", "scope", "expected"), CELLS)
def test_cell(world_db, row: Row, role: str, scope: str, expected):
    world = world_db.world
    actor = world.actors[ACTOR_OF[role]]
    who = target(role, scope)
    with world_db.sandbox.case() as case:
        arguments = (world, actor, who)
        if row.prepare is not None:
            prepared = case.attempt(row.prepare(world, who))
            assert prepared.ok, f"could not prepare the cell: {prepared.error!r}"
            arguments += (prepared.value,)
        write = row.call(*arguments)
        before, last_audit = case.snapshot(), case.newest_audit_id()
        outcome = case.attempt(write)
        if expected == OK:
            assert outcome.ok, f"refused: {outcome.error!r}"
            audit = case.audit_rows_after(last_audit)
            if row.audited:
                assert audit, "an allowed write left no audit row"
                expected_actor = None if row.function in ACTORLESS else actor.id
                if row.signs_in:
                    expected_actor = world.ids[who]
                assert {entry.actor_id for entry in audit} == {expected_actor}
            if not row.writes:
                assert case.snapshot() == before, "a preview wrote to the database"
            else:
                assert case.snapshot() != before, "an allowed write changed nothing"
        else:
            assert not outcome.ok, f"{role} was allowed to {row.target} ({scope})"
            assert type(outcome.error) is expected, repr(outcome.error)
            message = str(outcome.error)
            assert len(message) > 15 and message[0].isupper() and message.rstrip()[-1] in ".!)"
            assert "Traceback" not in message and "sqlalchemy" not in message.lower()
            assert case.snapshot() == before, "a refused write changed the database"


def test_every_write_function_is_in_the_matrix():
    covered = {qualified_name(row.function) for row in ROWS}
    missing = set(write_functions()) - covered
    assert not missing, f"add these write functions to ROWS in {__file__}: {sorted(missing)}"


def test_the_matrix_has_every_role_and_scope_and_both_outcomes():
    assert len(CELLS) >= 48
    per_role = {role: sum(1 for c in CELLS if c.values[1] == role) for role in ROLES}
    assert len(set(per_role.values())) == 1, per_role
    outcomes = {c.values[3] for c in CELLS}
    assert {OK, D, V} <= outcomes
