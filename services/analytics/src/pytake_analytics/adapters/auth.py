"""Refresh tokens (issued, rotated, revoked), failed logins and the addresses accounts logged in
from, in PostgreSQL so every instance sees the same state."""

from __future__ import annotations

import math
import uuid
from datetime import datetime

import asyncpg


async def store_refresh(
    conn: asyncpg.Connection, jti: uuid.UUID, user_id: uuid.UUID, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO analytics.refresh_tokens (jti, user_id, expires_at) VALUES ($1, $2, $3)",
        jti,
        user_id,
        expires_at,
    )


async def rotate_refresh(
    conn: asyncpg.Connection, jti: uuid.UUID, replaced_by: uuid.UUID
) -> uuid.UUID | None:
    """Revoke a live refresh token in favour of its successor; its user, or None when the token
    is unknown, expired or already revoked (only one of two concurrent refreshes wins)."""
    user: uuid.UUID | None = await conn.fetchval(
        "UPDATE analytics.refresh_tokens SET revoked_at = now(), replaced_by = $2 "
        "WHERE jti = $1 AND revoked_at IS NULL AND expires_at > now() RETURNING user_id",
        jti,
        replaced_by,
    )
    return user


async def was_rotated(conn: asyncpg.Connection, jti: uuid.UUID) -> uuid.UUID | None:
    """The user of a token already replaced by rotation: presenting it again means it leaked."""
    user: uuid.UUID | None = await conn.fetchval(
        "SELECT user_id FROM analytics.refresh_tokens WHERE jti = $1 AND replaced_by IS NOT NULL",
        jti,
    )
    return user


async def revoke_refresh(conn: asyncpg.Connection, jti: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE analytics.refresh_tokens SET revoked_at = now() "
        "WHERE jti = $1 AND revoked_at IS NULL",
        jti,
    )


async def revoke_all(conn: asyncpg.Connection, user_id: uuid.UUID) -> None:
    await conn.execute(
        "UPDATE analytics.refresh_tokens SET revoked_at = now() "
        "WHERE user_id = $1 AND revoked_at IS NULL",
        user_id,
    )


async def begin_attempt(
    conn: asyncpg.Connection,
    subjects: list[tuple[str, str, int]],
    window_s: int,
) -> tuple[list[int], int]:
    """Record a login attempt as a failure up front, for each `(scope, subject, limit)`.

    Counting before verifying the password (and under a lock per subject) means concurrent
    guesses cannot all slip under the limit. Returns the rows written, or no rows and the
    seconds to wait when a limit is already reached. A success deletes its rows again.
    """
    ids: list[int] = []
    async with conn.transaction():
        for scope, subject, _ in sorted(subjects):
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"login:{scope}:{subject}"
            )
        wait = 0.0
        for scope, subject, limit in subjects:
            await conn.execute(
                "DELETE FROM analytics.login_failures WHERE scope = $1 AND subject = $2 "
                "AND at <= now() - make_interval(secs => $3)",
                scope,
                subject,
                float(window_s),
            )
            ages = await conn.fetch(
                "SELECT extract(epoch FROM now() - at)::float8 AS age "
                "FROM analytics.login_failures WHERE scope = $1 AND subject = $2 ORDER BY at DESC",
                scope,
                subject,
            )
            if len(ages) >= limit:
                # Allowed again once enough of the recent failures leave the window.
                wait = max(wait, window_s - ages[limit - 1]["age"])
        if wait > 0:
            return [], max(1, math.ceil(wait))
        for scope, subject, _ in subjects:
            ids.append(
                await conn.fetchval(
                    "INSERT INTO analytics.login_failures (scope, subject) VALUES ($1, $2) "
                    "RETURNING id",
                    scope,
                    subject,
                )
            )
    return ids, 0


async def failures(conn: asyncpg.Connection, scope: str, subject: str, window_s: int) -> int:
    """Failures of `(scope, subject)` inside the window."""
    count: int = await conn.fetchval(
        "SELECT count(*) FROM analytics.login_failures WHERE scope = $1 AND subject = $2 "
        "AND at > now() - make_interval(secs => $3)",
        scope,
        subject,
        float(window_s),
    )
    return count


async def is_known(conn: asyncpg.Connection, email: str, address: str, days: int) -> bool:
    """Whether `email` logged in from `address` in the last `days` days."""
    found = await conn.fetchval(
        "SELECT 1 FROM analytics.login_known WHERE email = $1 AND address = $2 "
        "AND last_success_at > now() - make_interval(days => $3)",
        email,
        address,
        days,
    )
    return found is not None


async def succeeded(
    conn: asyncpg.Connection, attempt_ids: list[int], email: str, address: str, pair: str
) -> None:
    """A successful login: its own attempt is no failure, this address starts afresh for this
    account and is known from now on. The account's failures from elsewhere stay: a login by
    its owner must not reset the count of someone guessing from other addresses."""
    await conn.execute(
        "DELETE FROM analytics.login_failures WHERE id = ANY($1::bigint[]) "
        "OR (scope = 'pair' AND subject = $2)",
        attempt_ids,
        pair,
    )
    await conn.execute(
        "INSERT INTO analytics.login_known (email, address) VALUES ($1, $2) "
        "ON CONFLICT (email, address) DO UPDATE SET last_success_at = now()",
        email,
        address,
    )
