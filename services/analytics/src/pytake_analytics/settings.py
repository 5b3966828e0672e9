"""Analytics settings (env names in the README's table)."""

from __future__ import annotations

from pydantic import Field, field_validator

from pytake_analytics.domain.addresses import parse_networks
from pytake_shared.media_storage import MediaSettings
from pytake_shared.secrets import Required


class AnalyticsSettings(MediaSettings):
    service_name: str = "analytics"
    http_port: int = 8000
    # Config records are few and a write's answer waits for them: no batching delay.
    kafka_linger_ms: int = 0
    # HS256 keys should be at least 32 bytes; no default (refused at start when unfit).
    jwt_secret: str = Field(default="", repr=False)
    jwt_issuer: str = "pytake"
    jwt_audience: str = "pytake-api"
    access_token_ttl_s: int = Field(default=900, ge=1)
    refresh_token_ttl_s: int = Field(default=7 * 24 * 3600, ge=1)
    # Failed logins over a sliding window (kept in PostgreSQL, so the limits hold across
    # instances): per (account, address); per account, for addresses it never logged in from;
    # attempts on unknown accounts per address (see api/auth.py).
    login_window_s: int = Field(default=900, ge=1)
    login_max_failures_per_account_address: int = Field(default=5, ge=1)
    login_max_failures_per_account: int = Field(default=20, ge=1)
    login_max_unknown_per_address: int = Field(default=20, ge=1)
    login_known_address_days: int = Field(default=30, ge=1)
    # Reverse proxies whose X-Forwarded-For is believed (addresses and CIDRs); none by default.
    trusted_proxies: str = ""
    # argon2id cost of new password hashes (verification reads the cost from the hash).
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_kib: int = Field(default=65536, ge=8)
    # How often the outbox is flushed in the background (each write also flushes it).
    outbox_interval_s: float = Field(default=2.0, gt=0)
    # The console's replay reads a conversation's partition from the topics: at most this long.
    replay_timeout_s: float = Field(default=20.0, gt=0)
    replay_concurrency_per_organization: int = Field(default=2, ge=1)
    # Media files and rows older than this are deleted, checked this often.
    media_retention_days: int = Field(default=90, ge=1)
    media_retention_interval_s: float = Field(default=3600.0, gt=0)
    # Templates are read from Meta (the sender's GRAPH_API_* too) on demand and this often.
    graph_api_base_url: str = "https://graph.facebook.com"
    graph_api_version: str = "v21.0"
    graph_api_timeout_s: float = Field(default=15.0, gt=0)
    template_sync_interval_s: float = Field(default=3600.0, gt=0)
    # Broadcasts use this share of a number's messages_per_second (else the default), leaving
    # the rest to conversations' replies; a list holds at most this many recipients.
    broadcast_default_mps: float = Field(default=80.0, gt=0)
    broadcast_rate_share: float = Field(default=0.8, gt=0, le=1)
    broadcast_tick_s: float = Field(default=0.05, gt=0)
    broadcast_max_recipients: int = Field(default=100_000, ge=1)
    pytake_admin_email: str = ""
    pytake_admin_password: str = Field(default="", repr=False)
    meta_app_secret: str = Field(default="", repr=False)
    webhook_verify_token: str = ""
    # The console's built files (console/dist); "" = the checkout's console/dist when present.
    console_dir: str = ""
    pytake_demo_seed: bool = False
    pytake_demo_flow_file: str = ""
    pytake_demo_phone_number_id: str = "100000000000001"
    pytake_demo_access_token: str = "demo-access-token"

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        parse_networks(value)  # a bad entry stops the service at start, not a login later
        return value

    def required_secrets(self) -> list[Required]:
        needed = [*super().required_secrets(), Required("JWT_SECRET", self.jwt_secret, 32)]
        if self.pytake_admin_email:
            needed.append(Required("PYTAKE_ADMIN_PASSWORD", self.pytake_admin_password, 12))
        return needed
