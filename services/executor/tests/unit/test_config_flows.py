"""Flow lookup over the config view: main flow of a chatbot, versions, cache, broken flows."""

from __future__ import annotations

from typing import Any

import pytest

from pytake_executor.adapters.flows import ConfigFlows
from pytake_shared.config import ChatbotConfig, FlowConfig
from pytake_shared.engine.engine import HandleInbound, decide
from pytake_shared.engine.state import ConversationState

START_ONLY = {"canvas_data": {"nodes": [{"id": "s", "type": "start", "data": {}}], "edges": []}}


def _flow(version: int, document: dict[str, Any] | None = None) -> FlowConfig:
    return FlowConfig(
        id="flow-1",
        organization_id="org-1",
        chatbot_id="bot-1",
        name="F",
        version=version,
        document=document or START_ONLY,
    )


def test_the_main_flow_is_the_chatbots_flow_at_its_version(config: Any) -> None:
    config.with_flow(START_ONLY, version=2)
    config.put("flow", _flow(1, {"nodes": [{"id": "old", "type": "start"}]}))
    flow = ConfigFlows(config.view).main_flow("bot-1")
    assert flow is not None
    assert (flow.id, flow.version, flow.name) == ("flow-1", 2, "Survey")
    assert flow.start.id == "s"


def test_a_chatbot_without_a_version_uses_version_one(config: Any) -> None:
    config.put(
        "chatbot",
        ChatbotConfig(id="bot-1", organization_id="org-1", name="B", main_flow_id="flow-1"),
    )
    config.put("flow", _flow(1))
    flow = ConfigFlows(config.view).main_flow("bot-1")
    assert flow is not None and flow.version == 1


@pytest.mark.parametrize(
    "bot",
    [
        None,
        ChatbotConfig(
            id="bot-1", organization_id="org-1", name="B", main_flow_id="flow-1", is_active=False
        ),
        ChatbotConfig(id="bot-1", organization_id="org-1", name="B"),
    ],
    ids=["missing", "inactive", "no-main-flow"],
)
def test_there_is_no_main_flow_for_a_missing_inactive_or_flowless_chatbot(
    config: Any, bot: ChatbotConfig | None
) -> None:
    config.put("flow", _flow(1))
    if bot is not None:
        config.put("chatbot", bot)
    assert ConfigFlows(config.view).main_flow("bot-1") is None


def test_an_unknown_version_is_not_found(config: Any) -> None:
    config.put("flow", _flow(1))
    assert ConfigFlows(config.view).by_version("flow-1", 7) is None


def test_a_document_the_engine_cannot_load_counts_as_no_flow(config: Any) -> None:
    config.put(
        "flow",
        _flow(
            1,
            {
                "nodes": [{"id": "s", "type": "start"}],
                "edges": [{"source": "s", "target": "ghost"}],
            },
        ),
    )
    assert ConfigFlows(config.view).by_version("flow-1", 1) is None


def test_a_loaded_version_is_kept_since_versions_never_change(config: Any) -> None:
    config.put("flow", _flow(1))
    flows = ConfigFlows(config.view)
    first = flows.by_version("flow-1", 1)
    config.delete("flow:flow-1@1")
    assert flows.by_version("flow-1", 1) is first


def test_the_lookup_hands_both_functions_to_the_engine(config: Any) -> None:
    config.with_flow(START_ONLY)
    lookup = ConfigFlows(config.view).lookup()
    main = lookup.main_flow("bot-1")
    assert main is not None
    assert lookup.by_version("flow-1", 1) is main


def test_a_flow_without_a_start_node_counts_as_no_flow_instead_of_crashing(config: Any) -> None:
    config.with_flow(
        {
            "canvas_data": {
                "nodes": [{"id": "m", "type": "message", "data": {"content": "hi"}}],
                "edges": [],
            }
        }
    )
    inbound = HandleInbound(
        command_id="c-1",
        organization_id="org-1",
        chatbot_id="bot-1",
        phone_number_id="106540352242922",
        contact={"id": "55"},
        message_id="wamid.1",
        message_type="text",
        text="hi",
        reply_id=None,
        at=1_700_000_000,
    )
    events = decide(ConversationState(key="k"), inbound, ConfigFlows(config.view).lookup())
    assert [e.type for e in events] == ["inbound_received"]


def _other(version: int, chatbot_id: str = "bot-1") -> FlowConfig:
    return FlowConfig(
        id="flow-2",
        organization_id="org-1",
        chatbot_id=chatbot_id,
        name=f"Other v{version}",
        version=version,
        document=START_ONLY,
    )


def test_a_jump_target_is_found_by_id_at_its_newest_version(config: Any) -> None:
    config.with_flow(START_ONLY)
    for version in (1, 2, 3):
        config.put("flow", _other(version))
    lookup = ConfigFlows(config.view).lookup()
    found = lookup.by_id("bot-1", "flow-2")
    assert found is not None and (found.id, found.version, found.name) == ("flow-2", 3, "Other v3")
    main = lookup.by_id("bot-1", "flow-1")
    assert main is not None and main is lookup.main_flow("bot-1")


def test_a_flow_of_another_chatbot_or_no_flow_is_no_jump_target(config: Any) -> None:
    config.with_flow(START_ONLY)
    config.put("flow", _other(1, chatbot_id="bot-2"))
    flows = ConfigFlows(config.view)
    assert flows.by_id("bot-1", "flow-2") is None
    assert flows.by_id("bot-1", "flow-404") is None
