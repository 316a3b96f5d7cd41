"""Remind people of their key results that need an update — a weekly cron job.

    python -m db.reminders [--send] [--base-url URL] [--database-url URL]

Lists everyone who owns a *stale* key result: no check-in for the "needs update" period
(Admin → Settings, 14 days by default), in an active cycle, in a published objective, not
achieved — exactly what the app flags as "needs update". Each person gets one message in
their own language (English or Vietnamese) with a link straight to each KR's check-in form
(``<base-url>/log-progress?kr=<id>&cycle=<cycle id>``).

By default it is a dry run: it prints the messages it would send and sends nothing. With
``--send`` it sends them through the SMTP server configured in the environment:

    OKR_SMTP_HOST       the server (required to send)
    OKR_SMTP_PORT       default 587
    OKR_SMTP_STARTTLS   1/0, default 1 (upgrade the connection with STARTTLS)
    OKR_SMTP_USER       sign in with this user and OKR_SMTP_PASSWORD (optional)
    OKR_SMTP_FROM       the sender address (required to send)

The base URL defaults to OKR_BASE_URL, then http://localhost:8501. People without an email
address are listed as skipped. Exit status: 0 done, 1 some messages failed, 2 not configured.

Cost: the stale candidates are chosen in SQL (active cycles, published objectives, active
owners, last check-in — or creation — before the cut-off); only those rows reach Python,
where db.queries.okrs.annotate decides "stale" with the app's own rule.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import ssl
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from urllib.parse import urlencode

import pandas as pd
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.enums import CycleState, ObjectiveState
from core.i18n import LANGUAGES, _, ngettext, using_language
from db.engine import database_url, make_engine, make_sessionmaker
from db.frames import row_tuples
from db.models import Cycle, KeyResult, Objective, User, utcnow
from db.queries.okrs import annotate
from db.queries.org import CycleRow, status_settings

DEFAULT_BASE_URL = "http://localhost:8501"
CHECK_IN_PATH = "/log-progress"


@dataclass(frozen=True)
class StaleKR:
    kr_id: int
    title: str
    objective_title: str
    cycle_id: int
    cycle_name: str
    days_since_update: int


@dataclass(frozen=True)
class Reminder:
    """One person and their stale key results, the longest silent first."""

    user_id: int
    username: str
    display_name: str
    email: str | None
    language: str
    krs: tuple[StaleKR, ...]


# --- who needs a reminder ----------------------------------------------------------------


def stale_key_results(session: Session, now: datetime | None = None) -> pd.DataFrame:
    """The stale KRs of active owners in published objectives of active cycles, annotated."""
    now = now or utcnow()
    settings = status_settings(session)
    cutoff = now - timedelta(days=settings.stale_days)
    rows = session.execute(
        select(
            KeyResult.id.label("kr_id"),
            KeyResult.title,
            KeyResult.kind,
            KeyResult.start_value.label("start"),
            KeyResult.target_value.label("target"),
            KeyResult.current_value.label("current"),
            KeyResult.confidence,
            KeyResult.last_checkin_at,
            KeyResult.created_at,
            Objective.title.label("objective_title"),
            Cycle.id.label("cycle_id"),
            Cycle.name.label("cycle_name"),
            Cycle.start_date,
            Cycle.end_date,
            Cycle.state.label("cycle_state"),
            User.id.label("owner_id"),
            User.username,
            User.display_name,
            User.email,
            User.language,
        )
        .join(Objective, Objective.id == KeyResult.objective_id)
        .join(Cycle, Cycle.id == Objective.cycle_id)
        .join(User, User.id == KeyResult.owner_id)
        .where(
            Cycle.state == CycleState.ACTIVE,
            Cycle.start_date <= now.date(),
            Objective.state == ObjectiveState.ACTIVE,
            User.active.is_(True),
            # The app's "last update": the last check-in, else creation but not before the
            # cycle's start (annotate below applies the exact rule to these candidates).
            or_(
                KeyResult.last_checkin_at <= cutoff,
                and_(
                    KeyResult.last_checkin_at.is_(None),
                    KeyResult.created_at <= cutoff,
                    Cycle.start_date <= cutoff.date(),
                ),
            ),
        )
        .order_by(User.id, KeyResult.id)
    ).all()
    frame = pd.DataFrame(rows, columns=list(rows[0]._fields) if rows else [])
    if frame.empty:
        return frame
    parts = []
    for cycle_id, krs in frame.groupby("cycle_id", sort=False):
        first = krs.iloc[0]
        cycle = CycleRow(
            int(cycle_id), first.cycle_name, first.start_date, first.end_date, first.cycle_state
        )
        annotated = annotate(krs, cycle, settings, now=now)
        parts.append(annotated[annotated["stale"]])
    return pd.concat(parts)


def reminders(session: Session, now: datetime | None = None) -> list[Reminder]:
    """One reminder per person with stale KRs, people ordered by name."""
    frame = stale_key_results(session, now)
    if frame.empty:
        return []
    frame = frame.sort_values(["days_since_update", "kr_id"], ascending=[False, True])
    people: dict[int, dict] = {}
    krs: dict[int, list[StaleKR]] = {}
    for row in row_tuples(frame):  # one pass; a group per person would be slow
        owner = int(row.owner_id)
        if owner not in people:
            people[owner] = {
                "user_id": owner,
                "username": row.username,
                "display_name": row.display_name,
                "email": row.email if isinstance(row.email, str) and row.email else None,
                "language": row.language if row.language in LANGUAGES else "en",
            }
        krs.setdefault(owner, []).append(
            StaleKR(
                int(row.kr_id),
                row.title,
                row.objective_title,
                int(row.cycle_id),
                row.cycle_name,
                int(row.days_since_update),
            )
        )
    found = [Reminder(**person, krs=tuple(krs[owner])) for owner, person in people.items()]
    return sorted(found, key=lambda r: (r.display_name.casefold(), r.user_id))


# --- the message -------------------------------------------------------------------------


def check_in_link(base_url: str, kr: StaleKR) -> str:
    """The KR's check-in form on Log progress, in the KR's cycle."""
    query = urlencode({"kr": kr.kr_id, "cycle": kr.cycle_id})
    return f"{base_url.rstrip('/')}{CHECK_IN_PATH}?{query}"


def subject(reminder: Reminder) -> str:
    """The subject line, in the person's language."""
    count = len(reminder.krs)
    with using_language(reminder.language):
        return ngettext(
            "OKR Tracker: {count} key result needs your update",
            "OKR Tracker: {count} key results need your update",
            count,
        ).format(count=count)


def body(reminder: Reminder, base_url: str, stale_days: int) -> str:
    """The message, in the person's language: a line and a check-in link per key result."""
    count = len(reminder.krs)
    with using_language(reminder.language):
        items = [
            # TRANSLATORS: one key result in the reminder email; keep the line breaks and the
            # two spaces that indent the second and third lines.
            _("• {kr}\n  {objective} · {cycle} · {days}\n  Check in: {link}").format(
                kr=kr.title,
                objective=kr.objective_title,
                cycle=kr.cycle_name,
                days=ngettext(
                    "{count} day without a check-in",
                    "{count} days without a check-in",
                    kr.days_since_update,
                ).format(count=kr.days_since_update),
                link=check_in_link(base_url, kr),
            )
            for kr in reminder.krs
        ]
        intro = ngettext(
            "This key result of yours has had no check-in for {stale_days} days or more. "
            "A check-in takes under a minute: the current value, your confidence and a short "
            "note.",
            "These key results of yours have had no check-in for {stale_days} days or more. "
            "A check-in takes under a minute: the current value, your confidence and a short "
            "note.",
            count,
        ).format(stale_days=stale_days)
        return "\n\n".join(
            [
                _("Hello {name},").format(name=reminder.display_name),
                intro,
                *items,
                _("Thank you!\nOKR Tracker"),
                "-- \n" + _("You receive this reminder because you own these key results."),
            ]
        )


def message(reminder: Reminder, base_url: str, stale_days: int, sender: str) -> EmailMessage:
    if not reminder.email:
        raise ValueError(f"{reminder.username} has no email address")
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = Address(display_name=reminder.display_name, addr_spec=reminder.email)
    mail["Subject"] = subject(reminder)
    mail.set_content(body(reminder, base_url, stale_days))
    mail["Content-Language"] = reminder.language  # after set_content, which drops Content-*
    return mail


# --- sending -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str | None
    password: str | None
    starttls: bool


def smtp_settings(env: Mapping[str, str]) -> SmtpSettings | None:
    """SMTP from the environment; None when the host or the sender is missing. A port that
    is not a number raises ValueError."""
    host, sender = env.get("OKR_SMTP_HOST", "").strip(), env.get("OKR_SMTP_FROM", "").strip()
    if not host or not sender:
        return None
    port = (env.get("OKR_SMTP_PORT") or "587").strip()
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"OKR_SMTP_PORT must be a port number, not “{port}”.")
    return SmtpSettings(
        host=host,
        port=int(port),
        sender=sender,
        user=env.get("OKR_SMTP_USER") or None,
        password=env.get("OKR_SMTP_PASSWORD") or None,
        starttls=env.get("OKR_SMTP_STARTTLS", "1").strip().lower() not in {"0", "false", "no"},
    )


def send(messages: Iterable[EmailMessage], smtp: SmtpSettings) -> list[tuple[str, str]]:
    """Send over one connection; returns (recipient, error) for each message that failed."""
    failed = []
    with smtplib.SMTP(smtp.host, smtp.port, timeout=60) as server:
        server.ehlo()
        if smtp.starttls:
            server.starttls(context=ssl.create_default_context())
            server.ehlo()
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
        for mail in messages:
            try:
                server.send_message(mail)
            except smtplib.SMTPServerDisconnected:
                raise
            except smtplib.SMTPException as error:
                failed.append((str(mail["To"]), str(error)))
    return failed


# --- command line ------------------------------------------------------------------------


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m db.reminders",
        description="Remind people of their key results that need an update (a dry run "
        "unless --send).",
    )
    parser.add_argument("--send", action="store_true", help="send the emails through SMTP")
    parser.add_argument(
        "--base-url",
        default=os.environ.get("OKR_BASE_URL") or DEFAULT_BASE_URL,
        help="the app's address, for the check-in links (default: OKR_BASE_URL, then "
        f"{DEFAULT_BASE_URL})",
    )
    parser.add_argument("--database-url", help="default: OKR_DATABASE_URL")
    return parser.parse_args(argv)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def main(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = _parse_args(argv)
    env = os.environ if env is None else env
    try:
        smtp = smtp_settings(env)
    except ValueError as error:
        print(f"{error} Nothing sent.", file=sys.stderr)
        return 2
    if args.send and smtp is None:
        print(
            "SMTP is not configured: set OKR_SMTP_HOST and OKR_SMTP_FROM (and, as needed, "
            "OKR_SMTP_PORT, OKR_SMTP_USER, OKR_SMTP_PASSWORD, OKR_SMTP_STARTTLS). Nothing sent.",
            file=sys.stderr,
        )
        return 2
    engine = make_engine(args.database_url or database_url())
    try:
        with make_sessionmaker(engine)() as session:
            stale_days = status_settings(session).stale_days
            found = reminders(session)
    finally:
        engine.dispose()

    reachable = [r for r in found if r.email]
    skipped = [r for r in found if not r.email]
    sender = smtp.sender if smtp else "OKR Tracker <okr-tracker@localhost>"
    mails = [message(r, args.base_url, stale_days, sender) for r in reachable]
    kr_count = sum(len(r.krs) for r in found)

    if not args.send:
        for mail in mails:
            print(f"To: {mail['To']}\nSubject: {mail['Subject']}\n\n{mail.get_content()}")
            print("=" * 72)
    for reminder in skipped:
        print(
            f"Skipped (no email): {reminder.display_name} ({reminder.username}), "
            f"{_plural(len(reminder.krs), 'stale key result')}"
        )
    if not args.send:
        print(
            f"Dry run: {_plural(len(mails), 'reminder')} would be sent "
            f"({_plural(kr_count, 'stale key result')}), {len(skipped)} skipped. "
            "Nothing was sent; add --send to send them."
        )
        return 0
    try:
        failed = send(mails, smtp) if mails else []
    except (OSError, smtplib.SMTPException) as error:  # unreachable, refused sign-in, TLS, …
        print(
            f"Could not send through {smtp.host}:{smtp.port}: {error}. "
            "Messages may have been sent only in part.",
            file=sys.stderr,
        )
        return 1
    for recipient, error in failed:
        print(f"Failed: {recipient}: {error}", file=sys.stderr)
    print(
        f"Sent {_plural(len(mails) - len(failed), 'reminder')} "
        f"({_plural(kr_count, 'stale key result')}), {len(skipped)} skipped, "
        f"{len(failed)} failed."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
