"""Single sign-on rules: what an identity provider's claims must say before OKR Tracker
believes them, and which e-mail domains may get a new account on first sign-in.

An identity is the pair (issuer, subject) of an OpenID Connect ID token — the provider's
own, permanent name for the person. The e-mail is only a hint: it is believed when the
provider says it verified it (``email_verified`` exactly true), or when the deployment
configured that provider as one that only issues verified addresses.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

ALLOWED_DOMAINS_VARIABLE = "OKR_SSO_ALLOWED_DOMAINS"
# In a provider's section of .streamlit/secrets.toml: `all_emails_verified = true` says the
# provider only issues addresses it has verified (for example a company's own Entra ID
# tenant), so its ID tokens need no email_verified claim.
ALL_EMAILS_VERIFIED_KEY = "all_emails_verified"
MAX_CLAIM_LENGTH = 255  # linked_identities.issuer and .subject
_DOMAIN = re.compile(r"[a-z0-9-]+(\.[a-z0-9-]+)+")


@dataclass(frozen=True)
class Identity:
    """Who the identity provider says signed in (its claims, read strictly)."""

    issuer: str | None
    subject: str | None
    email: str | None
    email_verified: bool
    name: str | None = None
    language: str | None = None  # "en", "vi" or None (from the locale claim)
    issued_at: datetime | None = None  # naive UTC, when the provider signed the person in


def identity_from_claims(claims: Mapping, all_emails_verified: bool = False) -> Identity:
    """The identity in st.user's claims. Only the boolean True verifies an e-mail: a
    missing claim, "true", "false", 0 or 1 do not (unless the provider is configured with
    ``all_emails_verified = true``)."""
    return Identity(
        issuer=_exact(claims.get("iss")),
        subject=_exact(claims.get("sub")),
        email=_text(claims.get("email")),
        email_verified=claims.get("email_verified") is True or all_emails_verified is True,
        name=_text(claims.get("name")),
        language=language_of(claims.get("locale")),
        issued_at=issued_at(claims.get("iat")),
    )


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _exact(value: object) -> str | None:
    """Issuer and subject are compared exactly, as the provider wrote them (case, blanks)."""
    return value if isinstance(value, str) and value else None


def language_of(locale: object) -> str | None:
    text = str(locale or "").lower()
    return "vi" if text.startswith("vi") else "en" if text else None


def issued_at(value: object) -> datetime | None:
    """The ``iat`` claim (seconds since 1970) as naive UTC; None when absent or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        return None


def valid_claim(value: object) -> bool:
    """An issuer or subject we can key an account on: text, 1–255 characters, nothing
    invisible (no control characters, which PostgreSQL and people cannot read either)."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_CLAIM_LENGTH
        and value == value.strip()
        and not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in value)
    )


# --- the allow-list of domains for new accounts -----------------------------------------


def allowed_domains(value: str | None = None) -> frozenset[str]:
    """The domains of OKR_SSO_ALLOWED_DOMAINS (comma-separated, any case). Empty or unset:
    none, so nobody gets a new account by signing in."""
    raw = os.environ.get(ALLOWED_DOMAINS_VARIABLE, "") if value is None else value
    return frozenset(filter(None, (normal_domain(part) for part in raw.split(","))))


def domain_allowed(email: str, domains: Iterable[str]) -> bool:
    """Whether the e-mail's domain is exactly one of ``domains``. A sub-domain is another
    domain (``sales.example.com`` is not ``example.com``; list it to allow it), and so are
    look-alikes such as ``evil-example.com`` or ``example.com.evil.org``."""
    _, at, domain = email.rpartition("@")
    name = normal_domain(domain)
    return bool(at and name) and name in {normal_domain(d) for d in domains}


def normal_domain(domain: str) -> str:
    """Lower case, no surrounding blanks or final dot, international names in their ASCII
    form (``ví.vn`` and ``xn--v-jga.vn`` are the same domain); "" for what is no domain
    name (it then matches nothing)."""
    name = unicodedata.normalize("NFC", domain.strip().rstrip(".").lower())
    try:
        name = name.encode("idna").decode("ascii")
    except UnicodeError:
        return ""
    return name if _DOMAIN.fullmatch(name) else ""


def shown_domain(domain: str) -> str:
    """A normalised domain as people write it (``xn--v-jga.vn`` → ``ví.vn``)."""
    try:
        return domain.encode("ascii").decode("idna")
    except UnicodeError:
        return domain
