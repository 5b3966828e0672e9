"""Flow lookup over the config view, with parsed flows cached (versions are immutable)."""

from __future__ import annotations

from collections.abc import Callable

from pytake_shared.config import ConfigView
from pytake_shared.engine.engine import Flows
from pytake_shared.engine.flow import Flow, FlowError, load_flow

MAX_VERSIONS = 10_000


class ConfigFlows:
    def __init__(
        self,
        config: ConfigView,
        max_messages: int = 10,
        media_url: Callable[[str, int], str] | None = None,
    ) -> None:
        self._config = config
        self._max_messages = max_messages
        self._media_url = media_url
        # With the organization's language it was loaded in: a flow without a language of its
        # own follows a change of the organization's. Versions never change otherwise, so a
        # loaded one stays usable even after the config record is gone.
        self._cache: dict[tuple[str, int], tuple[str | None, Flow]] = {}

    def by_version(self, flow_id: str, version: int) -> Flow | None:
        cached = self._cache.get((flow_id, version))
        entity = self._config.flow(flow_id, version)
        if entity is None:
            return cached[1] if cached is not None else None
        org = self._config.organization(entity.organization_id)
        language = (org.settings if org else {}).get("language")
        language = language if isinstance(language, str) else None
        if cached is not None and cached[0] == language:
            return cached[1]
        try:
            flow = load_flow(entity.id, entity.version, entity.name, entity.document, language)
            _ = flow.start  # exactly one start node, or the flow cannot run at all
        except FlowError:
            return None
        self._cache[(flow_id, version)] = (language, flow)
        return flow

    def main_flow(self, chatbot_id: str) -> Flow | None:
        bot = self._config.chatbot(chatbot_id)
        if bot is None or not bot.is_active or not bot.main_flow_id:
            return None
        return self.by_version(bot.main_flow_id, bot.main_flow_version or 1)

    def by_id(self, chatbot_id: str, flow_id: str) -> Flow | None:
        """Another flow of the chatbot (a `jump` target) at its newest published version.

        The config view is keyed by (flow, version) and has no "latest" query, so versions
        are probed upwards; published versions are numbered 1, 2, 3... without gaps.
        """
        bot = self._config.chatbot(chatbot_id)
        if bot is not None and bot.main_flow_id == flow_id:
            return self.main_flow(chatbot_id)
        latest = None
        for version in range(1, MAX_VERSIONS + 1):
            entity = self._config.flow(flow_id, version)
            if entity is None:
                break
            latest = entity
        if latest is None or latest.chatbot_id != chatbot_id:
            return None
        return self.by_version(flow_id, latest.version)

    def lookup(self) -> Flows:
        return Flows(
            main_flow=self.main_flow,
            by_version=self.by_version,
            by_id=self.by_id,
            max_messages=self._max_messages,
            **({"media_url": self._media_url} if self._media_url else {}),
        )
