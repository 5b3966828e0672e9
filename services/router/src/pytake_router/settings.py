"""Router settings (env names in the README's table)."""

from __future__ import annotations

from pytake_shared.settings import ServiceSettings


class RouterSettings(ServiceSettings):
    service_name: str = "router"
    http_port: int = 9101
    router_dedupe_days: int = 7
    router_rate_limit_per_minute: int = 5  # per contact and number; 0 = off
