"""`python -m bench recovery`: how long a service is gone after `kill -9`, and after a broker
restart, on a whole stack (the supervisor restarts what dies, as Kubernetes would).

For each of router, executor and sender: kill it, send one message at once, and time until its
reply reaches the Meta simulator; the same with PostgreSQL stopped for 10 s. The first column is
the process being up again (`/readyz`), the second the first reply to a message sent at the
instant of the kill: the group working again. Run alone on the machine (two stacks or a
benchmark beside it would measure each other).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from pytake_tools.stack import Stack, StackConfig
from pytake_tools.webhooks import signed, text_webhook

FLOW = Path(__file__).parents[1] / "tests" / "e2e" / "fixtures" / "echo_flow.json"
NUMBER = "100000000000001"
Row = tuple[str, int, float, str]


async def _reply_after(stack: Stack, client: httpx.AsyncClient, text: str, since: float) -> float:
    contact = "5511" + str(uuid.uuid4().int)[:9]
    body, headers = signed(stack.config.app_secret, text_webhook(NUMBER, contact, text))
    while (await client.post(stack.webhook_url, content=body, headers=headers)).status_code != 200:
        await asyncio.sleep(0.05)
    url = stack.url("metasim") + "/_sim/messages"
    while True:
        calls = (await client.get(url, params={"to": contact})).json()["messages"]
        if any(c["status"] == 200 for c in calls):
            return time.monotonic() - since
        await asyncio.sleep(0.05)


async def bench_recovery() -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="pytake-bench-") as tmp:
        config = StackConfig.with_free_ports(
            namespace=f"rec{uuid.uuid4().hex[:6]}",
            log_dir=Path(tmp) / "logs",
            demo_flow_file=str(FLOW),
        )
        stack = Stack(config)
        await stack.start()
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                warm = await _reply_after(stack, client, "warm up", time.monotonic())
                rows.append(("reply, nothing killed", 1, warm, "baseline"))
                for name in ("router", "executor", "sender"):
                    await asyncio.sleep(3)
                    killed = time.monotonic()
                    stack.processes[name].kill()
                    reply = asyncio.create_task(_reply_after(stack, client, name, killed))
                    while stack.restarts.get(name, 0) < 1:
                        await asyncio.sleep(0.05)
                    await stack.wait_ready(name)
                    up = time.monotonic() - killed
                    rows.append(
                        (f"kill -9 {name}: first reply", 1, await reply, f"up in {up:.1f}s")
                    )
                if stack.postgres is not None:
                    await asyncio.sleep(3)
                    stopped = time.monotonic()
                    stack.postgres.pause()
                    reply = asyncio.create_task(_reply_after(stack, client, "db", stopped))
                    await asyncio.sleep(10)
                    stack.postgres.resume()
                    waited = await reply
                    rows.append(("PostgreSQL down 10 s: first reply", 1, waited, "from the stop"))
        finally:
            stack.stop()
    return rows


def run() -> list[Row]:
    return asyncio.run(bench_recovery())
