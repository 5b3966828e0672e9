"""Routing: phone_number_id → organization → chatbot (default, else fallback, else none)."""

from __future__ import annotations

from typing import Any

from pytake_router.domain.routing import Route, resolve
from pytake_shared.config import ChatbotConfig, NumberConfig, OrganizationConfig

NUMBER_ID = "106540352242922"


def _number(**changes: Any) -> NumberConfig:
    return NumberConfig(
        id="n-1", organization_id="org-1", phone_number_id=NUMBER_ID, default_chatbot_id="bot-main"
    ).model_copy(update=changes)


def _bot(bot_id: str = "bot-main", **changes: Any) -> ChatbotConfig:
    return ChatbotConfig(id=bot_id, organization_id="org-1", name=bot_id).model_copy(update=changes)


def test_a_number_with_an_active_default_chatbot_routes_to_it(config: Any) -> None:
    route = resolve(config.standard().view, NUMBER_ID)
    assert route == Route("org-1", "bot-main")
    assert route.routed


def test_an_inactive_default_chatbot_falls_back_to_the_orgs_fallback(config: Any) -> None:
    config.standard().put("chatbot", _bot(is_active=False))
    assert resolve(config.view, NUMBER_ID) == Route("org-1", "bot-fallback")


def test_a_default_chatbot_that_no_longer_exists_falls_back(config: Any) -> None:
    config.standard().delete("chatbot:bot-main")
    assert resolve(config.view, NUMBER_ID) == Route("org-1", "bot-fallback")


def test_a_number_without_a_default_chatbot_uses_the_fallback(config: Any) -> None:
    config.standard().put("number", _number(default_chatbot_id=None))
    assert resolve(config.view, NUMBER_ID) == Route("org-1", "bot-fallback")


def test_without_default_or_fallback_there_is_no_chatbot(config: Any) -> None:
    config.put("number", _number())
    route = resolve(config.view, NUMBER_ID)
    assert route == Route("org-1", None, "no_chatbot")
    assert not route.routed


def test_an_inactive_fallback_does_not_count(config: Any) -> None:
    config.put("number", _number(default_chatbot_id=None))
    config.put("chatbot", _bot("bot-fb", is_fallback=True, is_active=False))
    assert resolve(config.view, NUMBER_ID).reason == "no_chatbot"


def test_another_organizations_chatbots_are_never_used(config: Any) -> None:
    config.put("number", _number(default_chatbot_id=None))
    config.put("chatbot", _bot("bot-other", organization_id="org-2", is_fallback=True))
    assert resolve(config.view, NUMBER_ID) == Route("org-1", None, "no_chatbot")


def test_an_unknown_number_has_no_organization(config: Any) -> None:
    config.standard()
    assert resolve(config.view, "999") == Route(None, None, "unknown_number")


def test_an_inactive_number_routes_nowhere_but_keeps_its_organization(config: Any) -> None:
    config.standard().put("number", _number(is_active=False))
    assert resolve(config.view, NUMBER_ID) == Route("org-1", None, "number_inactive")


def test_an_inactive_organization_routes_nowhere(config: Any) -> None:
    config.standard().put("org", OrganizationConfig(id="org-1", name="Acme", is_active=False))
    assert resolve(config.view, NUMBER_ID) == Route("org-1", None, "organization_inactive")


def test_a_number_whose_organization_is_not_in_the_config_still_routes(config: Any) -> None:
    config.put("number", _number())
    config.put("chatbot", _bot())
    assert resolve(config.view, NUMBER_ID) == Route("org-1", "bot-main")
