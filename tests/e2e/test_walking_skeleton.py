"""A signed text webhook goes through all five services and reaches Meta's Graph API."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from pytake_tools.stack import Stack
from pytake_tools.webhooks import signed, text_webhook

pytestmark = pytest.mark.e2e

NUMBER = "100000000000001"


async def _sim_messages(client: httpx.AsyncClient, stack: Stack, **params: str) -> list[Any]:
    response = await client.get(stack.url("metasim") + "/_sim/messages", params=params)
    response.raise_for_status()
    found: list[Any] = response.json()["messages"]
    return found


async def _wait_for(
    client: httpx.AsyncClient, stack: Stack, count: int, **params: str
) -> list[Any]:
    async with asyncio.timeout(45):
        while True:
            found = await _sim_messages(client, stack, **params)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.2)


async def test_signed_text_webhook_makes_the_simulator_record_the_reply(stack: Stack) -> None:
    body, headers = signed(
        stack.config.app_secret, text_webhook(NUMBER, "5511988887777", "hi", name="Zoë")
    )
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(stack.webhook_url, content=body, headers=headers)
        assert response.status_code == 200, response.text

        [call] = await _wait_for(client, stack, 1, phone_number_id=NUMBER)
        assert call["version"] == stack.config.graph_api_version
        assert call["token"] == stack.config.access_token
        assert call["body"] == {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+5511988887777",
            "type": "text",
            "text": {"body": "Hello Zoë", "preview_url": False},
            "biz_opaque_callback_data": call["body"]["biz_opaque_callback_data"],
        }
        assert len(call["body"]["biz_opaque_callback_data"]) == 36  # the outbound id
        assert call["status"] == 200

        # Meta retries the same webhook: no second reply.
        again = await client.post(stack.webhook_url, content=body, headers=headers)
        assert again.status_code == 200
        await asyncio.sleep(2)
        assert len(await _sim_messages(client, stack, phone_number_id=NUMBER)) == 1


async def test_a_bad_signature_is_refused_and_nothing_is_sent(stack: Stack) -> None:
    body, headers = signed("not-the-secret", text_webhook(NUMBER, "5511911112222", "hi"))
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(stack.webhook_url, content=body, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_signature"
