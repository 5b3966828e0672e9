"""Management data as config entities: what analytics publishes to `pytake.config.v1`."""

from __future__ import annotations

import asyncpg
import orjson

from pytake_shared.config import (
    ChatbotConfig,
    ConfigEntity,
    FlowConfig,
    NumberConfig,
    OrganizationConfig,
)
from pytake_shared.secrets import SecretBox


def _json(value: object) -> dict[str, object]:
    if isinstance(value, str):
        loaded = orjson.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return value if isinstance(value, dict) else {}


async def all_entities(conn: asyncpg.Connection, box: SecretBox) -> list[tuple[str, ConfigEntity]]:
    """Every organization, number, chatbot and published flow version, as config entities."""
    out: list[tuple[str, ConfigEntity]] = []
    for r in await conn.fetch("SELECT id, name, is_active, settings FROM analytics.organizations"):
        out.append(
            (
                "org",
                OrganizationConfig(
                    id=str(r["id"]),
                    name=r["name"],
                    is_active=r["is_active"],
                    settings=_json(r["settings"]),
                ),
            )
        )
    for r in await conn.fetch("SELECT * FROM analytics.whatsapp_numbers"):
        out.append(
            (
                "number",
                NumberConfig(
                    id=str(r["id"]),
                    organization_id=str(r["organization_id"]),
                    phone_number_id=r["phone_number_id"],
                    phone_number=r["phone_number"],
                    display_name=r["display_name"],
                    access_token=box.open(r["access_token"]),
                    app_secret=box.open(r["app_secret"]),
                    webhook_verify_token=r["webhook_verify_token"],
                    webhook_token=r["webhook_token"],
                    default_chatbot_id=str(r["default_chatbot_id"])
                    if r["default_chatbot_id"]
                    else None,
                    is_active=r["is_active"],
                ),
            )
        )
    bots = await conn.fetch(
        "SELECT c.*, f.id AS main_flow_id, f.published_version FROM analytics.chatbots c "
        "LEFT JOIN analytics.flows f ON f.chatbot_id = c.id AND f.is_main AND f.is_active "
        "AND f.published_version IS NOT NULL"
    )
    for r in bots:
        out.append(
            (
                "chatbot",
                ChatbotConfig(
                    id=str(r["id"]),
                    organization_id=str(r["organization_id"]),
                    name=r["name"],
                    is_active=r["is_active"],
                    is_fallback=r["is_fallback"],
                    main_flow_id=str(r["main_flow_id"]) if r["main_flow_id"] else None,
                    main_flow_version=r["published_version"],
                    global_variables=_json(r["global_variables"]),
                ),
            )
        )
    versions = await conn.fetch(
        "SELECT v.flow_id, v.version, v.organization_id, v.document, f.chatbot_id, f.name "
        "FROM analytics.flow_versions v JOIN analytics.flows f ON f.id = v.flow_id"
    )
    for r in versions:
        out.append(
            (
                "flow",
                FlowConfig(
                    id=str(r["flow_id"]),
                    organization_id=str(r["organization_id"]),
                    chatbot_id=str(r["chatbot_id"]),
                    name=r["name"],
                    version=r["version"],
                    document=_json(r["document"]),
                ),
            )
        )
    return out
