"""The simulator over real HTTP: in-process with `run_simulator`, and as `python -m`."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import signal
import socket
import sys
import time
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response

from pytake_tools.metasim import SimulatorSettings, run_simulator, serve_app
from pytake_tools.metasim.testing import text_message

SECRET = "e2e-secret"


def receiver(received: list[dict[str, Any]], done: asyncio.Event, expected: int) -> FastAPI:
    """A webhook endpoint that verifies the signature the way the ingress must."""
    app = FastAPI()

    @app.post("/api/v1/whatsapp/webhook")
    async def webhook(request: Request) -> Response:
        raw = await request.body()
        wanted = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(request.headers.get("x-hub-signature-256", ""), wanted):
            return Response(status_code=403)
        received.append(await request.json())
        if len(received) >= expected:
            done.set()
        return Response(status_code=200)

    return app


async def test_run_simulator_serves_http_and_delivers_signed_webhooks() -> None:
    received: list[dict[str, Any]] = []
    done = asyncio.Event()
    async with serve_app(receiver(received, done, expected=3)) as receiver_url:
        settings = SimulatorSettings(
            webhook_url=f"{receiver_url}/api/v1/whatsapp/webhook",
            app_secret=SECRET,
            status_delays_ms=(10, 20, 30),
            access_tokens=("tok",),
        )
        async with run_simulator(settings) as base_url, httpx.AsyncClient() as client:
            sent = await client.post(
                f"{base_url}/v25.0/106540352242922/messages",
                json=text_message(biz_opaque_callback_data="ctx-1"),
                headers={"Authorization": "Bearer tok"},
            )
            await asyncio.wait_for(done.wait(), timeout=5)
            listed = await client.get(f"{base_url}/_sim/messages", params={"to": "16505551234"})
    assert sent.status_code == 200
    statuses = [b["entry"][0]["changes"][0]["value"]["statuses"][0] for b in received]
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    assert {s["biz_opaque_callback_data"] for s in statuses} == {"ctx-1"}
    assert [m["wamid"] for m in listed.json()["messages"]] == [statuses[0]["id"]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_python_dash_m_serves_until_sigterm_then_exits_cleanly() -> None:
    port = free_port()
    env = {**os.environ, "METASIM_PORT": str(port), "METASIM_SEED": "1"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pytake_tools.metasim",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base_url) as client:
            deadline = time.monotonic() + 10
            while True:
                try:
                    if (await client.get("/_sim/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the simulator did not start"
                await asyncio.sleep(0.05)
            sent = await client.post(
                "/v25.0/1/messages", json=text_message(), headers={"Authorization": "Bearer t"}
            )
        assert sent.status_code == 200
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert b"Uvicorn running" in stderr  # logs go to stderr
