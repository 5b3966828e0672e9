"""Where the time goes: per-stage latency from the topics, CPU per process, py-spy profiles.

`StageTap` reads `wa.inbound`, `conversation.commands` and `wa.outbound` from the start (no
consumer group, so it disturbs no one) and keeps, per inbound wamid (the `correlation_id` of
everything it causes), the envelope time and the Kafka record timestamp (the producer's send
time) of each hop. Joined with the bench's own send time and the simulator's receive time of the
first reply (matched by outbound id), each message's latency splits into stages.
`CpuMeter` reads utime+stime of each process from /proc, so a run can say which process was
busy. `top_frames` summarizes a py-spy raw (collapsed stacks) file.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.e2e_load import Sample
from pytake_shared import contracts as c
from pytake_shared.envelope import Envelope
from pytake_shared.topics import Topics

STAGES = (
    "POST → ingress received",
    "ingress received → wa.inbound sent",
    "wa.inbound → router command sent",
    "command → executor decided",
    "executor decided → wa.outbound sent",
    "wa.outbound → Graph API call at sim",
)


@dataclass
class Hops:
    ingress_time: float = 0.0  # envelope time: when ingress received the webhook
    inbound_ts: float = 0.0  # Kafka timestamps (s): when each producer sent its record
    command_ts: float = 0.0
    outbound: dict[str, tuple[float, float]] = field(default_factory=dict)  # id → (time, ts)


class StageTap:
    def __init__(self, bootstrap: str, topics: Topics) -> None:
        self._consumer = AIOKafkaConsumer(
            topics.wa_inbound,
            topics.commands,
            topics.wa_outbound,
            bootstrap_servers=bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        self._topics = topics
        self.hops: dict[str, Hops] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    async def _run(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=200, max_records=5000)
            for records in batches.values():
                for record in records:
                    self._take(record.topic, record.timestamp / 1000, record.value)

    def _take(self, topic: str, ts: float, value: bytes | None) -> None:
        try:
            env = Envelope.from_bytes(value)
        except Exception:  # not ours to judge: the tap only measures
            return
        wamid = env.correlation_id
        if not wamid or not wamid.startswith("wamid.bench."):
            return
        hops = self.hops.setdefault(wamid, Hops())
        if topic == self._topics.wa_inbound and env.type == c.WA_MESSAGE_RECEIVED:
            hops.ingress_time, hops.inbound_ts = env.time.timestamp(), ts
        elif topic == self._topics.commands and env.type == c.CMD_HANDLE_INBOUND:
            hops.command_ts = ts
        elif topic == self._topics.wa_outbound and env.type == c.OUT_SEND:
            outbound_id = str((env.data or {}).get("outbound_id", ""))
            hops.outbound[outbound_id] = (env.time.timestamp(), ts)


def stage_times(sample: Sample, hops: Hops | None) -> list[float] | None:
    """The six stage durations (s) of one answered message, or None if a hop is missing."""
    if hops is None or not sample.replies or sample.error is not None:
        return None
    at_sim, outbound_id, _ = sample.replies[0]
    if outbound_id not in hops.outbound or not (hops.inbound_ts and hops.command_ts):
        return None
    decided, out_ts = hops.outbound[outbound_id]
    points = [sample.sent, hops.ingress_time, hops.inbound_ts, hops.command_ts, decided, out_ts]
    points.append(at_sim)
    return [b - a for a, b in itertools.pairwise(points)]


# -- CPU --------------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[1]) == pid:
                    found.append(int(entry.name))
    return found


class CpuMeter:
    """CPU seconds per named process (a name may cover a process and its children)."""

    def __init__(self, groups: dict[str, tuple[int, bool]]) -> None:
        self._groups = groups  # name → (pid, with children)
        self._start: dict[str, float] = {}

    def _read(self) -> dict[str, float]:
        out = {}
        for name, (pid, children) in self._groups.items():
            pids = [pid, *(_children(pid) if children else [])]
            out[name] = sum(_cpu_seconds(p) for p in pids)
        return out

    def start(self) -> None:
        self._start = self._read()

    def rss_mb(self) -> dict[str, float]:
        """Resident memory per name now, in MiB (children included where the CPU is)."""
        out = {}
        for name, (pid, children) in self._groups.items():
            pids = [pid, *(_children(pid) if children else [])]
            out[name] = sum(_rss_kib(p) for p in pids) / 1024
        return out

    def percent(self, seconds: float) -> dict[str, float]:
        """CPU use since `start()`, in % of one core (children that came and went are missed)."""
        now = self._read()
        return {
            name: 100 * max(0.0, now[name] - self._start.get(name, 0.0)) / seconds for name in now
        }


# -- profiles ---------------------------------------------------------------------------------


def top_frames(
    raw: str, limit: int = 15
) -> tuple[int, list[tuple[str, int]], list[tuple[str, int]]]:
    """Samples, then the frames most often on top of the stack (self), then those most often
    anywhere in it (inclusive), from py-spy's `--format raw` output. Only samples taken while
    the event loop runs count (start-up imports are left out) and a loop waiting in `select`
    is not work (uvloop waits in C, which py-spy already counts as idle and leaves out)."""
    own: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        # asyncio's loop shows as run_forever; uvloop's (C) only as the Runner.run calling it.
        if not any(f.startswith(("BaseEventLoop.run_forever", "Runner.run ")) for f in frames):
            continue
        if frames[-1].startswith(("EpollSelector.select", "select (selectors.py")):
            continue
        n = int(count)
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            anywhere[frame] += n
    return total, own.most_common(limit), anywhere.most_common(limit)


async def topic_ends(bootstrap: str, topics: Topics) -> dict[str, int]:
    """Each topic's end offsets summed over its partitions (records produced so far; the dev
    broker may count a partition's last batch as one record, so this is a lower bound)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        names = [name for name, _spec in topics.all()]
        parts = [
            TopicPartition(name, p)
            for name in names
            for p in sorted(consumer.partitions_for_topic(name) or ())
        ]
        ends = await consumer.end_offsets(parts) if parts else {}
    finally:
        await consumer.stop()
    out: Counter[str] = Counter()
    for tp, end in ends.items():
        out[tp.topic] += end
    return dict(out)
