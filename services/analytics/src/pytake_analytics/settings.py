"""Analytics settings (env names in the README's table)."""

from __future__ import annotations

from pytake_shared.settings import ServiceSettings


class AnalyticsSettings(ServiceSettings):
    service_name: str = "analytics"
    http_port: int = 8000
    jwt_secret: str = "dev-only-jwt-secret-change-me"
    pytake_admin_email: str = ""
    pytake_admin_password: str = ""
    meta_app_secret: str = ""
    webhook_verify_token: str = ""
    pytake_demo_seed: bool = False
    pytake_demo_flow_file: str = ""
    pytake_demo_phone_number_id: str = "100000000000001"
    pytake_demo_access_token: str = "demo-access-token"
