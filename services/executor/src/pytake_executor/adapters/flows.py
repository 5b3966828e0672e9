"""Flow lookup over the config view, with parsed flows cached (versions are immutable)."""

from __future__ import annotations

from pytake_executor.domain.engine import Flows
from pytake_executor.domain.flow import Flow, FlowError, load_flow
from pytake_shared.config import ConfigView


class ConfigFlows:
    def __init__(self, config: ConfigView) -> None:
        self._config = config
        self._cache: dict[tuple[str, int], Flow] = {}

    def by_version(self, flow_id: str, version: int) -> Flow | None:
        cached = self._cache.get((flow_id, version))
        if cached is not None:
            return cached
        entity = self._config.flow(flow_id, version)
        if entity is None:
            return None
        try:
            flow = load_flow(entity.id, entity.version, entity.name, entity.document)
            _ = flow.start  # exactly one start node, or the flow cannot run at all
        except FlowError:
            return None
        self._cache[(flow_id, version)] = flow
        return flow

    def main_flow(self, chatbot_id: str) -> Flow | None:
        bot = self._config.chatbot(chatbot_id)
        if bot is None or not bot.is_active or not bot.main_flow_id:
            return None
        return self.by_version(bot.main_flow_id, bot.main_flow_version or 1)

    def lookup(self) -> Flows:
        return Flows(main_flow=self.main_flow, by_version=self.by_version)
