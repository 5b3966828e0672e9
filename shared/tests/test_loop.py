"""Services run on uvloop when it is installed, on asyncio's loop when asked."""

from __future__ import annotations

import asyncio

import pytest
import uvloop

from pytake_shared.loop import loop_factory, run
from pytake_shared.settings import ServiceSettings


async def _loop_type() -> type[asyncio.AbstractEventLoop]:
    await asyncio.sleep(0)
    return type(asyncio.get_running_loop())


def test_auto_and_uvloop_run_on_uvloop() -> None:
    assert loop_factory("auto") is uvloop.new_event_loop
    assert run(_loop_type()) is uvloop.Loop
    assert run(_loop_type(), "uvloop") is uvloop.Loop


def test_asyncio_runs_on_the_standard_loop() -> None:
    assert loop_factory("asyncio") is None
    assert not issubclass(run(_loop_type(), "asyncio"), uvloop.Loop)


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTAKE_EVENT_LOOP", "asyncio")
    assert ServiceSettings().pytake_event_loop == "asyncio"
    monkeypatch.setenv("PYTAKE_EVENT_LOOP", "tokio")
    with pytest.raises(ValueError, match="pytake_event_loop"):
        ServiceSettings()
