"""The webhook endpoints Meta calls: verification (GET) and notifications (POST).

A POST is answered 200 only once the broker acknowledged every item of the batch; if the broker is
unavailable the answer is 503, so Meta retries later. A body is authentic only when signed by the
app that owns every number it names (`signature.py`); a per-number URL takes only bodies for its
own number. Anything else is 401 and nothing is published. A signed body we cannot parse is still
recorded before the 4xx, so nothing Meta sent is lost.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import Counter

from pytake_ingress.domain import normalize
from pytake_ingress.settings import IngressSettings
from pytake_ingress.signature import Refusal, signing_secret, verify
from pytake_shared import tracing
from pytake_shared.config import ConfigView, NumberConfig
from pytake_shared.contracts import WA_PAYLOAD_UNRECOGNIZED
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.errors import TransientError
from pytake_shared.kafka.producer import Producer

log = logging.getLogger(__name__)

WEBHOOKS = Counter("pytake_ingress_webhooks_total", "Webhook POSTs by outcome", ["outcome"])
ITEMS = Counter("pytake_ingress_items_total", "Items published by type", ["type"])
UNKNOWN_NUMBER = Counter(
    "pytake_ingress_unknown_number_total", "Items for a phone_number_id not configured"
)


Answer = tuple[int, dict[str, Any]]


def _error(status: int, code: str, message: str) -> Answer:
    return status, {"error": {"code": code, "message": message}}


def _json(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=status)


class Receiver:
    """What a notification POST does, whatever serves the HTTP (`fastpath.py` in production,
    the FastAPI routes below for the OpenAPI document and the tests of the routes)."""

    def __init__(
        self,
        settings: IngressSettings,
        producer: Producer,
        config: ConfigView,
        clock: Callable[[], datetime],
    ) -> None:
        self._settings = settings
        self._producer = producer
        self.config = config
        self._clock = clock
        self._topic = settings.topics.wa_inbound
        self.max_body_bytes = settings.webhook_max_body_bytes

    def too_large(self) -> Answer:
        WEBHOOKS.labels("too_large").inc()
        return _error(413, "payload_too_large", f"body over {self.max_body_bytes} bytes")

    def bound_to(self, webhook_token: str) -> NumberConfig | None:
        return self.config.number_by_webhook_token(webhook_token)

    def unknown_token(self) -> Answer:
        WEBHOOKS.labels("unknown_token").inc()
        return _error(404, "unknown_webhook", "no number has this webhook URL")

    async def accept(self, raw: bytes, signature: str | None, bound: NumberConfig | None) -> Answer:
        """Check, record and answer one notification POST (its trace starts here)."""
        with tracing.server("POST /api/v1/whatsapp/webhook", **{"http.request.method": "POST"}):
            status, body = await self._accept(raw, signature, bound)
            tracing.annotate(**{"http.response.status_code": status})
            return status, body

    async def _accept(
        self, raw: bytes, signature: str | None, bound: NumberConfig | None
    ) -> Answer:
        now = self._clock()
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            envelopes = [_unparseable(raw, now)]
            status = 400
        else:
            # Normalized before the signature is checked: the numbers the items are routed by
            # are exactly the numbers whose app must have signed them.
            envelopes = normalize(payload, received_at=now)
            status = 200
        config = self.config
        secret = signing_secret(
            _numbers_named(envelopes),
            lookup=config.number,
            default_secret=self._settings.meta_app_secret,
            bound=bound,
        )
        if isinstance(secret, Refusal):
            WEBHOOKS.labels(secret.code).inc()
            return _error(401, secret.code, secret.message)
        if not verify(signature, raw, secret):
            WEBHOOKS.labels("bad_signature").inc()
            return _error(
                401, "invalid_signature", "X-Hub-Signature-256 missing or not by the numbers' app"
            )
        try:
            async with asyncio.timeout(self._settings.ingress_ack_timeout_s):
                await self._producer.send_many([(self._topic, env) for env in envelopes])
        except (TransientError, TimeoutError) as exc:
            WEBHOOKS.labels("broker_unavailable").inc()
            log.error("webhook not acknowledged by the broker: %r", exc)
            return _error(503, "unavailable", "could not record the webhook; retry later")
        for env in envelopes:
            ITEMS.labels(env.type).inc()
            number = env.data.get("phone_number_id")
            if isinstance(number, str) and config.number(number) is None:
                UNKNOWN_NUMBER.inc()
        if status != 200:
            WEBHOOKS.labels("not_json").inc()
            return _error(status, "invalid_json", "body is not JSON (recorded)")
        WEBHOOKS.labels("accepted").inc()
        return 200, {"status": "ok", "items": len(envelopes)}


def build_router(
    settings: IngressSettings,
    producer: Producer,
    config: ConfigView,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    receiver: Receiver | None = None,
) -> APIRouter:
    router = APIRouter(prefix="/api/v1/whatsapp", tags=["webhook"])

    @router.get("/webhook", response_class=PlainTextResponse)
    async def verify_subscription(
        mode: str | None = Query(None, alias="hub.mode"),
        token: str | None = Query(None, alias="hub.verify_token"),
        challenge: str | None = Query(None, alias="hub.challenge"),
    ) -> Response:
        valid = {settings.webhook_verify_token} | {
            n.webhook_verify_token for n in config.numbers() if n.webhook_verify_token
        }
        valid.discard("")
        if mode == "subscribe" and token and token in valid and challenge is not None:
            return PlainTextResponse(challenge)
        return PlainTextResponse("verification failed", status_code=403)

    receiver = receiver or Receiver(settings, producer, config, clock)

    async def receive(request: Request, bound: NumberConfig | None = None) -> Response:
        limit = settings.webhook_max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return _json(*receiver.too_large())
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                return _json(*receiver.too_large())
        signature = request.headers.get("x-hub-signature-256")
        return _json(*await receiver.accept(bytes(body), signature, bound))

    @router.post("/webhook")
    async def notifications(request: Request) -> Response:
        return await receive(request)

    @router.get("/webhook/{webhook_token}", response_class=PlainTextResponse)
    async def verify_number_subscription(
        webhook_token: str,
        mode: str | None = Query(None, alias="hub.mode"),
        token: str | None = Query(None, alias="hub.verify_token"),
        challenge: str | None = Query(None, alias="hub.challenge"),
    ) -> Response:
        number = config.number_by_webhook_token(webhook_token)
        expected = (number.webhook_verify_token or settings.webhook_verify_token) if number else ""
        if mode == "subscribe" and token and expected and _same(token, expected):
            return PlainTextResponse(challenge or "")
        return PlainTextResponse("verification failed", status_code=403)

    @router.post("/webhook/{webhook_token}")
    async def number_notifications(webhook_token: str, request: Request) -> Response:
        number = receiver.bound_to(webhook_token)
        if number is None:
            return _json(*receiver.unknown_token())
        return await receive(request, number)

    return router


def _numbers_named(envelopes: list[Envelope]) -> set[str]:
    return {n for env in envelopes if isinstance(n := env.data.get("phone_number_id"), str)}


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _unparseable(raw: bytes, now: datetime) -> Envelope:
    return Envelope.new(
        WA_PAYLOAD_UNRECOGNIZED,
        id=deterministic_id("wa.unparseable", raw.hex()),
        source="pytake-ingress",
        subject="unrouted",
        time=now,
        data={"reason": "body is not JSON", "raw_text": raw.decode("utf-8", "replace")},
    )
