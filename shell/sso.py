"""Optional single sign-on through an OpenID Connect provider (Streamlit's st.login).

Configured by an ``[auth]`` section in ``.streamlit/secrets.toml`` (see README, "Single
sign-on"); without one nothing here shows and password sign-in is all there is. With one,
the sign-in screen offers "Sign in with <provider>" above the password form. The identity's
email maps to an active account (ignoring case); that person is then signed in exactly as
the password form signs them in — the same session keys streamlit-authenticator sets, so
app.py and every page see no difference. An unknown email is refused, or becomes a member
when an admin allowed it (Admin → Settings). Signing out ends both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

import streamlit as st

from core.i18n import _
from db.commands import sso as sso_commands
from db.queries import sso as sso_queries
from shell import store

# Hosts of well-known providers' metadata URLs → the name on the button.
_KNOWN_PROVIDERS = {
    "accounts.google.com": "Google",
    "login.microsoftonline.com": "Microsoft",
    "okta.com": "Okta",
    "auth0.com": "Auth0",
    "onelogin.com": "OneLogin",
    "gitlab.com": "GitLab",
}
_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


@dataclass(frozen=True)
class Provider:
    name: str | None  # None: the unnamed provider configured directly in [auth]
    label: str


def _auth_section() -> Mapping | None:
    try:
        section = st.secrets.get("auth")
    except Exception:  # no secrets.toml at all: Streamlit raises instead of returning nothing
        return None
    return section if isinstance(section, Mapping) else None


def providers() -> list[Provider]:
    """The providers configured in [auth]: the unnamed one and every [auth.<name>]."""
    auth = _auth_section()
    if not auth or not auth.get("redirect_uri") or not auth.get("cookie_secret"):
        return []
    found = []
    if all(auth.get(key) for key in _PROVIDER_KEYS):
        found.append(Provider(None, _label(None, auth.get("server_metadata_url"))))
    for name, section in auth.items():
        if isinstance(section, Mapping) and all(section.get(key) for key in _PROVIDER_KEYS):
            found.append(Provider(name, _label(name, section.get("server_metadata_url"))))
    return found


def is_configured() -> bool:
    return bool(providers())


def _label(name: str | None, metadata_url: object) -> str:
    host = urlparse(str(metadata_url or "")).hostname or ""
    for known, label in _KNOWN_PROVIDERS.items():
        if host == known or host.endswith("." + known):
            return label
    if name:
        return name[:1].upper() + name[1:]
    return "SSO"


def identity() -> dict | None:
    """The identity-provider sign-in of this browser, when SSO is configured and used."""
    if not is_configured():
        return None
    claims = st.user.to_dict()
    return claims if claims.get("is_logged_in") is True else None


def accept_identity() -> str | None:
    """Sign this session in as the account the identity's email belongs to.

    Returns a message for the sign-in screen when the identity is refused, else None.
    Does nothing when the session is signed in already or nobody used SSO."""
    if st.session_state.get("authentication_status"):
        return None
    claims = identity()
    if claims is None:
        return None
    email = str(claims.get("email") or "").strip()
    if not email:
        return _(
            "Your identity provider did not send an email address, so OKR Tracker cannot "
            "tell who you are."
        )
    if claims.get("email_verified") is False:
        return _(
            "Your identity provider has not verified {email}; verify it there and try again."
        ).format(email=email)
    match = store.read(sso_queries.account_for_email, email)
    username = match.username
    if username is None and match.usernames:
        if match.only_inactive:
            return _(
                "The account for {email} is deactivated. Ask an admin if this is a mistake."
            ).format(email=email)
        return _("More than one account uses {email}. Ask an admin to fix the people list.").format(
            email=email
        )
    if username is None:
        if not store.read(sso_queries.auto_create_enabled):
            return _(
                "No OKR Tracker account uses {email}. Ask an admin to add you, "
                "or sign in with your username and password."
            ).format(email=email)
        created = store.write(
            sso_commands.create_member_from_identity,
            email,
            claims.get("name"),
            _language(claims.get("locale")),
            show_error=False,
        )
        if not created:
            return created.error
        username = created.value
    # The keys streamlit-authenticator sets on a password sign-in (and clears on sign-out).
    st.session_state["authentication_status"] = True
    st.session_state["username"] = username
    st.session_state["name"] = claims.get("name") or username
    st.session_state["email"] = email
    return None


def _language(locale: object) -> str:
    return "vi" if str(locale or "").lower().startswith("vi") else "en"


def sign_in_options(refusal: str | None) -> None:
    """The "Sign in with <provider>" buttons above the password form (when configured)."""
    found = providers()
    if not found:
        return
    if refusal:
        st.error(refusal, icon=":material/no_accounts:")
        # A callback: it runs before the next run, so that run no longer sees the identity.
        st.button(_("Use another account"), key="app.sso.forget", on_click=st.logout)
    for provider in found:
        if st.button(
            _("Sign in with {provider}").format(provider=provider.label),
            key=f"app.sso.{provider.name or 'default'}",
            type="primary",
            icon=":material/login:",
        ):
            st.login(provider.name)
    st.caption(_("or with your username and password:"))


def sign_out(_details: object = None) -> None:
    """End the identity-provider sign-in too (streamlit-authenticator's logout callback)."""
    if identity() is not None:
        st.logout()
