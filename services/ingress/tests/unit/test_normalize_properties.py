"""Property tests: whatever JSON arrives, the normalizer answers envelopes that can be published.

Two sources of input: arbitrary JSON values (with keys often borrowed from Meta's vocabulary so
the walk gets deep, lone surrogates, 64-bit-overflowing integers and NaN included), and the
corpus fixtures with parts replaced, removed or duplicated.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytake_ingress.domain import MESSAGE_RECEIVED, STATUS_RECEIVED, normalize
from pytake_shared.envelope import Envelope, deterministic_id

FIXTURES = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "meta-webhooks"
CORPUS = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(FIXTURES.glob("*.json"))]
AT = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

META_KEYS = [
    "object", "entry", "id", "time", "changes", "field", "value", "metadata", "phone_number_id",
    "display_phone_number", "contacts", "wa_id", "user_id", "profile", "name", "messages",
    "statuses", "errors", "from", "from_user_id", "timestamp", "type", "text", "body",
    "interactive", "button_reply", "nfm_reply", "response_json", "image", "reaction", "emoji",
    "context", "referral", "status", "recipient_id", "conversation", "pricing", "code",
    "error_data", "system", "unsupported", "location", "latitude",
]  # fmt: skip

strings = st.text(alphabet=st.characters() | st.characters(categories=["Cs"]), max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | strings
    | st.sampled_from(["messages", "text", "interactive", "failed", "1697043223", ""])
)
keys = st.sampled_from(META_KEYS) | strings
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=40,
)


def check(payload: object) -> list[Envelope]:
    envelopes = normalize(payload, received_at=AT)
    assert envelopes, "every body yields at least one envelope"
    for envelope in envelopes:
        Envelope.from_bytes(envelope.to_bytes())
        assert envelope.subject
        assert envelope.time == AT
        # The catch-all in `normalize` keeps Meta's delivery safe from bugs; it must never fire.
        assert not str(envelope.data.get("reason", "")).startswith("normalizer failed")
        if envelope.type == MESSAGE_RECEIVED and envelope.correlation_id is not None:
            assert envelope.id == deterministic_id("wa.message", envelope.correlation_id)
        if envelope.type == STATUS_RECEIVED:
            assert envelope.correlation_id == envelope.data["status"]["id"]
    return envelopes


@given(json_values)
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], database=None)
def test_any_json_value_yields_publishable_envelopes(payload: object) -> None:
    check(payload)


@given(st.dictionaries(keys, json_values, max_size=4), st.lists(json_values, max_size=4))
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], database=None)
def test_any_object_with_an_entry_list_yields_publishable_envelopes(
    extra: dict[str, Any], entries: list[Any]
) -> None:
    check({**extra, "entry": entries})


@st.composite
def mutated_fixtures(draw: st.DrawFn) -> Any:
    """A corpus body with a few parts replaced by arbitrary JSON, removed or duplicated."""
    payload = json.loads(json.dumps(draw(st.sampled_from(CORPUS))))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        node: Any = payload
        # Walk down a random branch, then change something where the walk stopped.
        while isinstance(node, dict | list) and node and draw(st.integers(0, 5)) > 0:
            child = draw(
                st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node)))
            )
            if not isinstance(node[child], dict | list):
                break
            node = node[child]
        if not isinstance(node, dict | list) or not node:
            continue
        slot = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "replace":
            node[slot] = draw(json_values)
        elif action == "delete":
            del node[slot]
        elif isinstance(node, list):
            node.append(node[slot])
    return payload


@given(mutated_fixtures())
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], database=None)
def test_mutated_fixtures_yield_publishable_envelopes_with_stable_ids(payload: Any) -> None:
    envelopes = check(payload)
    again = normalize(payload, received_at=AT)
    assert [e.id for e in envelopes] == [e.id for e in again]


@given(json_values)
@settings(max_examples=100, database=None)
def test_ids_never_depend_on_the_receive_time(payload: object) -> None:
    later = datetime(2030, 1, 1, tzinfo=UTC)
    first = [e.id for e in normalize(payload, received_at=AT)]
    assert first == [e.id for e in normalize(payload, received_at=later)]


def test_nan_and_infinity_in_a_body_still_serialize() -> None:
    payload = {"entry": [{"changes": [{"field": "x", "value": [math.nan, math.inf]}]}]}
    (envelope,) = check(payload)
    assert orjson.loads(envelope.to_bytes())["data"]["value"] == [None, None]
