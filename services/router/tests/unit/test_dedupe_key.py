"""Which inbound items the router deduplicates, and on what."""

from __future__ import annotations

from collections.abc import Callable

from pytake_router.handlers import dedupe_key
from pytake_shared import contracts as c
from pytake_shared.envelope import Envelope


def test_a_message_is_deduplicated_on_its_wamid(inbound: Callable[..., Envelope]) -> None:
    assert dedupe_key(inbound("wamid.XYZ")) == "msg:wamid.XYZ"


def test_each_status_of_a_message_is_its_own_fact(status: Callable[..., Envelope]) -> None:
    assert dedupe_key(status("wamid.1", "sent")) == "status:wamid.1:sent"
    assert dedupe_key(status("wamid.1", "read")) == "status:wamid.1:read"


def test_items_without_an_identity_are_not_deduplicated(
    inbound: Callable[..., Envelope], status: Callable[..., Envelope]
) -> None:
    no_wamid = inbound().model_copy(update={"data": {"message": {"id": None}}})
    assert dedupe_key(no_wamid) is None
    no_message = inbound().model_copy(update={"data": {}})
    assert dedupe_key(no_message) is None
    no_status = status().model_copy(update={"data": {"status": {"id": "w"}}})
    assert dedupe_key(no_status) is None
    other = Envelope.new(c.WA_FIELD_RECEIVED, source="t", subject="123", data={"field": "x"})
    assert dedupe_key(other) is None
