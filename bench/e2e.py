"""`python -m bench e2e`: the whole system under load, webhook in to Graph API call out.

Starts the stack `pytake dev` runs (embedded Tansu and PostgreSQL unless
`KAFKA_BOOTSTRAP_SERVERS` / `DATABASE_URL` are set, the five services and the Meta simulator as
processes, status webhooks on) with the pizza example as the demo chatbot's flow, then for each
offered rate runs virtual contacts through the pizza conversation (`bench.e2e_load`) and prints
offered vs achieved inbound messages per second, latency from webhook POST to the first reply's
Graph API call at the simulator (p50/p95/p99/max), the ingress answer time and errors; then,
per rate, the latency split into stages from the topics' timestamps and the CPU each process
used. `--find-max` steps the rate up until p99 reaches 500 ms (or the rate is not sustained, or
errors appear) and reports the last rate that passed. `--profile SERVICE` runs that service
under py-spy and prints its hottest frames.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bench.e2e_load import LoadPlan, LoadResult, run_load
from bench.e2e_stages import STAGES, CpuMeter, StageTap, stage_times, top_frames
from pytake_tools.stack import Stack, StackConfig

FLOW = Path(__file__).parent / "fixtures" / "pizza_order.json"
NUMBER = "100000000000001"  # the demo number analytics seeds
P99_TARGET_S = 0.5
SUSTAINED = 0.95  # achieved / offered at or above this counts as sustained


def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


@dataclass
class Row:
    offered: float
    achieved: float
    sent: int
    contacts: int
    p50: float  # seconds throughout
    p95: float
    p99: float
    max: float
    ack_p99: float
    errors: int
    stages: list[tuple[str, float, float, float]]  # stage, p50, p95, p99
    cpu: dict[str, float]
    error_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return (
            self.errors == 0
            and self.achieved >= SUSTAINED * self.offered
            and (self.p99 < P99_TARGET_S)
        )


def summarize(result: LoadResult, tap: StageTap | None, cpu: dict[str, float]) -> Row:
    begin, end = result.window
    measured = [s for s in result.samples if s.measured]
    sent = [s for s in measured if s.status == 200 and begin <= s.sent <= end]
    latencies = [s.latency for s in measured if s.latency is not None]
    errors = sum(1 for s in measured if s.error is not None) + result.refused
    stages: list[tuple[str, float, float, float]] = []
    if tap is not None:
        split = [t for s in measured if (t := stage_times(s, tap.hops.get(s.wamid))) is not None]
        for index, name in enumerate(STAGES):
            column = [t[index] for t in split]
            stages.append(
                (name, percentile(column, 50), percentile(column, 95), percentile(column, 99))
            )
    return Row(
        offered=result.plan.rate,
        achieved=len(sent) / (end - begin),
        sent=len(sent),
        contacts=result.plan.contacts,
        p50=percentile(latencies, 50),
        p95=percentile(latencies, 95),
        p99=percentile(latencies, 99),
        max=max(latencies, default=math.nan),
        ack_p99=percentile([s.acked - s.sent for s in measured if s.status == 200], 99),
        errors=errors,
        stages=stages,
        cpu=cpu,
        error_kinds=dict(
            Counter(
                (s.error or "").split(" '")[0] for s in measured if s.error is not None
            ).most_common(3)
        )
        | ({"refused by simulator": result.refused} if result.refused else {}),
    )


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.0f}"


def table(rows: list[Row]) -> str:
    head = (
        f"{'offered/s':>9} {'achieved/s':>10} {'sent':>6} {'contacts':>8} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'p99 ms':>7} {'max ms':>7} {'ack p99':>7} {'errors':>6}  p99<500"
    )
    lines = [head]
    for r in rows:
        lines.append(
            f"{r.offered:>9.1f} {r.achieved:>10.1f} {r.sent:>6} {r.contacts:>8} {_ms(r.p50):>7} "
            f"{_ms(r.p95):>7} {_ms(r.p99):>7} {_ms(r.max):>7} {_ms(r.ack_p99):>7} "
            f"{r.errors:>6}  {'yes' if r.passed else 'no'}"
        )
    return "\n".join(lines)


def details(row: Row) -> str:
    lines = [f"\nat {row.offered:g} msgs/s offered: latency by stage (first reply, ms)"]
    lines.append(f"  {'stage':<40} {'p50':>6} {'p95':>6} {'p99':>6}")
    for name, p50, p95, p99 in row.stages:
        lines.append(f"  {name:<40} {_ms(p50):>6} {_ms(p95):>6} {_ms(p99):>6}")
    lines.append("  CPU, % of one core: " + ", ".join(f"{k} {v:.0f}" for k, v in row.cpu.items()))
    if row.error_kinds:
        lines.append("  errors: " + ", ".join(f"{k} x{n}" for k, n in row.error_kinds.items()))
    return "\n".join(lines)


@dataclass
class Options:
    rates: list[float]
    contacts: int  # 0 = twice the rate: each contact answers about every 2 s
    duration_s: float
    warmup_s: float
    find_max: bool
    start_rate: float
    step_rate: float
    max_rate: float
    profile: str
    stages: bool
    partitions: int
    status_delays_ms: str
    pause_s: float = 3.0
    env: dict[str, str] = field(default_factory=dict)


def _spy_wrapper(service: str, out: Path) -> list[str]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        raise SystemExit("--profile needs py-spy: pip install -c constraints.txt py-spy")
    return [spy, "record", "--format", "raw", "--rate", "50", "-o", str(out), "--"]


async def run(
    opts: Options,
    *,
    kafka_bootstrap: str | None = None,
    database_url: str | None = None,
    log_dir: Path | None = None,
    out: TextIO = sys.stdout,
) -> list[Row]:
    """Start the stack, run every rate (or the step sweep), print as it goes, stop the stack."""

    def emit(text: str) -> None:
        print(text, file=out, flush=True)

    work = Path(tempfile.mkdtemp(prefix="pytake-bench-e2e-"))
    profile_out = work / f"{opts.profile}.pyspy.txt"
    config = StackConfig.with_free_ports(
        kafka_bootstrap=kafka_bootstrap,
        database_url=database_url,
        database_name="bench",
        namespace=f"bench{uuid.uuid4().hex[:6]}",
        partitions=opts.partitions,
        log_dir=log_dir or work / "logs",
        demo_flow_file=str(FLOW),
        status_delays_ms=opts.status_delays_ms,
        # The number is on Meta's 1,000 msg/s tier: at the default 80, two replies per message
        # queue in the sender past 40 inbound msg/s and pacing would be what is measured.
        extra_env={"SENDER_DEFAULT_MPS": "1000", **opts.env},
        wrappers={opts.profile: _spy_wrapper(opts.profile, profile_out)} if opts.profile else {},
    )
    stack = Stack(config)
    rows: list[Row] = []
    tap: StageTap | None = None
    try:
        started = time.monotonic()
        await stack.start()
        emit(f"stack up in {time.monotonic() - started:.1f}s (logs in {config.log_dir})")
        if opts.stages:
            tap = StageTap(stack.bootstrap, stack.topics)
            await tap.start()
        meter = CpuMeter(_cpu_groups(stack))
        rates = (
            _steps(opts.start_rate, opts.step_rate, opts.max_rate) if opts.find_max else opts.rates
        )
        for run_id, rate in enumerate(rates):
            contacts = opts.contacts or max(3, math.ceil(2 * rate))
            plan = LoadPlan(
                ingress_url=stack.webhook_url,
                app_secret=config.app_secret,
                phone_number_id=NUMBER,
                rate=rate,
                contacts=contacts,
                duration_s=opts.duration_s,
                warmup_s=opts.warmup_s,
                run_id=run_id,
            )
            load = asyncio.create_task(run_load(plan, stack.url("metasim")))
            await asyncio.sleep(0.2 + opts.warmup_s)
            meter.start()
            await asyncio.sleep(opts.duration_s)
            cpu = meter.percent(opts.duration_s)
            result = await load
            await asyncio.sleep(1.0)  # the tap catches up with the last records
            row = summarize(result, tap, cpu)
            rows.append(row)
            emit(table([row]).splitlines()[-1] if len(rows) > 1 else table([row]))
            if opts.find_max and not row.passed:
                break
            await asyncio.sleep(opts.pause_s)  # status webhooks of this run settle
        emit("\n" + table(rows))
        for row in rows:
            emit(details(row))
        if opts.find_max:
            best = [r.offered for r in rows if r.passed]
            emit(
                f"\nhighest rate sustained with p99 < {P99_TARGET_S * 1000:.0f} ms: "
                + (f"{max(best):g} msgs/s" if best else "none of the rates tried")
            )
    finally:
        if tap is not None:
            await tap.stop()
        if opts.profile and opts.profile in stack.processes:
            # py-spy writes its file on SIGINT (and then ends the service it runs).
            proc = stack.processes[opts.profile]
            proc.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(30)
        stack.stop()
    if opts.profile and profile_out.exists():
        emit(profile_report(opts.profile, profile_out.read_text()))
    return rows


def profile_report(service: str, raw: str) -> str:
    total, own, anywhere = top_frames(raw)
    lines = [f"\npy-spy profile of {service}: {total} samples at 50/s, event loop busy only"]
    lines.append("  self (on top of the stack):")
    lines += [f"    {100 * n / max(total, 1):5.1f}%  {frame}" for frame, n in own]
    lines.append("  inclusive (anywhere in the stack):")
    lines += [f"    {100 * n / max(total, 1):5.1f}%  {frame}" for frame, n in anywhere]
    return "\n".join(lines)


def _steps(start: float, step: float, top: float) -> list[float]:
    return [start + i * step for i in range(int((top - start) / step) + 1)]


def _cpu_groups(stack: Stack) -> dict[str, tuple[int, bool]]:
    groups = {name: (proc.pid, True) for name, proc in stack.processes.items()}
    if stack.broker is not None and stack.broker.proc is not None:
        groups["broker"] = (stack.broker.proc.pid, False)
    if stack.postgres is not None and stack.postgres.pid:
        groups["postgres"] = (stack.postgres.pid, True)
    groups["bench"] = (os.getpid(), False)
    return groups


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("e2e")
    group.add_argument(
        "--rate",
        type=float,
        nargs="+",
        default=[5.0, 10.0, 20.0],
        help="offered inbound messages/s; several values run in turn",
    )
    group.add_argument(
        "--contacts",
        type=int,
        default=0,
        help="concurrent contacts (default: 2 x rate, at least 3)",
    )
    group.add_argument("--duration", type=float, default=20.0, help="measured seconds per rate")
    group.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds per rate")
    group.add_argument(
        "--find-max",
        action="store_true",
        help="step the rate up until p99 >= 500 ms; report the last that passed",
    )
    group.add_argument("--start-rate", type=float, default=10.0)
    group.add_argument("--step-rate", type=float, default=10.0)
    group.add_argument("--max-rate", type=float, default=300.0)
    group.add_argument(
        "--profile",
        default="",
        metavar="SERVICE",
        choices=["", "ingress", "router", "executor", "sender", "analytics", "metasim"],
        help="run this service under py-spy and print its hottest frames",
    )
    group.add_argument("--no-stages", action="store_true", help="skip the per-stage breakdown")
    group.add_argument("--partitions", type=int, default=12)
    group.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for every process of the stack (repeatable)",
    )
    group.add_argument(
        "--status-delays-ms",
        default="300,1000,2500",
        help="the simulator's sent/delivered/read webhooks ('' for none)",
    )


def options(args: argparse.Namespace) -> Options:
    return Options(
        rates=list(args.rate),
        contacts=args.contacts,
        duration_s=args.duration,
        warmup_s=args.warmup,
        find_max=args.find_max,
        start_rate=args.start_rate,
        step_rate=args.step_rate,
        max_rate=args.max_rate,
        profile=args.profile,
        stages=not args.no_stages,
        partitions=args.partitions,
        status_delays_ms=args.status_delays_ms,
        env=dict(item.split("=", 1) for item in args.env),
    )
