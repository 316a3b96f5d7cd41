"""OKR_ENV takes only the values it knows; the setup token of production."""

from __future__ import annotations

import logging

import pytest

from core.errors import PermissionDenied
from db import deployment


@pytest.fixture
def fresh_server(monkeypatch):
    """A server process that has not made its setup token yet."""
    monkeypatch.setattr(deployment, "_generated_token", None)
    monkeypatch.delenv("OKR_SETUP_TOKEN", raising=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "development"),
        ("", "development"),
        ("development", "development"),
        ("production", "production"),
        (" Production ", "production"),
    ],
)
def test_known_values(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("OKR_ENV", raising=False)
    else:
        monkeypatch.setenv("OKR_ENV", value)
    assert deployment.environment() == expected
    assert deployment.is_production() == (expected == "production")


@pytest.mark.parametrize("value", ["prod", "staging", "test", "production1", "dev"])
def test_an_unknown_value_is_refused_with_a_message_naming_the_known_ones(monkeypatch, value):
    monkeypatch.setenv("OKR_ENV", value)
    with pytest.raises(deployment.ConfigurationError) as refused:
        deployment.environment()
    assert str(refused.value) == (
        f"OKR_ENV is set to “{value}”, which OKR Tracker does not know. Set it to "
        "development or production, or leave it unset for development."
    )


def test_outside_production_no_setup_token_is_needed(monkeypatch, fresh_server):
    monkeypatch.delenv("OKR_ENV", raising=False)
    assert deployment.setup_token() is None
    deployment.require_setup_token(None)


def test_production_makes_one_token_per_server_and_logs_it(monkeypatch, fresh_server, caplog):
    monkeypatch.setenv("OKR_ENV", "production")
    with caplog.at_level(logging.WARNING, logger="okr"):
        token = deployment.setup_token()
        assert deployment.setup_token() == token  # the same for the life of the process
    (line,) = [r.getMessage() for r in caplog.records if "setup token" in r.getMessage()]
    assert line.startswith(f"First-run setup token: {token} — ")
    assert "OKR_SETUP_TOKEN" in line and len(token) >= 32
    deployment.require_setup_token(token)
    deployment.require_setup_token(f"  {token}\n")  # pasted with spaces around
    for wrong in (None, "", token[:-1], token + "x", token.upper()):
        with pytest.raises(PermissionDenied, match="setup token is missing or wrong"):
            deployment.require_setup_token(wrong)


def test_a_configured_token_is_used_and_nothing_is_logged(monkeypatch, fresh_server, caplog):
    monkeypatch.setenv("OKR_ENV", "production")
    monkeypatch.setenv("OKR_SETUP_TOKEN", "shared-by-every-server-42")
    with caplog.at_level(logging.WARNING, logger="okr"):
        assert deployment.setup_token() == "shared-by-every-server-42"
    assert not caplog.records
    deployment.require_setup_token("shared-by-every-server-42")
    with pytest.raises(PermissionDenied):
        deployment.require_setup_token("shared-by-every-server-4")


def test_a_short_configured_token_is_refused_at_start(monkeypatch, fresh_server):
    monkeypatch.setenv("OKR_ENV", "production")
    monkeypatch.setenv("OKR_SETUP_TOKEN", "letmein")
    with pytest.raises(deployment.ConfigurationError, match="at least 16 characters"):
        deployment.check()
