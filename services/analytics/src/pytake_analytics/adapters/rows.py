"""Small helpers shared by the query modules: JSON columns, partial updates, pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import asyncpg
import orjson

JSON_COLUMNS = frozenset({"settings", "global_variables", "document"})


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def loads(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def as_dict(row: asyncpg.Record | None, *, drop: Iterable[str] = ()) -> dict[str, Any] | None:
    """A row as a dict, JSON columns parsed, `drop` columns left out."""
    if row is None:
        return None
    skip = set(drop)
    return {k: loads(v) if k in JSON_COLUMNS else v for k, v in row.items() if k not in skip}


def set_clause(fields: Mapping[str, Any], first: int) -> tuple[str, list[Any]]:
    """`a = $n, b = $n+1, updated_at = now()` for a partial update and its arguments.

    Column names come from request models' field names, never from client text.
    """
    parts: list[str] = []
    args: list[Any] = []
    for i, (column, value) in enumerate(fields.items(), start=first):
        if not column.isidentifier():
            raise ValueError(f"bad column name {column!r}")
        parts.append(f"{column} = ${i}")
        args.append(dumps(value) if column in JSON_COLUMNS else value)
    parts.append("updated_at = now()")
    return ", ".join(parts), args


async def page(
    conn: asyncpg.Connection,
    table: str,
    where: str,
    args: list[Any],
    *,
    limit: int,
    offset: int,
    order: str = "created_at, id",
) -> tuple[list[asyncpg.Record], int]:
    total = await conn.fetchval(f"SELECT count(*) FROM analytics.{table} WHERE {where}", *args)
    n = len(args)
    rows = await conn.fetch(
        f"SELECT * FROM analytics.{table} WHERE {where} ORDER BY {order} "
        f"LIMIT ${n + 1} OFFSET ${n + 2}",
        *args,
        limit,
        offset,
    )
    return list(rows), int(total)
