"""PostgreSQL access: the pool and the migration runner.

Each service owns one schema and keeps numbered `.sql` files (`0001_init.sql`, ...) in its
`migrations/` folder. At start the runner applies the missing ones in order, each in its own
transaction, under an advisory lock on the schema, so running it twice, or from several
instances at once, applies each file exactly once. A file already applied whose text changed is
refused: migrations are append-only.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Any

import asyncpg

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    pass


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    pool: asyncpg.Pool = await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, command_timeout=30, reset=_keep_session
    )
    return pool


async def _keep_session(conn: asyncpg.Connection) -> None:
    """A released connection skips asyncpg's reset query (`RESET ALL; UNLISTEN *; ...`, one
    round trip per release, a tenth of the sender's CPU): nothing here leaves session state on
    a pool connection (settings are `SET LOCAL`, advisory locks are transaction locks or
    released in a `finally`, LISTEN has a connection of its own). An open transaction is still
    rolled back by asyncpg itself."""


def discover(directory: Path) -> list[tuple[int, str, str]]:
    """The migration files of `directory` as (number, name, sql), checked and in order."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"migration file name not NNNN_name.sql: {path.name}")
        found.append((int(match.group(1)), path.name, path.read_text()))
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise MigrationError(f"migrations of {directory} are not numbered 1..n: {numbers}")
    return found


async def migrate(conn: Any, schema: str, directory: Path) -> list[str]:
    """Apply the missing migrations of `directory` to `schema`; return the names applied."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
        raise MigrationError(f"bad schema name {schema!r}")
    files = discover(directory)
    lock_key = int.from_bytes(hashlib.sha256(f"migrate:{schema}".encode()).digest()[:8], "big")
    lock_key -= 1 << 63 if lock_key >= 1 << 63 else 0
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", lock_key)
    try:
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        await conn.execute(
            f"""CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
                    version int PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        rows = await conn.fetch(f"SELECT version, name, checksum FROM {schema}.schema_migrations")
        done = {r["version"]: r for r in rows}
        for number, name, sql in files:
            checksum = hashlib.sha256(sql.encode()).hexdigest()
            if number in done:
                if done[number]["checksum"] != checksum:
                    raise MigrationError(f"{schema}/{name} changed after it was applied")
                continue
            async with conn.transaction():
                await conn.execute(f"SET LOCAL search_path TO {schema}, public")
                await conn.execute(sql)
                await conn.execute(
                    f"INSERT INTO {schema}.schema_migrations (version, name, checksum) "
                    "VALUES ($1, $2, $3)",
                    number,
                    name,
                    checksum,
                )
            applied_now.append(name)
            log.info("applied migration %s/%s", schema, name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", lock_key)
    return applied_now


async def migrate_pool(pool: asyncpg.Pool, schema: str, directory: Path) -> list[str]:
    async with pool.acquire() as conn:
        return await migrate(conn, schema, directory)
