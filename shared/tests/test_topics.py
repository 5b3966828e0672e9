"""The topic registry: namespacing, DLQ names and the conversation key."""

from __future__ import annotations

import pytest

from pytake_shared import topics as t
from pytake_shared.settings import ServiceSettings


def test_without_a_namespace_topic_names_are_the_registry_names() -> None:
    names = t.Topics()
    assert names.config == "pytake.config.v1"
    assert names.wa_inbound == "wa.inbound.v1"
    assert names.commands == "conversation.commands.v1"
    assert names.events == "conversation.events.v1"
    assert names.wa_outbound == "wa.outbound.v1"
    assert names.wa_delivery == "wa.delivery.v1"
    assert names.group("router") == "router"


def test_a_namespace_prefixes_every_topic_and_consumer_group() -> None:
    names = t.Topics("dev1", partitions=3)
    assert names.commands == "dev1.conversation.commands.v1"
    assert names.config == "dev1.pytake.config.v1"
    assert names.group("router") == "dev1.router"
    assert names.partitions == 3


def test_the_dlq_of_a_topic_is_its_name_with_a_dlq_suffix() -> None:
    assert t.dlq("dev1.wa.inbound.v1") == "dev1.wa.inbound.v1.dlq"


def test_all_lists_every_registry_topic_with_its_dlq_under_the_namespace() -> None:
    listed = dict(t.Topics("ns").all())
    expected = {f"ns.{spec.name}" for spec in t.REGISTRY}
    expected |= {f"ns.{spec.name}.dlq" for spec in t.REGISTRY}
    assert set(listed) == expected
    assert listed["ns.pytake.config.v1"].compacted
    assert not listed["ns.pytake.config.v1.dlq"].compacted
    assert not listed["ns.wa.inbound.v1"].compacted
    # A DLQ has no DLQ of its own.
    assert not any(spec.has_dlq for name, spec in listed.items() if name.endswith(".dlq"))


def test_settings_expose_their_topics_with_namespace_and_partitions() -> None:
    settings = ServiceSettings(pytake_topic_namespace="abc", pytake_topic_partitions=5)
    assert settings.topics == t.Topics("abc", 5)


def test_a_conversation_key_splits_back_into_number_and_contact() -> None:
    key = t.conversation_key("106540352242922", "5511988887777")
    assert key == "106540352242922:5511988887777"
    assert t.split_conversation_key(key) == ("106540352242922", "5511988887777")


def test_a_business_scoped_user_id_with_colons_stays_whole_in_the_contact_part() -> None:
    assert t.split_conversation_key("123:BR.abc:def") == ("123", "BR.abc:def")


@pytest.mark.parametrize(("number", "contact"), [("", "55"), ("123", ""), ("", "")])
def test_a_conversation_key_needs_both_parts(number: str, contact: str) -> None:
    with pytest.raises(ValueError, match="needs a phone_number_id and a contact"):
        t.conversation_key(number, contact)


@pytest.mark.parametrize("key", ["123", ":55", "123:", ""])
def test_splitting_something_that_is_not_a_conversation_key_fails(key: str) -> None:
    with pytest.raises(ValueError, match="not a conversation key"):
        t.split_conversation_key(key)


def test_every_topic_is_created_with_its_retention_and_history_is_kept_forever() -> None:
    configs = {name: spec.configs() for name, spec in t.Topics("ns").all()}
    assert configs["ns.conversation.events.v1"] == {"retention.ms": "-1"}
    assert configs["ns.pytake.config.v1"] == {"retention.ms": "-1", "cleanup.policy": "compact"}
    assert configs["ns.wa.outbound.v1"] == {"retention.ms": str(30 * 24 * 3600 * 1000)}
    for name in ("ns.wa.inbound.v1", "ns.conversation.commands.v1", "ns.wa.delivery.v1"):
        assert configs[name] == {"retention.ms": str(90 * 24 * 3600 * 1000)}
    assert all(
        c["retention.ms"] == str(90 * 24 * 3600 * 1000)
        for n, c in configs.items()
        if n.endswith(".dlq")
    )
