"""The ingress webhook API on the real broker: what Meta sees and what reaches wa.inbound.v1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.types import ASGIApp

from pytake_ingress.api.fastpath import WebhookFastPath
from pytake_ingress.api.webhook import Receiver, build_router
from pytake_ingress.settings import IngressSettings
from pytake_ingress.signature import sign
from pytake_shared.config import ConfigView, NumberConfig, snapshot
from pytake_shared.http_errors import install_error_handlers
from pytake_shared.kafka import Producer
from pytake_shared.secrets import SecretBox
from pytake_shared.testing.embedded import EmbeddedBroker
from pytake_shared.topics import Topics
from pytake_tools.webhooks import encode, text_webhook

SECRET = "global-secret"
NUMBER_SECRET = "number-secret"
NUMBER = "555000111"
# Another organization's numbers: one with its own app, one on the global app.
OTHER_SECRET = "other-org-secret"
OTHER_NUMBER = "555000222"
GLOBAL_APP_NUMBER = "555000333"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _config(settings: IngressSettings) -> ConfigView:
    box = SecretBox(settings.pytake_config_key)
    view = ConfigView(settings, box)
    number = NumberConfig(
        id="n1",
        organization_id="o1",
        phone_number_id=NUMBER,
        app_secret=NUMBER_SECRET,
        webhook_verify_token="number-verify",
        webhook_token="tok123",
    )
    other = NumberConfig(
        id="n2",
        organization_id="o2",
        phone_number_id=OTHER_NUMBER,
        app_secret=OTHER_SECRET,
        webhook_token="tok456",
    )
    on_global_app = NumberConfig(id="n3", organization_id="o2", phone_number_id=GLOBAL_APP_NUMBER)
    for n in (number, other, on_global_app):
        key = f"number:{n.phone_number_id}"
        view.apply(key, snapshot("number", n, source="t", box=box).to_bytes())
    return view


def _app(settings: IngressSettings, producer: Producer, front: bool = True) -> ASGIApp:
    """As the service serves it: the POSTs through the fast path in front of the app (or,
    `front=False`, through the app's own routes, which the OpenAPI documents)."""
    app = FastAPI()
    install_error_handlers(app)
    receiver = Receiver(settings, producer, _config(settings), lambda: NOW)
    app.include_router(build_router(settings, producer, receiver.config, receiver=receiver))
    return WebhookFastPath(app, receiver) if front else app


@pytest.fixture(params=["fast_path", "routes"])
async def client(
    request: pytest.FixtureRequest,
    make_settings: Callable[..., IngressSettings],
) -> AsyncIterator[tuple[httpx.AsyncClient, IngressSettings]]:
    settings = make_settings(
        IngressSettings, meta_app_secret=SECRET, webhook_verify_token="global-verify"
    )
    producer = Producer(settings)
    await producer.start()
    transport = httpx.ASGITransport(app=_app(settings, producer, request.param == "fast_path"))
    async with httpx.AsyncClient(transport=transport, base_url="http://ingress") as c:
        yield c, settings
    await producer.stop()


async def _published(bootstrap: str, topic: str, expect: int, wait: float = 10) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    out: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + wait
        while len(out) < expect and asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                out.extend(orjson.loads(r.value) for r in records)
    finally:
        await consumer.stop()
    return out


async def _post(c: httpx.AsyncClient, body: bytes, secret: str | None, path: str = "") -> Any:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Hub-Signature-256"] = sign(secret, body)
    return await c.post(f"/api/v1/whatsapp/webhook{path}", content=body, headers=headers)


async def test_verification_echoes_the_challenge_for_a_known_token(client: Any) -> None:
    c, _ = client
    for token in ("global-verify", "number-verify"):
        r = await c.get(
            "/api/v1/whatsapp/webhook",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": token,
                "hub.challenge": "1158201444",
            },
        )
        assert r.status_code == 200
        assert r.text == "1158201444"
        assert r.headers["content-type"].startswith("text/plain")
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "global-verify", "hub.challenge": "1"},
        {},
    ):
        assert (await c.get("/api/v1/whatsapp/webhook", params=params)).status_code == 403


async def test_a_signed_webhook_is_published_before_the_200(
    client: Any, kafka_bootstrap: str, topics: Topics
) -> None:
    c, _ = client
    body = encode(text_webhook(NUMBER, "5511977776666", "olá ✓", name="João", wamid="wamid.ABC"))
    r = await _post(c, body, NUMBER_SECRET)
    assert r.status_code == 200, r.text
    assert r.json() == {"status": "ok", "items": 1}
    [event] = await _published(kafka_bootstrap, topics.wa_inbound, 1)
    assert event["type"] == "pytake.wa.message_received"
    assert event["subject"] == f"{NUMBER}:5511977776666"
    assert event["data"]["message"]["text"] == "olá ✓"
    assert event["correlation_id"] == "wamid.ABC"


async def test_the_numbers_own_secret_and_the_per_number_url_are_accepted(client: Any) -> None:
    c, _ = client
    body = encode(text_webhook(NUMBER, "551100", "hi"))
    assert (await _post(c, body, NUMBER_SECRET)).status_code == 200
    assert (await _post(c, body, NUMBER_SECRET, "/tok123")).status_code == 200
    # The per-number URL only takes that number's secret.
    assert (await _post(c, body, "another", "/tok123")).status_code == 401
    assert (await _post(c, body, NUMBER_SECRET, "/unknown")).status_code == 404


def _batch(*numbers: str) -> bytes:
    """One body with a text message for each number, as an app subscribed to all would send."""
    bodies = [text_webhook(n, "551100", "hi", wamid=f"wamid.{n}") for n in numbers]
    return encode({"object": "whatsapp_business_account", "entry": [b["entry"][0] for b in bodies]})


async def test_a_body_for_another_apps_number_is_refused_whatever_secret_signs_it(
    client: Any, kafka_bootstrap: str, topics: Topics
) -> None:
    """The attack: organization A signs a body naming organization B's number with A's own
    app secret (or the global one), at the shared URL and at A's own per-number URL."""
    c, _ = client
    for target in (OTHER_NUMBER, GLOBAL_APP_NUMBER, "999"):
        body = encode(text_webhook(target, "5511988887777", "injected"))
        r = await _post(c, body, NUMBER_SECRET)
        assert r.status_code == 401, (target, r.text)
        assert r.json()["error"]["code"] == "invalid_signature"
        assert (await _post(c, body, NUMBER_SECRET, "/tok123")).status_code == 401
    body = encode(text_webhook(OTHER_NUMBER, "5511988887777", "injected"))
    assert (await _post(c, body, SECRET)).status_code == 401  # B has its own app
    assert await _published(kafka_bootstrap, topics.wa_inbound, 1, wait=1.5) == []


async def test_a_body_naming_numbers_of_two_apps_is_refused_whole(
    client: Any, kafka_bootstrap: str, topics: Topics
) -> None:
    c, _ = client
    for pair in ((NUMBER, OTHER_NUMBER), (NUMBER, GLOBAL_APP_NUMBER), (OTHER_NUMBER, "999")):
        body = _batch(*pair)
        for secret in (SECRET, NUMBER_SECRET, OTHER_SECRET):
            r = await _post(c, body, secret)
            assert r.status_code == 401, (pair, secret)
            assert r.json()["error"]["code"] in ("mixed_apps", "invalid_signature")
    assert await _published(kafka_bootstrap, topics.wa_inbound, 1, wait=1.5) == []


async def test_numbers_of_one_app_may_share_a_body(
    client: Any, kafka_bootstrap: str, topics: Topics
) -> None:
    c, _ = client
    r = await _post(c, _batch(GLOBAL_APP_NUMBER, "999"), SECRET)
    assert r.status_code == 200, r.text
    assert len(await _published(kafka_bootstrap, topics.wa_inbound, 2)) == 2


async def test_a_per_number_url_takes_only_its_own_numbers_items(client: Any) -> None:
    c, _ = client
    mixed = _batch(NUMBER, OTHER_NUMBER)
    for secret in (NUMBER_SECRET, OTHER_SECRET, SECRET):
        r = await _post(c, mixed, secret, "/tok123")
        assert r.status_code == 401
    r = await _post(c, encode(text_webhook(OTHER_NUMBER, "551100", "x")), OTHER_SECRET, "/tok123")
    assert r.json()["error"]["code"] == "wrong_number"
    own = encode(text_webhook(OTHER_NUMBER, "551100", "x"))
    assert (await _post(c, own, OTHER_SECRET, "/tok456")).status_code == 200


async def test_a_per_number_url_verifies_with_its_own_token(client: Any) -> None:
    c, _ = client
    params = {"hub.mode": "subscribe", "hub.verify_token": "number-verify", "hub.challenge": "7"}
    r = await c.get("/api/v1/whatsapp/webhook/tok123", params=params)
    assert (r.status_code, r.text) == (200, "7")
    for path, token in (("/tok123", "global-verify"), ("/tok123", "x"), ("/nope", "number-verify")):
        params["hub.verify_token"] = token
        assert (await c.get(f"/api/v1/whatsapp/webhook{path}", params=params)).status_code == 403
    # A number without its own verify token is verified with the global one.
    params["hub.verify_token"] = "global-verify"
    assert (await c.get("/api/v1/whatsapp/webhook/tok456", params=params)).status_code == 200


async def test_bad_or_missing_signatures_are_401_and_publish_nothing(
    client: Any, kafka_bootstrap: str, topics: Topics
) -> None:
    c, _ = client
    body = encode(text_webhook(NUMBER, "551100", "hi"))
    for secret in (None, "wrong"):
        r = await _post(c, body, secret)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "invalid_signature"
    r = await c.post(
        "/api/v1/whatsapp/webhook", content=body, headers={"X-Hub-Signature-256": "sha1=abc"}
    )
    assert r.status_code == 401
    assert await _published(kafka_bootstrap, topics.wa_inbound, 1, wait=1.5) == []


async def test_non_ascii_text_is_checked_over_the_escaped_bytes_meta_sends(client: Any) -> None:
    c, _ = client
    body = encode(text_webhook(NUMBER, "551100", "äöå 🍕"))
    assert b"\\u00e4" in body  # Meta's escaped form
    assert (await _post(c, body, NUMBER_SECRET)).status_code == 200
    raw_utf8 = body.decode("unicode_escape").encode("utf-8", "surrogatepass")
    r = await c.post(
        "/api/v1/whatsapp/webhook",
        content=body,
        headers={"X-Hub-Signature-256": sign(NUMBER_SECRET, raw_utf8)},
    )
    assert r.status_code == 401


async def test_a_body_over_3_mb_is_413(client: Any) -> None:
    c, _ = client
    body = b'{"x":"' + b"a" * (3 * 1024 * 1024) + b'"}'
    assert (await _post(c, body, SECRET)).status_code == 413


async def test_a_signed_body_that_is_not_json_is_recorded_then_400(
    client: Any, kafka_bootstrap: str, topics: Topics
) -> None:
    c, _ = client
    r = await _post(c, b"not json at all", SECRET)
    assert r.status_code == 400
    [event] = await _published(kafka_bootstrap, topics.wa_inbound, 1)
    assert event["type"] == "pytake.wa.payload_unrecognized"
    assert event["data"]["raw_text"] == "not json at all"


async def test_a_webhook_for_an_unknown_number_is_acknowledged(client: Any) -> None:
    c, _ = client
    r = await _post(c, encode(text_webhook("999", "551100", "hi")), SECRET)
    assert r.status_code == 200


async def test_broker_down_answers_503_so_meta_retries(
    make_settings: Callable[..., IngressSettings],
) -> None:
    broker = EmbeddedBroker().start()
    settings = make_settings(
        IngressSettings,
        meta_app_secret=SECRET,
        kafka_bootstrap_servers=broker.bootstrap,
        kafka_request_timeout_ms=1500,
    )
    producer = Producer(settings)
    await producer.start()
    broker.stop()
    try:
        transport = httpx.ASGITransport(app=_app(settings, producer))
        async with httpx.AsyncClient(transport=transport, base_url="http://i") as c:
            r = await _post(c, encode(text_webhook(NUMBER, "551100", "hi")), NUMBER_SECRET)
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "unavailable"
    finally:
        await producer.stop()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(payload=json_values, raw=st.binary(max_size=200), signed=st.booleans())
async def test_no_input_gets_a_5xx(client: Any, payload: Any, raw: bytes, signed: bool) -> None:
    c, _ = client
    # json, not orjson: integers past 64 bits must reach the endpoint too.
    for body in (json.dumps(payload).encode(), raw):
        r = await _post(c, body, SECRET if signed else None)
        assert r.status_code < 500, (body, r.status_code, r.text)


async def test_the_fast_path_leaves_other_paths_to_the_app_and_never_answers_500(
    make_settings: Callable[..., IngressSettings],
) -> None:
    settings = make_settings(IngressSettings, meta_app_secret=SECRET)
    producer = Producer(settings)
    await producer.start()
    try:
        app = _app(settings, producer)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://i") as c:
            for path in ("/", "/a/b", "x"):
                r = await c.post(f"/api/v1/whatsapp/webhook{path}", content=b"{}")
                assert r.status_code in (307, 404, 405), path  # the app's answers
            assert isinstance(app, WebhookFastPath)

            async def broken(*_: Any) -> Any:
                raise RuntimeError("a bug")

            app.receiver.accept = broken  # type: ignore[method-assign]
            r = await c.post("/api/v1/whatsapp/webhook", content=b"{}")
            assert (r.status_code, r.json()["error"]["code"]) == (503, "unavailable")
    finally:
        await producer.stop()
