"""A contact's photo end to end: the simulator posts the signed image webhook, the sender fetches
the file from the simulator's Graph API, checks and stores it, analytics shows it in the
conversation history with a short-lived link that serves the same bytes; another organization
gets a 404, the link stops working once expired; Meta failing on the media endpoint for a
while delays the fetch and loses nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytake_tools.stack import Stack

from .waiting import until

pytestmark = pytest.mark.e2e

NUMBER = "100000000000001"
LINK_TTL_S = 4


@pytest.fixture
def stack_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("data")
    return {"PYTAKE_DATA_DIR": str(data), "MEDIA_LINK_TTL_S": str(LINK_TTL_S)}


async def _login(client: httpx.AsyncClient, api: str, email: str, password: str) -> dict[str, str]:
    r = await client.post(f"{api}/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']['access_token']}"}


async def _meta_bytes(client: httpx.AsyncClient, stack: Stack, media_id: str) -> bytes:
    auth = {"Authorization": f"Bearer {stack.config.access_token}"}
    sim = stack.url("metasim")
    info = await client.get(f"{sim}/{stack.config.graph_api_version}/{media_id}", headers=auth)
    return (await client.get(info.json()["url"], headers=auth)).content


async def test_a_contacts_photo_is_stored_and_shown_with_a_short_lived_link(
    stack: Stack, stack_env: dict[str, str]
) -> None:
    api = stack.url("analytics") + "/api/v1"
    async with httpx.AsyncClient(timeout=10) as client:
        root = await _login(client, api, stack.config.admin_email, stack.config.admin_password)
        r = await client.post(f"{api}/organizations", json={"name": "B"}, headers=root)
        user = {"email": "admin@b.example", "password": "b-admin-password", "role": "org_admin"}
        r = await client.post(
            f"{api}/users", json={**user, "organization_id": r.json()["id"]}, headers=root
        )
        assert r.status_code == 201, r.text
        other = await _login(client, api, user["email"], user["password"])

        sent = await client.post(
            stack.url("metasim") + "/_sim/contacts/5511977776666/media",
            json={"phone_number_id": NUMBER, "caption": "my cat", "name": "Zoë"},
        )
        assert sent.json()["webhook_status"] == 200, sent.text
        meta_id = sent.json()["media_id"]

        async def photo() -> dict[str, Any] | None:
            r = await client.get(f"{api}/conversations/5511977776666", headers=root)
            if r.status_code != 200:
                return None
            found = [m["media"] for m in r.json()["messages"] if m.get("media")]
            return found[0] if found and found[0]["status"] == "stored" else None

        media = await until(photo)
        assert (media["kind"], media["caption"], media["mime_type"]) == (
            "image",
            "my cat",
            "image/jpeg",
        )
        served = await client.get(media["url"])
        assert served.status_code == 200
        assert served.content == await _meta_bytes(client, stack, meta_id)
        files = list(Path(stack_env["PYTAKE_DATA_DIR"]).rglob("*-*-*-*-*"))
        assert [f.read_bytes() for f in files if f.is_file()] == [served.content]

        mine = await client.get(f"{api}/media/{media['id']}", headers=root)
        assert mine.status_code == 200 and mine.json()["size"] == len(served.content)
        assert (await client.get(f"{api}/media/{media['id']}", headers=other)).status_code == 404
        missing = await client.get(f"{api}/conversations/5511977776666", headers=other)
        assert missing.status_code == 404

        await asyncio.sleep(LINK_TTL_S + 0.5)
        assert (await client.get(media["url"])).status_code == 404


async def test_meta_failing_on_media_delays_the_fetch_and_loses_nothing(stack: Stack) -> None:
    api = stack.url("analytics") + "/api/v1"
    sim = stack.url("metasim")
    async with httpx.AsyncClient(timeout=10) as client:
        root = await _login(client, api, stack.config.admin_email, stack.config.admin_password)
        await client.patch(f"{sim}/_sim/faults", json={"media_error_rate": 1.0})
        sent = await client.post(
            f"{sim}/_sim/contacts/5511955554444/media", json={"phone_number_id": NUMBER}
        )
        assert sent.json()["webhook_status"] == 200

        async def media_of() -> dict[str, Any] | None:
            r = await client.get(f"{api}/conversations/5511955554444", headers=root)
            found = [m["media"] for m in r.json()["messages"] if m.get("media")]
            return found[0] if r.status_code == 200 and found else None

        # The conversation runs on (the bot's greeting goes out) while the fetch waits.
        replies = await until(lambda: _sim_texts(client, sim, "5511955554444"), timeout=30)
        assert replies
        await asyncio.sleep(3)
        assert (await media_of() or {}).get("status") == "pending"
        await client.delete(f"{sim}/_sim/faults")

        async def stored() -> dict[str, Any] | None:
            media = await media_of()
            return media if media and media["status"] == "stored" else None

        media = await until(stored)
        served = await client.get(media["url"])
        assert served.content == await _meta_bytes(client, stack, sent.json()["media_id"])


async def _sim_texts(client: httpx.AsyncClient, sim: str, to: str) -> list[Any]:
    r = await client.get(f"{sim}/_sim/messages", params={"to": to})
    return [m for m in r.json()["messages"] if m["type"] == "text"]
