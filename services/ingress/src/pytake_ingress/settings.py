"""Ingress settings (env names in the README's table)."""

from __future__ import annotations

from pytake_shared.settings import ServiceSettings


class IngressSettings(ServiceSettings):
    service_name: str = "ingress"
    http_port: int = 8001
    meta_app_secret: str = ""
    webhook_verify_token: str = ""
    webhook_max_body_bytes: int = 3 * 1024 * 1024
