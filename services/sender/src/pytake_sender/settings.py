"""Sender settings (env names in the README's table)."""

from __future__ import annotations

from pytake_shared.settings import ServiceSettings


class SenderSettings(ServiceSettings):
    service_name: str = "sender"
    http_port: int = 9103
    graph_api_base_url: str = "https://graph.facebook.com"
    graph_api_version: str = "v21.0"
    graph_api_timeout_s: float = 15.0
