"""Reminders (python -m db.reminders) on SQLite and PostgreSQL: who is reminded of which
key results, the links, each person's language, the dry run, and sending through SMTP."""

from __future__ import annotations

import email
import smtplib
import socketserver
import threading
from datetime import date, timedelta
from email import policy

import pytest
from sqlalchemy import update

from core.settings import StatusSettings
from db import commands, reminders
from db.engine import transaction
from db.models import KeyResult, User, utcnow
from tests.db.test_okr_commands import check_in, create, key_results, kr, publish
from tests.db.test_okr_queries import silence
from tests.factories import Org, build_org, run

BASE = "https://okr.example.com/"


def backdate_creation(org: Org, kr_id: int, days: int) -> None:
    with transaction(org.sessions) as session:
        session.execute(
            update(KeyResult)
            .where(KeyResult.id == kr_id)
            .values(created_at=utcnow() - timedelta(days=days))
        )


def set_user(org: Org, username: str, **values) -> None:
    with transaction(org.sessions) as session:
        session.execute(update(User).where(User.id == org.ids[username]).values(**values))


def published(org: Org, owner: str, title: str, *kr_titles: str, cycle=None) -> dict[str, int]:
    objective_id = create(org, owner, title=title, cycle=cycle, krs=tuple(kr(t) for t in kr_titles))
    publish(org, owner, objective_id)
    return {k.title: k.id for k in key_results(org, objective_id)}


@pytest.fixture
def world(sessions):
    """mia (English): two stale KRs among fresh, achieved and draft ones; lena (Vietnamese):
    one stale KR; max: stale but no email; sue: stale but deactivated; sam: stale only in a
    closed cycle. The cycle is 30 days old; "needs update" after the default 14 days."""
    org = build_org(sessions)
    mia = published(org, "mia", "Grow the product", "Silent since creation", "Fresh", "Done")
    mia |= published(org, "mia", "Delight users", "Quiet", "New this week")
    backdate_creation(org, mia["Silent since creation"], 20)
    check_in(org, "mia", mia["Fresh"], 40)
    check_in(org, "mia", mia["Done"], 100)
    silence(org, mia["Done"], 20)  # achieved: silence is fine
    check_in(org, "mia", mia["Quiet"], 30)
    silence(org, mia["Quiet"], 16)
    draft = create(org, "mia", title="Still a draft", krs=(kr("Draft KR"),))
    backdate_creation(org, key_results(org, draft)[0].id, 25)

    lena = published(org, "lena", "Tăng trưởng bền vững", "Doanh thu quý tăng 20%")
    check_in(org, "lena", lena["Doanh thu quý tăng 20%"], 10)
    silence(org, lena["Doanh thu quý tăng 20%"], 25)
    set_user(org, "lena", language="vi")

    max_ = published(org, "max", "Ship faster", "Lead time under 2 days")
    backdate_creation(org, max_["Lead time under 2 days"], 15)
    set_user(org, "max", email=None)

    sue = published(org, "sue", "Close deals", "Ten new customers")
    backdate_creation(org, sue["Ten new customers"], 40)
    run(sessions, commands.set_user_active, org.admin, org.ids["sue"], False)

    old = run(
        sessions,
        commands.create_cycle,
        org.admin,
        "Old",
        date.today() - timedelta(days=200),
        date.today() - timedelta(days=110),
    )
    run(sessions, commands.set_cycle_state, org.admin, old, "active")
    sam = published(org, "sam", "Last year's goal", "Old KR", cycle=old)
    backdate_creation(org, sam["Old KR"], 150)
    run(sessions, commands.set_cycle_state, org.admin, old, "closed")
    return org, {**mia, **lena, **max_, **sue, **sam}


def found(org: Org) -> list[reminders.Reminder]:
    with org.sessions() as session:
        return reminders.reminders(session)


def by_user(org: Org) -> dict[str, reminders.Reminder]:
    return {r.username: r for r in found(org)}


def test_only_owners_of_stale_kr_in_active_cycles_and_published_objectives_are_listed(world):
    org, krs = world
    listed = found(org)
    assert [r.username for r in listed] == ["lena", "max", "mia"]  # by name
    mia = by_user(org)["mia"]
    assert [(k.title, k.days_since_update) for k in mia.krs] == [
        ("Silent since creation", 20),  # the longest silent first
        ("Quiet", 16),
    ]
    assert mia.krs[0].objective_title == "Grow the product"
    assert mia.krs[0].cycle_name == "Now" and mia.krs[0].cycle_id == org.ids["cycle"]
    assert by_user(org)["max"].email is None


def test_the_stale_period_comes_from_the_settings(world):
    org, _ = world
    run(org.sessions, commands.save_status_settings, org.admin, StatusSettings(stale_days=18))
    listed = by_user(org)
    assert sorted(listed) == ["lena", "mia"]  # max's 15 days are no longer stale
    assert [k.title for k in listed["mia"].krs] == ["Silent since creation"]  # not Quiet (16)


def test_a_check_in_takes_the_kr_off_the_list(world):
    org, krs = world
    check_in(org, "mia", krs["Silent since creation"], 20)
    check_in(org, "mia", krs["Quiet"], 35)
    assert "mia" not in by_user(org)


def test_each_kr_links_straight_to_its_check_in_form(world):
    org, krs = world
    kr_ = by_user(org)["mia"].krs[0]
    link = reminders.check_in_link(BASE, kr_)
    assert link == (
        f"https://okr.example.com/log-progress?kr={krs['Silent since creation']}"
        f"&cycle={org.ids['cycle']}"
    )
    body = reminders.body(by_user(org)["mia"], BASE, 14)
    assert f"Check in: {link}" in body


def test_the_message_speaks_the_persons_language(world):
    org, krs = world
    people = by_user(org)
    mia, lena = people["mia"], people["lena"]
    assert reminders.subject(mia) == "OKR Tracker: 2 key results need your update"
    assert reminders.subject(lena) == "OKR Tracker: 1 kết quả then chốt cần bạn cập nhật"

    english = reminders.body(mia, BASE, 14)
    assert english.startswith("Hello Mia Member,")
    assert "no check-in for 14 days or more" in english
    assert "20 days without a check-in" in english and "16 days without a check-in" in english

    vietnamese = reminders.body(lena, BASE, 14)
    link = f"https://okr.example.com/log-progress?kr={krs['Doanh thu quý tăng 20%']}"
    assert vietnamese.startswith("Chào Lena Lead,")
    assert "đã 14 ngày trở lên chưa được cập nhật tiến độ" in vietnamese
    assert "• Doanh thu quý tăng 20%\n  Tăng trưởng bền vững · Now · 25 ngày chưa cập nhật" in (
        vietnamese
    )
    assert f"Cập nhật ngay: {link}" in vietnamese
    assert "Check in" not in vietnamese and "key result" not in vietnamese


def test_the_dry_run_prints_every_message_and_sends_nothing(world, db_url, capsys, monkeypatch):
    org, _ = world
    monkeypatch.setattr(smtplib, "SMTP", NoSMTP)
    env = {"OKR_SMTP_HOST": "mail.example.com", "OKR_SMTP_FROM": "okr@example.com"}
    code = reminders.main(["--base-url", BASE, "--database-url", db_url], env=env)
    out = capsys.readouterr().out
    assert code == 0
    assert "To: Lena Lead <lena@example.com>\nSubject: OKR Tracker: 1 kết quả then chốt" in out
    assert "To: Mia Member <mia@example.com>\nSubject: OKR Tracker: 2 key results" in out
    assert "https://okr.example.com/log-progress?kr=" in out
    assert "Skipped (no email): Max Member (max), 1 stale key result" in out
    assert "Dry run: 2 reminders would be sent (4 stale key results), 1 skipped." in out
    assert "sue" not in out.lower() and "Old KR" not in out


def test_send_without_smtp_settings_refuses_and_sends_nothing(world, db_url, capsys, monkeypatch):
    monkeypatch.setattr(smtplib, "SMTP", NoSMTP)
    code = reminders.main(["--send", "--database-url", db_url], env={})
    assert code == 2
    assert "SMTP is not configured" in capsys.readouterr().err
    env = {"OKR_SMTP_HOST": "mail.example.com", "OKR_SMTP_FROM": "a@b.io", "OKR_SMTP_PORT": "x"}
    assert reminders.main(["--send", "--database-url", db_url], env=env) == 2
    assert "OKR_SMTP_PORT must be a port number" in capsys.readouterr().err


def test_send_delivers_one_message_per_person_through_smtp(world, db_url, capsys):
    org, krs = world
    with local_smtp_server() as server:
        env = {
            "OKR_SMTP_HOST": "127.0.0.1",
            "OKR_SMTP_PORT": str(server.server_address[1]),
            "OKR_SMTP_STARTTLS": "0",
            "OKR_SMTP_FROM": "OKR Tracker <okr@example.com>",
        }
        code = reminders.main(["--send", "--base-url", BASE, "--database-url", db_url], env=env)
    out = capsys.readouterr().out
    assert code == 0
    assert "Sent 2 reminders (4 stale key results), 1 skipped, 0 failed." in out
    assert [rcpts for _, rcpts, _ in server.received] == [
        ["lena@example.com"],
        ["mia@example.com"],
    ]
    assert {sender for sender, _, _ in server.received} == {"okr@example.com"}
    lena, mia = (
        email.message_from_bytes(data, policy=policy.default) for _, _, data in server.received
    )
    assert lena["Subject"] == "OKR Tracker: 1 kết quả then chốt cần bạn cập nhật"
    assert lena["To"] == "Lena Lead <lena@example.com>" and lena["Content-Language"] == "vi"
    assert "Chào Lena Lead," in lena.get_content()
    assert mia["Subject"] == "OKR Tracker: 2 key results need your update"
    assert f"log-progress?kr={krs['Quiet']}&cycle={org.ids['cycle']}" in mia.get_content()


def test_send_uses_starttls_and_login_and_reports_refused_recipients(
    world, db_url, capsys, monkeypatch
):
    FakeSMTP.instances.clear()
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    env = {
        "OKR_SMTP_HOST": "mail.example.com",
        "OKR_SMTP_USER": "okr",
        "OKR_SMTP_PASSWORD": "s3cret",
        "OKR_SMTP_FROM": "okr@example.com",
    }
    code = reminders.main(["--send", "--database-url", db_url], env=env)
    (smtp,) = FakeSMTP.instances
    assert (smtp.host, smtp.port) == ("mail.example.com", 587)
    assert smtp.calls[:3] == ["starttls", "login okr s3cret", "send lena@example.com"]
    assert smtp.calls[3:] == ["send mia@example.com", "quit"]
    assert code == 1  # lena's address was refused; mia's message still went
    assert "Failed: Lena Lead <lena@example.com>" in capsys.readouterr().err


# --- SMTP stand-ins ----------------------------------------------------------------------


class NoSMTP:
    def __init__(self, *args, **kwargs):
        raise AssertionError("a dry run must not connect to SMTP")


class FakeSMTP:
    """Records what the reminders do with an SMTP connection; refuses lena's address."""

    instances: list[FakeSMTP] = []

    def __init__(self, host, port, timeout=None):
        self.host, self.port, self.calls = host, port, []
        FakeSMTP.instances.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.calls.append("quit")

    def ehlo(self):
        pass

    def starttls(self, context=None):
        self.calls.append("starttls")

    def login(self, user, password):
        self.calls.append(f"login {user} {password}")

    def send_message(self, mail):
        recipient = mail["To"].addresses[0].addr_spec
        self.calls.append(f"send {recipient}")
        if recipient.startswith("lena"):
            raise smtplib.SMTPRecipientsRefused({recipient: (550, b"No such user")})


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, RSET, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 localhost test SMTP")
        sender, rcpts = None, []
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-localhost")
                self.reply("250 8BITMIME")
            elif verb == "MAIL":
                sender, rcpts = command.split(":", 1)[1].split()[0].strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpts.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                self.server.received.append((sender, rcpts, b"".join(lines)))
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Not implemented")


class local_smtp_server:  # noqa: N801 - used like a function in `with`
    def __enter__(self):
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
        self.server.daemon_threads = True
        self.server.received = []
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.server

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
