"""Every call is recorded and can be listed (filtered) and cleared through `/_sim/messages`."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from pytake_tools.metasim.testing import LocalSimulator, text_message

SimFactory = Callable[..., AbstractAsyncContextManager[LocalSimulator]]


async def test_accepted_and_refused_calls_are_both_recorded(make_sim: SimFactory) -> None:
    async with make_sim() as sim:
        accepted = await sim.send(text_message(to="+16505551234", body="hi"))
        await sim.send(text_message(body=""))
        await sim.send(text_message(), token=None)
        listed = (await sim.client.get("/_sim/messages")).json()["messages"]
    assert [m["status"] for m in listed] == [200, 400, 401]
    first = listed[0]
    assert first["wamid"] == accepted.json()["messages"][0]["id"]
    assert first["response"] == accepted.json()
    assert first["body"]["text"] == {"body": "hi"}
    assert first["to"] == "+16505551234"
    assert first["type"] == "text"
    assert first["version"] == "v25.0"
    assert first["phone_number_id"] == "106540352242922"
    assert first["token"] == "test-token"
    assert abs(first["time"] - time.time()) < 60
    assert listed[1]["response"]["error"]["code"] == 131008
    assert listed[2]["token"] is None
    assert [m["seq"] for m in listed] == [1, 2, 3]


async def test_listing_filters_by_number_recipient_and_time(make_sim: SimFactory) -> None:
    async with make_sim() as sim:
        await sim.send(text_message(to="+1 650-555-0001"))
        await sim.send(text_message(to="16505550002"))
        other = "/v25.0/999/messages"
        await sim.send(text_message(to="16505550001"), path=other)
        all_records = sim.state.records()

        async def listed(**query: str) -> list[int]:
            response = await sim.client.get("/_sim/messages", params=query)
            return [m["seq"] for m in response.json()["messages"]]

        assert await listed(phone_number_id="999") == [3]
        # Recipients compare by digits, whatever the formatting used to send.
        assert await listed(to="+16505550001") == [1, 3]
        assert await listed(to="16505550002", phone_number_id="106540352242922") == [2]
        assert await listed(since=str(all_records[1].time)) == [2, 3]
        assert await listed(since=str(time.time() + 60)) == []


async def test_clearing_forgets_every_record(make_sim: SimFactory) -> None:
    async with make_sim() as sim:
        await sim.send(text_message())
        await sim.send(text_message())
        deleted = await sim.client.delete("/_sim/messages")
        listed = await sim.client.get("/_sim/messages")
        health = await sim.client.get("/_sim/healthz")
    assert deleted.json() == {"deleted": 2}
    assert listed.json() == {"messages": []}
    assert health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["records"] == 0


async def test_records_are_bounded_by_max_records(make_sim: SimFactory) -> None:
    async with make_sim(max_records=3) as sim:
        for _ in range(5):
            await sim.send(text_message())
        seqs = [r.seq for r in sim.state.records()]
    assert seqs == [3, 4, 5]
