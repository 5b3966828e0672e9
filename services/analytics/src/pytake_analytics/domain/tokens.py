"""Access and refresh tokens: HS256 JWTs with the claims every service can read.

Claims: `sub` (user id), `type` (`access` or `refresh`), `exp`, `iat`, `organization_id`, `role`,
`jti`, and `iss` / `aud` (`JWT_ISSUER`, `JWT_AUDIENCE`), which are required and checked, so a token
signed for another service that happens to share the key is refused. Time comes in as a value:
expiry is checked here against `now`, not against the clock inside PyJWT, so the rules are testable
without sleeping.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import jwt

from pytake_analytics.domain.errors import Unauthorized

ALGORITHM = "HS256"
ISSUER = "pytake"
AUDIENCE = "pytake-api"
TokenType = Literal["access", "refresh"]


@dataclass(frozen=True)
class Claims:
    sub: uuid.UUID
    type: TokenType
    exp: int
    iat: int
    jti: uuid.UUID
    role: str
    organization_id: uuid.UUID | None


def issue(
    kind: TokenType,
    *,
    user_id: uuid.UUID,
    role: str,
    organization_id: uuid.UUID | None,
    now: datetime,
    ttl_s: int,
    secret: str,
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
) -> tuple[str, Claims]:
    iat = int(now.timestamp())
    claims = Claims(
        sub=user_id,
        type=kind,
        exp=iat + ttl_s,
        iat=iat,
        jti=uuid.uuid4(),
        role=role,
        organization_id=organization_id,
    )
    payload = {
        "sub": str(claims.sub),
        "type": kind,
        "exp": claims.exp,
        "iat": iat,
        "jti": str(claims.jti),
        "role": role,
        "organization_id": str(organization_id) if organization_id else None,
        "iss": issuer,
        "aud": audience,
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM), claims


def read(
    token: str,
    *,
    secret: str,
    expected: TokenType,
    now: datetime,
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
) -> Claims:
    """The claims of a valid, unexpired token of the expected type, issuer and audience; else
    `Unauthorized`."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=issuer,
            audience=audience,
            options={
                "verify_exp": False,
                "require": ["sub", "type", "exp", "jti", "iss", "aud"],
            },
        )
        kind = payload["type"]
        exp = payload["exp"]
        org = payload.get("organization_id")
        claims = Claims(
            sub=uuid.UUID(str(payload["sub"])),
            type=kind,
            exp=int(exp),
            iat=int(payload.get("iat") or 0),
            jti=uuid.UUID(str(payload["jti"])),
            role=str(payload.get("role") or ""),
            organization_id=uuid.UUID(str(org)) if org else None,
        )
    except (jwt.PyJWTError, ValueError, TypeError, KeyError, OverflowError) as exc:
        raise Unauthorized("invalid token", code="invalid_token") from exc
    if kind != expected:
        raise Unauthorized(f"not an {expected} token", code="invalid_token")
    if claims.exp <= int(now.timestamp()):
        raise Unauthorized("token expired", code="token_expired")
    return claims
