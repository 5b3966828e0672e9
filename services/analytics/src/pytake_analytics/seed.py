"""Start-up data: the first super admin and, in `make dev`, a demo organization.

Both are idempotent: rows are inserted only when absent. The admin's id is random (an id
derived from the e-mail would let anyone who knows the address predict it); the demo's ids
are derived from stable names, which is harmless for a dev-only seed.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from argon2 import PasswordHasher

from pytake_analytics.settings import AnalyticsSettings
from pytake_shared.envelope import deterministic_id
from pytake_shared.secrets import SecretBox

log = logging.getLogger(__name__)

DEMO_FLOW: dict[str, Any] = {
    "canvas_data": {
        "nodes": [
            {"id": "start", "type": "start", "position": {"x": 0, "y": 0}, "data": {}},
            {
                "id": "ask",
                "type": "question",
                "position": {"x": 0, "y": 160},
                "data": {
                    "content": "Hello {{contact.name}}! Which pizza would you like?",
                    "variableName": "pizza",
                },
            },
            {
                "id": "thanks",
                "type": "end",
                "position": {"x": 0, "y": 360},
                "data": {"content": "One {{pizza}} coming up. Thanks, {{contact.name}}!"},
            },
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "ask"},
            {"id": "e2", "source": "ask", "target": "thanks"},
        ],
    }
}


async def ensure_admin(conn: asyncpg.Connection, settings: AnalyticsSettings) -> None:
    if not settings.pytake_admin_email or not settings.pytake_admin_password:
        return
    exists = await conn.fetchval(
        "SELECT 1 FROM analytics.users WHERE email = $1", settings.pytake_admin_email.lower()
    )
    if exists:
        return
    await conn.execute(
        "INSERT INTO analytics.users (id, email, password_hash, full_name, role) "
        "VALUES ($1, $2, $3, 'Administrator', 'super_admin') ON CONFLICT (email) DO NOTHING",
        uuid.uuid4(),
        settings.pytake_admin_email.lower(),
        PasswordHasher().hash(settings.pytake_admin_password),
    )
    log.info("created super admin %s", settings.pytake_admin_email)


async def seed_demo(conn: asyncpg.Connection, settings: AnalyticsSettings, box: SecretBox) -> None:
    """A demo organization with one number, a fallback chatbot and its published flow."""
    document = DEMO_FLOW
    if settings.pytake_demo_flow_file:
        document = orjson.loads(Path(settings.pytake_demo_flow_file).read_bytes())
    org = deterministic_id("demo", "org")
    bot = deterministic_id("demo", "chatbot")
    flow = deterministic_id("demo", "flow")
    number = deterministic_id("demo", "number", settings.pytake_demo_phone_number_id)
    async with conn.transaction():
        await conn.execute(
            "INSERT INTO analytics.organizations (id, name) VALUES ($1, 'Demo Pizzeria') "
            "ON CONFLICT (id) DO NOTHING",
            org,
        )
        await conn.execute(
            "INSERT INTO analytics.chatbots (id, organization_id, name, is_fallback) "
            "VALUES ($1, $2, 'Demo bot', true) ON CONFLICT (id) DO NOTHING",
            bot,
            org,
        )
        await conn.execute(
            "INSERT INTO analytics.whatsapp_numbers (id, organization_id, phone_number_id, "
            "phone_number, display_name, access_token, app_secret, webhook_verify_token, "
            "webhook_token, default_chatbot_id) VALUES ($1, $2, $3, '+1 555 010 0001', "
            "'Demo Pizzeria', $4, $5, $6, $7, $8) ON CONFLICT (phone_number_id) DO NOTHING",
            number,
            org,
            settings.pytake_demo_phone_number_id,
            box.seal(settings.pytake_demo_access_token),
            box.seal(settings.meta_app_secret or None),
            settings.webhook_verify_token or None,
            f"demo-{number.hex[:12]}",
            bot,
        )
        exists = await conn.fetchval("SELECT 1 FROM analytics.flows WHERE id = $1", flow)
        if not exists:
            doc = orjson.dumps(document).decode()
            await conn.execute(
                "INSERT INTO analytics.flows (id, organization_id, chatbot_id, name, is_main, "
                "document, published_version) VALUES ($1, $2, $3, 'Demo flow', true, $4, 1)",
                flow,
                org,
                bot,
                doc,
            )
            await conn.execute(
                "INSERT INTO analytics.flow_versions (flow_id, version, organization_id, "
                "document) VALUES ($1, 1, $2, $3)",
                flow,
                org,
                doc,
            )
    log.info("demo organization ready: number %s", settings.pytake_demo_phone_number_id)
