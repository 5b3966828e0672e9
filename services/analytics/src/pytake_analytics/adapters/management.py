"""Management data as config entities: what analytics publishes to `pytake.config.v1`.

`all_entities` reads everything (the reconciliation at start); the `*_entity` loaders read one
entity inside the transaction that changed it, so its outbox row holds the committed state.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import orjson

from pytake_shared.config import (
    ChatbotConfig,
    ConfigEntity,
    FlowConfig,
    NumberConfig,
    OrganizationConfig,
    TemplateConfig,
    template_id,
)
from pytake_shared.secrets import SecretBox


def _json(value: object) -> dict[str, Any]:
    if isinstance(value, str):
        loaded = orjson.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return value if isinstance(value, dict) else {}


def _org(r: asyncpg.Record) -> OrganizationConfig:
    return OrganizationConfig(
        id=str(r["id"]), name=r["name"], is_active=r["is_active"], settings=_json(r["settings"])
    )


def _number(r: asyncpg.Record, box: SecretBox) -> NumberConfig:
    return NumberConfig(
        id=str(r["id"]),
        organization_id=str(r["organization_id"]),
        phone_number_id=r["phone_number_id"],
        phone_number=r["phone_number"],
        display_name=r["display_name"],
        access_token=box.open(r["access_token"]),
        app_secret=box.open(r["app_secret"]),
        webhook_verify_token=r["webhook_verify_token"],
        webhook_token=r["webhook_token"],
        default_chatbot_id=str(r["default_chatbot_id"]) if r["default_chatbot_id"] else None,
        is_active=r["is_active"],
        waba_id=r["waba_id"],
        messages_per_second=r["messages_per_second"],
    )


def _chatbot(r: asyncpg.Record) -> ChatbotConfig:
    return ChatbotConfig(
        id=str(r["id"]),
        organization_id=str(r["organization_id"]),
        name=r["name"],
        is_active=r["is_active"],
        is_fallback=r["is_fallback"],
        main_flow_id=str(r["main_flow_id"]) if r["main_flow_id"] else None,
        main_flow_version=r["published_version"],
        global_variables=_json(r["global_variables"]),
    )


def _flow(r: asyncpg.Record) -> FlowConfig:
    return FlowConfig(
        id=str(r["flow_id"]),
        organization_id=str(r["organization_id"]),
        chatbot_id=str(r["chatbot_id"]),
        name=r["name"],
        version=r["version"],
        document=_json(r["document"]),
    )


def template_entity(r: asyncpg.Record) -> TemplateConfig:
    org = str(r["organization_id"])
    return TemplateConfig(
        id=template_id(org, r["waba_id"], r["name"], r["language"]),
        organization_id=org,
        waba_id=r["waba_id"],
        name=r["name"],
        language=r["language"],
        status=r["status"],
        category=r["category"],
        requirements=_json(r["requirements"]),
    )


_TEMPLATES = (
    "SELECT organization_id, waba_id, name, language, status, category, requirements "
    "FROM analytics.message_templates"
)
_ORGS = "SELECT id, name, is_active, settings FROM analytics.organizations"
_NUMBERS = "SELECT * FROM analytics.whatsapp_numbers"
# The chatbot's main flow is the active, published flow marked main (at most one per chatbot).
_CHATBOTS = (
    "SELECT c.*, f.id AS main_flow_id, f.published_version FROM analytics.chatbots c "
    "LEFT JOIN analytics.flows f ON f.chatbot_id = c.id AND f.is_main AND f.is_active "
    "AND f.published_version IS NOT NULL"
)
_VERSIONS = (
    "SELECT v.flow_id, v.version, v.organization_id, v.document, f.chatbot_id, f.name "
    "FROM analytics.flow_versions v JOIN analytics.flows f ON f.id = v.flow_id"
)


async def org_entity(conn: asyncpg.Connection, org_id: uuid.UUID) -> OrganizationConfig | None:
    row = await conn.fetchrow(f"{_ORGS} WHERE id = $1", org_id)
    return _org(row) if row else None


async def number_entity(
    conn: asyncpg.Connection, number_id: uuid.UUID, box: SecretBox
) -> NumberConfig | None:
    row = await conn.fetchrow(f"{_NUMBERS} WHERE id = $1", number_id)
    return _number(row, box) if row else None


async def chatbot_entity(conn: asyncpg.Connection, chatbot_id: uuid.UUID) -> ChatbotConfig | None:
    row = await conn.fetchrow(f"{_CHATBOTS} WHERE c.id = $1", chatbot_id)
    return _chatbot(row) if row else None


async def flow_entity(
    conn: asyncpg.Connection, flow_id: uuid.UUID, version: int
) -> FlowConfig | None:
    row = await conn.fetchrow(
        f"{_VERSIONS} WHERE v.flow_id = $1 AND v.version = $2", flow_id, version
    )
    return _flow(row) if row else None


async def all_entities(conn: asyncpg.Connection, box: SecretBox) -> list[tuple[str, ConfigEntity]]:
    """Every organization, number, chatbot, published flow version and synchronised template,
    as config entities."""
    out: list[tuple[str, ConfigEntity]] = []
    out.extend(("org", _org(r)) for r in await conn.fetch(_ORGS))
    out.extend(("number", _number(r, box)) for r in await conn.fetch(_NUMBERS))
    out.extend(("chatbot", _chatbot(r)) for r in await conn.fetch(_CHATBOTS))
    out.extend(("flow", _flow(r)) for r in await conn.fetch(_VERSIONS))
    out.extend(("template", template_entity(r)) for r in await conn.fetch(_TEMPLATES))
    return out
