"""Accepted messages produce signed status webhooks in Meta's envelope, retried when refused."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

from pytake_tools.metasim.testing import (
    LocalSimulator,
    WebhookInbox,
    json_shape,
    signature_ok,
    text_message,
)
from pytake_tools.metasim.webhooks import StatusPlan, encode, sign, status_payload

SimFactory = Callable[..., AbstractAsyncContextManager[LocalSimulator]]
Loader = Callable[[str], Any]
SECRET = "app-secret"
HOOK = "http://receiver.test/api/v1/whatsapp/webhook"
WEBHOOKS = {"webhook_url": HOOK, "app_secret": SECRET, "status_delays_ms": "5,10,15"}


def without_contacts(fixture: dict[str, Any]) -> dict[str, Any]:
    # The pywa fixtures carry 2026 BSUID `contacts` on statuses; Meta's own examples do not.
    fixture["entry"][0]["changes"][0]["value"].pop("contacts", None)
    return fixture


async def test_sent_delivered_read_are_signed_and_shaped_like_meta(
    make_sim: SimFactory, inbox: WebhookInbox, load_fixture: Loader
) -> None:
    async with make_sim(**WEBHOOKS) as sim:
        response = await sim.send(text_message(biz_opaque_callback_data="order-17"))
        await sim.webhooks.wait_idle()
    wamid = response.json()["messages"][0]["id"]
    assert [s["status"] for s in inbox.statuses] == ["sent", "delivered", "read"]
    for request in inbox.requests:
        assert request.url == HOOK
        assert request.headers["content-type"] == "application/json"
        assert signature_ok(SECRET, request)
    for status in inbox.statuses:
        assert status["id"] == wamid
        assert status["recipient_id"] == "16505551234"
        assert status["biz_opaque_callback_data"] == "order-17"
        assert status["timestamp"].isdigit()  # a string, as Meta sends it
    sent = inbox.bodies[0]
    value = sent["entry"][0]["changes"][0]["value"]
    value["statuses"][0].pop("biz_opaque_callback_data")
    # The same keys and JSON types as Meta's documented `sent`.
    documented = load_fixture("meta_docs_status_sent_pmp_marketing.json")
    assert json_shape(sent) == json_shape(without_contacts(documented))
    assert value["metadata"] == {
        "display_phone_number": "15550783881",
        "phone_number_id": "106540352242922",
    }
    assert sent["entry"][0]["id"] == "102290129340398"
    opaque = without_contacts(load_fixture("status_sent_with_biz_opaque_callback_data.json"))
    opaque_status = opaque["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert list(inbox.statuses[0])[:5] == list(opaque_status)[:5]
    assert "conversation" in inbox.statuses[1] and "pricing" in inbox.statuses[1]
    assert "expiration_timestamp" not in inbox.statuses[1]["conversation"]
    assert "conversation" not in inbox.statuses[2] and "pricing" not in inbox.statuses[2]
    assert inbox.statuses[0]["pricing"]["type"] == "free_customer_service"


async def test_closed_window_contact_gets_a_failed_131047_status(
    make_sim: SimFactory, inbox: WebhookInbox, load_fixture: Loader
) -> None:
    async with make_sim(**WEBHOOKS, closed_window_contacts="+16505551234") as sim:
        response = await sim.send(text_message(biz_opaque_callback_data="x"))
        await sim.webhooks.wait_idle()
    [failed] = inbox.statuses
    assert failed["status"] == "failed" and failed["id"] == response.json()["messages"][0]["id"]
    assert failed["biz_opaque_callback_data"] == "x"
    expected = load_fixture("status_failed_131047_reengagement_window_closed.json")
    expected_status = expected["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert failed["errors"] == expected_status["errors"]
    body = inbox.bodies[0]
    body["entry"][0]["changes"][0]["value"]["statuses"][0].pop("biz_opaque_callback_data")
    assert json_shape(body) == json_shape(expected)
    assert signature_ok(SECRET, inbox.requests[0])


async def test_a_template_reaches_a_closed_window_contact(
    make_sim: SimFactory, inbox: WebhookInbox
) -> None:
    template = {
        "messaging_product": "whatsapp",
        "to": "16505551234",
        "type": "template",
        "template": {"name": "reopen", "language": {"code": "en_US"}},
    }
    async with make_sim(**WEBHOOKS, closed_window_contacts="16505551234") as sim:
        await sim.send(template)
        await sim.webhooks.wait_idle()
    assert [s["status"] for s in inbox.statuses] == ["sent", "delivered", "read"]
    assert inbox.statuses[0]["pricing"]["category"] == "utility"


async def test_a_refused_delivery_is_retried_with_backoff(
    make_sim: SimFactory, inbox: WebhookInbox
) -> None:
    inbox.answers = [500, httpx.ConnectError("down"), 200]
    async with make_sim(**{**WEBHOOKS, "status_delays_ms": "0"}, webhook_backoff_ms=1) as sim:
        await sim.send(text_message())
        await sim.webhooks.wait_idle()
        log = (await sim.client.get("/_sim/webhooks")).json()
    assert [s["status"] for s in inbox.statuses] == ["sent"] * 3
    assert len({r.content for r in inbox.requests}) == 1  # the same bytes, re-sent
    assert log["webhooks"][0]["ok"] is True and log["webhooks"][0]["attempts"] == 3


async def test_an_unreachable_receiver_is_given_up_without_harm(
    make_sim: SimFactory, inbox: WebhookInbox
) -> None:
    inbox.answers = [httpx.ConnectError("down")] * 20
    async with make_sim(**WEBHOOKS, webhook_retries=2, webhook_backoff_ms=1) as sim:
        await sim.send(text_message())
        await sim.webhooks.wait_idle()
        log = sim.webhooks.deliveries
        health = await sim.client.get("/_sim/healthz")
        later = await sim.send(text_message())
    assert len(inbox.requests) == 9  # three statuses, three attempts each
    assert [d["ok"] for d in log] == [False, False, False]
    assert health.status_code == 200 and later.status_code == 200


async def test_no_webhooks_without_a_url_or_delays(
    make_sim: SimFactory, inbox: WebhookInbox
) -> None:
    async with make_sim(webhook_url="", status_delays_ms="0") as sim:
        await sim.send(text_message())
        assert sim.webhooks.pending == 0
    async with make_sim(webhook_url=HOOK, status_delays_ms="") as sim:
        await sim.send(text_message())
        assert sim.webhooks.pending == 0
    assert inbox.requests == []


async def test_fewer_delays_send_fewer_statuses(make_sim: SimFactory, inbox: WebhookInbox) -> None:
    async with make_sim(**{**WEBHOOKS, "status_delays_ms": "0"}) as sim:
        await sim.send(text_message())
        await sim.webhooks.wait_idle()
    assert [s["status"] for s in inbox.statuses] == ["sent"]


async def test_shutdown_cancels_pending_webhooks(make_sim: SimFactory, inbox: WebhookInbox) -> None:
    async with make_sim(**{**WEBHOOKS, "status_delays_ms": "60000"}) as sim:
        await sim.send(text_message())
        await asyncio.sleep(0)
        assert sim.webhooks.pending == 1
        sender = sim.webhooks
    assert sender.pending == 0
    assert inbox.requests == []


def test_the_signature_covers_the_exact_escaped_bytes() -> None:
    plan = StatusPlan(
        phone_number_id="1",
        wamid="wamid.a/b+c=",
        recipient_id="2",
        recipient_user_id=None,
        biz_opaque_callback_data="caf\u00e9 \U0001f600",
        category="service",
        window_closed=False,
    )
    body = encode(status_payload(plan, "sent", timestamp=1, waba_id="w", display_phone_number="d"))
    # Meta escapes non-ASCII and "/" in what it signs; receivers must hash the raw bytes.
    assert b"\\u00e9" in body and b"\\ud83d\\ude00" in body and b"a\\/b" in body
    assert sign("k", body) == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()


async def test_deliveries_in_flight_are_bounded_and_all_arrive(
    make_sim: SimFactory, inbox: WebhookInbox
) -> None:
    """A burst of accepted messages does not open a request per status at once (httpcore's
    pool is quadratic in queued requests, which stalled the simulator under load)."""
    in_flight, peak = 0, 0
    handle = inbox._handle

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            await asyncio.sleep(0.005)
            return await handle(request)
        finally:
            in_flight -= 1

    inbox._handle = slow  # type: ignore[method-assign]
    async with make_sim(**WEBHOOKS, webhook_concurrency=3) as sim:
        for n in range(40):
            await sim.send(text_message(to=f"1650555{n:04d}"))
        await sim.webhooks.wait_idle()
    assert peak == 3
    assert len(inbox.statuses) == 3 * 40


async def test_a_number_of_another_app_signs_with_that_apps_secret(
    make_sim: SimFactory, inbox: WebhookInbox
) -> None:
    other = {**WEBHOOKS, "app_secrets": "222=from-env", "status_delays_ms": "5"}
    async with make_sim(**other) as sim:
        r = await sim.client.put("/_sim/apps/333", json={"app_secret": "at-run-time"})
        assert r.status_code == 200
        for number in ("106540352242922", "222", "333"):
            await sim.send(text_message(), path=f"/v25.0/{number}/messages")
        await sim.webhooks.wait_idle()
    signed_by = {}
    for request, body in zip(inbox.requests, inbox.bodies, strict=True):
        number = body["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"]
        signed_by[number] = next(
            s for s in (SECRET, "from-env", "at-run-time") if signature_ok(s, request)
        )
    assert signed_by == {"106540352242922": SECRET, "222": "from-env", "333": "at-run-time"}
