"""Wires the ingress service: producer, config view, the webhook API."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI

from pytake_ingress.api.fastpath import WebhookFastPath
from pytake_ingress.api.webhook import Receiver, build_router
from pytake_ingress.settings import IngressSettings
from pytake_shared.http_errors import install_error_handlers
from pytake_shared.runtime import Runtime
from pytake_shared.wiring import start_config_view, start_producer


async def build(settings: IngressSettings) -> tuple[Runtime, FastAPI, Receiver]:
    runtime = Runtime(settings)
    producer = await start_producer(runtime)
    config = start_config_view(runtime)
    receiver = Receiver(settings, producer, config, lambda: datetime.now(UTC))
    app = FastAPI(title="PyTake ingress", version="1")
    install_error_handlers(app)
    app.include_router(build_router(settings, producer, config, receiver=receiver))
    return runtime, app, receiver


async def run(settings: IngressSettings) -> int:
    runtime, app, receiver = await build(settings)
    return await runtime.serve(app, front=lambda inner: WebhookFastPath(inner, receiver))
