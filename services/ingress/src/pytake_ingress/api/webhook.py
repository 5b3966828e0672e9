"""The webhook endpoints Meta calls: verification (GET) and notifications (POST).

A POST is answered 200 only once the broker acknowledged every item of the batch; if the broker
is unavailable the answer is 503, so Meta retries later. A bad or missing signature is 401 and
nothing is published. A signed body we cannot parse is still recorded before the 4xx, so nothing
Meta sent is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import Counter

from pytake_ingress.domain import normalize
from pytake_ingress.settings import IngressSettings
from pytake_ingress.signature import verify
from pytake_shared.config import ConfigView
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


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def build_router(
    settings: IngressSettings,
    producer: Producer,
    config: ConfigView,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> APIRouter:
    router = APIRouter(prefix="/api/v1/whatsapp", tags=["webhook"])
    topic = settings.topics.wa_inbound

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

    async def receive(request: Request, secrets: list[str]) -> Response:
        limit = settings.webhook_max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            WEBHOOKS.labels("too_large").inc()
            return _error(413, "payload_too_large", f"body over {limit} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                WEBHOOKS.labels("too_large").inc()
                return _error(413, "payload_too_large", f"body over {limit} bytes")
        raw = bytes(body)
        if not verify(request.headers.get("x-hub-signature-256"), raw, secrets):
            WEBHOOKS.labels("bad_signature").inc()
            return _error(401, "invalid_signature", "X-Hub-Signature-256 missing or wrong")
        now = clock()
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            envelopes = [_unparseable(raw, now)]
            status = 400
        else:
            envelopes = normalize(payload, received_at=now)
            status = 200
        try:
            await producer.send_many([(topic, env) for env in envelopes])
        except TransientError as exc:
            WEBHOOKS.labels("broker_unavailable").inc()
            log.error("webhook not acknowledged by the broker: %s", exc)
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
        return JSONResponse({"status": "ok", "items": len(envelopes)})

    def _all_secrets() -> list[str]:
        numbers = sorted({n.app_secret for n in config.numbers() if n.app_secret})
        return [settings.meta_app_secret, *numbers]

    @router.post("/webhook")
    async def notifications(request: Request) -> Response:
        return await receive(request, _all_secrets())

    @router.post("/webhook/{webhook_token}")
    async def number_notifications(webhook_token: str, request: Request) -> Response:
        for number in config.numbers():
            if number.webhook_token and number.webhook_token == webhook_token:
                return await receive(request, [number.app_secret or settings.meta_app_secret])
        WEBHOOKS.labels("unknown_token").inc()
        return _error(404, "unknown_webhook", "no number has this webhook URL")

    return router


def _unparseable(raw: bytes, now: datetime) -> Envelope:
    return Envelope.new(
        WA_PAYLOAD_UNRECOGNIZED,
        id=deterministic_id("wa.unparseable", raw.hex()),
        source="pytake-ingress",
        subject="unrouted",
        time=now,
        data={"reason": "body is not JSON", "raw_text": raw.decode("utf-8", "replace")},
    )
