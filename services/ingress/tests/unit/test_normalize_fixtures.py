"""Every payload of the webhook corpus normalizes to exactly the events written down here
(the expectations live in `normalize_cases_*.py`)."""

from __future__ import annotations

import pytest

from pytake_ingress.domain import MESSAGE_RECEIVED, STATUS_RECEIVED, normalize
from pytake_shared.envelope import Envelope, deterministic_id

from .normalize_cases_messages import MESSAGE_CASES
from .normalize_cases_statuses import STATUS_CASES
from .normalize_expect import (
    RECEIVED_AT,
    first_value,
    fixture_names,
    load,
    pick,
)

CASES = {**MESSAGE_CASES, **STATUS_CASES}


def test_every_fixture_in_the_corpus_has_expected_events() -> None:
    assert sorted(CASES) == fixture_names()


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_normalizes_to_the_expected_events(name: str) -> None:
    payload = load(name)
    envelopes = normalize(payload, received_at=RECEIVED_AT)

    assert [e.type for e in envelopes] == [x.type for x in CASES[name]]
    for envelope, expect in zip(envelopes, CASES[name], strict=True):
        assert envelope.id == deterministic_id(*expect.id_parts)
        assert envelope.subject == expect.subject
        assert envelope.correlation_id == expect.correlation_id
        assert envelope.time == RECEIVED_AT
        assert envelope.source == "pytake-ingress"
        assert envelope.organization_id is None
        for path, value in expect.checks.items():
            assert pick(envelope.data, path) == value, path


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_items_travel_unchanged_as_raw(name: str) -> None:
    payload = load(name)
    value = first_value(payload)
    (envelope,) = normalize(payload, received_at=RECEIVED_AT)

    if envelope.type == MESSAGE_RECEIVED:
        assert envelope.data["raw"] == value["messages"][0]
        contacts = value.get("contacts")
        assert envelope.data["raw_contact"] == (contacts[0] if contacts else None)
    elif envelope.type == STATUS_RECEIVED:
        assert envelope.data["raw"] == value["statuses"][0]
    else:
        assert envelope.data["value"] == value


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_envelopes_survive_a_round_trip_through_bytes(name: str) -> None:
    for envelope in normalize(load(name), received_at=RECEIVED_AT):
        assert Envelope.from_bytes(envelope.to_bytes()) == envelope


def test_message_keys_depend_only_on_the_type() -> None:
    """Consumers can rely on which keys exist: the same type always has the same keys."""
    keys: dict[str, set[frozenset[str]]] = {}
    for name in fixture_names():
        for envelope in normalize(load(name), received_at=RECEIVED_AT):
            if envelope.type == MESSAGE_RECEIVED:
                msg = envelope.data["message"]
                optional = {"context", "referral", "errors"}
                shape = frozenset(k for k in msg if k not in optional)
                keys.setdefault(msg["type"], set()).add(shape)
    assert all(len(shapes) == 1 for shapes in keys.values()), keys
    assert keys["text"] == {frozenset({"id", "type", "timestamp", "from", "from_user_id", "text"})}
