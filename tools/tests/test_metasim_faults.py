"""Injected faults: transient errors, latency, rate limits, closed windows, expired tokens."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from pytake_tools.metasim import SimulatorSettings
from pytake_tools.metasim.testing import LocalSimulator, ManualClock, text_message

SimFactory = Callable[..., AbstractAsyncContextManager[LocalSimulator]]


async def codes(sim: LocalSimulator, count: int, **body: Any) -> list[tuple[int, int | None]]:
    """(HTTP status, Meta code) of `count` sends."""
    out = []
    for _ in range(count):
        response = await sim.send(text_message(**body))
        out.append((response.status_code, response.json().get("error", {}).get("code")))
    return out


async def test_throttle_fault_answers_429_code_130429(
    make_sim: SimFactory, load_fixture: Callable[[str], Any]
) -> None:
    async with make_sim(error_rate=1.0, error_kinds="throttle") as sim:
        response = await sim.send(text_message())
    assert response.status_code == 429
    error = response.json()["error"]
    expected = load_fixture("error_130429_rate_limit_hit.json")["error"]
    assert error.keys() == expected.keys()
    assert {k: error[k] for k in ("message", "type", "code", "error_data")} == {
        k: expected[k] for k in ("message", "type", "code", "error_data")
    }


async def test_server_fault_answers_a_5xx_with_a_transient_code(make_sim: SimFactory) -> None:
    async with make_sim(error_rate=1.0, error_kinds=["server"]) as sim:
        seen = set(await codes(sim, 40))
    assert seen == {(500, 131000), (503, 2), (500, 1)}


async def test_timeout_fault_hangs_then_answers_504(make_sim: SimFactory) -> None:
    async with make_sim(error_rate=1.0, error_kinds="timeout", timeout_seconds=0.2) as sim:
        started = time.monotonic()
        response = await sim.send(text_message())
        elapsed = time.monotonic() - started
        [record] = sim.state.records()
    assert elapsed >= 0.2
    assert response.status_code == 504
    assert response.json()["error"]["code"] == 2
    assert record.status == 504 and record.wamid is None


async def test_error_rate_applies_to_about_that_share_of_requests(make_sim: SimFactory) -> None:
    async with make_sim(error_rate=0.3, error_kinds="throttle,server") as sim:
        results = await codes(sim, 200)
    failures = sum(1 for status, _ in results if status != 200)
    assert 35 <= failures <= 85
    assert {status for status, _ in results} <= {200, 429, 500, 503}


async def test_the_same_seed_fails_the_same_requests(make_sim: SimFactory) -> None:
    async with make_sim(seed=42, error_rate=0.5, error_kinds="throttle,server") as sim:
        first = await codes(sim, 30)
    async with make_sim(seed=42, error_rate=0.5, error_kinds="throttle,server") as sim:
        second = await codes(sim, 30)
    assert first == second
    assert len(set(first)) > 1


async def test_slow_ms_adds_latency(make_sim: SimFactory) -> None:
    async with make_sim(slow_ms=150) as sim:
        started = time.monotonic()
        response = await sim.send(text_message())
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed >= 0.15


async def test_pair_rate_limit_answers_131056_per_recipient(
    make_sim: SimFactory, clock: ManualClock
) -> None:
    async with make_sim(pair_rate_limit=True, pair_burst=3, pair_refill_per_second=0.5) as sim:
        burst = await codes(sim, 4, to="+16505550001")
        other_recipient = await codes(sim, 1, to="+16505550002")
        clock.advance(1.0)  # half a token: still limited
        too_soon = await codes(sim, 1, to="16505550001")
        clock.advance(1.0)
        refilled = await codes(sim, 2, to="16505550001")
        refused = sim.state.records()[3].response["error"]
    assert burst == [(200, None)] * 3 + [(400, 131056)]
    assert other_recipient == [(200, None)]
    assert too_soon == [(400, 131056)]
    assert refilled == [(200, None), (400, 131056)]
    assert refused["message"] == (
        "(#131056) (Business Account, Consumer Account) pair rate limit hit"
    )


async def test_pair_rate_defaults_to_metas_burst_of_45(make_sim: SimFactory) -> None:
    async with make_sim(pair_rate_limit=True) as sim:
        results = await codes(sim, 46)
    assert results[:45] == [(200, None)] * 45
    assert results[45] == (400, 131056)


async def test_mps_limit_answers_400_code_130429(make_sim: SimFactory, clock: ManualClock) -> None:
    async with make_sim(mps_limit=5) as sim:
        first_second = await codes(sim, 6, to="16505550001")
        clock.advance(1.0)
        next_second = await codes(sim, 1, to="16505550009")
    assert first_second == [(200, None)] * 5 + [(400, 130429)]
    assert next_second == [(200, None)]


async def test_invalid_tokens_are_answered_401_code_190(make_sim: SimFactory) -> None:
    async with make_sim(invalid_tokens="expired-token") as sim:
        expired = await sim.send(text_message(), token="expired-token")
        fine = await sim.send(text_message(), token="fresh-token")
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == 190
    assert fine.status_code == 200


async def test_closed_window_contact_is_still_accepted_with_a_wamid(make_sim: SimFactory) -> None:
    async with make_sim(closed_window_contacts="+1 650 555 0001") as sim:
        response = await sim.send(text_message(to="16505550001"))
    assert response.status_code == 200
    assert response.json()["messages"][0]["id"].startswith("wamid.")


async def test_faults_can_be_read_and_replaced_over_http(make_sim: SimFactory) -> None:
    async with make_sim(slow_ms=5) as sim:
        initial = (await sim.client.get("/_sim/faults")).json()
        replaced = await sim.client.put(
            "/_sim/faults", json={"error_rate": 1.0, "error_kinds": ["throttle"]}
        )
        throttled = await sim.send(text_message())
        patched = await sim.client.patch("/_sim/faults", json={"error_rate": 0.0})
        healthy = await sim.send(text_message())
        reset = await sim.client.delete("/_sim/faults")
    assert initial["slow_ms"] == 5 and initial["error_rate"] == 0.0
    assert initial["error_kinds"] == ["throttle", "server", "timeout"]
    # PUT replaces every knob: slow_ms falls back to 0.
    assert replaced.json()["slow_ms"] == 0 and replaced.json()["error_rate"] == 1.0
    assert throttled.status_code == 429
    # PATCH changes only what it names.
    assert patched.json()["error_kinds"] == ["throttle"] and patched.json()["error_rate"] == 0.0
    assert healthy.status_code == 200
    assert reset.json() == initial


@pytest.mark.parametrize(
    "body",
    [{"error_rate": 2}, {"error_kinds": ["meteor"]}, {"no_such_knob": 1}, {"mps_limit": -1}],
)
async def test_bad_fault_settings_are_refused_with_422(
    make_sim: SimFactory, body: dict[str, Any]
) -> None:
    async with make_sim() as sim:
        put = await sim.client.put("/_sim/faults", json=body)
        patch = await sim.client.patch("/_sim/faults", json=body)
        current = (await sim.client.get("/_sim/faults")).json()
    assert put.status_code == patch.status_code == 422
    assert current["error_rate"] == 0.0 and current["mps_limit"] == 0


def test_faults_and_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "METASIM_PORT": "9999",
        "METASIM_WEBHOOK_URL": "http://127.0.0.1:8001/api/v1/whatsapp/webhook",
        "META_APP_SECRET": "s3cret",
        "METASIM_ACCESS_TOKENS": "a, b",
        "METASIM_STATUS_DELAYS_MS": "10,20",
        "METASIM_ERROR_RATE": "0.25",
        "METASIM_ERROR_KINDS": "server,timeout",
        "METASIM_TIMEOUT_SECONDS": "3",
        "METASIM_SLOW_MS": "12",
        "METASIM_PAIR_RATE_LIMIT": "true",
        "METASIM_CLOSED_WINDOW_CONTACTS": "+16505550001,16505550002",
        "METASIM_INVALID_TOKENS": "old",
        "METASIM_MPS_LIMIT": "80",
        "METASIM_SEED": "3",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = SimulatorSettings()
    assert settings.port == 9999 and settings.app_secret == "s3cret"
    assert settings.access_tokens == ("a", "b")
    assert settings.status_delays_ms == (10, 20)
    assert settings.seed == 3
    assert "s3cret" not in repr(settings)
    faults = settings.faults()
    assert faults.error_rate == 0.25 and faults.error_kinds == ("server", "timeout")
    assert faults.timeout_seconds == 3 and faults.slow_ms == 12 and faults.pair_rate_limit
    assert faults.closed_window_contacts == ("+16505550001", "16505550002")
    assert faults.invalid_tokens == ("old",) and faults.mps_limit == 80


def test_empty_environment_values_mean_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METASIM_STATUS_DELAYS_MS", "")
    monkeypatch.setenv("METASIM_SEED", "")
    monkeypatch.setenv("METASIM_ACCESS_TOKENS", "")
    settings = SimulatorSettings()
    assert settings.status_delays_ms == () and settings.seed is None
    assert settings.access_tokens == () and settings.webhook_url == ""
    assert (settings.host, settings.port) == ("127.0.0.1", 8002)
