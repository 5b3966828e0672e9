"""The simulator's templates: Meta's paged list, status webhooks, and template sends checked."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from pytake_tools.metasim.testing import LocalSimulator, WebhookInbox

SimFactory = Callable[..., AbstractAsyncContextManager[LocalSimulator]]
Loader = Callable[[str], Any]
WABA = "102290129340398"
HOOKS = {"webhook_url": "http://receiver.test/hook", "app_secret": "app-secret"}
AUTH = {"Authorization": "Bearer test-token"}
ORDER = [
    {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
    {
        "type": "BODY",
        "text": "Hi {{1}}, order {{2}} ships {{3}}.",
        "example": {"body_text": [["Ada", "42", "today"]]},
    },
    {
        "type": "BUTTONS",
        "buttons": [{"type": "URL", "text": "Track", "url": "https://t.example/{{1}}"}],
    },
]


def template_send(name: str = "order_update", body: int = 3, **extra: Any) -> dict[str, Any]:
    components = [
        {"type": "header", "parameters": [{"type": "text", "text": "42"}]},
        {"type": "body", "parameters": [{"type": "text", "text": str(i)} for i in range(body)]},
        {
            "type": "button",
            "sub_type": "url",
            "index": "0",
            "parameters": [{"type": "text", "text": "42"}],
        },
    ]
    return {
        "messaging_product": "whatsapp",
        "to": "+16505551234",
        "type": "template",
        "template": {"name": name, "language": {"code": "en_US"}, "components": components},
        **extra,
    }


async def _create(sim: LocalSimulator, name: str, status: str = "APPROVED") -> dict[str, Any]:
    response = await sim.client.post(
        "/_sim/templates",
        json={"name": name, "language": "en_US", "components": ORDER, "status": status},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_the_template_list_is_paged_with_cursors_until_next_is_absent(
    make_sim: SimFactory,
) -> None:
    async with make_sim() as sim:
        for i in range(5):
            await _create(sim, f"promo_{i}")
        seen: list[str] = []
        params: dict[str, Any] = {"limit": 2}
        pages = 0
        while True:
            page = await sim.client.get(
                f"/v21.0/{WABA}/message_templates", params=params, headers=AUTH
            )
            assert page.status_code == 200
            body = page.json()
            seen += [t["name"] for t in body["data"]]
            pages += 1
            if "next" not in body.get("paging", {}):
                break
            assert "after=" in body["paging"]["next"]
            params = {"limit": 2, "after": body["paging"]["cursors"]["after"]}
        assert pages == 3
        assert seen == [f"promo_{i}" for i in range(5)]
        narrow = await sim.client.get(
            f"/v21.0/{WABA}/message_templates",
            params={"fields": "name,status", "status": "APPROVED", "limit": 1},
            headers=AUTH,
        )
        assert set(narrow.json()["data"][0]) == {"name", "status", "id"}


async def test_a_status_change_posts_metas_status_webhook_with_an_integer_id(
    make_sim: SimFactory, inbox: WebhookInbox, load_fixture: Loader
) -> None:
    async with make_sim(**HOOKS) as sim:
        created = await _create(sim, "order_confirmation", status="PENDING")
        changed = await sim.client.patch(
            f"/_sim/templates/{created['id']}", json={"status": "APPROVED"}
        )
        assert changed.json()["status"] == "APPROVED"
        await sim.webhooks.wait_idle()
    [body] = inbox.bodies
    fixture = load_fixture("message_template_status_update_approved.json")
    change, expected = body["entry"][0]["changes"][0], fixture["entry"][0]["changes"][0]
    assert change["field"] == expected["field"]
    assert set(change["value"]) == set(expected["value"])
    assert change["value"]["message_template_id"] == int(created["id"])
    assert change["value"]["event"] == "APPROVED"
    assert body["entry"][0]["id"] == WABA and isinstance(body["entry"][0]["time"], int)


async def test_template_sends_are_refused_like_meta(make_sim: SimFactory) -> None:
    async with make_sim() as sim:
        # No template known for the WABA yet: any name is accepted, as before templates.
        assert (await sim.send(template_send("anything"))).status_code == 200
        created = await _create(sim, "order_update")
        assert (await sim.send(template_send())).status_code == 200
        unknown = await sim.send(template_send("nope"))
        assert unknown.json()["error"]["code"] == 132001
        wrong = await sim.send(template_send(body=2))
        assert wrong.json()["error"]["code"] == 132000
        assert wrong.json()["error"]["message"].startswith("(#132000)")
        await sim.client.patch(f"/_sim/templates/{created['id']}", json={"status": "PAUSED"})
        assert (await sim.send(template_send())).json()["error"]["code"] == 132015
        await sim.client.patch(f"/_sim/templates/{created['id']}", json={"status": "DISABLED"})
        assert (await sim.send(template_send())).json()["error"]["code"] == 132016


async def test_the_list_obeys_faults_and_the_token(make_sim: SimFactory) -> None:
    async with make_sim(error_rate=1.0, error_kinds="throttle") as sim:
        throttled = await sim.client.get(f"/v21.0/{WABA}/message_templates", headers=AUTH)
        assert throttled.json()["error"]["code"] == 80008
        anonymous = await sim.client.get(f"/v21.0/{WABA}/message_templates")
        assert anonymous.status_code == 401
