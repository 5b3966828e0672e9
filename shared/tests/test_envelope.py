"""The envelope: JSON round trip, deterministic ids, decoding errors and Kafka headers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
import pytest
from pydantic import ValidationError

from pytake_shared.envelope import (
    PYTAKE_NAMESPACE,
    Envelope,
    EnvelopeError,
    deterministic_id,
)

T0 = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def _env(**overrides: object) -> Envelope:
    values: dict[str, object] = {
        "source": "test",
        "subject": "123:456",
        "data": {"text": "olá", "n": 1, "nested": {"list": [1, 2]}},
        "time": T0,
        "correlation_id": "wamid.1",
        "organization_id": "org-1",
    }
    values.update(overrides)
    return Envelope.new("pytake.test.happened", **values)  # type: ignore[arg-type]


def test_an_envelope_survives_a_round_trip_through_bytes_unchanged() -> None:
    env = _env()
    assert Envelope.from_bytes(env.to_bytes()) == env


def test_the_wire_format_carries_every_cloudevents_field() -> None:
    env = _env(id=uuid.UUID(int=7))
    wire = orjson.loads(env.to_bytes())
    assert wire == {
        "id": "00000000-0000-0000-0000-000000000007",
        "type": "pytake.test.happened",
        "version": 1,
        "source": "test",
        "time": "2024-05-01T12:30:00Z",
        "subject": "123:456",
        "correlation_id": "wamid.1",
        "causation_id": None,
        "organization_id": "org-1",
        "traceparent": None,
        "data": {"text": "olá", "n": 1, "nested": {"list": [1, 2]}},
    }


def test_a_new_envelope_gets_a_random_id_and_the_current_utc_time() -> None:
    before = datetime.now(UTC)
    a = Envelope.new("x.y", source="s", subject="k", data={})
    b = Envelope.new("x.y", source="s", subject="k", data={})
    assert a.id != b.id
    assert a.time.tzinfo is not None
    assert before <= a.time <= datetime.now(UTC)


def test_a_caused_envelope_inherits_correlation_tenant_and_trace_from_its_cause() -> None:
    cause = Envelope.model_validate({**_env().model_dump(), "traceparent": "00-abc-def-01"})
    child = Envelope.new("x.child", source="s", subject="k", data={}, causation=cause)
    assert child.causation_id == str(cause.id)
    assert child.correlation_id == "wamid.1"
    assert child.organization_id == "org-1"
    assert child.traceparent == "00-abc-def-01"


def test_explicit_correlation_and_tenant_win_over_the_causes() -> None:
    cause = _env()
    child = Envelope.new(
        "x.child",
        source="s",
        subject="k",
        data={},
        causation=cause,
        correlation_id="other",
        organization_id="org-2",
    )
    assert (child.correlation_id, child.organization_id) == ("other", "org-2")


def test_deterministic_ids_are_stable_across_calls_and_processes() -> None:
    assert deterministic_id("wa.message", "wamid.X") == deterministic_id("wa.message", "wamid.X")
    # Pinned: a change of namespace or joining would orphan every id already stored.
    assert uuid.UUID("8f5b1f2e-2c41-4d1a-9b8e-3f7a2d6c9e10") == PYTAKE_NAMESPACE
    assert deterministic_id("a", 1) == uuid.uuid5(PYTAKE_NAMESPACE, "a|1")


def test_deterministic_ids_differ_when_any_part_or_its_position_differs() -> None:
    ids = {
        deterministic_id("a", "b"),
        deterministic_id("b", "a"),
        deterministic_id("a", "c"),
        deterministic_id("a"),
        deterministic_id("a", "b", ""),
    }
    assert len(ids) == 5


def test_a_missing_value_is_an_envelope_error() -> None:
    with pytest.raises(EnvelopeError, match="no value"):
        Envelope.from_bytes(None)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", "not JSON"),
        (b"", "not JSON"),
        (b"[1, 2]", "not an envelope"),
        (b'{"type": "x"}', "not an envelope"),
        (
            b'{"id": "nope", "type": "x", "source": "s", "time": "2024-01-01T00:00:00Z"}',
            "not an envelope",
        ),
        (
            b'{"id": "00000000-0000-0000-0000-000000000001", "type": "", "source": "s",'
            b' "time": "2024-01-01T00:00:00Z"}',
            "not an envelope",
        ),
    ],
)
def test_undecodable_values_raise_envelope_error_with_the_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(EnvelopeError, match=reason) as info:
        Envelope.from_bytes(raw)
    assert isinstance(info.value, ValueError)


def test_unknown_fields_are_ignored_so_adding_a_field_is_free() -> None:
    wire = orjson.loads(_env().to_bytes())
    wire["added_later"] = {"x": 1}
    decoded = Envelope.from_bytes(orjson.dumps(wire))
    assert decoded == _env(id=decoded.id)


def test_headers_carry_type_and_id_and_the_traceparent_only_when_there_is_one() -> None:
    env = _env()
    assert env.headers() == [("type", b"pytake.test.happened"), ("id", str(env.id).encode())]
    traced = env.model_copy(update={"traceparent": "00-t-s-01"})
    assert ("traceparent", b"00-t-s-01") in traced.headers()


def test_envelopes_are_immutable() -> None:
    env = _env()
    with pytest.raises(ValidationError):
        env.subject = "other"  # type: ignore[misc]


def test_the_bytes_are_those_of_orjson_over_the_json_dump() -> None:
    """`to_bytes` serializes in pydantic-core; what it writes is what orjson wrote before."""
    data = {
        "text": 'olá 👋 "quoted" \\ \n\t\u2028',
        "numbers": [0, -1, 2**53 + 1, 0.1, 1e-7, 1.5e300, -0.0],
        "nested": {"empty": {}, "list": [], "none": None, "flag": True},
        "keys with spaces": "x",
    }
    env = Envelope.new(
        "test.t", source="s", subject="k", data=data, organization_id="org", correlation_id="c"
    )
    assert env.to_bytes() == orjson.dumps(env.model_dump(mode="json"))
    assert Envelope.from_bytes(env.to_bytes()) == env
