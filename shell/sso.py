"""Optional single sign-on through an OpenID Connect provider (Streamlit's st.login).

Configured by an ``[auth]`` section in ``.streamlit/secrets.toml`` (see README, "Single
sign-on"); without one nothing here shows and password sign-in is all there is. With one,
the sign-in screen offers "Sign in with <provider>" above the password form. st.user then
holds the provider's ID token claims and the name of the provider section used; the write
``sign_in_with_identity`` decides (verified e-mail, the identity linked to an account, new
members for allowed domains only) and starts a server-side session, which ``auth.enter``
makes this browser session's. A refusal is shown above the buttons, with a way to drop the
identity (st.logout). Signing out ends both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

import streamlit as st

from core.accounts import session_policy
from core.i18n import _
from core.sso import ALL_EMAILS_VERIFIED_KEY, identity_from_claims
from core.text import md_block, md_format
from db.commands import sso as sso_commands
from db.models import utcnow
from shell import auth, store

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
    all_emails_verified: bool = False  # `all_emails_verified = true` in its section

    @property
    def key(self) -> str:
        """The name Streamlit records in the identity (st.user["provider"])."""
        return self.name or "default"


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
        found.append(_provider(None, auth))
    for name, section in auth.items():
        if isinstance(section, Mapping) and all(section.get(key) for key in _PROVIDER_KEYS):
            found.append(_provider(name, section))
    return found


def _provider(name: str | None, section: Mapping) -> Provider:
    return Provider(
        name,
        _label(name, section.get("server_metadata_url")),
        section.get(ALL_EMAILS_VERIFIED_KEY) is True,  # only TOML's true, not "true"
    )


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
    """Sign this session in as the account the identity belongs to.

    Returns a message for the sign-in screen when the identity is refused, else None.
    Does nothing when the session is signed in already or nobody used SSO."""
    if st.session_state.get("authentication_status"):
        return None
    claims = identity()
    if claims is None:
        return None
    provider = _provider_of(claims)
    if provider is None:  # removed from [auth] since: its identities no longer count
        return _(
            "The identity provider you signed in with is not set up here any more. Sign in again."
        )
    signed = store.write(
        sso_commands.sign_in_with_identity,
        identity_from_claims(claims, provider.all_emails_verified),
        auth.client_address(),
        utcnow(),
        session_policy(),
        show_error=False,
    )
    if not signed:
        return signed.error
    auth.enter(signed.value.username, signed.value.token, signed.value.display_name)
    return None


def _provider_of(claims: Mapping) -> Provider | None:
    """The configured provider the identity came from ([auth.<name>] before the unnamed one,
    as Streamlit's own lookup does)."""
    matching = [p for p in providers() if p.key == claims.get("provider")]
    return max(matching, key=lambda p: p.name is not None, default=None)


def sign_in_options(refusal: str | None) -> None:
    """The "Sign in with <provider>" buttons above the password form (when configured)."""
    found = providers()
    if not found:
        return
    if refusal:
        st.error(md_block(refusal), icon=":material/no_accounts:")
        # Ending the provider's sign-in (st.logout) is the person's click, not automatic: the
        # browser leaves the page as soon as st.logout runs, and the message with it. Until
        # then the refused identity signs nobody in. A callback: the next run no longer sees it.
        st.button(_("Use another account"), key="app.sso.forget", on_click=st.logout)
    for provider in found:
        if st.button(
            md_format(_("Sign in with {provider}"), provider=provider.label),
            key=f"app.sso.{provider.name or 'default'}",
            type="primary",
            icon=":material/login:",
        ):
            st.login(provider.name)
    st.caption(_("or with your username and password:"))


def sign_out() -> None:
    """End the identity-provider sign-in too (after auth.sign_out ended the session)."""
    if identity() is not None:
        st.logout()
