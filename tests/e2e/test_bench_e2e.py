"""`python -m bench e2e` at a tiny size gives a sane table; its pure parts and the simulator's
`after` cursor it polls with work on their own."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest

from bench.e2e import Options, percentile, run
from bench.e2e_load import PIZZA, Sample, reply_text, webhook_for
from bench.e2e_stages import STAGES, Hops, stage_times, top_frames
from pytake_tools.metasim import SimulatorSettings
from pytake_tools.metasim.testing import local_simulator, text_message


@pytest.mark.e2e
async def test_a_tiny_e2e_benchmark_prints_a_table_with_sane_values(
    kafka_bootstrap: str, database: str, tmp_path: Path
) -> None:
    out = io.StringIO()
    opts = Options(
        rates=[4.0],
        contacts=12,
        duration_s=4.0,
        warmup_s=1.0,
        find_max=False,
        start_rate=0,
        step_rate=0,
        max_rate=0,
        profile="",
        stages=True,
        partitions=4,
        status_delays_ms="50,100",
        pause_s=0.0,
    )
    [row] = await run(
        opts, kafka_bootstrap=kafka_bootstrap, database_url=database, log_dir=tmp_path, out=out
    )
    text = out.getvalue()
    assert "offered/s achieved/s" in text and "latency by stage" in text, text
    assert row.errors == 0, text
    # About 16 offered in the measured 4 s; enough contacts that none is still waiting for its
    # last reply when its next turn comes, even when the machine is busy with other tests.
    assert row.sent >= 8, text
    assert 0 < row.achieved <= row.offered * 1.25, text
    assert 0 < row.p50 <= row.p95 <= row.p99 <= row.max < 10, text
    # The stages were all seen and add up to about the whole latency.
    medians = [p50 for _, p50, _, _ in row.stages]
    assert len(medians) == len(STAGES) and not any(math.isnan(m) for m in medians), text
    assert set(row.cpu) >= {"ingress", "router", "executor", "sender", "metasim"}


def test_the_pizza_script_taps_buttons_and_types_text() -> None:
    tap = webhook_for(PIZZA[1], "1", "5511", "wamid.x")["entry"][0]["changes"][0]["value"]
    assert tap["messages"][0]["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "order", "title": "Order a pizza"},
    }
    typed = webhook_for(PIZZA[3], "1", "5511", "wamid.y")["entry"][0]["changes"][0]["value"]
    assert typed["messages"][0]["text"] == {"body": "seven"}
    assert sum(step.replies for step in PIZZA) == 7
    assert reply_text({"type": "interactive", "interactive": {"body": {"text": "Size?"}}}) == (
        "Size?"
    )


def test_stage_times_split_the_latency_between_hops() -> None:
    sample = Sample("5511", 0, "wamid.bench.1", due=0.0, sent=10.0, status=200)
    sample.replies.append((10.5, "out-1", "hello"))
    hops = Hops(ingress_time=10.01, inbound_ts=10.02, command_ts=10.2, outbound={})
    assert stage_times(sample, hops) is None  # the reply's outbound record was not seen
    hops.outbound["out-1"] = (10.3, 10.35)
    split = stage_times(sample, hops)
    assert split is not None and len(split) == len(STAGES)
    assert [round(x, 3) for x in split] == [0.01, 0.01, 0.18, 0.1, 0.05, 0.15]
    assert math.isclose(sum(split), sample.latency or 0)


def test_percentiles_and_profile_summaries() -> None:
    assert percentile([3.0, 1.0, 2.0, 4.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 101)], 99) == 99.0
    assert math.isnan(percentile([], 50))
    loop = "BaseEventLoop.run_forever (asyncio/base_events.py:607)"
    raw = (
        f"{loop};f (a.py:2) 3\n{loop};g (a.py:3) 1\n"
        "<module> (m.py:1);_find_and_load (<frozen importlib._bootstrap>:1176) 9\n"
        f"{loop};EpollSelector.select (selectors.py:468) 5\n"
    )
    total, own, anywhere = top_frames(raw)
    assert total == 4  # start-up imports and waiting in select are not counted
    assert own[0] == ("f (a.py:2)", 3)
    assert anywhere[0] == (loop, 4)


async def test_the_simulator_lists_only_calls_after_a_seq() -> None:
    async with local_simulator(SimulatorSettings(seed=1, status_delays_ms=())) as sim:
        for n in range(4):
            await sim.send(text_message(to=f"+165055500{n:02d}"))
        listed = await sim.client.get("/_sim/messages", params={"after": 2})
        assert [m["seq"] for m in listed.json()["messages"]] == [3, 4]
        assert (await sim.client.get("/_sim/messages", params={"after": 4})).json() == {
            "messages": []
        }
        assert [r.seq for r in sim.state.records(after=0, to="+16505550001")] == [2]
