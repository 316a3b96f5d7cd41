"""Sign-in: the password form, the session cookie, and the server-side session behind it.

A sign-in creates a session record in the database (db/commands/sign_in.py) and gives the
browser a cookie holding that session's random token, signed (HS256) with the cookie key.
Every run checks the record, so signing out, a password change or reset, "sign out
everywhere" and deactivation end a session at once, on every server, and a copied cookie
signs nobody in afterwards. A cookie that is malformed, forged, of another algorithm or
expired is ignored and cleared: the person is simply signed out.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

import extra_streamlit_components as stx
import jwt
import streamlit as st

from core.accounts import attempts_per_minute, session_policy
from core.i18n import _
from core.text import md
from db import queries
from db.commands import sign_in as sign_in_commands
from db.engine import PROJECT_ROOT
from db.models import utcnow
from db.sign_in import sign_in_with_password
from shell import store

COOKIE_NAME = "okr_tracker_auth"
LOCAL_KEY_FILE = PROJECT_ROOT / ".streamlit" / "cookie_key"
TOKEN_KEY = "auth.token"  # this browser session's session token
CHECKED_KEY = "auth.checked"  # (database version, session record) of the last check
TOUCHED_KEY = "auth.touched"  # when this browser session last moved its idle clock
ENDED_KEY = "auth.ended"  # signed out here: the cookie the browser sent is not read again
NOTICE_KEY = "auth.notice"  # why the session ended, said once on the sign-in screen
TOUCH_EVERY = timedelta(minutes=5)
SIGNED_IN_KEYS = ("authentication_status", "username", "name")


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
    from db.deployment import is_production

    if is_production():
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
    """The key in ``path``, made on first start: 0600 from the moment the file has its name,
    and servers starting at once all use the one that got there first."""
    from db.private_files import create_private_once

    key = create_private_once(path, secrets.token_urlsafe(48)).strip()
    if len(key.encode()) < 32:
        raise ConfigurationError(
            _(
                "The cookie key file {path} is damaged (shorter than 32 bytes): delete it, "
                "and a new key is made at the next start."
            ).format(path=path)
        )
    return key


# --- the cookie ----------------------------------------------------------------------------


def cookie_manager() -> stx.CookieManager:
    """The browser's cookies (a component: make it once per run, in app.py)."""
    return stx.CookieManager(key="app.cookies")


def cookie_value(token: str, expires_at: datetime, key: str) -> str:
    return jwt.encode({"sid": token, "exp": int(expires_at.timestamp())}, key, algorithm="HS256")


def token_in_cookie(value: object, key: str) -> str | None:
    """The session token in a cookie this server signed and that has not expired, else None:
    a wrong signature, another algorithm (``none`` included), garbage or an old cookie."""
    if not isinstance(value, str) or not value or len(value) > 4096:
        return None
    try:
        claims = jwt.decode(value, key, algorithms=["HS256"], options={"require": ["exp", "sid"]})
    except Exception:  # every malformed cookie is just no sign-in, never an error page
        return None
    token = claims.get("sid")
    return token if isinstance(token, str) and 20 <= len(token) <= 100 else None


def _set_cookie(cookies: stx.CookieManager, token: str) -> None:
    expires_at = datetime.now() + session_policy().lifetime
    cookies.set(
        COOKIE_NAME,
        cookie_value(token, expires_at, cookie_key()),
        key="app.cookies.set",
        expires_at=expires_at,
        same_site="strict",
    )


def remember(cookies: stx.CookieManager) -> None:
    """Give the browser the cookie of this session (after a single sign-on)."""
    _set_cookie(cookies, st.session_state[TOKEN_KEY])


def _clear_cookie_until_gone(cookies: stx.CookieManager) -> None:
    """Ask again on each run while the browser may still hold the cookie: a run that
    follows at once can remove the first request's component before it ran."""
    held = cookies.cookies or st.context.cookies  # the component's view, once it answered
    if COOKIE_NAME in held:
        _clear_cookie(cookies)


def _clear_cookie(cookies: stx.CookieManager) -> None:
    with contextlib.suppress(KeyError):  # the component had not read the cookie yet
        cookies.delete(COOKIE_NAME, key="app.cookies.delete")


# --- who is signed in --------------------------------------------------------------------


def client_address() -> str | None:
    """The browser's address; behind a proxy that appends it to X-Forwarded-For (nginx),
    set OKR_TRUST_PROXY=1 to use that instead of the proxy's own."""
    address = st.context.ip_address
    if os.environ.get("OKR_TRUST_PROXY") == "1":
        forwarded = st.context.headers.get("X-Forwarded-For")
        if isinstance(forwarded, str) and forwarded.strip():
            address = forwarded.split(",")[-1].strip()
    return address[:64] if isinstance(address, str) and address else None


def enter(username: str, token: str, display_name: str | None = None) -> None:
    """Mark this browser session signed in with a server-side session's token."""
    st.session_state[TOKEN_KEY] = token
    st.session_state["authentication_status"] = True
    st.session_state["username"] = username
    st.session_state["name"] = display_name or username
    st.session_state[TOUCHED_KEY] = utcnow()
    st.session_state.pop(CHECKED_KEY, None)
    st.session_state.pop(ENDED_KEY, None)


def current_token() -> str | None:
    return st.session_state.get(TOKEN_KEY)


def _leave(notice: str | None = None) -> None:
    for key in (TOKEN_KEY, CHECKED_KEY, TOUCHED_KEY, *SIGNED_IN_KEYS):
        st.session_state.pop(key, None)
    st.session_state[ENDED_KEY] = True
    if notice:
        st.session_state[NOTICE_KEY] = notice


def signed_in_username(cookies: stx.CookieManager) -> str | None:
    """The username of this browser session's live server-side session, else None.

    Checked on every run against the database (read again only when the database changed:
    every way of ending a session leaves an audit row); a cookie signs in a new browser
    session once."""
    token = st.session_state.get(TOKEN_KEY)
    if token is None and not st.session_state.get(ENDED_KEY):
        token = _resume_from_cookie()
    if token is None:
        if st.session_state.get(ENDED_KEY):
            _clear_cookie_until_gone(cookies)
        return None
    record = _session_record(token)
    now = utcnow()
    policy = session_policy()
    last_seen = max(record.last_seen_at, st.session_state.get(TOUCHED_KEY, now)) if record else now
    if record is None or policy.ended(record.created_at, last_seen, now):
        _leave(_("Your session has ended. Sign in again."))
        _clear_cookie(cookies)
        return None
    if now - st.session_state.get(TOUCHED_KEY, record.last_seen_at) >= TOUCH_EVERY:
        store.bookkeeping(sign_in_commands.touch_session, token, now)
        st.session_state[TOUCHED_KEY] = now
    return record.username


def _resume_from_cookie() -> str | None:
    value = st.context.cookies.get(COOKIE_NAME)
    if value is None:
        return None
    token = token_in_cookie(value, cookie_key())
    record = _session_record(token, fresh=True) if token else None
    if record is None or session_policy().ended(record.created_at, record.last_seen_at, utcnow()):
        _leave()  # forged, expired or ended: forget it, quietly (the caller clears it)
        return None
    store.bookkeeping(sign_in_commands.resume_session, token, utcnow())
    enter(record.username, token, record.display_name)
    return token


def _session_record(token: str, fresh: bool = False) -> queries.SessionRecord | None:
    """The live session of this token as of the database's newest write (kept per browser
    session until the database changes)."""
    version = store.exact_version()
    checked = st.session_state.get(CHECKED_KEY)
    if not fresh and checked and checked[0] == version:
        return checked[1]
    record = store.read(queries.session_record, sign_in_commands.token_hash(token))
    st.session_state[CHECKED_KEY] = (version, record)
    return record


# --- the form and signing out -----------------------------------------------------------


def render_login(cookies: stx.CookieManager) -> None:
    """The sign-in form. On a right password the session begins in this same run (no
    st.rerun(): the cookie component must reach the browser)."""
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(md(notice), icon=":material/logout:")
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
    result = sign_in_with_password(
        store.database().sessions,
        username.strip(),
        password,
        client_address(),
        session_policy(),
        attempts_per_minute(),
    )
    if result.token is None:
        st.error(md(result.message), icon=":material/error:")
        return
    box.empty()
    enter(username.strip().lower(), result.token)
    _set_cookie(cookies, result.token)


def sign_out(cookies: stx.CookieManager) -> None:
    """End this session here and in the database; a copy of its cookie no longer works."""
    token = st.session_state.get(TOKEN_KEY)
    if token:
        store.bookkeeping(sign_in_commands.end_session, token, utcnow())
    _leave()
    _clear_cookie(cookies)
