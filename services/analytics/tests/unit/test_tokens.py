"""Token claims: what is issued, and what `read` refuses (time is a value, never slept on)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from pytake_analytics.domain import tokens
from pytake_analytics.domain.errors import Unauthorized

SECRET = "unit-test-secret-" + "x" * 64  # long enough for HS512 too
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
USER = uuid.uuid4()
ORG = uuid.uuid4()


def issue(kind: tokens.TokenType = "access", ttl_s: int = 900) -> str:
    token, _ = tokens.issue(
        kind, user_id=USER, role="agent", organization_id=ORG, now=NOW, ttl_s=ttl_s, secret=SECRET
    )
    return token


def test_an_access_token_carries_the_claims_every_service_reads() -> None:
    claims = jwt.decode(
        issue(), SECRET, algorithms=["HS256"], audience="pytake-api", options={"verify_exp": False}
    )
    assert (claims["iss"], claims["aud"]) == ("pytake", "pytake-api")
    assert claims["sub"] == str(USER)
    assert claims["type"] == "access"
    assert claims["organization_id"] == str(ORG)
    assert claims["role"] == "agent"
    assert claims["exp"] == int(NOW.timestamp()) + 900
    uuid.UUID(claims["jti"])


def test_read_accepts_a_live_token_of_the_expected_type() -> None:
    claims = tokens.read(
        issue(), secret=SECRET, expected="access", now=NOW + timedelta(seconds=899)
    )
    assert (claims.sub, claims.organization_id, claims.role) == (USER, ORG, "agent")


@pytest.mark.parametrize(
    ("token", "expected", "at", "code"),
    [
        ("access", "access", NOW + timedelta(seconds=900), "token_expired"),
        ("refresh", "access", NOW, "invalid_token"),
        ("access", "refresh", NOW, "invalid_token"),
    ],
)
def test_read_refuses_expired_or_mistyped_tokens(
    token: tokens.TokenType, expected: tokens.TokenType, at: datetime, code: str
) -> None:
    with pytest.raises(Unauthorized) as raised:
        tokens.read(issue(token), secret=SECRET, expected=expected, now=at)
    assert raised.value.code == code


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-jwt",
        jwt.encode({"sub": "x", "type": "access", "exp": 2**40, "jti": "y"}, SECRET),
        jwt.encode({"sub": str(USER), "type": "access", "exp": 2**40}, SECRET),
        jwt.encode(
            {"sub": str(USER), "type": "access", "exp": 2**40, "jti": str(USER)},
            "other-secret-long-enough-to-be-used",
        ),
        jwt.encode(
            {"sub": str(USER), "type": "access", "exp": 2**40, "jti": str(USER)},
            SECRET,
            algorithm="HS512",
        ),
    ],
)
def test_read_refuses_forged_or_malformed_tokens(token: str) -> None:
    with pytest.raises(Unauthorized):
        tokens.read(token, secret=SECRET, expected="access", now=NOW)
