"""The migration runner against a real PostgreSQL database (a fresh one per test)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest

from pytake_shared.db import MigrationError, create_pool, discover, migrate, migrate_pool

Write = Callable[..., Path]


@pytest.fixture
def migrations(tmp_path: Path) -> Write:
    """`migrations(name=sql, ...)` writes files into one folder and returns it."""
    folder = tmp_path / "migrations"
    folder.mkdir()

    def write(**files: str) -> Path:
        for name, sql in files.items():
            (folder / f"{name}.sql").write_text(sql)
        return folder

    return write


@pytest.fixture
async def conn(database: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(database)
    yield connection
    await connection.close()


FIRST = "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);"
SECOND = "ALTER TABLE items ADD COLUMN price int NOT NULL DEFAULT 0;"


async def test_missing_migrations_are_applied_in_order_inside_the_schema(
    conn: asyncpg.Connection, migrations: Write
) -> None:
    folder = migrations(**{"0001_items": FIRST, "0002_price": SECOND})
    applied = await migrate(conn, "shop", folder)
    assert applied == ["0001_items.sql", "0002_price.sql"]
    # Unqualified names in the files land in the service's schema, not in public.
    await conn.execute("INSERT INTO shop.items (id, name, price) VALUES (1, 'a', 5)")
    assert await conn.fetchval("SELECT to_regclass('public.items')") is None
    rows = await conn.fetch("SELECT version, name FROM shop.schema_migrations ORDER BY version")
    assert [(r["version"], r["name"]) for r in rows] == [
        (1, "0001_items.sql"),
        (2, "0002_price.sql"),
    ]


async def test_running_the_migrations_again_applies_nothing(
    conn: asyncpg.Connection, migrations: Write
) -> None:
    folder = migrations(**{"0001_items": FIRST})
    assert await migrate(conn, "shop", folder) == ["0001_items.sql"]
    assert await migrate(conn, "shop", folder) == []


async def test_a_new_file_is_applied_on_the_next_run_and_only_it(
    conn: asyncpg.Connection, migrations: Write
) -> None:
    migrations(**{"0001_items": FIRST})
    await migrate(conn, "shop", migrations())
    folder = migrations(**{"0002_price": SECOND})
    assert await migrate(conn, "shop", folder) == ["0002_price.sql"]


async def test_concurrent_runs_on_separate_connections_apply_each_file_once(
    database: str, migrations: Write
) -> None:
    # Without IF NOT EXISTS: a second application would fail, the sleep widens the race.
    folder = migrations(
        **{
            "0001_slow": "SELECT pg_sleep(0.3); " + FIRST,
            "0002_price": SECOND,
        }
    )
    conns = [await asyncpg.connect(database) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(c, "shop", folder) for c in conns))
    finally:
        for c in conns:
            await c.close()
    assert sorted(name for applied in results for name in applied) == [
        "0001_slow.sql",
        "0002_price.sql",
    ]


async def test_a_migration_changed_after_it_was_applied_is_refused(
    conn: asyncpg.Connection, migrations: Write
) -> None:
    folder = migrations(**{"0001_items": FIRST})
    await migrate(conn, "shop", folder)
    migrations(**{"0001_items": FIRST + " -- edited"})
    with pytest.raises(MigrationError, match=r"shop/0001_items\.sql changed after it was applied"):
        await migrate(conn, "shop", folder)


async def test_a_failing_migration_is_rolled_back_and_releases_the_lock(
    database: str, conn: asyncpg.Connection, migrations: Write
) -> None:
    folder = migrations(**{"0001_items": FIRST, "0002_broken": "ALTER TABLE nope ADD x int;"})
    with pytest.raises(asyncpg.UndefinedTableError):
        await migrate(conn, "shop", folder)
    assert await conn.fetchval("SELECT count(*) FROM shop.schema_migrations") == 1

    migrations(**{"0002_broken": SECOND})
    other = await asyncpg.connect(database)
    try:
        # Would block forever if the first connection still held the advisory lock.
        applied = await asyncio.wait_for(migrate(other, "shop", folder), 10)
    finally:
        await other.close()
    assert applied == ["0002_broken.sql"]


async def test_schemas_are_migrated_independently(
    conn: asyncpg.Connection, migrations: Write
) -> None:
    folder = migrations(**{"0001_items": FIRST})
    assert await migrate(conn, "one", folder) == ["0001_items.sql"]
    assert await migrate(conn, "two", folder) == ["0001_items.sql"]


@pytest.mark.parametrize("schema", ["Shop", "shop;drop", "1shop", ""])
async def test_a_bad_schema_name_is_refused(
    conn: asyncpg.Connection, migrations: Write, schema: str
) -> None:
    with pytest.raises(MigrationError, match="bad schema name"):
        await migrate(conn, schema, migrations(**{"0001_items": FIRST}))


@pytest.mark.parametrize("name", ["1_items", "0001-items", "0001_Items", "items", "0001_"])
def test_file_names_not_of_the_form_nnnn_name_are_refused(migrations: Write, name: str) -> None:
    with pytest.raises(MigrationError, match=r"not NNNN_name\.sql"):
        discover(migrations(**{name: FIRST}))


@pytest.mark.parametrize(
    "names",
    [["0002_a"], ["0001_a", "0003_c"], ["0000_a", "0001_b"], ["0001_a", "0001_b"]],
)
def test_migrations_must_be_numbered_one_to_n(migrations: Write, names: list[str]) -> None:
    with pytest.raises(MigrationError, match=r"not numbered 1\.\.n"):
        discover(migrations(**{n: FIRST for n in names}))


def test_discover_returns_numbers_names_and_text_in_order(migrations: Write) -> None:
    folder = migrations(**{"0002_b": SECOND, "0001_a": FIRST})
    (folder / "README.md").write_text("not a migration")
    assert discover(folder) == [(1, "0001_a.sql", FIRST), (2, "0002_b.sql", SECOND)]


async def test_a_pool_migrates_through_one_of_its_connections(
    database: str, migrations: Write
) -> None:
    pool = await create_pool(database, min_size=1, max_size=2)
    try:
        assert await migrate_pool(pool, "shop", migrations(**{"0001_items": FIRST})) == [
            "0001_items.sql"
        ]
        assert await pool.fetchval("SELECT count(*) FROM shop.items") == 0
    finally:
        await pool.close()
