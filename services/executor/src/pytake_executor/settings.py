"""Executor settings (env names in the README's table)."""

from __future__ import annotations

from pytake_shared.settings import ServiceSettings


class ExecutorSettings(ServiceSettings):
    service_name: str = "executor"
    http_port: int = 9102
    executor_timer_interval_s: float = 1.0  # how often due timers are fired
