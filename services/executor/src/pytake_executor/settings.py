"""Executor settings (env names in the README's table)."""

from __future__ import annotations

from pydantic import Field

from pytake_shared.media_storage import MediaSettings


class ExecutorSettings(MediaSettings):  # PYTAKE_PUBLIC_URL, MEDIA_LINK_TTL_S: media links
    service_name: str = "executor"
    http_port: int = 9102
    executor_timer_interval_s: float = 1.0  # how often due timers are fired
    # Bot messages one inbound event (or timer, or API call result) may queue; more are held
    # back and recorded (`message_held_back`).
    executor_max_messages_per_event: int = Field(default=10, ge=1, le=100)
    egress_max_response_bytes: int = Field(default=256 * 1024, ge=1024)  # flows' calls
