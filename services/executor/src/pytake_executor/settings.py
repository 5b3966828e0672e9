"""Executor settings (env names in the README's table)."""

from __future__ import annotations

from pydantic import Field

from pytake_shared.settings import ServiceSettings


class ExecutorSettings(ServiceSettings):
    service_name: str = "executor"
    http_port: int = 9102
    executor_timer_interval_s: float = 1.0  # how often due timers are fired
    egress_max_response_bytes: int = Field(default=256 * 1024, ge=1024)  # flows' calls
