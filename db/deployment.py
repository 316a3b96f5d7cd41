"""How this installation runs: ``OKR_ENV`` and the first-run setup token.

``OKR_ENV`` is read here and nowhere else. It is ``development`` (the default, also when
unset or empty) or ``production``; any other value is refused, so a typo such as
``OKR_ENV=prod`` cannot quietly run a production server with development defaults.

In production, creating the first admin needs a setup token: ``OKR_SETUP_TOKEN`` when set,
else a random one made the first time this server process needs it and written to the
server's log (logger ``okr``, level WARNING). Each server process makes its own, so with
several servers behind one address set ``OKR_SETUP_TOKEN`` to the same value on all of them.
The token is good for one thing only: it stops working once any account exists.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import threading

from core.errors import PermissionDenied
from core.i18n import _

DEVELOPMENT = "development"
PRODUCTION = "production"
ENVIRONMENTS = (DEVELOPMENT, PRODUCTION)
MIN_SETUP_TOKEN_LENGTH = 16

log = logging.getLogger("okr")
_generated_token: str | None = None
_token_lock = threading.Lock()


class ConfigurationError(RuntimeError):
    """The deployment is set up wrongly; the message says what to change."""


def environment() -> str:
    """``development`` or ``production``, from OKR_ENV (case and spaces around ignored)."""
    value = os.environ.get("OKR_ENV", "").strip().lower()
    if not value:
        return DEVELOPMENT
    if value not in ENVIRONMENTS:
        raise ConfigurationError(
            _(
                "OKR_ENV is set to “{value}”, which OKR Tracker does not know. Set it to "
                "development or production, or leave it unset for development."
            ).format(value=os.environ["OKR_ENV"])
        )
    return value


def is_production() -> bool:
    return environment() == PRODUCTION


def check() -> None:
    """Refuse a configuration that cannot work (run at start, before anything relies on it)."""
    if is_production():
        _configured_setup_token()


def setup_token() -> str | None:
    """The token that creating the first admin needs: None outside production. Made (and
    logged) once per server process when OKR_SETUP_TOKEN does not give one."""
    if not is_production():
        return None
    configured = _configured_setup_token()
    if configured:
        return configured
    global _generated_token
    with _token_lock:
        if _generated_token is None:
            _generated_token = secrets.token_urlsafe(24)
            log.warning(
                "First-run setup token: %s — enter it on the setup page to create the first "
                "admin. It works only on this server process, until an account exists; with "
                "several servers, set OKR_SETUP_TOKEN on all of them instead.",
                _generated_token,
            )
        return _generated_token


def require_setup_token(given: str | None) -> None:
    """Raise PermissionDenied unless ``given`` is this server's setup token (production)."""
    expected = setup_token()
    if expected is None:
        return
    typed = (given or "").strip().encode()
    if not hmac.compare_digest(typed, expected.encode()):
        raise PermissionDenied(
            _(
                "The setup token is missing or wrong. Use the one in this server's log "
                "(the line “First-run setup token: …”), or the value of OKR_SETUP_TOKEN."
            )
        )


def _configured_setup_token() -> str | None:
    token = os.environ.get("OKR_SETUP_TOKEN", "").strip()
    if token and len(token) < MIN_SETUP_TOKEN_LENGTH:
        raise ConfigurationError(
            _("OKR_SETUP_TOKEN must be at least {count} characters long, e.g. {command}.").format(
                count=MIN_SETUP_TOKEN_LENGTH,
                command='`python -c "import secrets; print(secrets.token_urlsafe(24))"`',
            )
        )
    return token or None
