"""Whatever a client sends, the simulator answers in Meta's terms and never with a 5xx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytake_tools.metasim.testing import LocalSimulator
from pytake_tools.metasim.validation import MESSAGE_TYPES

SimFactory = Callable[..., AbstractAsyncContextManager[LocalSimulator]]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
keys = st.sampled_from(
    ["type", "body", "text", "id", "title", "reply", "buttons", "sections", "rows", "action",
     "button", "header", "footer", "link", "caption", "name", "language", "code", "message_id",
     "latitude", "longitude", "contacts", "formatted_name", "components", "description"]
)  # fmt: skip
# Objects built from the keys the validation reads, so its deep checks get exercised.
near_values = st.recursive(
    json_values,
    lambda children: st.dictionaries(keys, children, max_size=6) | st.lists(children, max_size=4),
    max_leaves=30,
)


def _message_of(kind: Any) -> st.SearchStrategy[dict[str, Any]]:
    payload = near_values
    if kind == "interactive":
        payload = st.fixed_dictionaries(
            {"type": st.sampled_from(["button", "list", "flow"])},
            optional={"action": near_values, "body": near_values, "header": near_values},
        )
    fields: dict[str, st.SearchStrategy[Any]] = {
        "messaging_product": st.just("whatsapp"),
        "to": st.sampled_from(["16505551234", "+1 (650) 555", "x"]),
        "type": st.just(kind),
    }
    if isinstance(kind, str):
        fields[kind] = payload
    return st.fixed_dictionaries(
        fields, optional={"context": near_values, "biz_opaque_callback_data": json_values}
    )


near_messages = (st.sampled_from(sorted(MESSAGE_TYPES)) | json_values).flatmap(_message_of)
read_receipts = st.fixed_dictionaries(
    {"messaging_product": st.just("whatsapp"), "status": st.just("read") | json_values},
    optional={"message_id": json_values, "typing_indicator": near_values},
)

# One simulator serves every example of a test: building an app per example is the slow part.
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,  # no .hypothesis directory in the repository
)


@pytest.fixture
async def sim(make_sim: SimFactory) -> AsyncIterator[LocalSimulator]:
    async with make_sim(max_records=5) as simulator:
        yield simulator


async def answer(sim: LocalSimulator, body: bytes) -> tuple[int, Any]:
    response = await sim.client.post(
        "/v25.0/106540352242922/messages",
        content=body,
        headers={"Authorization": "Bearer t", "Content-Type": "application/json"},
    )
    # What was recorded must be listable too: the e2e tests read it back.
    listed = await sim.client.get("/_sim/messages")
    assert listed.status_code == 200
    return response.status_code, response.json()


def check(status: int, payload: Any) -> None:
    assert status in (200, 400), payload
    if status == 400:
        error = payload["error"]
        assert error["type"] == "OAuthException"
        assert error["code"] in (100, 131008, 131009)
        assert error["message"].startswith(f"(#{error['code']}) ")
        assert error["error_data"]["details"]


@PROPERTY
@given(body=json_values)
async def test_arbitrary_json_never_gets_a_server_error(sim: LocalSimulator, body: Any) -> None:
    check(*await answer(sim, json.dumps(body).encode()))


@PROPERTY
@given(body=near_messages | read_receipts)
async def test_nearly_valid_messages_never_get_a_server_error(
    sim: LocalSimulator, body: Any
) -> None:
    check(*await answer(sim, json.dumps(body).encode()))


@PROPERTY
@given(raw=st.binary(max_size=200))
async def test_arbitrary_bytes_never_get_a_server_error(sim: LocalSimulator, raw: bytes) -> None:
    check(*await answer(sim, raw))
