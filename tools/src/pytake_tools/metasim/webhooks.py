"""The status webhooks Meta sends after an accepted message: sent, delivered, read (or failed).

Each accepted send gets one background task that waits out the configured delays and POSTs one
envelope per status, signed like Meta (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the
raw body>` with the app secret). A delivery that fails (non-200 or a network error) is retried a
few times with exponential backoff, then given up and logged: the simulator must never crash
because the receiver is down. Tasks are tracked so `aclose()` at shutdown cancels them. Every
attempt's outcome is kept for `GET /_sim/webhooks`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from pytake_tools.metasim.errors import ERROR_CODES_HREF, REENGAGEMENT_DETAILS, TITLES
from pytake_tools.metasim.settings import SimulatorSettings

log = logging.getLogger(__name__)

STATUSES = ("sent", "delivered", "read")


@dataclass(frozen=True, slots=True)
class StatusPlan:
    """What the webhooks for one accepted message must say."""

    phone_number_id: str
    wamid: str
    recipient_id: str | None  # wa_id (digits), when sent to a phone number
    recipient_user_id: str | None  # BSUID, when sent with `recipient`
    biz_opaque_callback_data: str | None
    category: str  # pricing category: "service" for free-form, "utility" for templates
    window_closed: bool  # deliver a `failed` 131047 instead of sent/delivered/read


def sign(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` header value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(payload: dict[str, Any]) -> bytes:
    """Compact JSON with non-ASCII and "/" escaped, as Meta sends it.

    Meta signs an escaped body (`\\u00e4`, `\\/`); sending the same lets receivers that hash a
    re-serialised body instead of the raw bytes fail here rather than in production.
    """
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
    return text.replace("/", "\\/").encode("ascii")


def status_payload(
    plan: StatusPlan,
    status: str,
    *,
    timestamp: int,
    waba_id: str,
    display_phone_number: str,
) -> dict[str, Any]:
    """The envelope of one status, in Meta's exact shape (see status_*.json fixtures)."""
    item: dict[str, Any] = {"id": plan.wamid, "status": status, "timestamp": str(timestamp)}
    if plan.recipient_id is not None:
        item["recipient_id"] = plan.recipient_id
    if plan.recipient_user_id is not None:
        item["recipient_user_id"] = plan.recipient_user_id
    if plan.biz_opaque_callback_data is not None:
        item["biz_opaque_callback_data"] = plan.biz_opaque_callback_data
    if status == "failed":
        item["errors"] = [
            {
                "code": 131047,
                "title": TITLES[131047],
                "message": TITLES[131047],
                "error_data": {"details": REENGAGEMENT_DETAILS},
                "href": ERROR_CODES_HREF,
            }
        ]
    elif status in ("sent", "delivered"):
        # Meta puts conversation and pricing on `sent` and on one of delivered/read.
        who = plan.recipient_id or plan.recipient_user_id or ""
        conversation: dict[str, Any] = {
            "id": hashlib.sha256(f"{plan.phone_number_id}:{who}".encode()).hexdigest()[:32]
        }
        if status == "sent":
            conversation["expiration_timestamp"] = str(timestamp + 24 * 3600)
        conversation["origin"] = {"type": plan.category}
        item["conversation"] = conversation
        free = plan.category == "service"
        item["pricing"] = {
            "billable": not free,
            "pricing_model": "PMP",
            "type": "free_customer_service" if free else "regular",
            "category": plan.category,
        }
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": waba_id,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": display_phone_number,
                                "phone_number_id": plan.phone_number_id,
                            },
                            "statuses": [item],
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


class WebhookSender:
    """Schedules and delivers status webhooks; one asyncio task per accepted message."""

    def __init__(
        self,
        settings: SimulatorSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._transport = transport
        self._wall_clock = wall_clock
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._gate = asyncio.Semaphore(settings.webhook_concurrency)
        self.deliveries: deque[dict[str, Any]] = deque(maxlen=10_000)
        self.app_secrets: dict[str, str] = dict(settings.app_secrets)

    def secret_for(self, phone_number_id: str) -> str:
        """The secret of the app `phone_number_id` belongs to (the default app's if unknown)."""
        return self.app_secrets.get(phone_number_id) or self._settings.app_secret

    @property
    def enabled(self) -> bool:
        return bool(self._settings.webhook_url and self._settings.status_delays_ms)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def schedule(self, plan: StatusPlan) -> None:
        if not self.enabled:
            return
        task = asyncio.create_task(self._run(plan), name=f"metasim-status-{plan.wamid}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_idle(self) -> None:
        """Wait until every scheduled webhook was delivered or given up (for tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self, plan: StatusPlan) -> None:
        delays = self._settings.status_delays_ms
        steps = (
            [("failed", delays[0])]
            if plan.window_closed
            else list(zip(STATUSES, delays, strict=False))
        )
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            for status, delay_ms in steps:
                # Delays count from the send, so a slow delivery does not push later ones back.
                await asyncio.sleep(max(0.0, start + delay_ms / 1000 - loop.time()))
                payload = status_payload(
                    plan,
                    status,
                    timestamp=int(self._wall_clock()),
                    waba_id=self._settings.waba_id,
                    display_phone_number=self._settings.display_phone_number,
                )
                await self._deliver(plan, status, encode(payload))
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must not take the simulator down
            log.exception("status webhooks for %s stopped", plan.wamid)

    def schedule_field(
        self, waba_id: str, field: str, value: dict[str, Any], *, secret: str | None = None
    ) -> None:
        """A webhook of another field than `messages` (template status and category changes,
        marketing preferences), signed with the default app's secret unless told."""
        if not self._settings.webhook_url:
            return
        payload = {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": waba_id,
                    "time": int(self._wall_clock()),
                    "changes": [{"value": value, "field": field}],
                }
            ],
        }
        outcome: dict[str, Any] = {"field": field, "ok": False}
        post = self._post(encode(payload), secret or self._settings.app_secret, outcome)
        task = asyncio.create_task(post, name=f"metasim-{field}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, plan: StatusPlan, status: str, body: bytes) -> None:
        outcome: dict[str, Any] = {"wamid": plan.wamid, "status": status, "ok": False}
        await self._post(body, self.secret_for(plan.phone_number_id), outcome)

    async def _post(self, body: bytes, secret: str, outcome: dict[str, Any]) -> None:
        settings = self._settings
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Hub-Signature-256"] = sign(secret, body)
        attempts = settings.webhook_retries + 1
        for attempt in range(1, attempts + 1):
            outcome.update(attempts=attempt, time=self._wall_clock())
            try:
                async with self._gate:
                    response = await self._http().post(
                        settings.webhook_url, content=body, headers=headers
                    )
                outcome.update(http_status=response.status_code, error=None)
                if response.status_code == 200:
                    outcome["ok"] = True
                    break
            except httpx.HTTPError as exc:
                outcome.update(http_status=None, error=repr(exc))
            if attempt < attempts:
                await asyncio.sleep(settings.webhook_backoff_ms / 1000 * 2 ** (attempt - 1))
        if not outcome["ok"]:
            log.warning("gave up delivering a webhook: %s", outcome)
        self.deliveries.append(outcome)

    def _http(self) -> httpx.AsyncClient:
        # Created on first use, inside the running loop, so building the app needs no loop.
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport, timeout=self._settings.webhook_timeout_seconds
            )
        return self._client
