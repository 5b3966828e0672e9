"""The end-to-end load generator: virtual contacts running the pizza conversation.

Each virtual contact plays the pizza flow's script step by step with signed webhooks into
ingress, and sends its next answer only once the bot's replies to the previous one reached the
Meta simulator (a real user does not answer before the question arrives). When it sends is set
by a shared `Pacer` that hands out send slots at the offered rate, so the offered load is
fixed (open loop) as long as enough contacts are free; when the system falls behind, contacts
stay busy waiting for replies, slots go out late and the achieved rate drops below the offered
one, which is what the table shows. A finished conversation starts again under a new contact
id, so the router's per-contact rate limit (5/min) never kicks in.

Replies are read from the simulator's `GET /_sim/messages?after=SEQ` by one poller and matched
to the contact they were sent `to`; latency is the simulator's receive time of the first reply
minus the time the webhook POST started (same host, same wall clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from pytake_tools.webhooks import signed, text_webhook


@dataclass(frozen=True)
class Step:
    """One user message and what the bot must answer to it."""

    text: str
    replies: int  # Graph API calls the bot makes in answer
    expect: str  # found in the last of them
    button: str | None = None  # the reply button tapped, if this step is a tap


# /work/shared/fixtures/flows/README.md: the conversation the pizza example produces.
PIZZA: tuple[Step, ...] = (
    Step("hi", 2, "What would you like to do?"),
    Step("Order a pizza", 1, "Which size?", button="order"),
    Step("Medium", 1, "How many medium pizzas?", button="medium"),
    Step("seven", 1, "Please send a number"),
    Step("7", 2, "Your order is on its way"),
)


def webhook_for(step: Step, phone_number_id: str, wa_id: str, wamid: str) -> dict[str, Any]:
    payload = text_webhook(phone_number_id, wa_id, step.text, name="Bench", wamid=wamid)
    if step.button is not None:
        message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
        del message["text"]
        message["type"] = "interactive"
        message["interactive"] = {
            "type": "button_reply",
            "button_reply": {"id": step.button, "title": step.text},
        }
    return payload


def reply_text(body: Any) -> str:
    """The text a user would read in a Graph API send body."""
    if not isinstance(body, dict):
        return ""
    if body.get("type") == "interactive":
        return str(body.get("interactive", {}).get("body", {}).get("text", ""))
    return str(body.get("text", {}).get("body", ""))


@dataclass
class Sample:
    """One user message: when it was due and sent, and the replies seen at the simulator."""

    contact: str
    step: int
    wamid: str
    due: float  # wall clock (Unix seconds) throughout
    sent: float = 0.0
    acked: float = 0.0
    status: int = 0
    replies: list[tuple[float, str, str]] = field(default_factory=list)  # (time, outbound id, text)
    error: str | None = None
    measured: bool = True  # False during warm-up

    @property
    def latency(self) -> float | None:
        """Webhook POST → first reply at the simulator, in seconds."""
        return self.replies[0][0] - self.sent if self.replies and self.error is None else None


class Pacer:
    """Send slots at `rate` per second between `start` and `end` (wall clock)."""

    def __init__(self, rate: float, start: float, end: float) -> None:
        self.rate, self.start, self.end = rate, start, end
        self.issued = 0

    async def slot(self) -> float | None:
        due = self.start + self.issued / self.rate
        if due >= self.end:
            return None
        self.issued += 1
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        return due


class SimWatcher:
    """Polls the simulator for new calls and hands each to the contact waiting for it."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, interval_s: float = 0.02) -> None:
        self._client = client
        self._url = base_url + "/_sim/messages"
        self._interval = interval_s
        self._waiting: dict[str, tuple[Sample, int, asyncio.Event]] = {}
        self.last_seq = 0
        self.refused = 0  # calls the simulator did not accept (faults, validation)
        self.unmatched = 0  # accepted calls to no contact that was waiting

    async def skip_history(self) -> None:
        for record in (await self._client.get(self._url)).json()["messages"]:
            self.last_seq = max(self.last_seq, record["seq"])

    def expect(self, sample: Sample, replies: int) -> asyncio.Event:
        done = asyncio.Event()
        self._waiting[sample.contact] = (sample, replies, done)
        return done

    def forget(self, contact: str) -> None:
        self._waiting.pop(contact, None)

    async def run(self) -> None:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                response = await self._client.get(self._url, params={"after": self.last_seq})
                for record in response.json()["messages"]:
                    self._take(record)
            await asyncio.sleep(self._interval)

    def _take(self, record: dict[str, Any]) -> None:
        self.last_seq = max(self.last_seq, record["seq"])
        if record.get("type") == "read":
            return
        if record["status"] != 200:
            self.refused += 1
            return
        waiting = self._waiting.get((record.get("to") or "").lstrip("+"))
        if waiting is None:
            self.unmatched += 1
            return
        sample, replies, done = waiting
        body = record.get("body") or {}
        sample.replies.append(
            (record["time"], body.get("biz_opaque_callback_data", ""), reply_text(body))
        )
        if len(sample.replies) >= replies:
            done.set()


@dataclass
class LoadPlan:
    ingress_url: str
    app_secret: str
    phone_number_id: str
    rate: float
    contacts: int
    duration_s: float
    warmup_s: float = 2.0
    step_timeout_s: float = 10.0
    run_id: int = 0  # keeps contact ids apart between runs on one stack
    script: tuple[Step, ...] = PIZZA


@dataclass
class LoadResult:
    plan: LoadPlan
    samples: list[Sample]
    window: tuple[float, float]  # the measured part (after warm-up), wall clock
    refused: int
    unmatched: int


async def run_load(plan: LoadPlan, simulator_url: str) -> LoadResult:
    limits = httpx.Limits(max_connections=max(20, plan.contacts), max_keepalive_connections=None)
    async with httpx.AsyncClient(timeout=plan.step_timeout_s, limits=limits) as client:
        watcher = SimWatcher(client, simulator_url)
        await watcher.skip_history()
        poller = asyncio.create_task(watcher.run())
        start = time.time() + 0.2
        measured_from = start + plan.warmup_s
        pacer = Pacer(plan.rate, start, measured_from + plan.duration_s)
        samples: list[Sample] = []
        try:
            await asyncio.gather(
                *(_contact(plan, n, pacer, watcher, client, samples) for n in range(plan.contacts))
            )
        finally:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
    for sample in samples:
        sample.measured = sample.due >= measured_from
    return LoadResult(plan, samples, (measured_from, pacer.end), watcher.refused, watcher.unmatched)


async def _contact(
    plan: LoadPlan,
    n: int,
    pacer: Pacer,
    watcher: SimWatcher,
    client: httpx.AsyncClient,
    samples: list[Sample],
) -> None:
    for conversation in range(10_000):
        # 55 + run (2) + contact (5) + conversation (4): 13 digits, a plausible wa_id.
        wa_id = f"55{plan.run_id % 100:02d}{n:05d}{conversation:04d}"
        for index, step in enumerate(plan.script):
            due = await pacer.slot()
            if due is None:
                return
            sample = Sample(wa_id, index, f"wamid.bench.{uuid.uuid4().hex}", due)
            samples.append(sample)
            if not await _send(plan, step, sample, watcher, client):
                break  # the conversation is out of step: start a new one


async def _send(
    plan: LoadPlan, step: Step, sample: Sample, watcher: SimWatcher, client: httpx.AsyncClient
) -> bool:
    body, headers = signed(
        plan.app_secret, webhook_for(step, plan.phone_number_id, sample.contact, sample.wamid)
    )
    done = watcher.expect(sample, step.replies)
    sample.sent = time.time()
    try:
        response = await client.post(plan.ingress_url, content=body, headers=headers)
        sample.status = response.status_code
    except httpx.HTTPError as exc:
        sample.error = f"ingress: {type(exc).__name__}"
    sample.acked = time.time()
    if sample.error is None and sample.status != 200:
        sample.error = f"ingress answered {sample.status}"
    if sample.error is None:
        try:
            await asyncio.wait_for(done.wait(), plan.step_timeout_s)
        except TimeoutError:
            sample.error = f"{len(sample.replies)}/{step.replies} replies after timeout"
    watcher.forget(sample.contact)
    if sample.error is None and step.expect not in sample.replies[-1][2]:
        sample.error = f"unexpected reply {sample.replies[-1][2]!r}"
    return sample.error is None
