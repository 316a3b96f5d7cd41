"""Bad input never breaks a write: property tests (Hypothesis) on every write function.

For each write function, Hypothesis draws its inputs from valid values and from trouble:
text in any Unicode (Vietnamese with and without composed diacritics, emoji, right-to-left
and bidi controls, lone surrogates, control characters), 10,000-character strings, empty and
whitespace-only text, numbers that are NaN, infinite, huge, negative or typed with odd
separators, unknown ids, stale versions, SQL and HTML/script payloads. Each example must end
in one of two ways:

- **saved**, and reading it back gives exactly the value that was meant: text NFC-normalised,
  line endings as "\\n" and stripped (core.validation.clean_text's documented rule); numbers
  as the number typed; and the write left an audit row; or
- **refused** with a DomainError whose message is not empty, and not one row of any table
  changed.

Any other exception fails the test. Simple oracles also say which inputs MUST be refused
(e.g. a title that is empty after stripping, a NaN value), so a check that silently let bad
data through fails too. Each run must see both outcomes, so no property is vacuous.

Examples: the "ci" profile (≥ 200 per write function) on SQLite, "ci-postgres" (25) on
PostgreSQL, plus the explicit edge cases of each entry on both. Every example runs in a
transaction that is rolled back (tests/reliability/world.py), so they share one database.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.accounts import LOCK_DURATION, MAX_FAILED_LOGINS, SessionPolicy
from core.enums import CycleState, KRKind, ObjectiveState, Role, Unit
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
from db.engine import make_engine
from db.migrate import upgrade_head
from db.models import (
    AuditLog,
    CheckIn,
    Cycle,
    KeyResult,
    Kudos,
    LinkedIdentity,
    Objective,
    Setting,
    SignInSession,
    SignInThrottle,
    Team,
    User,
)
from db.security import token_hash, verify_password
from tests.factories import PASSWORD
from tests.hypothesis_profiles import profile_for
from tests.reliability.world import (
    Case,
    Sandbox,
    World,
    database_urls,
    qualified_name,
    write_functions,
)

MISSING = 999_999  # an id nothing has

# --- oracles ---------------------------------------------------------------------------------


def cleaned(text: str) -> str:
    """The documented storage form of text: NFC, line endings "\\n", stripped."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")).strip()


def bad_text(value: object, max_len: int, required: bool = True) -> bool:
    """Text that must be refused: not text, empty when required, too long, or with control
    characters (other than newline and tab) or lone surrogates."""
    if value is None:
        return required
    if not isinstance(value, str):
        return True
    text = cleaned(value)
    if not text:
        return required
    return len(text) > max_len or invisible(text)


def stored_text(value: str | None) -> str:
    return "" if value is None else cleaned(value)


NUMBER_CHARS = set("0123456789+-.,eE \u00a0\u202f")


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def bad_number(value: object, required: bool = True) -> bool:
    """A number that must be refused (True), or no claim (False): missing when required, a
    bool, NaN, infinite, beyond ±10^15, or text with anything but digits and separators."""
    if blank(value):
        return required
    if isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            return True
        return not math.isfinite(number) or abs(number) > 1e15
    if isinstance(value, str):
        return not set(value.strip()) <= NUMBER_CHARS
    return True


def number_of(value: object) -> float:
    """The number a person meant by an accepted value."""
    if isinstance(value, str):
        return float(re.sub(r"[,\s\u00a0\u202f]", "", value))
    return float(value)


def bad_confidence(value: object) -> bool:
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        return not (text.isascii() and text.isdigit() and 0 <= int(text) <= 10)
    if isinstance(value, float):
        return not (value.is_integer() and 0 <= value <= 10)
    return not 0 <= value <= 10


def invisible(text: str) -> bool:
    return any(ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cs") for ch in text)


def bad_password(value: object) -> bool:
    return (
        not isinstance(value, str)
        or not value.strip()
        or value != value.strip()
        or len(value) < 10
        or len(value.encode("utf-8", "surrogatepass")) > 72
        or invisible(value)
    )


USERNAME = re.compile(r"[a-z0-9._-]{3,40}", re.ASCII)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def bad_username(value: object) -> bool:
    return not isinstance(value, str) or not USERNAME.fullmatch(value.strip().lower())


def bad_email(value: object) -> bool:
    if blank(value):
        return False
    if not isinstance(value, str):
        return True
    email = value.strip().lower()
    return len(email) > 254 or not EMAIL.fullmatch(email) or invisible(email)


# --- strategies ------------------------------------------------------------------------------

SQL = ["'; DROP TABLE objectives; --", "Robert'); DROP TABLE users;--", "1' OR '1'='1", "%' --"]
HTML = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "[click](javascript:alert(1))",
    "**bold** _it_ `code` $x^2$ :red[red]",
]
SPECIAL_TEXT = [
    "",
    " ",
    " \t\n \r\n ",
    "Tăng trưởng doanh thu quý 4 🚀",
    "Nguyễn Thị Hồng Nhung — Đội Sản phẩm",
    "Tie\u0302\u0301ng Vie\u0323t (NFD)",
    "  Cafe\u0301 ",
    "زيادة المبيعات ٢٠٢٦",
    "שלום עולם",
    "\u202eevil\u202c bidi",
    "👩‍👩‍👧‍👦 🏳️‍🌈 family",
    "zero\u200bwidth\u200d",
    "\ufeffBOM first",
    "line one\r\nline two\rthree",
    "tab\tinside",
    "nul\x00inside",
    "bell\x07",
    "esc\x1b[31m",
    "nel\x85",
    "lone \ud800 surrogate",
    "=1+1",
    "{{7*7}} ${7*7} %s%n",
    "\\N \\\\ \\'",
    *SQL,
    *HTML,
    "x" * 10_000,
    "ệ" * 10_000,
    "🚀" * 10_000,
    " " * 10_000,
    "e\u0301" * 200,  # 400 code points, 200 characters once composed
    "ệ" * 200,
    "ệ" * 201,
]
TEXT = st.one_of(
    st.sampled_from(SPECIAL_TEXT),
    st.text(max_size=40),
    st.text(st.characters(exclude_categories=()), max_size=12),  # controls, surrogates too
    st.integers(0, 12_000).map(lambda n: "Đ" * n),
    st.builds(str.__add__, st.sampled_from(["", "  ", "\n", "\u00a0"]), st.text(max_size=20)),
)
NUMBER = st.one_of(
    st.floats(),
    st.integers(-(10**20), 10**20),
    st.sampled_from(
        [math.nan, math.inf, -math.inf, 1e15, -1e15, 1e15 + 2, 1e16, 1e308, 5e-324, -0.0, 0.1]
    ),
    st.sampled_from(
        [
            "0",
            "100",
            "-3",
            "1,000",
            "1 000",
            "1\u00a0000",
            "1,000,000.5",
            "1,5",
            "1e6",
            "1e400",
            "-1e400",
            "nan",
            "NaN",
            "inf",
            "-Infinity",
            "",
            "  ",
            "abc",
            "١٢٣",
            "１２３",
            "1_000",
            "0x1A",
            "+5",
            ".5",
            "5.",
            "--5",
            "1,00",
            "1,000 000",
            "1'000",
            "1;DROP TABLE x",
        ]
    ),  # fmt: skip
    st.text(max_size=12),
    st.none(),
    st.booleans(),
)
CONFIDENCE = st.one_of(
    st.integers(-5, 15),
    st.floats(),
    st.sampled_from(["7", " 7 ", "07", "7.0", "", "ten", "٧", "10", "11"]),
    st.none(),
    st.booleans(),
)
DATES = st.one_of(st.dates(), st.none())


def maybe(valid: Any, *trouble: st.SearchStrategy) -> st.SearchStrategy:
    """The valid value, or trouble."""
    return st.one_of(st.just(valid), *trouble)


def ids(*valid: Any) -> st.SearchStrategy:
    return st.sampled_from([*valid, MISSING, -1, 0, 2**31])


# --- entries -------------------------------------------------------------------------------------

Write = Callable[[Any], Any]


@dataclass(frozen=True)
class Fuzz:
    """One write function under Hypothesis.

    ``inputs(world)`` is the strategy for a dict of inputs; ``call(world, d)`` the write;
    ``must_refuse(world, d)`` the oracle; ``check(case, world, d, result)`` reads a saved
    write back. ``examples`` are edge cases run on every database on top of the drawn ones."""

    function: Callable
    inputs: Callable[[World], st.SearchStrategy]
    call: Callable[[World, dict], Write]
    must_refuse: Callable[[World, dict], bool]
    check: Callable[[Case, World, dict, Any], None]
    examples: tuple[dict, ...] = ()
    audited: bool = True
    empty_database: bool = False
    writes: bool = True  # False: a preview, which must leave the database as it was


def get(case: Case, model, record_id):
    return case.read(lambda s: s.get(model, record_id))


def latest(case: Case, model):
    return case.read(lambda s: s.scalars(select(model).order_by(model.id.desc()).limit(1)).one())


# key results ---------------------------------------------------------------------------------

KINDS = [k.value for k in KRKind] + ["", "bogus", "INCREASE"]
UNITS = [u.value for u in Unit] + ["", "kg"]
CODES = ["VND", "usd", " eur ", "", None, "EURO", "đ12", "U$D"]


def kr_inputs(owner: int | None = None) -> st.SearchStrategy:
    return st.builds(
        KRInput,
        title=maybe("Weekly active users", TEXT),
        kind=st.sampled_from(KINDS),
        start=maybe(0, NUMBER),
        target=maybe(100, NUMBER),
        unit=st.sampled_from(UNITS),
        currency_code=st.sampled_from(CODES),
        unit_label=maybe("tickets", TEXT),
        weight=maybe(1, NUMBER),
        owner_id=st.sampled_from([None, owner, MISSING]) if owner else st.just(None),
    )


def kr_must_refuse(kr: KRInput) -> bool:
    if bad_text(kr.title, 200) or kr.kind not in KRKind._value2member_map_:
        return True
    if kr.unit not in Unit._value2member_map_:
        return True
    if kr.unit == Unit.CURRENCY and not re.fullmatch(
        r"[A-Z]{3}", (kr.currency_code or "").strip().upper(), re.ASCII
    ):
        return True
    if kr.unit == Unit.TEXT and bad_text(kr.unit_label, 40):
        return True
    weight = kr.weight
    if not blank(weight) and (bad_number(weight) or _nonpositive(weight)):
        return True
    if kr.owner_id == MISSING:
        return True
    if kr.kind in (KRKind.INCREASE, KRKind.DECREASE):
        return bad_number(kr.start) or bad_number(kr.target)
    if kr.kind in (KRKind.STAY_ABOVE, KRKind.STAY_BELOW):
        return bad_number(kr.target) or (not blank(kr.start) and bad_number(kr.start))
    return False


def _nonpositive(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value <= 0


def check_kr(record: KeyResult, kr: KRInput) -> None:
    assert record.title == cleaned(kr.title)
    assert record.kind == kr.kind and record.unit == kr.unit
    if kr.unit == Unit.CURRENCY:
        assert record.currency_code == kr.currency_code.strip().upper()
    else:
        assert record.currency_code is None
    assert record.unit_label == (cleaned(kr.unit_label) if kr.unit == Unit.TEXT else None)
    assert record.weight == (1.0 if kr.weight in (None, "") else number_of(kr.weight))
    if kr.kind == KRKind.MILESTONE:
        assert (record.start_value, record.target_value) == (0.0, 1.0)
    else:
        assert record.target_value == number_of(kr.target)
        expected_start = kr.target if kr.start in (None, "") else kr.start
        assert record.start_value == number_of(expected_start)


def only_kr(case: Case, objective_id: int) -> list[KeyResult]:
    return case.read(
        lambda s: list(
            s.scalars(
                select(KeyResult)
                .where(KeyResult.objective_id == objective_id)
                .order_by(KeyResult.id)
            )
        )
    )


# objectives ------------------------------------------------------------------------------------

LEVELS = ["individual", "team", "company", "INDIVIDUAL", "", "department"]


def create_objective_inputs(w: World) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "cycle": st.sampled_from([w.cycle, w.ids["next"], w.ids["past"], MISSING]),
            "level": st.sampled_from(LEVELS),
            "title": maybe("Make onboarding painless", TEXT),
            "owner": st.sampled_from([w.ids["mia"], w.ids["max"], MISSING]),
            "team": st.sampled_from([w.team_of["mia"], None, MISSING]),
            "description": maybe("", TEXT),
            "parent": st.sampled_from([None, w.objective["company", "eve"], MISSING]),
            "krs": st.lists(kr_inputs(w.ids["max"]), max_size=3),
        }
    )


def create_objective_refused(w: World, d: dict) -> bool:
    return (
        d["cycle"] in (w.ids["past"], MISSING)
        or d["level"] not in ("individual", "team", "company")
        or (d["level"] == "team" and d["team"] is None)
        or (d["level"] == "team" and d["team"] == MISSING)
        or d["owner"] == MISSING
        or bad_text(d["title"], 200)
        or bad_text(d["description"], 2000, required=False)
        or d["parent"] == MISSING
        or any(kr_must_refuse(kr) for kr in d["krs"])
    )


def check_created_objective(case: Case, w: World, d: dict, objective_id: int) -> None:
    objective = get(case, Objective, objective_id)
    assert objective.title == cleaned(d["title"])
    assert objective.description == stored_text(d["description"])
    assert (objective.level, objective.state, objective.cycle_id) == (
        d["level"],
        "draft",
        d["cycle"],
    )
    records = only_kr(case, objective_id)
    assert len(records) == len(d["krs"])
    for record, kr in zip(records, d["krs"], strict=True):
        check_kr(record, kr)


def check_checked_objective(case: Case, w: World, d: dict, objective: Objective) -> None:
    """check_objective returns the draft create_objective would save, unsaved."""
    assert objective.id is None
    assert objective.title == cleaned(d["title"])
    assert objective.description == stored_text(d["description"])
    assert (objective.level, objective.state, objective.cycle_id) == (
        d["level"],
        "draft",
        d["cycle"],
    )


def update_objective_inputs(w: World) -> st.SearchStrategy:
    target = w.objective["individual", "mia"]
    return st.fixed_dictionaries(
        {
            "version": st.sampled_from([w.version[target], w.version[target] + 1, 0, None]),
            "cycle": st.sampled_from([w.cycle, w.ids["next"]]),
            "title": maybe("Renamed goal", TEXT),
            "description": maybe("", TEXT),
            "parent": st.sampled_from([None, w.objective["company", "eve"], target, MISSING]),
        }
    )


def update_objective_call(w: World, d: dict) -> Write:
    target = w.objective["individual", "mia"]
    data = ObjectiveInput(
        d["cycle"], "individual", d["title"], w.ids["mia"], None, d["description"], d["parent"]
    )
    return lambda s: okrs.update_objective(s, w.actors["mia"], target, d["version"], data)


def update_objective_refused(w: World, d: dict) -> bool:
    target = w.objective["individual", "mia"]
    return (
        d["version"] not in (None, w.version[target])
        or d["cycle"] != w.cycle
        or d["parent"] in (target, MISSING)
        or bad_text(d["title"], 200)
        or bad_text(d["description"], 2000, required=False)
    )


def check_updated_objective(case: Case, w: World, d: dict, _result) -> None:
    objective = get(case, Objective, w.objective["individual", "mia"])
    assert objective.title == cleaned(d["title"])
    assert objective.description == stored_text(d["description"])
    assert objective.parent_id == d["parent"]


STATES = [s.value for s in ObjectiveState] + ["ACTIVE", "", "deleted", "active; DROP TABLE x"]


def state_inputs(w: World) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "goal": st.sampled_from(["draft", "individual"]),
            "stale": st.booleans(),
            "state": st.sampled_from(STATES),
        }
    )


def state_call(w: World, d: dict) -> Write:
    objective_id = w.objective[d["goal"], "mia"]
    version = w.version[objective_id] + (7 if d["stale"] else 0)
    return lambda s: okrs.set_objective_state(s, w.actors["mia"], objective_id, version, d["state"])


ALLOWED_MOVES = {"draft": {"active", "archived"}, "individual": {"archived", "closed"}}


def state_refused(w: World, d: dict) -> bool:
    return d["stale"] or d["state"] not in ALLOWED_MOVES[d["goal"]]


def check_state(case: Case, w: World, d: dict, _result) -> None:
    assert get(case, Objective, w.objective[d["goal"], "mia"]).state == d["state"]


def copy_inputs(w: World) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "objective": st.sampled_from(
                [w.objective["individual", "mia"], w.objective["draft", "mia"], MISSING, -1]
            ),
            "cycle": st.sampled_from([w.ids["next"], w.cycle, w.ids["past"], MISSING]),
        }
    )


def check_copy(case: Case, w: World, d: dict, new_id: int) -> None:
    source, copy = get(case, Objective, d["objective"]), get(case, Objective, new_id)
    assert (copy.title, copy.cycle_id, copy.state) == (source.title, d["cycle"], "draft")


def add_kr_inputs(w: World) -> st.SearchStrategy:
    objective_id = w.objective["individual", "mia"]
    return st.fixed_dictionaries(
        {
            "version": st.sampled_from([w.version[objective_id], 99, None]),
            "kr": kr_inputs(w.ids["mia"]),
        }
    )


def update_kr_inputs(w: World) -> st.SearchStrategy:
    kr_id = w.kr["individual", "mia"]
    return st.fixed_dictionaries(
        {"version": st.sampled_from([w.kr_version[kr_id], 99, None]), "kr": kr_inputs(w.ids["mia"])}
    )


def kr_refused(version: int | None, current: int, kr: KRInput) -> bool:
    return version not in (None, current) or kr_must_refuse(kr)


# check-ins ----------------------------------------------------------------------------------------


def check_in_inputs(w: World) -> st.SearchStrategy:
    return st.builds(
        CheckInInput,
        key_result_id=st.sampled_from(
            [w.kr["individual", "mia"], w.kr["individual", "mia"], w.kr["draft", "mia"], MISSING]
        ),
        value=maybe("42", NUMBER),
        confidence=maybe(7, CONFIDENCE),
        note=maybe("", TEXT),
    )


def check_in_refused(w: World, entry: CheckInInput) -> bool:
    return (
        entry.key_result_id != w.kr["individual", "mia"]
        or bad_number(entry.value)
        or bad_confidence(entry.confidence)
        or bad_text(entry.note, 2000, required=False)
    )


def check_check_in(case: Case, entry: CheckInInput, check_in_id: int | None = None) -> CheckIn:
    stored = get(case, CheckIn, check_in_id) if check_in_id else latest(case, CheckIn)
    assert stored.value == number_of(entry.value)
    assert stored.confidence == int(str(entry.confidence).strip().split(".")[0])
    assert stored.note == stored_text(entry.note)
    return stored


def check_many_inputs(w: World) -> st.SearchStrategy:
    return st.lists(check_in_inputs(w), max_size=3)


def check_many(case: Case, w: World, entries: list, count: int) -> None:
    assert count == len(entries)
    stored = case.read(
        lambda s: list(s.scalars(select(CheckIn).order_by(CheckIn.id.desc()).limit(len(entries))))
    )[::-1]
    for record, entry in zip(stored, entries, strict=True):
        check_check_in(case, entry, record.id)


# people ------------------------------------------------------------------------------------------

USERNAMES = [
    "linh.tran",
    "  Linh_Tran-2 ",
    "mia",
    "MIA",
    "ab",
    "a" * 41,
    "đức",
    "x y",
    "",
    "ok\x00",
]
EMAILS = ["linh@example.com", " LINH@Example.COM ", "", None, "mia@example.com", "no-at-sign",
          "a@b", "a b@c.de", "nul\x00@example.com", "é@ví.vn", "x" * 250 + "@a.co"]  # fmt: skip
PASSWORDS = st.one_of(
    st.sampled_from(
        [
            PASSWORD,
            "short",
            " leading-space-pw",
            "trailing-space-pw ",
            "          ",
            "ệ" * 24,
            "ệ" * 25,
            "a" * 72,
            "a" * 73,
            "emoji-🚀🚀🚀🚀",
            "nul\x00-in-the-middle",
            "surrogate-\ud800-pw",
            "' OR 1=1 --pw",
        ]
    ),  # fmt: skip
    st.text(min_size=8, max_size=30),
)


def user_inputs(w: World, with_password: bool = True) -> st.SearchStrategy:
    return st.builds(
        UserInput,
        username=maybe("linh.tran", st.sampled_from(USERNAMES), st.text(max_size=12)),
        display_name=maybe("Trần Thu Linh", TEXT),
        email=maybe("linh@example.com", st.sampled_from(EMAILS), st.text(max_size=20)),
        role=st.sampled_from([*Role, "owner", ""]),
        team_id=st.sampled_from([None, w.team_of["mia"], MISSING]),
        manager_id=st.sampled_from([None, w.ids["lena"], MISSING]),
        language=st.sampled_from(["en", "vi", "fr", ""]),
        password=maybe("linh-password-1", PASSWORDS) if with_password else st.none(),
    )


def person_refused(d: UserInput, taken_emails=("mia@example.com",), any_role=False) -> bool:
    email = d.email.strip().lower() if isinstance(d.email, str) else d.email
    return (
        bad_text(d.display_name, 120)
        or bad_email(d.email)
        or email in taken_emails
        or (d.role not in Role._value2member_map_ and not any_role)
        or d.team_id == MISSING
        or d.manager_id == MISSING
        or d.language not in ("en", "vi")
    )


def new_user_refused(d: UserInput, taken=("mia",)) -> bool:
    return (
        bad_username(d.username)
        or d.username.strip().lower() in taken
        or bad_password(d.password)
        or person_refused(d)
    )


def check_person(user: User, d: UserInput) -> None:
    assert user.display_name == cleaned(d.display_name)
    assert user.email == (None if blank(d.email) else d.email.strip().lower())
    assert (user.team_id, user.manager_id, user.language) == (d.team_id, d.manager_id, d.language)


def check_new_user(case: Case, w: World, d: UserInput, user_id: int) -> None:
    user = get(case, User, user_id)
    assert user.username == d.username.strip().lower()
    assert user.role == d.role
    check_person(user, d)
    assert verify_password(d.password, user.password_hash)


def check_first_admin(case: Case, w, d: UserInput, user_id: int) -> None:
    user = get(case, User, user_id)
    assert user.username == d.username.strip().lower() and user.role == Role.ADMIN
    check_person(user, d)
    assert verify_password(d.password, user.password_hash)


def update_user_refused(w: World, d: UserInput) -> bool:
    return person_refused(d)


def check_updated_user(case: Case, w: World, d: UserInput, _result) -> None:
    user = get(case, User, w.ids["max"])
    assert user.username == "max" and user.role == d.role
    check_person(user, d)


# sign-in -------------------------------------------------------------------------------------------

SIGN_IN_NAMES = st.one_of(
    st.sampled_from(["mia", " MIA ", "Mia", "nobody", "", "mia\x00", "mia' OR '1'='1", "ｍｉａ"]),
    TEXT,
)
# What a browser or a proxy's X-Forwarded-For may call its address: any text, stored cut to 64.
CLIENTS = st.one_of(
    st.sampled_from(
        ["203.0.113.7", "2001:db8::1", "198.51.100.7, 10.0.0.1", "", " ", "unknown", "9" * 200]
    ),
    st.sampled_from(SPECIAL_TEXT),
    st.text(max_size=200),
    st.text(st.characters(exclude_categories=()), max_size=200),  # controls, surrogates too
)
LIVE = "<the token of the session the write started>"
TOKENS = st.one_of(st.just(LIVE), st.sampled_from(SPECIAL_TEXT), st.text(max_size=100))
SIGN_IN_AT = datetime(2026, 12, 4, 9, 0)
POLICY = SessionPolicy()
LATER = [timedelta(minutes=1), POLICY.idle + timedelta(hours=1), POLICY.lifetime + timedelta(1)]


def account_of(w: World, username: str) -> str | None:
    """The person a typed name signs in as: the name without surrounding blanks, any case."""
    name = username.strip().lower()
    return name if name in w.actors else None


def attempts_counted(case: Case) -> dict[str, tuple]:
    """Every account with an attempt counted or a lock: {username: (count, locked until)}."""
    users = case.read(lambda s: list(s.scalars(select(User))))
    return {u.username: (u.failed_logins, u.locked_until) for u in users if u.failed_logins}


def sign_in_session(case: Case, token: str) -> SignInSession:
    return case.read(
        lambda s: s.scalars(
            select(SignInSession).where(SignInSession.token_hash == token_hash(token))
        ).one()
    )


def audit_actions(case: Case, action: str) -> list[AuditLog]:
    """The rows of ``action`` (the world has no sign-in rows: these are the case's own)."""
    return case.read(lambda s: list(s.scalars(select(AuditLog).where(AuditLog.action == action))))


def client_key(client: str | None) -> str:
    """A client address as stored: its first 64 characters, each NUL or lone surrogate (no
    address has them, no database takes them) replaced by U+FFFD."""
    return "".join(
        "\ufffd" if ch == "\x00" or unicodedata.category(ch) == "Cs" else ch
        for ch in (client or "")[:64]
    )


def stored_client(client: str | None) -> str | None:
    return client_key(client) or None


def check_client_attempt(case: Case, w: World, d: dict, allowed: bool) -> None:
    attempts = d["before"] + 1
    row = case.read(lambda s: s.get(SignInThrottle, client_key(d["client"])))
    assert (row.attempts, row.window_start) == (attempts, SIGN_IN_AT)
    assert allowed is (attempts <= d["limit"]), f"attempt {attempts} of {d['limit']}: {allowed}"


def check_reservation(case: Case, w: World, d: dict, reservation) -> None:
    name = account_of(w, d["username"])
    if name is None:
        assert reservation is None, f"{d['username']!r} reserved {reservation}"
        assert attempts_counted(case) == {}, "an attempt was counted against nobody's name"
    else:
        assert (reservation.user_id, reservation.attempt) == (w.ids[name], 1)
        assert attempts_counted(case) == {name: (1, None)}


def finish_inputs(w: World) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "attempt": st.integers(1, MAX_FAILED_LOGINS),  # which try of mia's this is
            "password_ok": st.booleans(),
            "client": st.one_of(st.none(), CLIENTS),
        }
    )


def finish_after_reserving(w: World, d: dict) -> Write:
    def write(s):
        for _ in range(d["attempt"]):
            reservation = sign_in.reserve_attempt(s, "mia", SIGN_IN_AT)
        return sign_in.finish_attempt(
            s, reservation, d["password_ok"], d["client"], SIGN_IN_AT, POLICY
        )

    return write


def check_finished(case: Case, w: World, d: dict, token: str | None) -> None:
    locks = audit_actions(case, "user.locked")
    if d["password_ok"]:
        assert attempts_counted(case) == {}, "a right password left the count or the lock"
        check_new_session(case, w.ids["mia"], "password", d["client"], token)
        assert not locks
    else:
        assert token is None
        locking = d["attempt"] == MAX_FAILED_LOGINS
        lock = SIGN_IN_AT + LOCK_DURATION if locking else None
        assert attempts_counted(case) == {"mia": (d["attempt"], lock)}
        assert [(e.actor_id, e.entity_id) for e in locks] == (
            [(None, w.ids["mia"])] if locking else []
        )
        assert not audit_actions(case, "session.start")


def check_new_session(case: Case, user_id: int, method: str, client, token) -> None:
    assert isinstance(token, str) and len(token) >= 40, "a guessable session token"
    record = sign_in_session(case, token)  # the database keeps its hash, not the token
    assert (record.user_id, record.method, record.client) == (
        user_id,
        method,
        stored_client(client),
    )
    assert (record.created_at, record.last_seen_at, record.revoked_at) == (
        SIGN_IN_AT,
        SIGN_IN_AT,
        None,
    )
    assert record.expires_at == SIGN_IN_AT + POLICY.lifetime
    [started] = audit_actions(case, "session.start")
    assert (started.actor_id, started.entity_id) == (user_id, user_id)


def session_inputs(w: World) -> st.SearchStrategy:
    return st.fixed_dictionaries({"token": TOKENS, "later": st.sampled_from(LATER)})


def after_a_session(function: Callable) -> Callable[[World, dict], Write]:
    """mia signs in, then ``function(session, token, when)`` runs with her session's token
    (LIVE) or a drawn one; the write returns her token."""

    def call(w: World, d: dict) -> Write:
        def write(s):
            live = sign_in.start_session(s, w.ids["mia"], "password", None, SIGN_IN_AT, POLICY)
            token = live if d["token"] == LIVE else d["token"]
            function(s, token, SIGN_IN_AT + d["later"])
            return live

        return write

    return call


def check_session_after(action: str, expires: bool) -> Callable[[Case, World, dict, str], None]:
    """Only mia's own token, before her session expired (when ``expires``), moves it; any
    other token changes nothing and says nothing in the audit."""

    def check(case: Case, w: World, d: dict, live: str) -> None:
        moved = d["token"] == LIVE and not (expires and d["later"] >= POLICY.lifetime)
        record = sign_in_session(case, live)
        when = SIGN_IN_AT + d["later"] if moved else None
        if action == "session.end":
            assert (record.revoked_at, record.last_seen_at) == (when, SIGN_IN_AT)
        else:
            assert (record.last_seen_at, record.revoked_at) == (when or SIGN_IN_AT, None)
        for audited in ("session.resume", "session.end"):  # touching is not audited
            assert len(audit_actions(case, audited)) == int(moved and action == audited), audited

    return check


def end_all_inputs(w: World) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "actor": st.sampled_from(["mia", "admin"]),
            "user": ids(w.ids["mia"], w.ids["max"]),
            "keep": st.one_of(st.none(), TOKENS),
        }
    )


def end_all_after_sign_ins(w: World, d: dict) -> Write:
    """mia and max each sign in; then everywhere of d["user"] ends but the kept session."""

    def write(s):
        tokens = {
            name: sign_in.start_session(s, w.ids[name], "password", None, SIGN_IN_AT, POLICY)
            for name in ("mia", "max")
        }
        keep = tokens["mia"] if d["keep"] == LIVE else d["keep"]
        return tokens, sign_in.end_all_sessions(s, w.actors[d["actor"]], d["user"], keep)

    return write


def end_all_refused(w: World, d: dict) -> bool:
    """Someone else's sessions: admins only; an id nobody has: refused."""
    return d["user"] not in (w.ids["mia"], w.ids["max"]) or (
        d["actor"] != "admin" and d["user"] != w.ids[d["actor"]]
    )


def check_ended_everywhere(case: Case, w: World, d: dict, result) -> None:
    tokens, ended = result
    target = "mia" if d["user"] == w.ids["mia"] else "max"
    kept = target == "mia" and d["keep"] == LIVE
    assert ended == (0 if kept else 1)
    for name, token in tokens.items():
        revoked = name == target and not kept
        assert (sign_in_session(case, token).revoked_at is not None) is revoked, name
    assert get(case, User, w.ids[target]).sessions_revoked_at is not None


def unlock_inputs(w: World) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "actor": st.sampled_from(["admin", "admin", "mia"]),
            "user": ids(w.ids["mia"], w.ids["max"]),
            "wrong": st.integers(0, MAX_FAILED_LOGINS),  # mia's attempts before; 5 locks her
        }
    )


def unlock_after_guessing(w: World, d: dict) -> Write:
    def write(s):
        for _ in range(d["wrong"]):
            sign_in.reserve_attempt(s, "mia", SIGN_IN_AT)
        return sign_in.unlock_account(s, w.actors[d["actor"]], d["user"])

    return write


def unlock_refused(w: World, d: dict) -> bool:
    """Admins only; an id nobody has (NotFound); nobody to unlock: no count, no lock."""
    return d["actor"] != "admin" or d["user"] != w.ids["mia"] or d["wrong"] == 0


def check_unlocked(case: Case, w: World, d: dict, _result) -> None:
    assert attempts_counted(case) == {}
    assert get(case, User, w.ids["mia"]).locked_until is None


# organisation --------------------------------------------------------------------------------------


def team_inputs(w: World) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "name": maybe("Đội Tăng trưởng", TEXT, st.sampled_from(["Sales", " sales ", "SALES"])),
            "parent": st.sampled_from([None, w.ids["company"], w.ids["sales"], MISSING]),
            "lead": st.sampled_from([None, w.ids["lena"], w.ids["mia"], MISSING]),
        }
    )


def team_refused(w: World, d: dict, own: int | None = None) -> bool:
    name = cleaned(d["name"]) if isinstance(d["name"], str) else ""
    taken = {"company", "product", "sales"} - ({"sales"} if own == w.ids["sales"] else set())
    return (
        bad_text(d["name"], 120)
        or name.lower() in taken
        or d["parent"] == MISSING
        or (own is not None and d["parent"] == own)
        or d["lead"] in (MISSING, w.ids["mia"])
    )


def check_team(case: Case, team_id: int, d: dict) -> None:
    team = get(case, Team, team_id)
    assert (team.name, team.parent_id, team.lead_id) == (cleaned(d["name"]), d["parent"], d["lead"])


def cycle_inputs(w: World) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "name": maybe("2030 Q1", TEXT, st.just("Now"), st.just(" NOW ")),
            "start": maybe(date(2030, 1, 1), DATES),
            "end": maybe(date(2030, 3, 31), DATES),
        }
    )


def cycle_refused(w: World, d: dict, taken=("now", "next", "past")) -> bool:
    name = cleaned(d["name"]) if isinstance(d["name"], str) else ""
    return (
        bad_text(d["name"], 80)
        or name.lower() in taken
        or d["start"] is None
        or d["end"] is None
        or d["end"] <= d["start"]
    )


def check_cycle(case: Case, cycle_id: int, d: dict) -> None:
    cycle = get(case, Cycle, cycle_id)
    assert (cycle.name, cycle.start_date, cycle.end_date) == (
        cleaned(d["name"]),
        d["start"],
        d["end"],
    )


def update_cycle_inputs(w: World) -> st.SearchStrategy:
    today = date.today()
    return st.fixed_dictionaries(
        {
            "cycle": st.sampled_from([w.ids["next"], MISSING]),
            "name": maybe("Next (moved)", TEXT, st.just("Now")),
            "start": maybe(today + timedelta(days=100), DATES, st.just(today)),
            "end": maybe(today + timedelta(days=190), DATES),
        }
    )


CYCLE_STATES = [s.value for s in CycleState] + ["Active", "", "open", "closed'--"]


def cycle_state_refused(w: World, d: dict) -> bool:
    current = {w.ids["next"]: "planning", w.ids["past"]: "closed", w.cycle: "active"}
    return d["state"] not in ("active", "closed") or d["state"] == current[d["cycle"]]


SETTING_NUMBER = st.one_of(
    st.floats(),
    st.integers(-(10**6), 10**6),
    st.sampled_from([math.nan, math.inf, -1, 0, 0.15, 0.3, 1, 1.5, 14, 365, 366, True]),
)


def settings_refused(d: StatusSettings) -> bool:
    def number(v):
        return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)

    def whole(v):
        return isinstance(v, int) and not isinstance(v, bool)

    return not (
        number(d.on_track_gap)
        and number(d.at_risk_gap)
        and 0 <= d.on_track_gap <= d.at_risk_gap <= 1
        and whole(d.stale_days)
        and 1 <= d.stale_days <= 365
        and whole(d.off_track_confidence)
        and whole(d.at_risk_confidence)
        and 0 <= d.off_track_confidence < d.at_risk_confidence <= 10
    )


def check_settings(case: Case, w: World, d: StatusSettings, _result) -> None:
    stored = case.read(lambda s: {row.key: row.value for row in s.scalars(select(Setting))})
    assert stored["stale_days"] == d.stale_days
    assert stored["status_thresholds"] == {
        "on_track_gap": d.on_track_gap,
        "at_risk_gap": d.at_risk_gap,
        "off_track_confidence": d.off_track_confidence,
        "at_risk_confidence": d.at_risk_confidence,
    }


# grading ---------------------------------------------------------------------------------------------

SCORES = st.one_of(
    NUMBER,
    st.sampled_from([0, 0.0, 0.1, 0.7, 1, 1.0, 0.75, 1.1, -0.1, "0.7", " 0.3 ", "0,7", "70%"]),
)
REASONS = maybe("Delivered what mattered", TEXT)


def score_refused(score: object, reason: object, default: float = 0.0) -> bool:
    if bad_number(score) or bad_text(reason, 1000, required=False):
        return True
    try:
        number = number_of(score)
    except ValueError:
        return False  # no claim
    snapped = round(number * 10) / 10
    if abs(number - snapped) > 1e-6 or not 0 <= snapped <= 1:
        return True
    return not math.isclose(snapped, default, abs_tol=1e-6) and not stored_text(reason)


def grade_inputs(w: World) -> st.SearchStrategy:
    kr_id = w.kr["individual", "mia"]
    return st.fixed_dictionaries(
        {
            "kr": st.sampled_from([kr_id, kr_id, w.kr["draft", "mia"], MISSING]),
            "version": st.sampled_from([w.kr_version[kr_id], 99, None]),
            "score": SCORES,
            "reason": REASONS,
        }
    )


def grade_refused(w: World, d: dict) -> bool:
    kr_id = w.kr["individual", "mia"]
    return (
        d["kr"] != kr_id
        or d["version"] not in (None, w.kr_version[kr_id])
        or score_refused(d["score"], d["reason"])
    )


def check_grade(confirmed: bool) -> Callable:
    def check(case: Case, w: World, d: dict, score: float) -> None:
        kr = get(case, KeyResult, d["kr"])
        assert kr.score == score == round(number_of(d["score"]) * 10) / 10
        assert kr.score_reason == (stored_text(d["reason"]) or None)
        assert kr.score_confirmed is confirmed

    return check


# kudos ---------------------------------------------------------------------------------------------------


def kudos_inputs(w: World) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "message": maybe("Cảm ơn vì bản demo tuyệt vời! 🎉", TEXT),
            "user": st.sampled_from([w.ids["max"], w.ids["mia"], MISSING, None]),
            "team": st.sampled_from([None, w.ids["sales"], MISSING]),
            "objective": st.sampled_from(
                [None, w.objective["individual", "max"], w.objective["draft", "max"], MISSING]
            ),
            "kr": st.sampled_from([None, w.kr["individual", "max"], MISSING]),
        }
    )


def kudos_refused(w: World, d: dict) -> bool:
    receivers = [r for r in (d["user"], d["team"]) if r is not None]
    objective = d["objective"]
    if d["kr"] is not None:
        if d["kr"] == MISSING:
            return True
        kr_objective = w.objective["individual", "max"]
        if objective is not None and objective != kr_objective:
            return True
        objective = kr_objective
    return (
        bad_text(d["message"], 500)
        or len(receivers) != 1
        or MISSING in receivers
        or d["user"] == w.ids["mia"]
        or objective in (MISSING, w.objective["draft", "max"])
    )


def check_kudos(case: Case, w: World, d: dict, kudos_id: int) -> None:
    stored = get(case, Kudos, kudos_id)
    assert stored.message == cleaned(d["message"])
    assert (stored.receiver_user_id, stored.receiver_team_id) == (d["user"], d["team"])


# import -----------------------------------------------------------------------------------------------

IMPORT_COLUMNS = ["type", "ref", "cycle", "level", "team", "owner", "title", "description",
                  "parent", "state", "kind", "unit", "currency_code", "unit_label", "start",
                  "target", "weight"]  # fmt: skip


# An uploaded file arrives through pandas, whose strings cannot hold lone surrogates.
FILE_TEXT = TEXT.filter(lambda t: not any(unicodedata.category(c) == "Cs" for c in t))


def cell(valid: str, *choices: str) -> st.SearchStrategy:
    return st.one_of(
        st.just(valid), st.sampled_from([*choices, ""]), FILE_TEXT.filter(lambda t: len(t) < 300)
    )


def objective_row() -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "type": cell("objective", "Objective", "kr", "key_result"),
            "ref": cell("O1", "O2", "o1"),
            "cycle": cell("Now", "Past", "Next", "Nowhere"),
            "level": cell("individual", "team", "company", "Individual"),
            "team": st.sampled_from(["", "Product", "Nope"]),
            "owner": cell("mia", "MIA", "nobody", "admin"),
            "title": maybe("Imported goal", FILE_TEXT),
            "description": maybe("", FILE_TEXT),
            "parent": st.sampled_from(["", "O2", "O1", "Company goal of eve", "Nope"]),
            "state": cell("active", "draft", "closed", "archived", "ACTIVE", "deleted"),
            **{c: st.just("") for c in ("kind", "unit", "currency_code", "unit_label")},
            **{c: st.just("") for c in ("start", "target", "weight")},
        }
    )


def kr_row() -> st.SearchStrategy:
    numbers = st.one_of(st.sampled_from(["0", "10", "1,000", "", "nan", "-5"]), NUMBER.map(str))
    return st.fixed_dictionaries(
        {
            "type": st.just("key_result"),
            "ref": cell("O1", "O2"),
            **{
                c: st.just("") for c in ("cycle", "level", "team", "description", "parent", "state")
            },
            "owner": cell("mia", "nobody", ""),
            "title": maybe("Imported KR", FILE_TEXT),
            "kind": st.sampled_from([*KINDS, "Increase"]),
            "unit": st.sampled_from(["", "number", "percent", "currency", "text", "kg"]),
            "currency_code": st.sampled_from(["", "VND", "usd", "EURO"]),
            "unit_label": st.sampled_from(["", "tickets", "x" * 41]),
            "start": numbers,
            "target": numbers,
            "weight": numbers,
        }
    )


def import_tables(w: World) -> st.SearchStrategy:
    rows = st.lists(st.one_of(objective_row(), kr_row()), min_size=1, max_size=5)
    return rows.map(
        lambda rows: pd.DataFrame(
            [{"row": n, **row} for n, row in enumerate(rows, start=2)],
            columns=["row", *IMPORT_COLUMNS],
        ).astype(str)
    )


VALID_IMPORT = pd.DataFrame(
    [
        {"row": 2, **dict.fromkeys(IMPORT_COLUMNS, ""), "type": "objective", "ref": "O1",
         "cycle": "Now", "level": "individual", "owner": "mia", "title": "Imported goal",
         "state": "active"},
        {"row": 3, **dict.fromkeys(IMPORT_COLUMNS, ""), "type": "key_result", "ref": "O1",
         "owner": "mia", "title": "Imported KR", "kind": "increase", "start": "0",
         "target": "10"},
    ],
    columns=["row", *IMPORT_COLUMNS],
).astype(str)  # fmt: skip


def import_refused(w: World, table: pd.DataFrame) -> bool:
    """An objective row with an invalid title, or a row of no known type, fails the import."""
    for row in table.to_dict("records"):
        kind = row["type"].lower().replace(" ", "_")
        if kind not in ("objective", "key_result") or not row["ref"] or not row["title"]:
            return True
        if kind == "objective" and bad_text(row["title"], 200):
            return True
    return False


def check_import(case: Case, w: World, table: pd.DataFrame, result) -> None:
    """The preview counts the rows it could read and names each failing row with a message."""
    kinds = [t.lower().replace(" ", "_") for t in table["type"]]
    assert result.objectives <= kinds.count("objective")
    assert result.key_results <= kinds.count("key_result")
    assert set(result.errors) <= set(table["row"].astype(int))
    assert all(message.strip() for message in result.errors.values())
    if not result.errors:
        assert (result.objectives, result.key_results) == (
            kinds.count("objective"),
            kinds.count("key_result"),
        )


def check_imported(case: Case, w: World, table: pd.DataFrame, result) -> None:
    check_import(case, w, table, result)
    assert not result.errors
    for row in table.to_dict("records"):
        if row["type"].lower() == "objective":
            found = case.read(
                lambda s, row=row: s.scalar(
                    select(Objective.id).where(Objective.title == cleaned(row["title"]))
                )
            )
            assert found, f"not imported: {row['title']!r}"


# single sign-on ---------------------------------------------------------------------------------------

SSO_EMAILS = ["nguyen.an@example.com", " Nguyễn.An@Ví.vn ", "mia@example.com", "MIA@example.com",
              "", None, "no-at-sign", "nul\x00@example.com", "a@b", "x" * 250 + "@a.co",
              "<script>@x.io", "o'brien@example.ie", "🚀@🚀.io"]  # fmt: skip


SSO_DOMAINS = ("example.com", "ví.vn", "example.ie")  # the allow-list the entries pass
SSO_SUBJECTS = ["10769150350006150715113082367", "auth0|5f7c8ec7c33c6c004bbafe82", " padded",
                "x" * 255, "x" * 256, "nul\x00", "zero\u200bwidth", "", None, 42]  # fmt: skip
SSO_ISSUER = "https://id.example.org/realms/okr"
SSO_CLIENTS = ["203.0.113.7", "2001:db8::1", "", None, "9" * 200]
SSO_NOW = datetime(2026, 12, 4, 9, 0)
SSO_POLICY = SessionPolicy()
SSO_ISSUED = [SSO_NOW - timedelta(minutes=1), SSO_NOW - SSO_POLICY.lifetime, None]


def sso_identity(d: dict) -> Identity:
    return Identity(
        SSO_ISSUER, d["subject"], d["email"], d["verified"], d["name"], d["language"],
        d.get("issued", SSO_ISSUED[0]),
    )  # fmt: skip


def sso_inputs(w: World) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "email": maybe("nguyen.an@example.com", st.sampled_from(SSO_EMAILS), TEXT),
            "name": maybe("Nguyễn An", TEXT, st.none()),
            "language": st.sampled_from(["en", "vi", "fr", "", None]),
            "subject": maybe("sub-1", st.sampled_from(SSO_SUBJECTS), TEXT),
            "verified": maybe(True, st.sampled_from([False, None, "true", 1])),
        }
    )


def bad_subject(value: object) -> bool:
    """A subject no account may be keyed on: not text, empty, over 255 characters, padded,
    or with invisible characters."""
    return (
        not isinstance(value, str)
        or not 0 < len(value) <= 255
        or value != value.strip()
        or any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in value)
    )


def sso_email(d: dict) -> str | None:
    return d["email"].strip().lower() if isinstance(d["email"], str) else None


def bad_sso_identity(d: dict) -> bool:
    return (
        bad_subject(d["subject"]) or d["verified"] is not True or blank(d["email"])
        or bad_email(d["email"])
    )  # fmt: skip


def sso_refused(w: World, d: dict) -> bool:
    email = sso_email(d)
    taken = {f"{name}@example.com" for name in w.actors}
    domain = email.rpartition("@")[2] if email else None
    return bad_sso_identity(d) or email in taken or domain not in SSO_DOMAINS


def sso_linked(case: Case, subject: str):
    return case.read(
        lambda s: s.scalars(select(LinkedIdentity).where(LinkedIdentity.subject == subject)).one()
    )


def check_sso_member(case: Case, w: World, d: dict, username: str) -> None:
    user = case.read(lambda s: s.scalars(select(User).where(User.username == username)).one())
    assert USERNAME.fullmatch(user.username)
    assert user.email == d["email"].strip().lower()
    assert (user.role, user.team_id, user.active) == ("member", None, True)
    assert user.language == (d["language"] if d["language"] in ("en", "vi") else "en")
    local_part = user.email.split("@", 1)[0]
    expected = local_part[:120] if bad_text(d["name"], 120) else cleaned(d["name"])
    assert user.display_name == expected
    link = sso_linked(case, d["subject"])
    assert (link.user_id, link.issuer, link.email) == (user.id, SSO_ISSUER, user.email)


def sso_sign_in_inputs(w: World) -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {
            "email": maybe("mia@example.com", st.sampled_from(SSO_EMAILS), TEXT),
            "name": st.just(None),
            "language": st.just(None),
            "subject": maybe("sub-1", st.sampled_from(SSO_SUBJECTS), TEXT),
            "verified": maybe(True, st.sampled_from([False, None, "true", 1])),
            "issued": st.sampled_from(SSO_ISSUED),
            "client": st.sampled_from(SSO_CLIENTS),
        }
    )


def sso_sign_in_refused(w: World, d: dict) -> bool:
    """Refused unless a verified identity, issued within a session's lifetime, has the email
    of one of the world's (active, unlinked) people: new accounts are off in the world."""
    fresh = d["issued"] is not None and d["issued"] > SSO_NOW - SSO_POLICY.lifetime
    known = {f"{name}@example.com" for name in w.actors}
    return bad_sso_identity(d) or not fresh or sso_email(d) not in known


def check_sso_sign_in(case: Case, w: World, d: dict, signed) -> None:
    username = sso_email(d).split("@", 1)[0]
    assert signed.username == username
    link = sso_linked(case, d["subject"])
    assert (link.user_id, link.last_used_at) == (w.ids[username], SSO_NOW)
    record = case.read(
        lambda s: s.scalars(
            select(SignInSession).where(SignInSession.token_hash == token_hash(signed.token))
        ).one()
    )
    assert (record.user_id, record.method) == (w.ids[username], "sso")
    assert record.client == ((d["client"] or "")[:64] or None)


def link_then_unlink(w: World, user_id: int) -> Write:
    """Mia's first single sign-on links her account; then the admin unlinks ``user_id``."""
    mia_signs_in = {"subject": "sub-mia", "email": "mia@example.com", "verified": True,
                    "name": None, "language": None}  # fmt: skip

    def write(s):
        sso.sign_in_with_identity(
            s, sso_identity(mia_signs_in), None, SSO_NOW, SSO_POLICY, SSO_DOMAINS
        )
        return sso.unlink_identity(s, admin(w), user_id)

    return write


# --- the table ------------------------------------------------------------------------------------


def NEVER(w: World, d: Any) -> bool:  # noqa: N802
    return False


def mia(w: World):
    return w.actors["mia"]


def admin(w: World):
    return w.actors["admin"]


FUZZ: list[Fuzz] = [
    Fuzz(
        okrs.create_objective,
        create_objective_inputs,
        lambda w, d: (
            lambda s: okrs.create_objective(
                s,
                admin(w),
                ObjectiveInput(
                    d["cycle"],
                    d["level"],
                    d["title"],
                    d["owner"],
                    d["team"],
                    d["description"],
                    d["parent"],
                    d["krs"],
                ),  # fmt: skip
            )
        ),
        create_objective_refused,
        check_created_objective,
        examples=(
            {
                "cycle": 0,
                "level": "individual",
                "title": "<img src=x onerror=alert(1)>",
                "owner": 0,
                "team": None,
                "description": "x" * 10_000,
                "parent": None,
                "krs": [],
            },
        ),  # fmt: skip
    ),
    Fuzz(
        okrs.check_objective,
        create_objective_inputs,
        lambda w, d: (
            lambda s: okrs.check_objective(
                s,
                admin(w),
                ObjectiveInput(
                    d["cycle"],
                    d["level"],
                    d["title"],
                    d["owner"],
                    d["team"],
                    d["description"],
                    d["parent"],
                ),
            )
        ),
        lambda w, d: create_objective_refused(w, {**d, "krs": []}),  # it checks no KRs
        check_checked_objective,
        audited=False,
        writes=False,
    ),
    Fuzz(
        okrs.update_objective,
        update_objective_inputs,
        update_objective_call,
        update_objective_refused,
        check_updated_objective,
    ),
    Fuzz(
        okrs.set_objective_state,
        state_inputs,
        state_call,
        state_refused,
        check_state,
        examples=(
            {"goal": "draft", "stale": False, "state": "bogus"},
            {"goal": "draft", "stale": False, "state": "active"},
        ),
    ),
    Fuzz(
        okrs.copy_objective,
        copy_inputs,
        lambda w, d: lambda s: okrs.copy_objective(s, mia(w), d["objective"], d["cycle"]),
        lambda w, d: d["objective"] in (MISSING, -1) or d["cycle"] != w.ids["next"],
        check_copy,
    ),
    Fuzz(
        okrs.add_key_result,
        add_kr_inputs,
        lambda w, d: (
            lambda s: okrs.add_key_result(
                s,
                mia(w),
                w.objective["individual", "mia"],
                d["version"],
                d["kr"],
            )
        ),
        lambda w, d: kr_refused(d["version"], w.version[w.objective["individual", "mia"]], d["kr"]),
        lambda case, w, d, kr_id: check_kr(get(case, KeyResult, kr_id), d["kr"]),
    ),
    Fuzz(
        okrs.check_key_result,
        add_kr_inputs,
        lambda w, d: (
            lambda s: okrs.check_key_result(
                s, mia(w), s.get(Objective, w.objective["individual", "mia"]), d["kr"]
            )
        ),
        lambda w, d: kr_must_refuse(d["kr"]),  # no version: it is not an edit
        lambda case, w, d, record: check_kr(record, d["kr"]),
        audited=False,
        writes=False,
    ),
    Fuzz(
        okrs.update_key_result,
        update_kr_inputs,
        lambda w, d: (
            lambda s: okrs.update_key_result(
                s, mia(w), w.kr["individual", "mia"], d["version"], d["kr"]
            )
        ),
        lambda w, d: kr_refused(d["version"], w.kr_version[w.kr["individual", "mia"]], d["kr"]),
        lambda case, w, d, _: check_kr(get(case, KeyResult, w.kr["individual", "mia"]), d["kr"]),
    ),
    Fuzz(
        checkins.check_in,
        check_in_inputs,
        lambda w, entry: lambda s: checkins.check_in(s, mia(w), entry),
        check_in_refused,
        lambda case, w, entry, check_in_id: check_check_in(case, entry, check_in_id),
        examples=(CheckInInput(0, "1e400", 5, "<script>alert(1)</script>"),),
    ),
    Fuzz(
        checkins.check_in_many,
        check_many_inputs,
        lambda w, entries: lambda s: checkins.check_in_many(s, mia(w), entries),
        lambda w, entries: not entries or any(check_in_refused(w, e) for e in entries),
        check_many,
    ),
    Fuzz(
        accounts.create_user,
        user_inputs,
        lambda w, d: lambda s: accounts.create_user(s, admin(w), d),
        lambda w, d: new_user_refused(d, taken=tuple(w.actors)),
        check_new_user,
        examples=(
            UserInput("linh", "Linh", "nul\x00@example.com", "member", None, None, "en", PASSWORD),
            UserInput("linh", "Linh", None, "member", None, None, "en", "surrogate-\ud800-pw"),
            UserInput("linh", "Linh", None, "member", None, None, "en", "nul\x00-in-password"),
        ),
    ),
    Fuzz(
        accounts.update_user,
        lambda w: user_inputs(w, with_password=False),
        lambda w, d: lambda s: accounts.update_user(s, admin(w), w.ids["max"], d),
        update_user_refused,
        check_updated_user,
        examples=(UserInput("max", "Max", "nul\x00@example.com", "member", None, None, "en"),),
    ),
    Fuzz(
        accounts.set_user_active,
        lambda w: st.fixed_dictionaries(
            {
                "user": st.sampled_from([w.ids["max"], w.ids["admin"], MISSING]),
                "active": st.one_of(st.booleans(), st.sampled_from([0, 1, "", "no", None])),
            }
        ),
        lambda w, d: lambda s: accounts.set_user_active(s, admin(w), d["user"], d["active"]),
        lambda w, d: d["user"] == MISSING or (d["user"] == w.ids["admin"] and not d["active"]),
        lambda case, w, d, _: (
            None
            if get(case, User, d["user"]).active is bool(d["active"])
            else pytest.fail("active")
        ),
    ),
    Fuzz(
        accounts.reset_password,
        lambda w: st.fixed_dictionaries(
            {"user": st.sampled_from([w.ids["max"], MISSING]), "password": PASSWORDS}
        ),
        lambda w, d: lambda s: accounts.reset_password(s, admin(w), d["user"], d["password"]),
        lambda w, d: d["user"] == MISSING or bad_password(d["password"]),
        lambda case, w, d, _: (
            None
            if verify_password(d["password"], get(case, User, d["user"]).password_hash)
            else pytest.fail("password not set")
        ),
        examples=({"user": 0, "password": "surrogate-\ud800-pw"},),
    ),
    Fuzz(
        accounts.change_password,
        lambda w: st.fixed_dictionaries(
            {"current": maybe(PASSWORD, PASSWORDS), "new": maybe("a-new-password-2", PASSWORDS)}
        ),
        lambda w, d: lambda s: accounts.change_password(s, mia(w), d["current"], d["new"]),
        lambda w, d: d["current"] != PASSWORD or bad_password(d["new"]) or d["new"] == PASSWORD,
        lambda case, w, d, _: (
            None
            if verify_password(d["new"], get(case, User, w.ids["mia"]).password_hash)
            else pytest.fail("password not changed")
        ),
    ),
    Fuzz(
        preferences.set_language,
        lambda w: st.one_of(
            st.sampled_from(["en", "vi", "EN", "fr", "", " vi", None, 1]), st.text(max_size=12)
        ),
        lambda w, d: lambda s: preferences.set_language(s, mia(w), d),
        lambda w, d: d not in ("en", "vi"),
        lambda case, w, d, _: (
            None if get(case, User, w.ids["mia"]).language == d else pytest.fail("language")
        ),
    ),
    Fuzz(
        accounts.create_first_admin,
        lambda w: user_inputs(w).map(
            lambda d: UserInput(
                d.username, d.display_name, d.email, d.role, None, None, d.language, d.password
            )  # fmt: skip
        ),
        lambda w, d: lambda s: accounts.create_first_admin(s, d),
        lambda w, d: (
            bad_username(d.username)
            or bad_password(d.password)
            or person_refused(d, taken_emails=(), any_role=True)  # always an admin
        ),
        check_first_admin,
        empty_database=True,
    ),
    Fuzz(
        sign_in.reserve_client_attempt,
        lambda w: st.fixed_dictionaries(
            {"client": CLIENTS, "before": st.integers(0, 5), "limit": st.integers(1, 5)}
        ),
        lambda w, d: (
            lambda s: [
                sign_in.reserve_client_attempt(s, d["client"], SIGN_IN_AT, d["limit"])
                for _ in range(d["before"] + 1)
            ][-1]
        ),
        NEVER,
        check_client_attempt,
        examples=(
            {"client": "nul\x00", "before": 0, "limit": 1},
            {"client": "\ud800", "before": 1, "limit": 1},
        ),
        audited=False,  # a counter per address, about nobody
    ),
    Fuzz(
        sign_in.reserve_attempt,
        lambda w: st.fixed_dictionaries({"username": SIGN_IN_NAMES}),
        lambda w, d: lambda s: sign_in.reserve_attempt(s, d["username"], SIGN_IN_AT),
        NEVER,
        check_reservation,
        examples=({"username": "mia\x00"}, {"username": "\ud800"}, {"username": " MIA "}),
        audited=False,  # the count is audited when it locks the account (finish_attempt)
    ),
    Fuzz(
        sign_in.finish_attempt,
        finish_inputs,
        finish_after_reserving,
        NEVER,
        check_finished,
        examples=(
            {"attempt": MAX_FAILED_LOGINS, "password_ok": False, "client": "nul\x00"},
            {"attempt": MAX_FAILED_LOGINS, "password_ok": True, "client": "\ud800" * 70},
        ),
        audited=False,  # a lock and a session are; check_finished says which
    ),
    Fuzz(
        sign_in.start_session,
        lambda w: st.fixed_dictionaries(
            {
                # the id comes from a checked password or SSO identity, never from input
                "user": st.sampled_from([w.ids["mia"], w.ids["admin"]]),
                "method": st.sampled_from(["password", "sso"]),
                "client": st.one_of(st.none(), CLIENTS),
            }
        ),
        lambda w, d: (
            lambda s: sign_in.start_session(
                s, d["user"], d["method"], d["client"], SIGN_IN_AT, POLICY
            )
        ),
        NEVER,
        lambda case, w, d, token: check_new_session(
            case, d["user"], d["method"], d["client"], token
        ),
        examples=({"user": 0, "method": "password", "client": "nul\x00"},),
    ),
    Fuzz(
        sign_in.resume_session,
        session_inputs,
        after_a_session(sign_in.resume_session),
        NEVER,
        check_session_after("session.resume", expires=True),
        examples=({"token": "nul\x00", "later": LATER[0]}, {"token": "\ud800", "later": LATER[0]}),
    ),
    Fuzz(
        sign_in.touch_session,
        session_inputs,
        after_a_session(sign_in.touch_session),
        NEVER,
        check_session_after("session.touch", expires=False),
        examples=({"token": "\ud800" * 30, "later": LATER[0]},),
    ),
    Fuzz(
        sign_in.end_session,
        session_inputs,
        after_a_session(sign_in.end_session),
        NEVER,
        check_session_after("session.end", expires=True),
        examples=({"token": "nul\x00", "later": LATER[0]}, {"token": "\ud800", "later": LATER[0]}),
    ),
    Fuzz(
        sign_in.end_all_sessions,
        end_all_inputs,
        end_all_after_sign_ins,
        end_all_refused,
        check_ended_everywhere,
        examples=(
            {"actor": "admin", "user": MISSING, "keep": None},
            {"actor": "mia", "user": 0, "keep": "\ud800"},
        ),
    ),
    Fuzz(
        sign_in.unlock_account,
        unlock_inputs,
        unlock_after_guessing,
        unlock_refused,
        check_unlocked,
        examples=(
            {"actor": "admin", "user": 2**31, "wrong": MAX_FAILED_LOGINS},
            {"actor": "admin", "user": 0, "wrong": 0},
            {"actor": "mia", "user": 0, "wrong": MAX_FAILED_LOGINS},
        ),
    ),
    Fuzz(
        org.create_team,
        team_inputs,
        lambda w, d: lambda s: org.create_team(s, admin(w), d["name"], d["parent"], d["lead"]),
        team_refused,
        lambda case, w, d, team_id: check_team(case, team_id, d),
    ),
    Fuzz(
        org.update_team,
        team_inputs,
        lambda w, d: (
            lambda s: org.update_team(
                s, admin(w), w.ids["sales"], d["name"], d["parent"], d["lead"]
            )
        ),
        lambda w, d: team_refused(w, d, own=w.ids["sales"]),
        lambda case, w, d, _: check_team(case, w.ids["sales"], d),
    ),
    Fuzz(
        org.create_cycle,
        cycle_inputs,
        lambda w, d: lambda s: org.create_cycle(s, admin(w), d["name"], d["start"], d["end"]),
        cycle_refused,
        lambda case, w, d, cycle_id: check_cycle(case, cycle_id, d),
    ),
    Fuzz(
        org.update_cycle,
        update_cycle_inputs,
        lambda w, d: (
            lambda s: org.update_cycle(s, admin(w), d["cycle"], d["name"], d["start"], d["end"])
        ),
        lambda w, d: d["cycle"] == MISSING or cycle_refused(w, d, taken=("now", "past")),
        lambda case, w, d, _: check_cycle(case, d["cycle"], d),
    ),
    Fuzz(
        org.set_cycle_state,
        lambda w: st.fixed_dictionaries(
            {
                "cycle": st.sampled_from([w.ids["next"], w.ids["past"], w.cycle]),
                "state": st.sampled_from(CYCLE_STATES),
            }
        ),
        lambda w, d: lambda s: org.set_cycle_state(s, admin(w), d["cycle"], d["state"]),
        cycle_state_refused,
        lambda case, w, d, _: (
            None if get(case, Cycle, d["cycle"]).state == d["state"] else pytest.fail("state")
        ),
        examples=({"cycle": 0, "state": "open"},),
    ),
    Fuzz(
        org.save_status_settings,
        lambda w: st.builds(
            StatusSettings,
            on_track_gap=maybe(0.15, SETTING_NUMBER),
            at_risk_gap=maybe(0.3, SETTING_NUMBER),
            stale_days=maybe(14, SETTING_NUMBER),
            off_track_confidence=maybe(3, SETTING_NUMBER),
            at_risk_confidence=maybe(6, SETTING_NUMBER),
        ),
        lambda w, d: lambda s: org.save_status_settings(s, admin(w), d),
        lambda w, d: settings_refused(d),
        check_settings,
    ),
    Fuzz(
        grading.grade_key_result,
        grade_inputs,
        lambda w, d: (
            lambda s: grading.grade_key_result(
                s, w.actors["lena"], d["kr"], d["version"], d["score"], d["reason"]
            )
        ),
        grade_refused,
        check_grade(confirmed=True),
    ),
    Fuzz(
        grading.propose_score,
        grade_inputs,
        lambda w, d: (
            lambda s: grading.propose_score(
                s, mia(w), d["kr"], d["version"], d["score"], d["reason"]
            )
        ),
        grade_refused,
        check_grade(confirmed=False),
    ),
    Fuzz(
        grading.confirm_score,
        lambda w: st.fixed_dictionaries(
            {
                "kr": st.sampled_from([w.kr["individual", "mia"], w.kr["draft", "mia"], MISSING]),
                "version": st.sampled_from([None, 1, 2, 99]),
            }
        ),
        lambda w, d: lambda s: grading.confirm_score(s, w.actors["lena"], d["kr"], d["version"]),
        lambda w, d: (
            d["kr"] != w.kr["individual", "mia"]
            or d["version"] not in (None, w.kr_version[d["kr"]])
        ),
        lambda case, w, d, score: (
            None if get(case, KeyResult, d["kr"]).score_confirmed else pytest.fail("confirmed")
        ),
    ),
    Fuzz(
        grading.accept_default_scores,
        lambda w: st.lists(
            st.sampled_from(
                [
                    w.objective["individual", "mia"],
                    w.objective["team", "mia"],
                    w.objective["draft", "mia"],
                    w.objective["individual", "sue"],
                    MISSING,
                    -1,
                ]
            ),  # fmt: skip
            max_size=4,
        ),
        lambda w, ids_: lambda s: grading.accept_default_scores(s, w.actors["lena"], ids_),
        lambda w, ids_: (
            not ids_
            or bool(
                set(ids_)
                & {MISSING, -1, w.objective["draft", "mia"], w.objective["individual", "sue"]}
            )
        ),
        lambda case, w, ids_, count: (
            None if count == len(set(ids_)) else pytest.fail(f"{count} confirmed")
        ),
    ),
    Fuzz(
        grading.close_cycle,
        lambda w: st.sampled_from([w.cycle, w.ids["next"], w.ids["past"], MISSING, -1]),
        lambda w, cycle_id: lambda s: grading.close_cycle(s, w.actors["eve"], cycle_id),
        lambda w, cycle_id: cycle_id != w.cycle,
        lambda case, w, cycle_id, _: (
            None if get(case, Cycle, cycle_id).state == "closed" else pytest.fail("not closed")
        ),
    ),
    Fuzz(
        grading.reopen_cycle,
        lambda w: st.sampled_from([w.ids["past"], w.cycle, w.ids["next"], MISSING, -1]),
        lambda w, cycle_id: lambda s: grading.reopen_cycle(s, admin(w), cycle_id),
        lambda w, cycle_id: cycle_id != w.ids["past"],
        lambda case, w, cycle_id, _: (
            None if get(case, Cycle, cycle_id).state == "active" else pytest.fail("not reopened")
        ),
    ),
    Fuzz(
        imports.import_okrs,
        import_tables,
        lambda w, table: lambda s: imports.import_okrs(s, admin(w), table),
        import_refused,
        check_imported,
        examples=(VALID_IMPORT,),
    ),
    Fuzz(
        imports.check_import,
        import_tables,
        lambda w, table: lambda s: imports.check_import(s, admin(w), table),
        NEVER,
        check_import,
        audited=False,
        writes=False,
    ),
    Fuzz(
        sso.save_sso_settings,
        lambda w: st.one_of(st.booleans(), st.sampled_from([0, 1, "", "no", None])),
        lambda w, value: lambda s: sso.save_sso_settings(s, admin(w), value),
        NEVER,
        lambda case, w, value, _: (
            None
            if get(case, Setting, "sso_auto_create").value is bool(value)
            else pytest.fail("setting not stored")
        ),
    ),
    Fuzz(
        sso.create_member_from_identity,
        sso_inputs,
        lambda w, d: (
            lambda s: (
                sso.save_sso_settings(s, admin(w), True),
                sso.create_member_from_identity(s, sso_identity(d), SSO_DOMAINS),
            )[1]
        ),
        sso_refused,
        check_sso_member,
        examples=tuple(
            {"email": email, "name": "An", "language": "en", "subject": "s", "verified": True}
            for email in ("nul\x00@example.com", "an@evil-example.com", "an@example.com.evil.org")
        ),
    ),
    Fuzz(
        sso.sign_in_with_identity,
        sso_sign_in_inputs,
        lambda w, d: (
            lambda s: sso.sign_in_with_identity(
                s, sso_identity(d), d["client"], SSO_NOW, SSO_POLICY, SSO_DOMAINS
            )
        ),
        sso_sign_in_refused,
        check_sso_sign_in,
    ),
    Fuzz(
        sso.unlink_identity,
        lambda w: st.sampled_from([w.ids["mia"], w.ids["sue"], MISSING, -1, 0]),
        lambda w, user_id: link_then_unlink(w, user_id),
        lambda w, user_id: user_id != w.ids["mia"],
        lambda case, w, user_id, _: (
            None
            if case.read(lambda s: s.scalar(select(LinkedIdentity.id))) is None
            else pytest.fail("still linked")
        ),
    ),
    Fuzz(
        kudos.give_kudos,
        kudos_inputs,
        lambda w, d: (
            lambda s: kudos.give_kudos(
                s,
                mia(w),
                d["message"],
                receiver_user_id=d["user"],
                receiver_team_id=d["team"],
                objective_id=d["objective"],
                key_result_id=d["kr"],
            )
        ),
        kudos_refused,
        check_kudos,
    ),
]


@pytest.fixture
def empty_sandbox(world_db, tmp_path):
    """An empty, migrated database of the same dialect (for first-run setup)."""
    for url in database_urls(world_db.dialect, tmp_path):
        engine = make_engine(url)
        upgrade_head(engine)
        try:
            yield Sandbox(engine)
        finally:
            engine.dispose()


@pytest.mark.parametrize("fuzz", FUZZ, ids=[qualified_name(f.function) for f in FUZZ])
def test_bad_input_is_refused_or_stored_exactly(world_db, fuzz: Fuzz, request):
    world = world_db.world
    sandbox = request.getfixturevalue("empty_sandbox") if fuzz.empty_database else world_db.sandbox
    seen: Counter = Counter()

    def attempt(data) -> None:
        with sandbox.case() as case:
            before, last_audit = case.snapshot(), case.newest_audit_id()
            outcome = case.attempt(fuzz.call(world, data))
            if outcome.ok:
                assert not fuzz.must_refuse(world, data), f"saved what must be refused: {data!r}"
                fuzz.check(case, world, data, outcome.value)
                if not fuzz.writes:
                    assert case.snapshot() == before, "a preview wrote to the database"
                if fuzz.audited:
                    assert case.audit_rows_after(last_audit), "a saved write left no audit row"
            else:
                assert str(outcome.error).strip(), "a refusal without a message"
                assert case.snapshot() == before, f"refused, yet rows changed: {outcome.error!r}"
            seen["saved" if outcome.ok else "refused"] += 1

    prop = given(fuzz.inputs(world))(attempt)
    for edge in fuzz.examples:
        prop = example(fill_ids(world, fuzz, edge))(prop)
    profile_for(world_db.dialect)(prop)()
    expected = {"saved", "refused"} if fuzz.must_refuse is not NEVER else {"saved"}
    assert set(seen) == expected, f"outcomes: {dict(seen)}"


def fill_ids(world: World, fuzz: Fuzz, edge: Any) -> Any:
    """Explicit examples use 0 for "the usual target of this entry"."""
    name = fuzz.function.__name__
    usual = {
        "create_objective": {"cycle": world.cycle, "owner": world.ids["mia"]},
        "set_cycle_state": {"cycle": world.ids["next"]},
        "reset_password": {"user": world.ids["max"]},
        "start_session": {"user": world.ids["mia"]},
        "end_all_sessions": {"user": world.ids["mia"]},
        "unlock_account": {"user": world.ids["mia"]},
    }.get(name, {})
    if isinstance(edge, dict):
        return {k: usual.get(k, v) if v == 0 else v for k, v in edge.items()}
    if isinstance(edge, CheckInInput) and edge.key_result_id == 0:
        return CheckInInput(world.kr["individual", "mia"], edge.value, edge.confidence, edge.note)
    return edge


def test_every_write_function_has_a_property():
    covered = {qualified_name(f.function) for f in FUZZ}
    missing = set(write_functions()) - covered
    assert not missing, f"add these write functions to FUZZ in {__file__}: {sorted(missing)}"


def test_the_ci_profile_runs_at_least_200_examples():
    ci = settings.get_profile("ci")
    assert ci.max_examples >= 200 and ci.deadline is None and ci.derandomize
