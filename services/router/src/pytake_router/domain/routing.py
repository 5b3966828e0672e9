"""Where an inbound item goes: phone_number_id → organization → chatbot.

The number's default chatbot when it is active, else the organization's fallback chatbot, else
nowhere (the item is recorded as unrouted with the reason).
"""

from __future__ import annotations

from dataclasses import dataclass

from pytake_shared.config import ConfigView


@dataclass(frozen=True)
class Route:
    organization_id: str | None
    chatbot_id: str | None
    reason: str | None = None  # why there is no chatbot

    @property
    def routed(self) -> bool:
        return self.chatbot_id is not None


def resolve(config: ConfigView, phone_number_id: str) -> Route:
    number = config.number(phone_number_id)
    if number is None:
        return Route(None, None, "unknown_number")
    if not number.is_active:
        return Route(number.organization_id, None, "number_inactive")
    org = config.organization(number.organization_id)
    if org is not None and not org.is_active:
        return Route(number.organization_id, None, "organization_inactive")
    if number.default_chatbot_id:
        bot = config.chatbot(number.default_chatbot_id)
        if bot is not None and bot.is_active:
            return Route(number.organization_id, bot.id)
    fallback = config.fallback_chatbot(number.organization_id)
    if fallback is not None:
        return Route(number.organization_id, fallback.id)
    return Route(number.organization_id, None, "no_chatbot")
