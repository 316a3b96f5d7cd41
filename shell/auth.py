"""Sign-in with streamlit-authenticator, fed from the users table one person at a time.

The authenticator expects a credentials dict of every user; building one of 5,000 people on
every run would make each page's cost grow with the organisation. Instead its
``credentials["usernames"]`` is a mapping that loads the one person asked for. The
authenticator also mutates that mapping (failed-login counters); those changes are written
back to the users table after each sign-in attempt, so a lock holds across reruns and servers.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from core.accounts import MAX_FAILED_LOGINS, effective_failed_logins, is_locked, lock_message
from core.errors import ValidationError
from core.i18n import _
from core.validation import validate_username
from db import commands, queries
from db.engine import PROJECT_ROOT
from db.models import utcnow
from shell import store

COOKIE_NAME = "okr_tracker_auth"
COOKIE_EXPIRY_DAYS = 7
LOCAL_KEY_FILE = PROJECT_ROOT / ".streamlit" / "cookie_key"


class ConfigurationError(RuntimeError):
    """The deployment is missing a setting; the message says how to set it."""


def cookie_key() -> str:
    """The cookie signing key: environment, then secrets.toml, then (not in production) a
    random key generated once into an untracked local file. Never a committed default."""
    key = os.environ.get("OKR_COOKIE_KEY") or _secret("cookie_key")
    if key:
        if len(key.encode()) < 32:
            raise ConfigurationError(_("The cookie key must be at least 32 bytes long."))
        return key
    if os.environ.get("OKR_ENV", "").lower() == "production":
        raise ConfigurationError(
            _(
                "No cookie signing key is configured. Set OKR_COOKIE_KEY (at least 32 random "
                "bytes, e.g. {command}) or {setting} in .streamlit/secrets.toml. Every server "
                "behind one address needs the same key."
            ).format(
                command='`python -c "import secrets; print(secrets.token_urlsafe(48))"`',
                setting='`cookie_key = "..."`',
            )
        )
    return _local_key(LOCAL_KEY_FILE)


def _secret(name: str) -> str | None:
    try:
        return st.secrets.get(name)
    except Exception:  # no secrets.toml at all: Streamlit raises instead of returning nothing
        return None


def _local_key(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class SignInDirectory(dict):
    """credentials["usernames"] for the authenticator, loading one person on demand."""

    def __init__(self, load: Callable[[str], queries.SignInRecord | None]):
        super().__init__()
        self._load = load
        self.records: dict[str, queries.SignInRecord] = {}

    def _entry(self, username: object) -> dict | None:
        if not isinstance(username, str) or not _could_exist(username):
            return None
        if not dict.__contains__(self, username):
            record = self._load(username)
            if record is None:
                return None
            self.records[username] = record
            dict.__setitem__(self, username, _credentials(record))
        return dict.__getitem__(self, username)

    def __contains__(self, username: object) -> bool:
        return self._entry(username) is not None

    def __getitem__(self, username: str) -> dict:
        entry = self._entry(username)
        if entry is None:
            raise KeyError(username)
        return entry

    def get(self, username: str, default=None):
        entry = self._entry(username)
        return default if entry is None else entry

    def counter_changes(self) -> dict[str, tuple[int, int]]:
        """{username: (counter before, counter after)} for people the form touched."""
        changes = {}
        for username, record in self.records.items():
            before = effective_failed_logins(record.failed_logins, record.locked_until, utcnow())
            after = dict.__getitem__(self, username).get("failed_login_attempts", 0)
            if after != before:
                changes[username] = (before, after)
        return changes


def _could_exist(username: str) -> bool:
    """Whether an account could have this name; others (NUL, emoji, …) never reach the
    database, where PostgreSQL would refuse a NUL in a query instead of finding no one."""
    try:
        validate_username(username)
    except ValidationError:
        return False
    return True


def _credentials(record: queries.SignInRecord) -> dict:
    return {
        "name": record.display_name,
        "email": record.email,
        "password": record.password_hash,
        "roles": [record.role],
        "failed_login_attempts": effective_failed_logins(
            record.failed_logins, record.locked_until, utcnow()
        ),
        "logged_in": False,
    }


def make_authenticator() -> tuple[stauth.Authenticate, SignInDirectory]:
    """Build the authenticator (once per run, only in app.py: it renders a cookie component)."""
    authenticator = stauth.Authenticate(
        {"usernames": {}},
        cookie_name=COOKIE_NAME,
        cookie_key=cookie_key(),
        cookie_expiry_days=COOKIE_EXPIRY_DAYS,
        auto_hash=False,
        login_sleep_time=0,
    )
    directory = SignInDirectory(lambda username: store.read(queries.sign_in_record, username))
    model = authenticator.authentication_controller.authentication_model
    model.credentials["usernames"] = directory
    return authenticator, directory


def render_login(authenticator: stauth.Authenticate, directory: SignInDirectory) -> None:
    """Sign in by the cookie, else by the form. The form sits in a placeholder that is
    emptied once signed in, so the page that was asked for appears in the same run; the
    cookie is written outside it (and with no st.rerun() after it, or it never reaches the
    browser)."""
    try:
        authenticator.login(location="unrendered")  # the cookie, when there is a valid one
    except LoginError as error:  # a cookie for a person who can no longer sign in
        authenticator.cookie_controller.delete_cookie()
        _show_login_error(directory, str(error))
        return
    if st.session_state.get("authentication_status"):
        return
    box = st.empty()
    with box.form("app.login"):
        st.subheader(_("Sign in"))
        username = st.text_input(_("Username"), key="app.login.username", autocomplete="username")
        password = st.text_input(
            _("Password"),
            type="password",
            key="app.login.password",
            autocomplete="current-password",
        )
        submitted = st.form_submit_button(_("Sign in"), type="primary")
    if not submitted:
        return
    try:
        authenticator.authentication_controller.login(
            username, password, max_login_attempts=MAX_FAILED_LOGINS
        )
    except LoginError as error:
        _show_login_error(directory, str(error))
        return
    _persist_attempts(directory)
    if st.session_state.get("authentication_status"):
        box.empty()
        authenticator.cookie_controller.set_cookie()
    elif not _show_lock(directory):
        st.error(_("Incorrect username or password."), icon=":material/error:")


def _persist_attempts(directory: SignInDirectory) -> None:
    for username, (before, after) in directory.counter_changes().items():
        if after > before:
            store.write(commands.record_failed_login, username, show_error=False)
        elif after == 0:
            store.write(commands.record_successful_login, username, show_error=False)


def _show_lock(directory: SignInDirectory) -> bool:
    """Show the lock message for an account that is (now) locked; True when shown."""
    for username in directory.records:
        record = store.read(queries.sign_in_record, username)
        if record and is_locked(record.locked_until, utcnow()):
            st.error(lock_message(record.locked_until, utcnow()), icon=":material/lock:")
            return True
    return False


def _show_login_error(directory: SignInDirectory, message: str) -> None:
    st.session_state["authentication_status"] = None
    if not _show_lock(directory):
        st.error(
            _("Your sign-in could not be completed; sign in again.")
            if "authorized" in message
            else _("Incorrect username or password."),
            icon=":material/error:",
        )


def sign_out(authenticator: stauth.Authenticate) -> None:
    """End the session without a button (e.g. the account was deactivated meanwhile)."""
    authenticator.logout(location="unrendered")
