"""Wires the ingress service: producer, config view, the webhook API."""

from __future__ import annotations

from fastapi import FastAPI

from pytake_ingress.api.webhook import build_router
from pytake_ingress.settings import IngressSettings
from pytake_shared.http_errors import install_error_handlers
from pytake_shared.runtime import Runtime
from pytake_shared.wiring import start_config_view, start_producer


async def build(settings: IngressSettings) -> tuple[Runtime, FastAPI]:
    runtime = Runtime(settings)
    producer = await start_producer(runtime)
    config = start_config_view(runtime)
    app = FastAPI(title="PyTake ingress", version="1")
    install_error_handlers(app)
    app.include_router(build_router(settings, producer, config))
    return runtime, app


async def run(settings: IngressSettings) -> int:
    runtime, app = await build(settings)
    return await runtime.serve(app)
