"""First-run setup in production (OKR_ENV=production): the first admin needs the setup token
from the server's log or OKR_SETUP_TOKEN, the demo is not offered, and an unknown OKR_ENV
stops the app with a clear message."""

from __future__ import annotations

import logging
import re

import pytest

from core.errors import PermissionDenied
from db import commands, deployment, queries
from db.demo import NotInProduction, load_demo
from tests.app.helpers import button, errors, new_app, sign_in, signed_in, text_input
from tests.factories import run

REFUSED = "The setup token is missing or wrong."
ADMIN = commands.UserInput("boss", "Bà Chủ", None, password="first-admin-pw")


@pytest.fixture
def production(app_db, monkeypatch):
    """An empty database behind a production server that has not made its token yet."""
    monkeypatch.setenv("OKR_ENV", "production")
    monkeypatch.delenv("OKR_SETUP_TOKEN", raising=False)
    monkeypatch.setattr(deployment, "_generated_token", None)
    return app_db


def users(sessions) -> bool:
    with sessions() as session:
        return queries.has_users(session)


def fill_admin_form(at, token: str | None = None):
    text_input(at, "Username").input("Boss")
    text_input(at, "Full name").input("Bà Chủ")
    text_input(at, "Password").input("first-admin-pw")
    text_input(at, "Repeat password").input("first-admin-pw")
    if token is not None:
        text_input(at, "Setup token").input(token)
    button(at, "Create admin").click()
    at.run()
    assert not at.exception
    return at


def logged_token(caplog) -> str:
    (token,) = {
        match.group(1)
        for record in caplog.records
        if record.name == "okr" and record.levelno == logging.WARNING
        for match in [re.match(r"First-run setup token: (\S+) — ", record.getMessage())]
        if match
    }
    return token


def test_without_the_token_no_admin_is_created(production):
    at = new_app()
    at.run()
    fill_admin_form(at)
    assert len(errors(at)) == 1 and errors(at)[0].startswith(REFUSED)
    assert not users(production)


def test_a_wrong_token_is_refused(production, caplog):
    at = new_app()
    with caplog.at_level(logging.WARNING, logger="okr"):
        at.run()
    fill_admin_form(at, logged_token(caplog)[:-1] + "?")
    assert errors(at)[0].startswith(REFUSED)
    assert not users(production)


def test_the_token_from_the_server_log_creates_the_admin(production, caplog):
    at = new_app()
    with caplog.at_level(logging.WARNING, logger="okr"):
        at.run()
    assert "Setup token" in [t.label for t in at.text_input]
    fill_admin_form(at, logged_token(caplog))
    assert not errors(at) and [s.value for s in at.success] == ["Your admin account is ready."]
    button(at, "Continue to sign in").click()
    at.run()
    assert signed_in(sign_in("boss", "first-admin-pw", at))


def test_the_token_from_the_environment_creates_the_admin(production, monkeypatch, caplog):
    monkeypatch.setenv("OKR_SETUP_TOKEN", "set-by-the-operator-2026")
    at = new_app()
    with caplog.at_level(logging.WARNING, logger="okr"):
        at.run()
    assert not [r for r in caplog.records if "setup token" in r.getMessage()]  # nothing made
    fill_admin_form(at, "set-by-the-operator-2026")
    assert not errors(at) and users(production)


def test_the_write_function_itself_needs_the_token(production):
    with pytest.raises(PermissionDenied, match=REFUSED):
        run(production, commands.create_first_admin, ADMIN)
    with pytest.raises(PermissionDenied, match=REFUSED):
        run(production, commands.create_first_admin, ADMIN, setup_token="guess")
    assert not users(production)
    run(production, commands.create_first_admin, ADMIN, setup_token=deployment.setup_token())
    assert users(production)


def test_the_demo_is_neither_offered_nor_loaded(production, engine):
    at = new_app()
    at.run()
    assert "Load the demo organisation" not in [b.label for b in at.button]
    with pytest.raises(NotInProduction):
        load_demo(engine, "small")
    assert not users(production)


def test_outside_production_setup_asks_for_no_token(app_db, monkeypatch):
    monkeypatch.delenv("OKR_ENV", raising=False)
    at = new_app()
    at.run()
    assert "Setup token" not in [t.label for t in at.text_input]
    assert "Load the demo organisation" in [b.label for b in at.button]


def test_an_unknown_okr_env_stops_the_app_with_a_clear_message(app_db, monkeypatch):
    monkeypatch.setenv("OKR_ENV", "prod")
    at = new_app()
    at.run()
    assert not at.exception
    assert [error.replace("\\", "") for error in errors(at)] == [  # as read: no escapes
        "OKR_ENV is set to “prod”, which OKR Tracker does not know. Set it to "
        "development or production, or leave it unset for development."
    ]
    assert not at.text_input and not at.button  # neither setup nor sign-in
