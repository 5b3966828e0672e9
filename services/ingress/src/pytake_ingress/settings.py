"""Ingress settings (env names in the README's table)."""

from __future__ import annotations

from pydantic import Field

from pytake_shared.secrets import Required
from pytake_shared.settings import ServiceSettings


class IngressSettings(ServiceSettings):
    service_name: str = "ingress"
    http_port: int = 8001
    meta_app_secret: str = Field(default="", repr=False)
    webhook_verify_token: str = ""
    webhook_max_body_bytes: int = 3 * 1024 * 1024
    # How long a webhook waits for the broker's acknowledgement before answering 503 (Meta
    # retries). A record acknowledged later is harmless: the router drops Meta's repeats.
    ingress_ack_timeout_s: float = Field(default=5.0, gt=0)

    def required_secrets(self) -> list[Required]:
        return [*super().required_secrets(), Required("META_APP_SECRET", self.meta_app_secret, 16)]
