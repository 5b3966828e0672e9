"""Executor settings (env names in the README's table)."""

from __future__ import annotations

from pytake_shared.settings import ServiceSettings


class ExecutorSettings(ServiceSettings):
    service_name: str = "executor"
    http_port: int = 9102
