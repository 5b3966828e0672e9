"""The pieces under `pytake replay`: progress line, time arguments, filters, summaries, topic
names, the reader's stop on silence (real broker), and `--help` on every subcommand."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from pytake_shared.envelope import Envelope
from pytake_shared.history import Entry
from pytake_shared.kafka import Producer
from pytake_shared.kafka.reader import Bounds, Plan, TopicReader, partition_for_key, resolve_topic
from pytake_shared.settings import ServiceSettings
from pytake_shared.summary import summarize
from pytake_shared.topics import Topics
from pytake_tools.cli import main
from pytake_tools.progress import Progress
from pytake_tools.timeline import Filters, parse_time, timeline_line

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_draws_count_percent_and_rate_then_ends_the_line() -> None:
    stream, clock = io.StringIO(), FakeClock()
    bar = Progress(200, "reading t", stream=stream, enabled=True, clock=clock)
    clock.now += 2
    bar.advance(50)
    assert stream.getvalue() == "\rreading t: 50/200   25.0%  25/s  2.0s"
    bar.advance(10)  # same instant: not redrawn (at most 10 redraws a second)
    assert stream.getvalue().count("\r") == 1
    clock.now += 1
    bar.advance(240)  # past the total (the dev broker under-reports ends): no percentage
    # Padded with spaces over the longer line drawn before.
    assert stream.getvalue().endswith("\rreading t: 300/200  100/s  3.0s" + " " * 6)
    bar.close()
    bar.close()
    assert stream.getvalue().endswith("\n") and stream.getvalue().count("\n") == 1


def test_progress_stays_silent_off_a_terminal_unless_asked() -> None:
    stream = io.StringIO()  # not a TTY
    with Progress(10, "x", stream=stream) as bar:
        bar.advance(10)
    assert stream.getvalue() == "" and bar.done == 10
    unknown = Progress(None, "rows", stream=io.StringIO(), enabled=True, clock=FakeClock())
    unknown.advance(1234)
    assert unknown.line().startswith("rows: 1,234  ")


def test_times_are_iso_epoch_or_relative() -> None:
    assert parse_time("1h", NOW) == datetime(2024, 5, 1, 11, 0, tzinfo=UTC)
    assert parse_time("90s", NOW) == datetime(2024, 5, 1, 11, 58, 30, tzinfo=UTC)
    assert parse_time("2024-05-01T10:00:00", NOW) == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert parse_time("2024-05-01T10:00:00Z", NOW) == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert parse_time("1714564800", NOW) == datetime(2024, 5, 1, 12, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a time"):
        parse_time("last tuesday", NOW)


def _entry(type_: str, key: str | None, data: dict[str, object], org: str = "org-1") -> Entry:
    env = Envelope.new(type_, source="t", subject=key or "", data=data, organization_id=org)
    return Entry(3, 17, key, env.time, env)


def test_filters_match_key_or_contact_part_type_glob_and_organization() -> None:
    entry = _entry("pytake.conversation.node_entered", "1065:5511", {"node_id": "a"})
    assert Filters(contact="1065:5511").match(entry)
    assert Filters(contact="+5511").match(entry)
    assert not Filters(contact="551").match(entry)
    assert Filters(types=("conversation.node_*",)).match(entry)
    assert Filters(types=("*.message_queued", "*node_entered")).match(entry)
    assert not Filters(types=("pytake.wa.*",)).match(entry)
    assert not Filters(organization="org-2").match(entry)
    assert not Filters(since=datetime.now(UTC).replace(year=2100)).match(entry)
    broken = Entry(0, 1, "k", NOW, None, "value is not JSON", b"\x00")
    assert Filters(contact="k").match(broken) and not Filters(types=("*",)).match(broken)
    assert "<undecodable>" in timeline_line(broken)


def test_summaries_show_what_an_operator_looks_for_first() -> None:
    message = {"kind": "buttons", "text": "Pick", "buttons": [{"id": "a", "title": "A"}]}
    assert summarize("pytake.conversation.message_queued", {"message": message}) == (
        "bot: buttons 'Pick' [A]"
    )
    entered = {"node_id": "q", "node_type": "question"}
    assert summarize("pytake.conversation.node_entered", entered) == "q (question)"
    long = summarize("x.y", {"a": "z" * 300, "b": 1}, width=30)
    assert len(long) == 30 and long.startswith("a='zzz") and long.endswith("…")
    line = timeline_line(_entry("pytake.conversation.closed", "k:1", {"reason": "done"}))
    assert "p3@17" in line and "conversation.closed" in line and "reason='done'" in line


def test_registry_names_take_the_namespace_and_raw_names_stay() -> None:
    topics = Topics("ns")
    assert resolve_topic("conversation.events.v1", topics) == "ns.conversation.events.v1"
    assert resolve_topic("wa.inbound.v1.dlq", topics) == "ns.wa.inbound.v1.dlq"
    assert resolve_topic("other.topic", topics) == "other.topic"
    assert resolve_topic("conversation.events.v1", Topics()) == "conversation.events.v1"
    assert {partition_for_key(f"n:{i}", 12) for i in range(200)} == set(range(12))


async def test_the_reader_stops_on_silence_when_an_end_offset_is_never_reached(
    kafka_bootstrap: str, topics: Topics
) -> None:
    producer = Producer(ServiceSettings(kafka_bootstrap_servers=kafka_bootstrap))
    await producer.start()
    await producer.send_many(
        (topics.wa_inbound, Envelope.new("t", source="t", subject="k", data={"n": i}), "k")
        for i in range(3)
    )
    await producer.stop()
    p = partition_for_key("k", topics.partitions)
    async with TopicReader(kafka_bootstrap, idle_timeout=0.5) as reader:
        plan = await reader.plan(topics.wa_inbound, only=[p])
        assert plan.starts == {p: 0} and plan.ends[p] >= 1
        # An end no record reaches (as a transaction marker can make on Apache Kafka).
        stuck = Plan(plan.topic, plan.partition_count, {p: 0}, {p: 1000})
        got = [r.offset async for r in reader.read(stuck)]
        assert got == [0, 1, 2]
        # Offsets asked for past the reported end (the dev broker reports the last batch's
        # base + 1) are still read; past the real end there is nothing, and no start-over.
        beyond = await reader.plan(topics.wa_inbound, only=[p], bounds=Bounds(start=2))
        assert [r.offset async for r in reader.read(beyond)] == [2]
        upto = await reader.plan(topics.wa_inbound, only=[p], bounds=Bounds(start=1, stop=1))
        assert [r.offset async for r in reader.read(upto)] == [1]
        past = await reader.plan(topics.wa_inbound, only=[p], bounds=Bounds(start=50))
        assert [r.offset async for r in reader.read(past)] == []
        # A second topic through the same reader (fresh metadata).
        assert await reader.partitions(topics.events) == list(range(topics.partitions))
        empty = await reader.plan(topics.events)
        assert empty.total == 0 and [r async for r in reader.read(empty)] == []


@pytest.mark.parametrize(
    "argv",
    [
        ["replay"],
        ["replay", "topic"],
        ["replay", "conversation"],
        ["topics", "describe"],
        ["flow", "validate"],
    ],
)
def test_every_subcommand_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0 and out.startswith("usage: pytake " + " ".join(argv))
