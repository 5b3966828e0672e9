"""The settings every service shares; each service subclasses it with its own fields.

Settings are read once from the environment (names in the README's table), frozen, and passed
down. Nothing connects at import time.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from pytake_shared.secrets import Required, SecretBox
from pytake_shared.topics import DEFAULT_PARTITIONS, Topics


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_file=None)

    service_name: str = "pytake"
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_enable_idempotence: bool = False  # the dev broker does not support it
    kafka_linger_ms: int = 5
    kafka_request_timeout_ms: int = 15_000
    kafka_session_timeout_ms: int = 10_000
    # Static group membership (Apache Kafka): a member restarted within its session timeout
    # under the same id gets its partitions back at once, without a rebalance. Unique per
    # instance and stable across its restarts (Kubernetes: the pod's name). "" = dynamic.
    kafka_group_instance_id: str = ""
    kafka_heartbeat_interval_ms: int = 1_000
    kafka_max_poll_records: int = 500
    # How long a fetch may wait at the broker for data. Apache Kafka answers as soon as data
    # arrives, so this only bounds idle polling there; the dev broker (Tansu) tends to hold the
    # fetch for the whole wait, which adds up to this much latency per consumer hop.
    kafka_fetch_max_wait_ms: int = 25
    # The same for consumers off the reply path (projections, Meta's status confirmations):
    # they can wait longer per fetch, which spares the broker most of their idle polling.
    kafka_background_fetch_max_wait_ms: int = 500
    # ... and leave at least this long between polls that returned records, so a busy topic
    # reaches them in batches of this much traffic rather than one fetch per few records.
    kafka_background_poll_interval_ms: int = 250
    # The same for consumers on the reply path, short: it adds at most this much per hop,
    # and under load it spares the broker a fetch (and the service a batch) per few records.
    kafka_poll_interval_ms: int = 10
    pytake_event_loop: Literal["auto", "uvloop", "asyncio"] = "auto"  # auto: uvloop if installed
    database_url: str = "postgresql://postgres@127.0.0.1:5432/pytake"
    database_pool_min: int = 1
    database_pool_max: int = 10
    pytake_topic_namespace: str = ""
    pytake_topic_partitions: int = Field(default=DEFAULT_PARTITIONS, ge=1)
    pytake_topic_replication: int = Field(default=1, ge=1)
    dlq_max_consecutive: int = Field(default=100, ge=1)
    # No default: every service refuses to start without a fit key (`secrets.problems`).
    pytake_config_key: str = Field(default="", repr=False)
    # Keys sealed with before a rotation: still opened, never sealed with (comma-separated).
    pytake_config_old_keys: str = Field(default="", repr=False)
    # Destinations flows' calls may reach besides public addresses (`pytake_shared.egress`):
    # the executor enforces it, publish warns with it.
    egress_allow: str = ""
    log_level: str = "INFO"
    http_host: str = "127.0.0.1"
    http_port: int = 9100

    @property
    def config_old_keys(self) -> list[str]:
        return [k.strip() for k in self.pytake_config_old_keys.split(",") if k.strip()]

    def secret_box(self) -> SecretBox:
        return SecretBox(self.pytake_config_key, self.config_old_keys)

    def required_secrets(self) -> list[Required]:
        """The secrets this service cannot start without (subclasses add theirs)."""
        return [Required("PYTAKE_CONFIG_KEY", self.pytake_config_key, 32)]

    @property
    def topics(self) -> Topics:
        return Topics(self.pytake_topic_namespace, self.pytake_topic_partitions)
