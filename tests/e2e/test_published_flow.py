"""A flow published through the management API is the one the executor runs for the next new
conversation, and the conversations endpoint then shows that conversation with its history."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from pytake_tools.stack import Stack
from pytake_tools.webhooks import signed, text_webhook

from .waiting import until

pytestmark = pytest.mark.e2e

NUMBER = "100000000000001"


async def test_a_flow_published_through_the_api_runs_for_the_next_new_conversation(
    stack: Stack,
) -> None:
    api = stack.url("analytics") + "/api/v1"
    tag = uuid.uuid4().hex[:6]
    wa_id = "55119" + str(uuid.uuid4().int)[:8]
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.post(
            f"{api}/auth/login",
            json={"email": stack.config.admin_email, "password": stack.config.admin_password},
        )
        assert r.status_code == 200, r.text
        auth = {"Authorization": f"Bearer {r.json()['token']['access_token']}"}
        [bot] = (await client.get(f"{api}/chatbots", headers=auth)).json()["chatbots"]
        canvas = {
            "nodes": [
                {"id": "start", "type": "start", "data": {}},
                {
                    "id": "greet",
                    "type": "message",
                    "data": {"content": f"v-{tag} hi {{{{contact.name}}}}"},
                },
            ],
            "edges": [{"id": "e1", "source": "start", "target": "greet"}],
        }
        body = {
            "name": f"Published {tag}",
            "chatbot_id": bot["id"],
            "is_main": True,
            "canvas_data": canvas,
        }
        r = await client.post(f"{api}/flows", json=body, headers=auth)
        assert r.status_code == 201, r.text
        flow = r.json()["id"]
        r = await client.post(f"{api}/flows/{flow}/publish", headers=auth)
        assert (r.status_code, r.json()["version"]) == (200, 1), r.text
        r = await client.post(f"{api}/flows/{flow}/activate", headers=auth)
        assert r.status_code == 200, r.text
        await asyncio.sleep(2)  # the config record reaches the executor's view

        body_bytes, headers = signed(
            stack.config.app_secret, text_webhook(NUMBER, wa_id, "hello", name="Lin")
        )
        r = await client.post(stack.webhook_url, content=body_bytes, headers=headers)
        assert r.status_code == 200, r.text

        async def reply() -> list[Any]:
            r = await client.get(
                stack.url("metasim") + "/_sim/messages", params={"phone_number_id": NUMBER}
            )
            return [m for m in r.json()["messages"] if m["body"].get("to") == f"+{wa_id}"]

        [sent] = await until(reply)
        assert sent["body"]["text"]["body"] == f"v-{tag} hi Lin"

        async def projected() -> dict[str, Any] | None:
            r = await client.get(f"{api}/conversations/{wa_id}", headers=auth)
            if r.status_code != 200:
                return None
            detail: dict[str, Any] = r.json()
            statuses = [m["status"] for m in detail["messages"] if m["direction"] == "out"]
            return detail if statuses and statuses[-1] in ("delivered", "read") else None

        detail = await until(projected)
        assert detail["current_state"]["flow"] == {"id": flow, "version": 1}
        assert detail["current_state"]["execution_path"] == ["start", "greet"]
        assert [(m["direction"], m["text"]) for m in detail["messages"]] == [
            ("in", "hello"),
            ("out", f"v-{tag} hi Lin"),
        ]
        assert detail["conversation"]["contact_name"] == "Lin"
        assert detail["conversation"]["phone_number_id"] == NUMBER
        listed = (
            await client.get(f"{api}/conversations", params={"number": NUMBER}, headers=auth)
        ).json()
        assert wa_id in [c["phone"] for c in listed["conversations"]]
