"""Demo organisation generator: people, teams, quarterly cycles, aligned OKRs, check-ins, kudos.

    python -m db.demo --size small|medium|large [--database-url URL] [--reset] [--seed N]

The app's first-run screen calls :func:`load_demo` with size "small". The same seed and `today`
always give the same organisation. Generation is plain Python and streams objectives, key
results and check-ins in batches; rows go in with Core bulk inserts (COPY for the big tables on
PostgreSQL) inside one transaction, so a failed load leaves the database as it was. Ids are
assigned here, so the organisation tables must be empty.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time as clock
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial

from faker import Faker
from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from core import i18n
from core.errors import DomainError
from core.progress import clamp, kr_progress, weighted_mean
from db.deployment import ConfigurationError, is_production
from db.engine import WRITE_OPTION, database_url, make_engine
from db.migrate import downgrade_base, upgrade_head
from db.models import (
    AuditLog,
    Base,
    CheckIn,
    Cycle,
    KeyResult,
    Kudos,
    Objective,
    Setting,
    Team,
    User,
    utcnow,
)
from db.security import hash_password

DEMO_PASSWORD = "okr-demo-2026"
DEMO_LOGINS = {"admin": "admin", "exec": "executive", "lead": "lead", "member": "member"}

CHUNK_SIZE = 10_000  # rows per INSERT executemany / COPY flush
OBJECTIVE_BATCH = 500  # objectives generated (with their KRs and check-ins) before writing
STALE_DAYS = 14
BULK_TABLES = (Objective.__table__, KeyResult.__table__, CheckIn.__table__)
DEFAULT_SETTINGS = {
    "status_thresholds": {
        "on_track_gap": 0.15,
        "at_risk_gap": 0.30,
        "off_track_confidence": 3,
        "at_risk_confidence": 6,
    },
    "stale_days": STALE_DAYS,
}
COMPANY = "Lotus Labs"
EMAIL_DOMAIN = "example.com"

ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True)
class DemoCounts:
    """Rows written per table; also the `after` of the demo.load audit row."""

    users: int
    teams: int
    cycles: int
    objectives: int
    key_results: int
    check_ins: int
    kudos: int


@dataclass(frozen=True)
class SizeSpec:
    people: int
    departments: int
    teams: int  # all teams: the company root, the departments and the teams below them
    cycles: int  # the last one is active, the others closed
    executives: int
    company_objectives: int
    kudos: int


SIZES = {
    "small": SizeSpec(50, 2, 6, 2, 3, 3, 40),
    "medium": SizeSpec(500, 4, 30, 3, 5, 4, 400),
    "large": SizeSpec(5_000, 15, 250, 4, 8, 5, 3_000),
}


class DatabaseNotEmpty(DomainError):
    """The demo assigns its own ids, so it only loads into an organisation-free database."""


class NotInProduction(DomainError):
    """Every demo account signs in with DEMO_PASSWORD, which this file publishes."""


def refuse_in_production() -> None:
    """Raise NotInProduction when OKR_ENV is production (ConfigurationError when unknown)."""
    if is_production():
        raise NotInProduction(
            i18n._(
                "The demo organisation loads only outside production (here OKR_ENV is "
                "production): all its accounts share one published password."
            )
        )


# ---------------------------------------------------------------------------------------------
# Vocabulary. Titles use {start}, {target} (formatted with their unit) and {focus} (team area).


@dataclass(frozen=True)
class _Metric:
    kind: str
    title: str
    unit: str
    start: tuple[float, float] | None  # baseline range for increase/decrease
    target: tuple[float, float]  # target, or threshold for stay_above/stay_below
    digits: int  # values are rounded to this many decimals (negative: to tens, thousands...)
    spread: float  # stay_*: how far values wander around the threshold
    code: str | None
    label: str | None


def _metric(kind, title, start, target, unit="", digits=0, spread=0.0) -> _Metric:
    """unit: "" number, "%" percent, "USD"/"VND" currency, anything else a text unit label."""
    if unit == "%":
        return _Metric(kind, title, "percent", start, target, digits, spread, None, None)
    if unit in ("USD", "VND"):
        return _Metric(kind, title, "currency", start, target, digits, spread, unit, None)
    if unit:
        return _Metric(kind, title, "text", start, target, digits, spread, None, unit)
    return _Metric(kind, title, "number", start, target, digits, spread, None, None)


_up = partial(_metric, "increase")
_down = partial(_metric, "decrease")


def _above(title, threshold, spread, unit="", digits=0) -> _Metric:
    return _metric("stay_above", title, None, threshold, unit, digits, spread)


def _below(title, threshold, spread, unit="", digits=0) -> _Metric:
    return _metric("stay_below", title, None, threshold, unit, digits, spread)


def _done(title) -> _Metric:
    return _metric("milestone", title, (0, 0), (1, 1))


@dataclass(frozen=True)
class _Family:
    objectives: tuple[str, ...]
    metrics: tuple[_Metric, ...]


FAMILIES = {
    "company": _Family(
        (
            "Grow revenue profitably",
            "Delight our customers",
            "Build a world-class team",
            "Scale our platform reliably",
            "Expand across Southeast Asia",
            "Become the partner of choice for Vietnamese SMEs",
        ),
        (
            _up(
                "Grow annual recurring revenue from {start} to {target}",
                (8e6, 12e6),
                (14e6, 18e6),
                "USD",
                -5,
            ),
            _up("Reach {target} in Vietnam bookings", (40e9, 60e9), (80e9, 120e9), "VND", -9),
            _up("Raise NPS from {start} to {target}", (25, 40), (45, 60)),
            _up("Grow paying customers from {start} to {target}", (1_200, 2_000), (2_500, 3_200)),
            _down("Cut monthly logo churn from {start} to {target}", (3, 5), (1.5, 2.5), "%", 1),
            _above("Keep platform uptime above {target}", (99.9, 99.9), 0.08, "%", 2),
            _above("Keep employee engagement above {target}", (75, 80), 5),
            _done("Open the Singapore office"),
        ),
    ),
    "engineering": _Family(
        (
            "Make {focus} fast and reliable",
            "Ship the next generation of {focus}",
            "Pay down technical debt in {focus}",
            "Raise the engineering quality bar",
            "Make deployments boring",
        ),
        (
            _down(
                "Reduce p95 latency of {focus} from {start} to {target}",
                (600, 1_200),
                (200, 400),
                "ms",
            ),
            _up("Raise test coverage from {start} to {target}", (40, 60), (75, 90), "%"),
            _below("Keep the error rate below {target}", (0.5, 1), 0.3, "%", 2),
            _up("Deploy to production {target} a week", (3, 8), (15, 25), "times"),
            _down("Cut open P1 bugs from {start} to {target}", (20, 45), (0, 5)),
            _above("Keep {focus} availability above {target}", (99.5, 99.95), 0.2, "%", 2),
            _down(
                "Lower monthly cloud spend from {start} to {target}",
                (40e3, 80e3),
                (25e3, 35e3),
                "USD",
                -2,
            ),
            _down(
                "Cut incident recovery time from {start} to {target}", (4, 8), (1, 2), "hours", 1
            ),
            _done("Migrate {focus} to the new cloud cluster"),
        ),
    ),
    "sales": _Family(
        (
            "Win more enterprise customers",
            "Grow the {focus} pipeline",
            "Expand revenue from existing accounts",
            "Make the sales team more efficient",
            "Open new regional markets",
        ),
        (
            _up("Close {target} in new bookings", (0, 0), (400e3, 1.2e6), "USD", -3),
            _up(
                "Grow {focus} revenue from {start} to {target}",
                (5e9, 10e9),
                (12e9, 20e9),
                "VND",
                -8,
            ),
            _up("Sign {target} new enterprise customers", (0, 0), (8, 30)),
            _up("Raise the win rate from {start} to {target}", (18, 25), (30, 40), "%"),
            _down("Shorten the sales cycle from {start} to {target}", (60, 90), (35, 50), "days"),
            _above("Keep qualified pipeline above {target}", (1.5e6, 3e6), 3e5, "USD", -4),
            _done("Launch the partner referral programme"),
        ),
    ),
    "marketing": _Family(
        (
            "Make {focus} the talk of the industry",
            "Generate demand that converts",
            "Build a brand people love",
            "Grow our organic reach",
        ),
        (
            _up("Generate {target} marketing-qualified leads", (0, 0), (800, 2_500)),
            _up(
                "Grow newsletter subscribers from {start} to {target}",
                (10e3, 20e3),
                (25e3, 40e3),
                "",
                -2,
            ),
            _down("Cut the cost per lead from {start} to {target}", (45, 70), (25, 35), "USD"),
            _below("Keep the cost per acquisition below {target}", (400e3, 800e3), 1e5, "VND", -4),
            _up("Raise website conversion from {start} to {target}", (1.5, 2.5), (3, 4.5), "%", 1),
            _up("Publish {target} on the blog", (0, 0), (12, 30), "articles"),
            _done("Launch the rebrand at the annual conference"),
        ),
    ),
    "customer": _Family(
        (
            "Delight customers at every touchpoint",
            "Make {focus} effortless",
            "Keep every customer we win",
            "Resolve issues faster",
        ),
        (
            _up("Raise CSAT from {start} to {target}", (78, 85), (90, 95)),
            _down("Cut first response time from {start} to {target}", (6, 12), (1, 3), "hours", 1),
            _above("Keep gross revenue retention above {target}", (90, 95), 2, "%", 1),
            _down("Reduce open tickets from {start} to {target}", (300, 600), (80, 150)),
            _up("Grow self-service resolution from {start} to {target}", (20, 30), (40, 55), "%"),
            _below("Keep average resolution time below {target}", (20, 30), 6, "hours"),
            _done("Roll out the new help centre"),
        ),
    ),
    "product": _Family(
        (
            "Make onboarding delightful",
            "Ship features customers love",
            "Make {focus} simple and intuitive",
            "Grow engagement with {focus}",
        ),
        (
            _up("Raise the activation rate from {start} to {target}", (25, 35), (45, 60), "%"),
            _up(
                "Grow weekly active users from {start} to {target}",
                (20e3, 40e3),
                (50e3, 80e3),
                "",
                -2,
            ),
            _up("Raise {focus} adoption from {start} to {target}", (10, 20), (30, 45), "%"),
            _down(
                "Cut time to first value from {start} to {target}", (30, 60), (10, 20), "minutes"
            ),
            _up("Run {target}", (0, 0), (10, 25), "customer interviews"),
            _done("Ship {focus} v2 to all customers"),
        ),
    ),
    "finance": _Family(
        (
            "Keep the company financially healthy",
            "Close the books faster",
            "Spend wisely",
            "Automate {focus}",
        ),
        (
            _down(
                "Close the monthly books in {target} instead of {start}", (8, 12), (3, 5), "days"
            ),
            _above("Keep cash reserves above {target}", (20e9, 40e9), 4e9, "VND", -9),
            _down(
                "Reduce overdue receivables from {start} to {target}",
                (200e3, 400e3),
                (50e3, 100e3),
                "USD",
                -3,
            ),
            _below("Keep budget variance below {target}", (3, 5), 1.5, "%", 1),
            _up("Automate invoice processing from {start} to {target}", (20, 35), (70, 85), "%"),
            _done("Pass the annual audit with no findings"),
        ),
    ),
    "people": _Family(
        (
            "Hire great people fast",
            "Build a culture of learning",
            f"Make {COMPANY} a great place to work",
        ),
        (
            _up("Hire {target}", (0, 0), (10, 40), "engineers and designers"),
            _down("Cut time to hire from {start} to {target}", (45, 60), (25, 35), "days"),
            _above("Keep eNPS above {target}", (25, 35), 8),
            _up("Raise training participation from {start} to {target}", (40, 55), (75, 90), "%"),
            _below("Keep regretted attrition below {target}", (5, 8), 2, "%", 1),
            _done("Launch the new career framework"),
        ),
    ),
    "data": _Family(
        (
            "Make our data trustworthy",
            "Put insights in everyone's hands",
            "Ship machine learning that matters",
        ),
        (
            _up("Raise dashboard adoption from {start} to {target}", (20, 35), (55, 70), "%"),
            _down("Cut data pipeline latency from {start} to {target}", (12, 24), (2, 4), "hours"),
            _above("Keep data quality checks passing above {target}", (97, 99), 1.5, "%", 1),
            _up("Improve model precision from {start} to {target}", (70, 78), (85, 90), "%", 1),
            _done("Launch the self-service analytics portal"),
        ),
    ),
    "operations": _Family(
        (
            "Run smooth, cost-effective operations",
            "Make {focus} effortless",
            "Reduce risk across the company",
        ),
        (
            _down(
                "Cut office operating costs from {start} to {target}",
                (800e6, 1.2e9),
                (500e6, 700e6),
                "VND",
                -6,
            ),
            _above("Keep vendor SLA compliance above {target}", (95, 98), 2, "%", 1),
            _down("Cut contract turnaround from {start} to {target}", (10, 15), (3, 5), "days"),
            _up("Digitise paper processes from {start} to {target}", (30, 40), (80, 90), "%"),
            _done("Complete ISO 27001 certification"),
        ),
    ),
    "personal": _Family(
        (
            "Grow my skills in {focus}",
            "Become the go-to person for {focus}",
            "Deliver my part of the team plan",
            "Help new teammates ramp up",
        ),
        (
            _up("Complete {target}", (0, 0), (2, 5), "online courses"),
            _up("Hold {target} with new joiners", (0, 0), (4, 12), "mentoring sessions"),
            _up("Write {target} for the team wiki", (0, 0), (3, 10), "how-to guides"),
            _down(
                "Cut my code review turnaround from {start} to {target}", (24, 48), (4, 12), "hours"
            ),
            _above("Keep my internal customer rating above {target}", (4.5, 4.7), 0.2, "", 1),
            _done("Present a talk on {focus} at the all-hands"),
        ),
    ),
}

# (name, vocabulary family, focus areas: team names and {focus} in titles)
DEPARTMENTS = (
    ("Engineering", "engineering", ("Platform", "Payments", "Mobile", "Web", "API", "Search")),
    ("Sales", "sales", ("Enterprise", "SMB", "Inside Sales", "Sales Operations", "Solutions")),
    ("Product", "product", ("Growth", "Core Experience", "Onboarding", "Pricing", "Insights")),
    ("Marketing", "marketing", ("Brand", "Content", "Performance", "Events")),
    ("Customer Success", "customer", ("Onboarding", "Accounts", "Renewals", "Training")),
    ("Support", "customer", ("Tier 1", "Tier 2", "Knowledge Base", "Quality")),
    ("Finance", "finance", ("Accounting", "Planning", "Procurement", "Billing")),
    ("People", "people", ("Talent Acquisition", "Learning", "People Operations", "Culture")),
    ("Data", "data", ("Analytics", "Data Platform", "Machine Learning", "BI")),
    ("Design", "product", ("Product Design", "Research", "Design System")),
    ("Operations", "operations", ("Logistics", "Facilities", "IT", "Vendor Management")),
    ("Infrastructure", "engineering", ("Cloud", "Networking", "Databases", "Observability")),
    ("Security", "engineering", ("AppSec", "Identity", "SecOps", "Compliance")),
    ("Partnerships", "sales", ("Alliances", "Resellers", "Integrations")),
    ("Legal", "operations", ("Contracts", "Privacy", "Corporate")),
)
OFFICES = ("Hà Nội", "Hồ Chí Minh", "Đà Nẵng", "Singapore", "London", "Remote")

OBJECTIVE_WHY = (
    "Customers told us this matters most.",
    "Builds on last quarter's progress.",
    "Part of our annual plan.",
    "Agreed at the planning offsite.",
)

NOTES = {
    "en": {
        "up": (
            "Good week, on plan.",
            "Steady progress, the team is in a good rhythm.",
            "Closed another chunk of the work.",
            "Customer feedback is positive.",
            "Cleared the backlog from last sprint.",
        ),
        "flat": (
            "No change yet, waiting for sign-off.",
            "Busy with other priorities this week.",
            "Waiting on another team.",
            "Same as last week.",
        ),
        "behind": (
            "Slipping: we are short-staffed.",
            "Blocked on budget approval, need help.",
            "At risk of missing the date, looking at options.",
            "Depends on a partner who has not replied yet.",
        ),
        "done": ("Target reached!", "Done — keeping an eye on it."),
    },
    "vi": {
        "up": (
            "Tiến độ tốt, đúng kế hoạch.",
            "Tuần này tăng đều, cả nhóm phối hợp tốt.",
            "Đã hoàn thành thêm một hạng mục.",
            "Khách hàng phản hồi tích cực.",
            "Đã xử lý xong các việc tồn đọng.",
        ),
        "flat": (
            "Chưa có thay đổi, đang chờ phê duyệt.",
            "Tuần này tập trung việc khác, chưa tiến triển.",
            "Đang chờ nhóm khác hỗ trợ.",
            "Giữ nguyên so với tuần trước.",
        ),
        "behind": (
            "Bị chậm do thiếu người.",
            "Vướng ngân sách, cần hỗ trợ.",
            "Có rủi ro trễ hạn, đang tìm phương án.",
            "Phụ thuộc vào đối tác, chưa có phản hồi.",
        ),
        "done": ("Đã đạt mục tiêu!", "Hoàn thành, tiếp tục theo dõi để duy trì."),
    },
}

KUDOS = {
    ("en", "person"): (
        "Thanks {name} for staying late to get the release out!",
        "{name}, your demo to the client was brilliant.",
        "Huge thanks to {name} for unblocking us this week.",
        "Great mentoring, {name} — the new joiners love working with you.",
        "Shout-out to {name} for the spotless quarterly report.",
        "{name} jumped on the outage at 2 am. Legend!",
        "Thank you {name} for always answering questions with a smile.",
    ),
    ("vi", "person"): (
        "Cảm ơn {name} đã ở lại muộn để kịp phát hành!",
        "Buổi demo với khách hàng của {name} rất ấn tượng.",
        "Cảm ơn {name} đã gỡ vướng cho cả nhóm tuần này.",
        "{name} hướng dẫn người mới rất tận tình, cảm ơn nhiều!",
        "Báo cáo quý của {name} chuẩn chỉnh, cảm ơn bạn!",
        "Cảm ơn {name} đã xử lý sự cố lúc nửa đêm.",
        "Luôn nhiệt tình hỗ trợ mọi người — cảm ơn {name}!",
    ),
    ("en", "team"): (
        "Amazing quarter, {name}!",
        "Thanks {name} for a smooth launch.",
        "{name} crushed the deadline — well done!",
    ),
    ("vi", "team"): (
        "Cả nhóm {name} làm rất tốt quý này!",
        "Cảm ơn {name} đã ra mắt suôn sẻ.",
        "{name} về đích đúng hạn, quá tuyệt!",
    ),
}

FEMALE_MIDDLE_NAMES = ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Minh", "Thanh")
MALE_MIDDLE_NAMES = ("Văn", "Đức", "Quang", "Hữu", "Minh", "Thành", "Xuân", "Thế")
VIETNAMESE_SHARE = 0.55


# ---------------------------------------------------------------------------------------------
# KR trajectories: progress at elapsed fraction f is final * min(1, f / knee) ** exponent.


@dataclass(frozen=True)
class _Trajectory:
    weight: int
    final: tuple[float, float]
    exponent: tuple[float, float] = (0.9, 1.1)
    knee: tuple[float, float] = (1.0, 1.0)
    stale: bool = False  # stops checking in well before the end (or before today)
    silent: bool = False  # never checked in


TRAJECTORIES = {
    "on_track": _Trajectory(40, (0.85, 1.1), (0.8, 1.2)),
    "behind": _Trajectory(15, (0.3, 0.65)),
    "stalled": _Trajectory(12, (0.15, 0.5), knee=(0.2, 0.5)),
    "late_bloomer": _Trajectory(10, (0.8, 1.1), (2.5, 3.5)),
    "over_achiever": _Trajectory(5, (1.15, 1.45), (0.8, 1.0)),
    "stale": _Trajectory(12, (0.4, 1.0), stale=True),
    "never": _Trajectory(6, (0.0, 0.0), silent=True),
}
# Days between two check-ins of one KR (then ± 25 %): keen owners twice a week, most weekly,
# a few fortnightly. Tuned so that the large demo has about a million check-ins.
CADENCES = ((3.5, 7.0, 10.5, 14.0), (50, 40, 6, 4))
# The `member` login's KRs in the active cycle, one objective per tuple: a story to tell.
# Ahead, behind, on track; stalled, and ahead until it went quiet (status "needs update").
SHOWCASE = (
    (TRAJECTORIES["over_achiever"], TRAJECTORIES["behind"], TRAJECTORIES["on_track"]),
    (TRAJECTORIES["stalled"], _Trajectory(0, (1.1, 1.3), stale=True)),
)

# ---------------------------------------------------------------------------------------------
# Generated structures


@dataclass
class _Team:
    id: int
    name: str
    parent_id: int | None
    family: str
    focuses: tuple[str, ...]
    lead_id: int | None = None
    member_ids: list[int] = field(default_factory=list)
    children: list[_Team] = field(default_factory=list)


@dataclass(frozen=True)
class _Person:
    id: int
    team_id: int
    role: str
    language: str
    short_name: str  # what colleagues call them: the given name


@dataclass
class _Org:
    root: _Team
    departments: list[_Team]
    leaves: list[_Team]
    people: list[_Person]
    user_rows: list[dict]
    created_at: datetime

    @property
    def teams(self) -> list[_Team]:
        return [self.root, *self.departments, *self.leaves]

    def by_username(self, username: str) -> int:
        return next(row["id"] for row in self.user_rows if row["username"] == username)


@dataclass(frozen=True)
class _Cycle:
    id: int
    start: date
    end: date
    active: bool
    open_days: float  # check-ins happen before this many days after the start

    @property
    def name(self) -> str:
        return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def row(self) -> dict:
        state = "active" if self.active else "closed"
        return {
            "id": self.id,
            "name": self.name,
            "start_date": self.start,
            "end_date": self.end,
            "state": state,
        }


@dataclass
class _Goal:
    """An objective row and what its KRs need: vocabulary, possible owners, who may help."""

    row: dict
    cycle: _Cycle
    family: str
    focus: str
    delegates: tuple[int, ...] = ()  # people who may own a KR besides the objective's owner
    delegate_share: float = 0.0
    helper_id: int | None = None  # the team lead, who sometimes checks in for the owner
    showcase: tuple[_Trajectory, ...] = ()  # its KRs' trajectories (the `member` login)


@dataclass
class _Batch:
    objectives: list[dict]
    key_results: list[dict]
    check_ins: list[dict]


# ---------------------------------------------------------------------------------------------
# Small helpers


def _ascii(name: str) -> str:
    """'Nguyễn Đức' → 'nguyenduc': usernames are lowercase ASCII."""
    decomposed = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed.lower() if "a" <= c <= "z")


def _chunked(rows: Iterable[dict], size: int = CHUNK_SIZE) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _previous_quarter(start: date) -> date:
    return date(start.year - 1, 10, 1) if start.month == 1 else date(start.year, start.month - 3, 1)


def _next_quarter(start: date) -> date:
    return date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)


def _clip(metric: _Metric, value: float) -> float:
    """Round to the metric's precision; no metric here goes below 0 or a percentage above 100."""
    value = max(round(value, metric.digits), 0.0)
    return min(value, 100.0) if metric.unit == "percent" else value


def _format_value(metric: _Metric, value: float) -> str:
    number = f"{value:,.{max(metric.digits, 0)}f}"
    if metric.unit == "percent":
        return f"{number}%"
    if metric.unit == "currency":
        return f"{number} {metric.code}"
    if metric.unit == "text":
        return f"{number} {metric.label}"
    return number


# ---------------------------------------------------------------------------------------------
# Generation (no database access)


class _Generator:
    """Builds the organisation with one seeded random stream: same seed, same demo."""

    def __init__(self, spec: SizeSpec, seed: int, today: date, cutoff: datetime):
        self.spec = spec
        self.rng = random.Random(seed)
        self.fakers = {"en": Faker("en_US"), "vi": Faker("vi_VN")}
        for offset, faker in enumerate(self.fakers.values()):
            faker.seed_instance(seed + offset)
        self.cutoff = cutoff  # no check-in at or after this moment
        self.cycles = self._cycles(today)
        self.org: _Org | None = None
        self.person: dict[int, _Person] = {}
        self.team: dict[int, _Team] = {}
        self.password_hash = ""
        self.usernames: set[str] = set(DEMO_LOGINS)
        # (owner, cycle) → [(objective id, KR id)], for kudos that point at someone's work
        self.owned: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        self.ids: dict[str, Iterator[int]] = defaultdict(lambda: itertools.count(1))

    def _take_id(self, table: str) -> int:
        return next(self.ids[table])

    # -- cycles -------------------------------------------------------------------------------

    def _cycles(self, today: date) -> list[_Cycle]:
        starts = [_quarter_start(today)]
        while len(starts) < self.spec.cycles:
            starts.append(_previous_quarter(starts[-1]))
        starts.reverse()
        open_days = (self.cutoff - datetime.combine(starts[-1], time.min)).total_seconds() / 86400
        return [
            _Cycle(
                id=i,
                start=start,
                end=_next_quarter(start) - timedelta(days=1),
                active=start == starts[-1],
                open_days=open_days if start == starts[-1] else float("inf"),
            )
            for i, start in enumerate(starts, start=1)
        ]

    # -- organisation -------------------------------------------------------------------------

    def build_org(self, password_hash: str) -> _Org:
        spec = self.spec
        self.password_hash = password_hash
        root = _Team(1, COMPANY, None, "company", ("the platform",))
        departments = [
            _Team(i + 2, name, root.id, family, focuses)
            for i, (name, family, focuses) in enumerate(DEPARTMENTS[: spec.departments])
        ]
        leaves = self._leaf_teams(departments, spec.teams - 1 - spec.departments)
        created_at = datetime.combine(self.cycles[0].start - timedelta(days=30), time(9))
        self.org = _Org(root, departments, leaves, [], [], created_at)
        self.team = {t.id: t for t in self.org.teams}
        self._staff()
        return self.org

    def _leaf_teams(self, departments: list[_Team], count: int) -> list[_Team]:
        """Teams go round-robin to the departments; a repeated focus gets an office suffix."""
        leaves = []
        for i in range(count):
            dept = departments[i % len(departments)]
            nth = len(dept.children)
            focus = dept.focuses[nth % len(dept.focuses)]
            office = nth // len(dept.focuses)
            name = f"{dept.name} – {focus}" + (f" ({OFFICES[office - 1]})" if office else "")
            team = _Team(len(departments) + 2 + i, name, dept.id, dept.family, (focus,))
            dept.children.append(team)
            leaves.append(team)
        return leaves

    def _staff(self) -> None:
        """People in id order, managers before their reports (users.manager_id is a FK).

        The CEO (`exec`) leads the company root; each lead reports to the lead one level up.
        """
        org, spec = self.org, self.spec
        ceo = self._hire(org.root, "executive", None, "exec")
        for _ in range(spec.executives - 1):
            self._hire(org.root, "executive", ceo)
        self._hire(org.root, "admin", ceo, "admin")
        for dept in org.departments:
            self._hire(dept, "lead", ceo)
        for i, team in enumerate(org.leaves):
            self._hire(team, "lead", self.team[team.parent_id].lead_id, "lead" if i == 0 else None)
        members = spec.people - len(org.people)
        for i, (team, size) in enumerate(zip(org.leaves, self._team_sizes(members), strict=True)):
            for j in range(size):
                self._hire(team, "member", team.lead_id, "member" if i == j == 0 else None)

    def _team_sizes(self, members: int) -> list[int]:
        """At least three members per team; the rest spread unevenly, as in real life."""
        teams = len(self.org.leaves)
        sizes = [3] * teams
        weights = [self.rng.uniform(0.5, 1.5) for _ in range(teams)]
        for index in self.rng.choices(range(teams), weights, k=members - 3 * teams):
            sizes[index] += 1
        return sizes

    def _hire(
        self, team: _Team, role: str, manager_id: int | None, login: str | None = None
    ) -> int:
        language = "vi" if self.rng.random() < VIETNAMESE_SHARE else "en"
        display_name, short_name, family_name = self._name(language)
        username = login or self._username(short_name, family_name)
        self.usernames.add(username)
        person = _Person(len(self.org.people) + 1, team.id, role, language, short_name)
        self.org.people.append(person)
        self.person[person.id] = person
        if role == "lead" or (role == "executive" and team.lead_id is None):
            team.lead_id = person.id
        else:
            team.member_ids.append(person.id)
        self.org.user_rows.append(
            {
                "id": person.id,
                "username": username,
                "display_name": display_name,
                "email": f"{username}@{EMAIL_DOMAIN}",
                "password_hash": self.password_hash,
                "role": role,
                "team_id": team.id,
                "manager_id": manager_id,
                # The demo's own sign-ins start in English (anyone trying the demo can switch).
                "language": "en" if login else language,
                "active": True,
                "failed_logins": 0,
                "locked_until": None,
                "created_at": self.org.created_at,
            }
        )
        return person.id

    def _name(self, language: str) -> tuple[str, str, str]:
        """(display name, given name, family name); Vietnamese names in Vietnamese order."""
        faker = self.fakers[language]
        if language == "en":
            given, family = faker.first_name(), faker.last_name()
            return f"{given} {family}", given, family
        family = faker.last_name()
        if self.rng.random() < 0.5:
            given, middle = faker.first_name_female(), self.rng.choice(FEMALE_MIDDLE_NAMES)
        else:
            given, middle = faker.first_name_male(), self.rng.choice(MALE_MIDDLE_NAMES)
        if middle == given:
            middle = "Văn" if middle in MALE_MIDDLE_NAMES else "Thị"
        return f"{family} {middle} {given}", given, family

    def _username(self, given: str, family: str) -> str:
        base = f"{_ascii(given)}.{_ascii(family)}"[:32]
        candidate = base
        while candidate in self.usernames:
            candidate = f"{base}{self.rng.randint(2, 999)}"
        return candidate

    # -- objectives ---------------------------------------------------------------------------

    def goals(self) -> list[_Goal]:
        """All objectives, cycle by cycle and level by level, so parents precede children."""
        goals = []
        for cycle in self.cycles:
            company = self._company_goals(cycle)
            departments = {d.id: self._team_goals(cycle, d, company) for d in self.org.departments}
            teams = {
                t.id: self._team_goals(cycle, t, departments[t.parent_id] + company)
                for t in self.org.leaves
            }
            goals += company + [g for gs in [*departments.values(), *teams.values()] for g in gs]
            goals += self._individual_goals(cycle, {**departments, **teams})
        return goals

    def _goal(
        self, cycle: _Cycle, level: str, team: _Team, owner_id: int, title: str,
        parents: list[_Goal], **extra,
    ) -> _Goal:  # fmt: skip
        rng = self.rng
        focus = rng.choice(team.focuses)
        showcase = bool(extra.get("showcase"))
        orphan = not parents or (rng.random() < 0.05 and not showcase)
        draft = cycle.active and level == "individual" and rng.random() < 0.06 and not showcase
        row = {
            "id": self._take_id("objectives"),
            "cycle_id": cycle.id,
            "level": level,
            "team_id": team.id,
            "owner_id": owner_id,
            "parent_id": None if orphan else rng.choice(parents).row["id"],
            "title": title.format(focus=focus),
            "description": rng.choice(OBJECTIVE_WHY) if rng.random() < 0.3 else "",
            "state": "closed" if not cycle.active else "draft" if draft else "active",
            "score": None,
            "created_at": self._office_time(cycle, 0),
            "version": 1,
        }
        return _Goal(row, cycle, team.family, focus, **extra)

    def _company_goals(self, cycle: _Cycle) -> list[_Goal]:
        """Owned round-robin by the executives, `exec` first; KRs also go to department leads."""
        root = self.org.root
        others = [m for m in root.member_ids if self.person[m].role == "executive"]
        executives = [root.lead_id, *others]
        delegates = tuple(others) + tuple(d.lead_id for d in self.org.departments)
        titles = self.rng.sample(FAMILIES["company"].objectives, self.spec.company_objectives)
        return [
            self._goal(cycle, "company", root, executives[i % len(executives)], title, [],
                       delegates=delegates, delegate_share=0.3)
            for i, title in enumerate(titles)
        ]  # fmt: skip

    def _team_goals(self, cycle: _Cycle, team: _Team, parents: list[_Goal]) -> list[_Goal]:
        """Owned by the lead, who sometimes checks in for the KR owners: a department's KRs
        also go to its team leads, a team's to its members."""
        rng = self.rng
        is_department = team.parent_id == self.org.root.id
        delegates = tuple(c.lead_id for c in team.children) if is_department else team.member_ids
        if not is_department:  # a team aligns mostly to its department, sometimes higher
            level = "company" if rng.random() < 0.2 else "team"
            parents = [g for g in parents if g.row["level"] == level]
        count = rng.randint(3, 5) if is_department else rng.randint(2, 4)
        titles = FAMILIES[team.family].objectives
        titles = rng.sample(titles, len(titles))  # distinct titles within a team, if possible
        return [
            self._goal(cycle, "team", team, team.lead_id, titles[i % len(titles)], parents,
                       helper_id=team.lead_id, delegates=tuple(delegates),
                       delegate_share=0.4 if is_department else 0.5)
            for i in range(count)
        ]  # fmt: skip

    def _individual_goals(self, cycle: _Cycle, team_goals: dict[int, list[_Goal]]) -> list[_Goal]:
        """Most people have one objective, some two or none, aligned to their team's."""
        rng, goals = self.rng, []
        member_id = self.org.by_username("member")
        for person in self.org.people:
            if person.role in ("admin", "executive"):
                continue
            team = self.team[person.team_id]
            helper = team.lead_id if team.lead_id != person.id else None
            showcase = SHOWCASE if cycle.active and person.id == member_id else ()
            count = len(showcase) or rng.choices((0, 1, 2), (10, 70, 20))[0]
            for i in range(count):
                family = team.family if rng.random() < 0.5 else "personal"
                title = rng.choice(FAMILIES[family].objectives)
                goals.append(self._goal(
                    cycle, "individual", team, person.id, title, team_goals[team.id],
                    helper_id=helper, showcase=showcase[i] if showcase else (),
                ))  # fmt: skip
        return goals

    def _office_time(self, cycle: _Cycle, day: float) -> datetime:
        """A moment during office hours of the cycle's `day` (0 = first), before the cutoff."""
        moment = cycle.start_at + timedelta(days=int(day) + self.rng.uniform(0.35, 0.75))
        return min(moment, self.cutoff - timedelta(seconds=1))

    # -- key results and check-ins -------------------------------------------------------------

    def batches(self, goals: list[_Goal], size: int = OBJECTIVE_BATCH) -> Iterator[_Batch]:
        for start in range(0, len(goals), size):
            batch = _Batch([], [], [])
            for goal in goals[start : start + size]:
                krs = self._key_results(goal, batch.check_ins)
                if not goal.cycle.active:
                    goal.row["score"] = weighted_mean((kr["score"], kr["weight"]) for kr in krs)
                batch.objectives.append(goal.row)
                batch.key_results += krs
            yield batch

    def _key_results(self, goal: _Goal, check_ins: list[dict]) -> list[dict]:
        rng = self.rng
        plans = goal.showcase or [None] * rng.choices((2, 3, 4), (25, 50, 25))[0]
        krs = []
        for forced in plans:
            metric = self._metric(goal, moving_only=bool(forced))
            kr = self._kr_row(goal, metric, showcase=bool(forced))
            silent = goal.row["state"] == "draft"
            trajectory = forced or (TRAJECTORIES["never"] if silent else self._trajectory())
            history = self._check_ins(goal, kr, metric, trajectory, steady=bool(forced))
            self._settle(goal, kr, history)
            if goal.row["state"] != "draft":  # kudos must not reveal a draft
                self.owned[kr["owner_id"], goal.cycle.id].append((goal.row["id"], kr["id"]))
            check_ins += history
            krs.append(kr)
        return krs

    def _trajectory(self) -> _Trajectory:
        trajectories = list(TRAJECTORIES.values())
        return self.rng.choices(trajectories, [t.weight for t in trajectories])[0]

    def _metric(self, goal: _Goal, moving_only: bool) -> _Metric:
        if moving_only:  # a showcase history chart needs a value that moves
            metrics = FAMILIES[goal.family].metrics
            return self.rng.choice([m for m in metrics if m.kind in ("increase", "decrease")])
        personal = goal.row["level"] == "individual" and self.rng.random() < 0.4
        return self.rng.choice(FAMILIES["personal" if personal else goal.family].metrics)

    def _kr_row(self, goal: _Goal, metric: _Metric, showcase: bool) -> dict:
        rng = self.rng
        start, target = self._start_target(metric)
        owner = goal.row["owner_id"]
        if goal.delegates and rng.random() < goal.delegate_share:
            owner = rng.choice(goal.delegates)
        created_at = goal.row["created_at"]
        if not showcase and rng.random() < 0.04:  # added in the last third: no score board
            created_at = self._office_time(goal.cycle, goal.cycle.days * rng.uniform(0.68, 0.85))
        title = metric.title.format(
            start="" if start is None else _format_value(metric, start),
            target=_format_value(metric, target),
            focus=goal.focus,
        )
        weight = 1.0 if showcase else rng.choices((1.0, 2.0, 0.5), (85, 8, 7))[0]
        return {
            "id": self._take_id("key_results"),
            "objective_id": goal.row["id"],
            "owner_id": owner,
            "title": title,
            "kind": metric.kind,
            "unit": metric.unit,
            "currency_code": metric.code,
            "unit_label": metric.label,
            "start_value": start,
            "target_value": target,
            "current_value": None,
            "weight": weight,
            "confidence": None,
            "last_checkin_at": None,
            "score": None,
            "score_reason": None,
            "score_confirmed": False,
            "created_at": created_at,
            "version": 1,
        }

    def _start_target(self, metric: _Metric) -> tuple[float | None, float]:
        rng = self.rng
        target = round(rng.uniform(*metric.target), metric.digits)
        if metric.kind in ("stay_above", "stay_below"):
            baseline = _clip(metric, target + rng.uniform(-1, 1) * metric.spread)
            return (baseline if rng.random() < 0.5 else None), target
        return round(rng.uniform(*metric.start), metric.digits), target

    def _check_ins(
        self, goal: _Goal, kr: dict, metric: _Metric, trajectory: _Trajectory, steady: bool
    ) -> list[dict]:
        """Check-ins whose values follow the trajectory, with confidence tracking the pace."""
        if trajectory.silent:
            return []
        rng, cycle = self.rng, goal.cycle
        final = rng.uniform(*trajectory.final)
        exponent = rng.uniform(*trajectory.exponent)
        knee = rng.uniform(*trajectory.knee)
        start_at, rows, previous = cycle.start_at, [], 0.0
        for moment in self._schedule(goal.cycle, kr["created_at"], trajectory.stale, steady):
            fraction = moment / cycle.days
            progress = final * min(1.0, fraction / knee) ** exponent + rng.gauss(0, 0.03)
            author = goal.helper_id if goal.helper_id and rng.random() < 0.1 else kr["owner_id"]
            # 8 on pace, 6 when 0.2 behind, 3 when 0.5 behind: owners feel the gap.
            confidence = round(8 + 10 * (min(progress, 1.2) - fraction) + rng.gauss(0, 0.7))
            rows.append(
                {
                    "id": self._take_id("check_ins"),
                    "key_result_id": kr["id"],
                    "author_id": author,
                    "value": self._value(metric, kr, progress, fraction),
                    "confidence": min(max(confidence, 0), 10),
                    "note": self._note(author, progress, previous, fraction),
                    "created_at": start_at + timedelta(days=moment),
                }
            )
            previous = progress
        return rows

    def _schedule(
        self, cycle: _Cycle, created_at: datetime, stale: bool, steady: bool
    ) -> list[float]:
        """Check-in moments in days since the cycle start: every few days (± 25 %) on working
        days in office hours, after the KR exists and before the cycle end or the cutoff."""
        rng = self.rng
        cadence = 7.0 if steady else rng.choices(*CADENCES)[0]
        created = (created_at - cycle.start_at).total_seconds() / 86400
        limit = min(cycle.days - 0.3, cycle.open_days)
        if stale and cycle.active:  # silent for the last 15+ days: "needs update"
            limit -= rng.uniform(15, 18 if steady else 40)
        elif stale:  # went quiet mid-cycle
            limit = cycle.days * rng.uniform(0.4, 0.75)
        # Step through working days (Monday to Friday) counted from the first week's Monday.
        monday = -cycle.start.weekday()
        weeks, weekday = divmod(created - monday, 7)
        working = weeks * 5 + min(weekday, 5) + rng.uniform(1, 6) * 5 / 7
        moments: list[float] = []
        while True:
            weeks, weekday = divmod(int(working), 5)
            moment = monday + weeks * 7 + weekday + rng.uniform(0.34, 0.76)  # 08:10–18:15
            if moment >= limit:
                return moments
            if moment > created:
                moments.append(moment)
            working += cadence * 5 / 7 * rng.uniform(0.75, 1.25)

    def _value(self, metric: _Metric, kr: dict, progress: float, fraction: float) -> float:
        """Increase/decrease interpolate; stay_* meet the threshold while on pace; milestone 0/1."""
        kind, target = metric.kind, kr["target_value"]
        if kind == "milestone":
            return 1.0 if progress >= 0.98 else 0.0
        if kind in ("stay_above", "stay_below"):
            healthy = progress - fraction + self.rng.gauss(0, 0.12) > -0.15
            offset = metric.spread * self.rng.uniform(0.2, 1.2)
            sign = 1 if (kind == "stay_above") == healthy else -1
            return _clip(metric, target + sign * offset)
        start = kr["start_value"]
        return _clip(metric, start + max(progress, 0.0) * (target - start))

    def _note(self, author_id: int, progress: float, previous: float, fraction: float) -> str:
        rng = self.rng
        if rng.random() < 0.25:
            return ""
        language = self.person[author_id].language if rng.random() < 0.8 else "en"
        if progress >= 1:
            mood = "done"
        elif progress < fraction - 0.25:
            mood = "behind"
        else:
            mood = "up" if progress - previous > 0.02 else "flat"
        return rng.choice(NOTES[language][mood])

    def _settle(self, goal: _Goal, kr: dict, history: list[dict]) -> None:
        """The KR mirrors its latest check-in; a closed cycle's KR gets its default score."""
        if history:
            latest = history[-1]
            kr["current_value"] = latest["value"]
            kr["confidence"] = latest["confidence"]
            kr["last_checkin_at"] = latest["created_at"]
        if not goal.cycle.active:
            progress = kr_progress(
                kr["kind"], kr["start_value"], kr["target_value"], kr["current_value"]
            )
            kr["score"] = round(clamp(progress), 1)
            kr["score_confirmed"] = self.rng.random() < 0.85

    # -- kudos ------------------------------------------------------------------------------------

    def kudos(self) -> list[dict]:
        """Random kudos over the cycles plus a few for the demo logins; ids in time order."""
        rng, org = self.rng, self.org
        weights = [max(min(c.days, c.open_days), 0.0) for c in self.cycles]
        rows = []
        for _ in range(self.spec.kudos):
            cycle = rng.choices(self.cycles, weights)[0]
            giver = rng.choice(org.people)
            rows.append(self._kudos(cycle, giver, self._receiver(giver)))
        rows += self._showcase_kudos()
        rows.sort(key=lambda r: r["created_at"])
        for i, row in enumerate(rows, start=1):
            row["id"] = i
        return rows

    def _receiver(self, giver: _Person) -> _Person | _Team:
        rng = self.rng
        if rng.random() < 0.15:
            return rng.choice([*self.org.departments, *self.org.leaves])
        team = self.team[giver.team_id]
        colleagues = [p for p in [team.lead_id, *team.member_ids] if p != giver.id]
        if colleagues and rng.random() < 0.6:
            return self.person[rng.choice(colleagues)]
        while (receiver := rng.choice(self.org.people)) is giver:
            pass
        return receiver

    def _kudos(self, cycle: _Cycle, giver: _Person, receiver, at: datetime | None = None) -> dict:
        rng = self.rng
        is_team = isinstance(receiver, _Team)
        language = giver.language if rng.random() < 0.8 else "en"
        template = rng.choice(KUDOS[language, "team" if is_team else "person"])
        objective_id = key_result_id = None
        work = [] if is_team else self.owned.get((receiver.id, cycle.id), [])
        if work and rng.random() < 0.35:
            objective_id, key_result_id = rng.choice(work)
            if rng.random() < 0.5:
                key_result_id = None
        if at is None:
            at = self._office_time(cycle, rng.uniform(0, min(cycle.days, cycle.open_days)))
        return {
            "id": None,
            "giver_id": giver.id,
            "receiver_user_id": None if is_team else receiver.id,
            "receiver_team_id": receiver.id if is_team else None,
            "message": template.format(name=receiver.name if is_team else receiver.short_name),
            "objective_id": objective_id,
            "key_result_id": key_result_id,
            "created_at": at,
        }

    def _showcase_kudos(self) -> list[dict]:
        """`member` gets recent kudos from `lead` and a colleague; `lead`'s team one from `exec`."""
        active = self.cycles[-1]
        if active.open_days < 2:
            return []
        org = self.org
        member, lead, ceo = (self.person[org.by_username(n)] for n in ("member", "lead", "exec"))
        colleague = self.person[self.team[member.team_id].member_ids[-1]]
        recent = [self._office_time(active, max(active.open_days - d, 0)) for d in (2, 4, 7)]
        return [
            self._kudos(active, lead, member, recent[0]),
            self._kudos(active, colleague, member, recent[1]),
            self._kudos(active, ceo, self.team[lead.team_id], recent[2]),
        ]


# ---------------------------------------------------------------------------------------------
# Writing


class _Writer:
    """Bulk inserts on one connection: Core executemany in chunks of CHUNK_SIZE rows, and on
    PostgreSQL COPY for the big tables (executemany sends a statement per row)."""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"

    def insert(self, table: Table, rows: Iterable[dict]) -> None:
        for chunk in _chunked(rows):
            if self.postgres and table in BULK_TABLES:
                self._copy(table, chunk)
            else:
                self.connection.execute(insert(table), chunk)

    def _copy(self, table: Table, rows: list[dict]) -> None:
        columns = list(rows[0])
        raw = self.connection.connection.driver_connection
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])

    @contextmanager
    def bulk_tables(self) -> Iterator[None]:
        """Fill BULK_TABLES without their indexes (and on PostgreSQL their foreign keys), then
        rebuild them: a sort per index and a join per key instead of a million random index
        insertions and trigger lookups (the large demo loads two to three times faster).
        On an error nothing is rebuilt: the load's transaction rolls back as a whole."""
        indexes = [index for table in BULK_TABLES for index in table.indexes]
        keys = [c for t in BULK_TABLES for c in t.foreign_key_constraints] if self.postgres else []
        for key in keys:
            self.connection.execute(DropConstraint(key))
        for index in indexes:
            self.connection.execute(DropIndex(index))
        yield
        for index in indexes:
            self.connection.execute(CreateIndex(index))
        for key in keys:
            self.connection.execute(AddConstraint(key))

    def set_team_leads(self, teams: list[_Team]) -> None:
        """teams.lead_id ↔ users.team_id is circular: teams go in first without their leads."""
        statement = (
            update(Team.__table__)
            .where(Team.__table__.c.id == bindparam("team"))
            .values(lead_id=bindparam("lead"))
        )
        self.connection.execute(statement, [{"team": t.id, "lead": t.lead_id} for t in teams])

    def insert_missing_settings(self) -> None:
        existing = set(self.connection.scalars(select(Setting.key)))
        rows = [{"key": k, "value": v} for k, v in DEFAULT_SETTINGS.items() if k not in existing]
        if rows:
            self.connection.execute(insert(Setting.__table__), rows)

    def reset_sequences(self) -> None:
        """Explicit ids leave PostgreSQL's sequences at 1; the app's next insert would clash."""
        if not self.postgres:
            return
        for table in Base.metadata.sorted_tables:
            if "id" in table.c and table.c.id.primary_key:
                self.connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE(MAX(id), 0) + 1, false) FROM {table.name}"
                    )
                )


def _existing_rows(connection: Connection) -> dict[str, int]:
    """Rows in the tables whose ids the demo assigns, if any."""
    counts = {}
    for model in (User, Team, Cycle, Objective):
        count = connection.scalar(select(func.count()).select_from(model))
        if count:
            counts[model.__tablename__] = count
    return counts


def _check_empty(connection: Connection) -> None:
    existing = _existing_rows(connection)
    if existing:
        found = ", ".join(f"{n} {table}" for table, n in existing.items())
        raise DatabaseNotEmpty(
            f"The database already has data ({found}); the demo loads only into an empty one."
        )


def _cutoff(today: date) -> datetime:
    """Check-ins stop at the start of `today` and never reach into the future."""
    return min(datetime.combine(today, time.min), utcnow())


def load_demo(
    engine: Engine,
    size: str = "small",
    *,
    today: date | None = None,
    seed: int = 2026,
    progress: ProgressCallback | None = None,
) -> DemoCounts:
    """Fill an empty, migrated database with a demo organisation in one transaction.

    Raises DatabaseNotEmpty if people, teams, cycles or objectives already exist, and
    NotInProduction in production.
    ``progress(fraction, message)`` is called as the work advances (fraction in 0..1).
    """
    refuse_in_production()
    if size not in SIZES:
        raise ValueError(f"Unknown demo size {size!r}; choose one of: {', '.join(SIZES)}.")
    report = progress or (lambda _fraction, _message: None)
    today = today or date.today()
    generator = _Generator(SIZES[size], seed, today, _cutoff(today))
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            _check_empty(connection)
            report(0.0, "Creating people and teams…")
            password_hash = hash_password(DEMO_PASSWORD)  # once: bcrypt is slow by design
            counts = _write_all(_Writer(connection), generator, password_hash, report)
        if connection.dialect.name == "postgresql":
            # Fresh statistics: until autovacuum gets to the bulk load, the planner guesses
            # badly (alignment queries took 4.5 s instead of 0.03 s at the large size).
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    report(1.0, "Done")
    return counts


def _write_all(
    writer: _Writer, generator: _Generator, password_hash: str, report: ProgressCallback
) -> DemoCounts:
    org = generator.build_org(password_hash)
    writer.insert(Team.__table__, (_team_row(t, org.created_at) for t in org.teams))
    writer.insert(User.__table__, org.user_rows)
    writer.set_team_leads(org.teams)
    writer.insert(Cycle.__table__, (c.row() for c in generator.cycles))
    report(0.05, "Writing objectives, key results and check-ins…")
    goals = generator.goals()
    written = key_results = check_ins = 0
    with writer.bulk_tables():
        for batch in generator.batches(goals):
            writer.insert(Objective.__table__, batch.objectives)
            writer.insert(KeyResult.__table__, batch.key_results)
            writer.insert(CheckIn.__table__, batch.check_ins)
            key_results += len(batch.key_results)
            check_ins += len(batch.check_ins)
            written += len(batch.objectives)
            report(0.05 + 0.88 * written / len(goals), f"Written {check_ins:,} check-ins…")
        report(0.93, "Indexing…")
    report(0.96, "Writing kudos and settings…")
    kudos = generator.kudos()
    writer.insert(Kudos.__table__, kudos)
    counts = DemoCounts(
        users=len(org.people),
        teams=len(org.teams),
        cycles=len(generator.cycles),
        objectives=len(goals),
        key_results=key_results,
        check_ins=check_ins,
        kudos=len(kudos),
    )
    writer.insert_missing_settings()
    writer.connection.execute(
        insert(AuditLog.__table__).values(
            action="demo.load", entity="organisation", after=asdict(counts), created_at=utcnow()
        )
    )
    writer.reset_sequences()
    return counts


def _team_row(team: _Team, created_at: datetime) -> dict:
    return {
        "id": team.id,
        "name": team.name,
        "parent_id": team.parent_id,
        "lead_id": None,
        "created_at": created_at,
    }


# ---------------------------------------------------------------------------------------------
# Command line


class _ProgressBar:
    """A one-line text progress bar on stderr, redrawn only when it visibly changes."""

    WIDTH = 30

    def __init__(self) -> None:
        self.shown: tuple[int, str] | None = None

    def __call__(self, fraction: float, message: str) -> None:
        filled = int(self.WIDTH * fraction)
        if (filled, message) == self.shown:
            return
        self.shown = (filled, message)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        sys.stderr.write(f"\r[{bar}] {fraction:4.0%} {message:<45}")
        if fraction >= 1:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m db.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), required=True)
    parser.add_argument("--database-url", default=None, help="default: OKR_DATABASE_URL or SQLite")
    parser.add_argument("--reset", action="store_true", help="wipe the database first")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def _drop_everything(url: str) -> None:
    """Migrate down to an empty database. Alembic's batch mode rebuilds SQLite tables, and
    SQLite refuses to drop a table that rows still reference while foreign keys are on."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _without_foreign_keys)
    try:
        downgrade_base(engine)
    finally:
        engine.dispose()


def _without_foreign_keys(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA foreign_keys=OFF")


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        refuse_in_production()  # before --reset wipes anything
    except (NotInProduction, ConfigurationError) as error:
        print(error, file=sys.stderr)
        return 2
    started = clock.perf_counter()
    url = args.database_url or database_url()
    if args.reset:
        _drop_everything(url)
    engine = make_engine(url)
    try:
        upgrade_head(engine)
        counts = load_demo(engine, args.size, seed=args.seed, progress=_ProgressBar())
    except DatabaseNotEmpty as error:
        print(f"{error} Use --reset to wipe it first.", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    elapsed = clock.perf_counter() - started
    summary = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in asdict(counts).items())
    print(f"Loaded the {args.size} demo in {elapsed:.1f} s: {summary}.")
    print(f"Sign in as {', '.join(DEMO_LOGINS)} with the password {DEMO_PASSWORD}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
