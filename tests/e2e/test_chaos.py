"""Routine infrastructure faults under traffic lose nothing and send nothing twice.

On the real embedded broker and a PostgreSQL of the test's own: the database restarted for
10 s mid-traffic, the sender killed between Meta's acceptance and its ledger write, a handler
with a bug. Every acknowledged webhook is tracked to its Graph API call at the simulator, and
every DLQ is read at the end: nothing may be parked for any of these.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pytake_shared.testing.fixtures import TEST_PARTITIONS
from pytake_shared.topics import dlq
from pytake_tools.stack import Stack, StackConfig
from pytake_tools.webhooks import signed, text_webhook

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")), reason="restarts a PostgreSQL of its own"
    ),
]

NUMBER = "100000000000001"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
async def chaos_stack(
    kafka_bootstrap: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Stack]:
    """A stack with its own embedded PostgreSQL (so it can be restarted), the echo flow and no
    per-contact rate limit (the traffic is dense)."""
    extra: dict[str, str] = {"ROUTER_RATE_LIMIT_PER_MINUTE": "0", **getattr(request, "param", {})}
    commands: dict[str, list[str]] = {}
    if extra.pop("BUGGY_ROUTER", None):
        flag = tmp_path / "router-started"
        commands["router"] = [sys.executable, str(FIXTURES / "buggy_router.py"), str(flag)]
    config = StackConfig.with_free_ports(
        kafka_bootstrap=kafka_bootstrap,
        namespace=f"chaos{uuid.uuid4().hex[:8]}",
        partitions=TEST_PARTITIONS,
        log_dir=tmp_path / "logs",
        demo_flow_file=str(FIXTURES / "echo_flow.json"),
        status_delays_ms="50,100,150",
        extra_env=extra,
        commands=commands,
    )
    stack = Stack(config)
    try:
        await stack.start()
        yield stack
    finally:
        stack.stop()
        for log in sorted((tmp_path / "logs").glob("*.log")):
            text = log.read_text(errors="replace")
            if "Traceback" in text or "supervisor" in text:
                print(f"--- {log.name} ---\n{text[-3000:]}")


class Traffic:
    """Signed webhooks in, as Meta sends them (retried until acknowledged); Graph calls out."""

    def __init__(self, stack: Stack, client: httpx.AsyncClient) -> None:
        self.stack, self.client = stack, client
        self.acked: list[str] = []
        self._seq = 0
        self.calls: list[dict[str, Any]] = []

    async def say(self, contact: str, text: str) -> None:
        body, headers = signed(
            self.stack.config.app_secret, text_webhook(NUMBER, contact, text, name="Chaos")
        )
        while True:
            try:
                r = await self.client.post(self.stack.webhook_url, content=body, headers=headers)
                if r.status_code == 200:
                    self.acked.append(text)
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)  # Meta retries what was not acknowledged

    async def poll(self) -> list[dict[str, Any]]:
        r = await self.client.get(
            self.stack.url("metasim") + "/_sim/messages",
            params={"phone_number_id": NUMBER, "after": str(self._seq)},
        )
        new = r.json()["messages"]
        if new:
            self._seq = max(m["seq"] for m in new)
        self.calls += new
        return self.calls

    def replies(self) -> Counter[str]:
        return Counter(
            c["body"]["text"]["body"].removeprefix("echo ")
            for c in self.calls
            if c["status"] == 200 and c["body"].get("type") == "text"
        )

    async def all_answered(self, timeout: float) -> Counter[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await self.poll()
            if set(self.acked) <= set(self.replies()):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # a late duplicate would land here
        await self.poll()
        return self.replies()


async def _parked(stack: Stack, drain: Any) -> dict[str, int]:
    topics = stack.topics
    names = [
        topics.wa_inbound,
        topics.commands,
        topics.events,
        topics.wa_outbound,
        topics.wa_delivery,
    ]
    found = {name: len(await drain(dlq(name))) for name in names}
    return {name: n for name, n in found.items() if n}


async def test_a_postgresql_restart_mid_traffic_loses_nothing_and_parks_nothing(
    chaos_stack: Stack, drain: Any
) -> None:
    stack = chaos_stack
    assert stack.postgres is not None
    contacts = [f"55119{i:07d}" for i in range(200)]
    async with httpx.AsyncClient(timeout=10) as client:
        traffic = Traffic(stack, client)

        async def send() -> None:  # about 40 messages a second for 24 s
            for n in range(960):
                contact = contacts[n % len(contacts)]
                asyncio.get_running_loop().create_task(traffic.say(contact, f"m{n}-{contact}"))
                await asyncio.sleep(0.025)

        sending = asyncio.create_task(send())
        await asyncio.sleep(6)
        stack.postgres.pause()  # fast shutdown: every connection is cut
        await asyncio.sleep(10)
        stack.postgres.resume()
        await sending
        async with asyncio.timeout(60):
            while len(traffic.acked) < 960:
                await asyncio.sleep(0.2)
        replies = await traffic.all_answered(timeout=120)
    missing = [t for t in traffic.acked if replies[t] == 0]
    doubled = [t for t, n in replies.items() if n > 1]
    assert (len(missing), len(doubled)) == (0, 0), (missing[:5], doubled[:5])
    assert await _parked(stack, drain) == {}
    assert stack.restarts == {}  # nobody crashed: they waited for the database


@pytest.mark.parametrize(
    "chaos_stack",
    # Meta accepts each send but answers only after 4 s: the sender is killed meanwhile.
    [
        {
            "METASIM_ERROR_RATE": "1.0",
            "METASIM_ERROR_KINDS": "lost_answer",
            "METASIM_TIMEOUT_SECONDS": "4",
        }
    ],
    indirect=True,
)
async def test_the_sender_killed_between_metas_acceptance_and_its_ledger_write_sends_once(
    chaos_stack: Stack, drain: Any
) -> None:
    stack = chaos_stack
    contacts = [f"55219{i:07d}" for i in range(5)]
    async with httpx.AsyncClient(timeout=10) as client:
        traffic = Traffic(stack, client)
        for contact in contacts:
            await traffic.say(contact, f"once-{contact}")
        async with asyncio.timeout(30):
            while len(traffic.replies()) < len(contacts):  # recorded by Meta, not yet answered
                await traffic.poll()
                await asyncio.sleep(0.1)
        stack.processes["sender"].kill()  # the supervisor starts it again
        r = await client.patch(stack.url("metasim") + "/_sim/faults", json={"error_rate": 0.0})
        assert r.status_code == 200
        async with asyncio.timeout(60):
            while stack.restarts.get("sender", 0) < 1:
                await asyncio.sleep(0.1)
        await stack.wait_ready("sender")
        await asyncio.sleep(5)  # a second call, were one made, would be here by now
        replies = await traffic.all_answered(timeout=10)
        api = stack.url("analytics") + "/api/v1"
        login = await client.post(
            f"{api}/auth/login",
            json={"email": stack.config.admin_email, "password": stack.config.admin_password},
        )
        auth = {"Authorization": f"Bearer {login.json()['token']['access_token']}"}
        history = (await client.get(f"{api}/conversations/{contacts[0]}", headers=auth)).json()
    assert replies == Counter({f"once-{c}": 1 for c in contacts})
    out = [m for m in history["messages"] if m["direction"] == "out"]
    assert [m["status"] for m in out] in (["delivered"], ["read"], ["sent"])
    assert await _parked(stack, drain) == {}


@pytest.mark.parametrize("chaos_stack", [{"BUGGY_ROUTER": "1"}], indirect=True)
async def test_a_handler_bug_makes_the_service_exit_and_come_back_and_parks_nothing(
    chaos_stack: Stack, drain: Any
) -> None:
    stack = chaos_stack
    async with httpx.AsyncClient(timeout=10) as client:
        traffic = Traffic(stack, client)
        await traffic.say("5531900000001", "before")
        await traffic.say("5531900000002", "trigger a bug")
        await traffic.say("5531900000003", "after")
        replies = await traffic.all_answered(timeout=60)
    assert stack.restarts == {"router": 1}
    assert "exited with 1" in stack.events[0]
    assert replies == Counter({"before": 1, "trigger a bug": 1, "after": 1})
    assert await _parked(stack, drain) == {}


@pytest.mark.skipif(
    bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS")), reason="restarts a broker of its own"
)
async def test_every_service_reconnects_by_itself_after_the_dev_broker_restarts(
    tmp_path: Path,
) -> None:
    """The in-memory broker comes back empty: ingress answers 503 while it is away, then
    every service notices, recreates the topics and starts afresh, and messages flow again."""
    config = StackConfig.with_free_ports(
        namespace=f"brk{uuid.uuid4().hex[:6]}",
        partitions=TEST_PARTITIONS,
        log_dir=tmp_path / "logs",
        demo_flow_file=str(FIXTURES / "echo_flow.json"),
        status_delays_ms="50",
        extra_env={"INGRESS_ACK_TIMEOUT_S": "2"},
    )
    stack = Stack(config)
    try:
        await stack.start()
        assert stack.broker is not None
        async with httpx.AsyncClient(timeout=10) as client:
            traffic = Traffic(stack, client)
            await traffic.say("5541900000001", "before")
            assert (await traffic.all_answered(timeout=30))["before"] == 1
            stack.broker.kill()
            body, headers = signed(
                stack.config.app_secret, text_webhook(NUMBER, "5541900000002", "lost?")
            )
            r = await client.post(stack.webhook_url, content=body, headers=headers)
            assert r.status_code == 503  # not acknowledged: Meta would retry it
            stack.broker.start()
            async with asyncio.timeout(60):
                while len(stack.restarts) < 5:  # each notices on its own
                    await asyncio.sleep(0.2)
                for name in ("analytics", "ingress", "router", "executor", "sender"):
                    await stack.wait_ready(name)
            await traffic.say("5541900000003", "after")
            replies = await traffic.all_answered(timeout=30)
        assert replies["after"] == 1
        assert set(stack.restarts) == {"analytics", "ingress", "router", "executor", "sender"}
    finally:
        stack.stop()
