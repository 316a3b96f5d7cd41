"""The single sign-on rules of core/sso.py: which claims are believed, which domains match."""

from __future__ import annotations

from datetime import datetime

import pytest

from core.sso import allowed_domains, domain_allowed, identity_from_claims, shown_domain

CLAIMS = {
    "iss": "https://accounts.google.com",
    "sub": "1001",
    "email": " Mia@Example.com ",
    "email_verified": True,
    "name": "Mia",
    "locale": "vi-VN",
    "iat": 1_796_342_400,
}


def test_the_claims_become_an_identity():
    identity = identity_from_claims(CLAIMS)
    assert (identity.issuer, identity.subject, identity.email, identity.email_verified) == (
        "https://accounts.google.com",
        "1001",
        "Mia@Example.com",
        True,
    )
    assert identity.language == "vi"
    assert identity.issued_at == datetime(2026, 12, 4, 0, 0)


@pytest.mark.parametrize("value", [None, False, "true", "True", 1, 1.0, "1", [True], {}])
def test_only_the_boolean_true_verifies_an_email(value):
    assert identity_from_claims({**CLAIMS, "email_verified": value}).email_verified is False
    assert identity_from_claims({**CLAIMS, "email_verified": value}, True).email_verified is True
    assert identity_from_claims({**CLAIMS, "email_verified": value}, "true").email_verified is False


def test_issuer_and_subject_are_kept_exactly_and_odd_values_dropped():
    identity = identity_from_claims({**CLAIMS, "sub": " Ab ", "iss": 7, "iat": True})
    assert (identity.subject, identity.issuer, identity.issued_at) == (" Ab ", None, None)
    assert identity_from_claims({**CLAIMS, "iat": 10**20}).issued_at is None


@pytest.mark.parametrize(
    ("email", "allowed"),
    [
        ("an@example.com", True),
        ("an@EXAMPLE.com.", True),
        ("an@ví.vn", True),
        ("an@xn--v-jga.vn", True),
        ("an@evil-example.com", False),
        ("an@example.com.evil.org", False),
        ("an@sub.example.com", False),
        ("an@example.co", False),
        ("an@example.com@evil.org", False),
        ("example.com", False),
        ("an@", False),
    ],
)
def test_a_domain_matches_only_exactly(email, allowed):
    domains = allowed_domains(" Example.com ,ví.vn,, ")
    assert domain_allowed(email, domains) is allowed


def test_an_empty_or_unset_list_allows_nobody(monkeypatch):
    monkeypatch.delenv("OKR_SSO_ALLOWED_DOMAINS", raising=False)
    assert allowed_domains() == frozenset()
    monkeypatch.setenv("OKR_SSO_ALLOWED_DOMAINS", " , ")
    assert allowed_domains() == frozenset()
    assert not domain_allowed("an@example.com", allowed_domains())
    monkeypatch.setenv("OKR_SSO_ALLOWED_DOMAINS", "example.com, *, <b>x</b>, localhost")
    assert allowed_domains() == {"example.com"}  # what is no domain name is dropped
    assert [shown_domain(d) for d in sorted(allowed_domains("ví.vn"))] == ["ví.vn"]
