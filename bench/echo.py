"""`python -m bench echo`: Meta's real traffic on the echo flow, everything on this machine.

One open-loop generator writes signed text webhooks into ingress at the offered rate; the bench
itself is the Graph API (the sender points at it): it answers each send with a wamid and, with
`--statuses meta` (the default), posts Meta's three signed status webhooks back (sent, delivered,
read), so ingress sees four webhooks per inbound message, as in production. Both sides use a
lean HTTP client and server (`bench/lean_http.py`) so the bench is not what saturates.

For each rate: inbound offered vs achieved, latency from the webhook POST to the echo's Graph
API call (p50/p95/p99), the ingress acknowledgement p99, errors, and the CPU each process spent
per inbound message (ms), from the processes' own counters.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import math
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from bench.e2e import _cpu_groups, percentile, profile_report
from bench.e2e_stages import CpuMeter, topic_ends
from bench.lean_http import LeanClient, LeanServer
from pytake_tools.stack import Stack, StackConfig

FLOW = Path(__file__).parents[1] / "tests" / "e2e" / "fixtures" / "echo_flow.json"
NUMBER = "100000000000001"
STATUSES = ("sent", "delivered", "read")
IDLE_S = 10.0  # the stack's CPU with no traffic, measured before the rates
LATENCY_TARGET_S = 0.25
ACK_TARGET_S = 0.05


def _sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def _text_webhook(contact: str, text: str, wamid: str, now: int) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100001", "phone_number_id": NUMBER},
        "contacts": [{"profile": {"name": "Bench"}, "wa_id": contact}],
        "messages": [
            {
                "from": contact,
                "id": wamid,
                "timestamp": str(now),
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    return orjson.dumps(_entry(value))


def _status_webhook(wamid: str, to: str, status: str, opaque: str | None, now: int) -> bytes:
    item: dict[str, object] = {
        "id": wamid,
        "status": status,
        "timestamp": str(now),
        "recipient_id": to,
    }
    if opaque:
        item["biz_opaque_callback_data"] = opaque
    if status != "read":
        item["pricing"] = {
            "billable": False,
            "pricing_model": "PMP",
            "category": "service",
            "type": "free_customer_service",
        }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550100001", "phone_number_id": NUMBER},
        "statuses": [item],
    }
    return orjson.dumps(_entry(value))


def _entry(value: dict[str, object]) -> dict[str, object]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


@dataclass
class Run:
    rate: float
    sent: dict[str, float] = field(default_factory=dict)  # token -> when the POST started
    acks: list[float] = field(default_factory=list)
    replied: dict[str, float] = field(default_factory=dict)  # token -> when Graph got the echo
    errors: Counter[str] = field(default_factory=Counter)
    statuses_posted: int = 0


class Bench:
    """The load generator and the Graph API stand-in of one stack."""

    def __init__(self, secret: str, statuses: bool, delays_ms: tuple[int, ...]) -> None:
        self._secret = secret.encode()
        self._statuses = statuses
        self._delays = delays_ms
        self.graph = LeanServer(self._graph)
        self.ingress: LeanClient | None = None
        self.run: Run | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._seq = itertools.count()

    async def _graph(self, method: str, path: str, body: bytes) -> tuple[int, bytes]:
        if method != "POST" or not path.endswith("/messages"):
            return 404, b'{"error":{"message":"unknown path","code":100}}'
        request = orjson.loads(body)
        wamid = f"wamid.bench{next(self._seq)}"
        to = str(request.get("to") or "").lstrip("+")
        if request.get("status") == "read":  # a mark-as-read
            return 200, b'{"success":true}'
        text = str((request.get("text") or {}).get("body") or "")
        run = self.run
        if run is not None and text.startswith("echo "):
            run.replied.setdefault(text.removeprefix("echo "), time.monotonic())
        if self._statuses:
            opaque = request.get("biz_opaque_callback_data")
            self._spawn(self._post_statuses(wamid, to, opaque))
        answer = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": wamid}],
        }
        return 200, orjson.dumps(answer)

    def _spawn(self, coro: object) -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post_statuses(self, wamid: str, to: str, opaque: str | None) -> None:
        started = time.monotonic()
        for status, delay in zip(STATUSES, self._delays, strict=False):
            await asyncio.sleep(max(0.0, started + delay / 1000 - time.monotonic()))
            body = _status_webhook(wamid, to, status, opaque, int(time.time()))
            await self._post(body, count_status=True)

    async def _post(self, body: bytes, count_status: bool = False) -> int:
        assert self.ingress is not None
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature-256": _sign(self._secret, body),
        }
        for _ in range(20):  # as Meta does, a webhook not acknowledged is retried
            status = await self.ingress.post(body, headers)
            if status == 200:
                if count_status and self.run is not None:
                    self.run.statuses_posted += 1
                return status
            if self.run is not None:
                self.run.errors[f"ingress {status}"] += 1
            await asyncio.sleep(0.5)
        return 0

    async def inbound(self, run: Run, contact: str, token: str) -> None:
        body = _text_webhook(contact, token, f"wamid.in.{token}", int(time.time()))
        started = time.monotonic()
        run.sent[token] = started
        if await self._post(body) == 200:
            run.acks.append(time.monotonic() - started)

    async def load(self, run: Run, duration_s: float, contacts: int) -> None:
        self.run = run
        people = [f"55{9_000_000_000 + i}" for i in range(contacts)]
        tag = uuid.uuid4().hex[:6]
        total = int(run.rate * duration_s)
        begin = time.monotonic()
        for n in range(total):
            due = begin + n / run.rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self._spawn(self.inbound(run, people[n % contacts], f"{tag}-{n}"))

    async def drain(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        run = self.run
        while run is not None and time.monotonic() < deadline:
            if set(run.sent) <= set(run.replied) and not any(not t.done() for t in self._tasks):
                return
            await asyncio.sleep(0.2)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.ingress is not None:
            await self.ingress.close()
        await self.graph.stop()


@dataclass
class Row:
    rate: float
    achieved: float
    replies: float
    statuses: float
    p50: float
    p95: float
    p99: float
    ack_p99: float
    lost: int
    errors: int
    cpu_ms: dict[str, float]

    @property
    def passed(self) -> bool:
        return (
            self.lost == 0
            and self.achieved >= 0.95 * self.rate
            and self.p99 <= LATENCY_TARGET_S
            and self.ack_p99 <= ACK_TARGET_S
        )


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.0f}"


def table(rows: list[Row]) -> str:
    names = list(rows[0].cpu_ms) if rows else []
    head = (
        f"{'offered/s':>9} {'in/s':>6} {'echo/s':>6} {'stat/s':>6} {'p50':>5} {'p95':>5} "
        f"{'p99':>5} {'ack p99':>7} {'lost':>5} {'err':>4}  ok | CPU ms per inbound message: "
        + " ".join(f"{n[:9]:>9}" for n in names)
        + f" {'total':>7}"
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"{r.rate:>9.0f} {r.achieved:>6.0f} {r.replies:>6.0f} {r.statuses:>6.0f} "
            f"{_ms(r.p50):>5} {_ms(r.p95):>5} {_ms(r.p99):>5} {_ms(r.ack_p99):>7} {r.lost:>5} "
            f"{r.errors:>4}  {'yes' if r.passed else 'no ':>3} |"
            + " " * 27
            + " ".join(f"{r.cpu_ms[n]:>9.2f}" for n in names)
            + f" {sum(r.cpu_ms.values()):>7.2f}"
        )
    return "\n".join(lines)


@dataclass
class Options:
    rates: list[float]
    duration_s: float
    statuses: bool
    delays_ms: tuple[int, ...]
    partitions: int
    env: dict[str, str]
    profile: list[str] = field(default_factory=list)
    drain_s: float = 60.0


def _spy(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    """py-spy attached to a running service for `seconds` (raw collapsed stacks into `out`)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    argv = [spy, "record", "--pid", str(pid), "--rate", "50", "--duration", str(int(seconds))]
    argv += ["--format", "raw", "--output", str(out), "--nonblocking"]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def run(opts: Options) -> list[Row]:
    work = Path(tempfile.mkdtemp(prefix="pytake-bench-echo-"))
    rows: list[Row] = []
    bench: Bench | None = None
    stack: Stack | None = None
    try:
        config = StackConfig.with_free_ports(
            namespace=f"echo{uuid.uuid4().hex[:6]}",
            partitions=opts.partitions,
            log_dir=work / "logs",
            demo_flow_file=str(FLOW),
            status_delays_ms="",  # the bench posts Meta's statuses itself
            # Thousands of contacts each write every few seconds: the per-contact limit and
            # the pair rate would be the bench's subject, not the pipeline. The number is one
            # Meta has raised to 1,000 msg/s (at 80, the default, any rate past 80 queues).
            extra_env={
                "ROUTER_RATE_LIMIT_PER_MINUTE": "0",
                "SENDER_PAIR_BURST": "1000",
                "SENDER_DEFAULT_MPS": "1000",
                **opts.env,
            },
        )
        bench = Bench(config.app_secret, opts.statuses, opts.delays_ms)
        config.graph_api_base_url = await bench.graph.start()
        stack = Stack(config)
        started = time.monotonic()
        await stack.start()
        print(
            f"stack up in {time.monotonic() - started:.1f}s (logs in {config.log_dir})", flush=True
        )
        bench.ingress = LeanClient(stack.webhook_url, connections=128)
        meter = CpuMeter(_cpu_groups(stack))
        warm = Run(rate=5)
        await bench.load(warm, 2, 5)
        await bench.drain(30)
        meter.start()
        await asyncio.sleep(IDLE_S)
        idle = meter.percent(IDLE_S)
        print(
            "idle, % of a core: "
            + ", ".join(f"{name} {pct:.1f}" for name, pct in sorted(idle.items()))
            + f"; total {sum(idle.values()):.1f}",
            flush=True,
        )
        total_in = 0
        for rate in opts.rates:
            current = Run(rate=rate)
            contacts = max(int(4 * rate), 10)
            spies = {
                name: _spy(stack.processes[name].pid, opts.duration_s, work / f"{name}-{rate}.txt")
                for name in opts.profile
                if name in stack.processes
            }
            ends = await topic_ends(stack.bootstrap, stack.topics)
            meter.start()
            t0 = time.monotonic()
            await bench.load(current, opts.duration_s, contacts)
            await bench.drain(opts.drain_s)
            elapsed = time.monotonic() - t0
            for name, proc in spies.items():
                await asyncio.to_thread(proc.wait)
                out = work / f"{name}-{rate}.txt"
                if out.exists():
                    print(profile_report(f"{name} at {rate:.0f}/s", out.read_text()), flush=True)
            cpu = meter.percent(elapsed)
            rows.append(_row(current, opts.duration_s, elapsed, cpu))
            print(table(rows[-1:]).splitlines()[-1] if len(rows) > 1 else table(rows), flush=True)
            total_in += len(current.sent)
            after = await topic_ends(stack.bootstrap, stack.topics)
            per = {t: (n - ends.get(t, 0)) / max(len(current.sent), 1) for t, n in after.items()}
            print(
                "  records per inbound message: "
                + ", ".join(
                    f"{t.removeprefix(stack.config.namespace + '.')} {v:.1f}"
                    for t, v in sorted(per.items())
                    if v >= 0.05
                )
                + f"; total {sum(per.values()):.1f}",
                flush=True,
            )
            print(
                f"  RSS MiB after {total_in} inbound messages: "
                + ", ".join(f"{n} {mb:.0f}" for n, mb in sorted(meter.rss_mb().items())),
                flush=True,
            )
            await asyncio.sleep(2)
        print("\n" + table(rows), flush=True)
    finally:
        if bench is not None:
            await bench.close()
        if stack is not None:
            stack.stop()
    return rows


def _row(run: Run, duration_s: float, elapsed_s: float, cpu_percent: dict[str, float]) -> Row:
    latencies = [run.replied[t] - run.sent[t] for t in run.sent if t in run.replied]
    messages = max(1, len(run.sent))
    # % of a core over the elapsed time → CPU ms per inbound message
    cpu_ms = {
        name: pct / 100 * elapsed_s * 1000 / messages for name, pct in sorted(cpu_percent.items())
    }
    return Row(
        rate=run.rate,
        achieved=len(run.acks) / duration_s,
        replies=len(run.replied) / duration_s,
        statuses=run.statuses_posted / duration_s,
        p50=percentile(latencies, 50),
        p95=percentile(latencies, 95),
        p99=percentile(latencies, 99),
        ack_p99=percentile(run.acks, 99),
        lost=len(set(run.sent) - set(run.replied)),
        errors=sum(run.errors.values()),
        cpu_ms=cpu_ms,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("echo")
    group.add_argument(
        "--echo-rate",
        type=float,
        nargs="+",
        default=[50.0, 100.0],
        help="offered inbound messages/s of the echo job; several run in turn",
    )
    group.add_argument("--echo-duration", type=float, default=20.0)
    group.add_argument(
        "--statuses",
        choices=["meta", "none"],
        default="meta",
        help="post Meta's sent/delivered/read webhook for every reply",
    )
    group.add_argument(
        "--status-delays", default="100,300,600", help="ms after the send for each status"
    )
    group.add_argument(
        "--echo-profile",
        nargs="+",
        default=[],
        metavar="SERVICE",
        help="attach py-spy to these services during each rate and print their hottest frames",
    )


def options(args: argparse.Namespace) -> Options:
    return Options(
        rates=list(args.echo_rate),
        duration_s=args.echo_duration,
        statuses=args.statuses == "meta",
        delays_ms=tuple(int(d) for d in args.status_delays.split(",") if d),
        partitions=args.partitions,
        env=dict(item.split("=", 1) for item in args.env),
        profile=list(args.echo_profile),
    )
