"""`webhook-auth`: what checking a webhook's app costs with 1 and with 10,000 registered numbers.

The ingress webhook router is driven in process (ASGI, no sockets) with a producer that drops
what it is given, so the figure is the HTTP handling, normalization and the signature check
alone. Secrets are looked up by the numbers a body names, so the rate must not fall as numbers
are added: the table shows it does not.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from fastapi import FastAPI

from pytake_ingress.api.webhook import build_router
from pytake_ingress.settings import IngressSettings
from pytake_ingress.signature import sign
from pytake_shared.config import ConfigView, NumberConfig, snapshot
from pytake_shared.secrets import SecretBox
from pytake_tools.webhooks import encode, text_webhook

Row = tuple[str, int, float, str]
GLOBAL_SECRET = "bench-global-app-secret-0123456789"


class _DropProducer:
    async def send_many(self, items: Any) -> None:
        list(items)


def _view(settings: IngressSettings, numbers: int) -> ConfigView:
    box = SecretBox(settings.pytake_config_key)
    view = ConfigView(settings, box)
    for i in range(numbers):
        number = NumberConfig(
            id=f"n{i}",
            organization_id=f"o{i}",
            phone_number_id=f"{100000000000000 + i}",
            app_secret=f"app-secret-of-{i}",
            webhook_token=f"tok{i}",
        )
        record = snapshot("number", number, source="bench", box=box).to_bytes()
        view.apply(f"number:{number.phone_number_id}", record)
    return view


async def _rate(client: httpx.AsyncClient, path: str, body: bytes, secret: str, n: int) -> float:
    headers = {"X-Hub-Signature-256": sign(secret, body), "Content-Type": "application/json"}
    started = time.perf_counter()
    for _ in range(n):
        response = await client.post(path, content=body, headers=headers)
        assert response.status_code in (200, 401), response.text
    return time.perf_counter() - started


async def bench_webhook_auth(n: int) -> list[Row]:
    settings = IngressSettings(
        meta_app_secret=GLOBAL_SECRET, pytake_config_key="bench-config-key-0123456789abcdef"
    )
    rows: list[Row] = []
    for registered in (1, 10_000):
        app = FastAPI()
        app.include_router(build_router(settings, _DropProducer(), _view(settings, registered)))  # type: ignore[arg-type]
        transport = httpx.ASGITransport(app=app)
        last = f"{100000000000000 + registered - 1}"
        body = encode(text_webhook(last, "5511999990000", "hi"))
        cases = (
            ("shared URL, own app", "/api/v1/whatsapp/webhook", f"app-secret-of-{registered - 1}"),
            ("shared URL, wrong app (401)", "/api/v1/whatsapp/webhook", GLOBAL_SECRET),
            (
                "per-number URL",
                f"/api/v1/whatsapp/webhook/tok{registered - 1}",
                f"app-secret-of-{registered - 1}",
            ),
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://ingress") as client:
            await _rate(client, cases[0][1], body, cases[0][2], 50)  # warm up
            for label, path, secret in cases:
                elapsed = await _rate(client, path, body, secret, n)
                rows.append(
                    (
                        f"{label}, {registered:,} numbers",
                        n,
                        elapsed,
                        f"{n / elapsed:,.0f} webhooks/s",
                    )
                )
    return rows


def run(n: int) -> list[Row]:
    return asyncio.run(bench_webhook_auth(n))
