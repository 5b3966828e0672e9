"""Fixtures for the Meta simulator tests: an in-process simulator wired to a webhook inbox.

`make_sim(**settings)` builds one simulator per test with a fixed seed, status webhooks off
unless asked, webhooks going to the `inbox` fixture and rate limits on the `clock` fixture.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from pytake_tools.metasim import SimulatorSettings
from pytake_tools.metasim.testing import LocalSimulator, ManualClock, WebhookInbox, local_simulator

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep a developer's METASIM_* variables out of the settings the tests build."""
    for name in list(os.environ):
        if name.startswith("METASIM_") or name == "META_APP_SECRET":
            monkeypatch.delenv(name)
    yield


@pytest.fixture
def inbox() -> WebhookInbox:
    return WebhookInbox()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_sim(
    inbox: WebhookInbox, clock: ManualClock
) -> Callable[..., AbstractAsyncContextManager[LocalSimulator]]:
    @asynccontextmanager
    async def factory(**overrides: Any) -> AsyncIterator[LocalSimulator]:
        values: dict[str, Any] = {"seed": 7, "status_delays_ms": ""}
        values.update(overrides)
        settings = SimulatorSettings(**values)
        async with local_simulator(
            settings, webhook_transport=inbox.transport(), clock=clock
        ) as sim:
            yield sim

    return factory


@pytest.fixture
def load_fixture() -> Callable[[str], Any]:
    """Meta's payloads copied from /work/shared/fixtures into tests/fixtures."""

    def load(name: str) -> Any:
        return json.loads((FIXTURES / name).read_text())

    return load
