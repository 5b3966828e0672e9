"""The simulator's settings, read once from the environment and frozen.

Names are `METASIM_*` (plus `META_APP_SECRET`, shared with the ingress that verifies the
signature). `Faults` is the part that can also be changed at run time through `PUT /_sim/faults`;
the settings inherit its fields so that every fault knob has an environment variable too
(`METASIM_ERROR_RATE`, `METASIM_CLOSED_WINDOW_CONTACTS`, ...). Lists are comma-separated in the
environment and JSON arrays in the HTTP body.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# `lost_answer`: the message is accepted (wamid, status webhooks) but the answer only comes
# after `timeout_seconds`, as when a connection drops after Meta took a send. Not in the
# default kinds: it is the one fault whose outcome the caller cannot know.
ErrorKind = Literal["throttle", "server", "timeout", "lost_answer"]
ALL_ERROR_KINDS: tuple[ErrorKind, ...] = ("throttle", "server", "timeout")


def _split_csv(value: Any) -> Any:
    """Accept "a, b,c" (environment) as well as a list (JSON, Python)."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class Faults(BaseModel):
    """What goes wrong, and how often; `GET/PUT/PATCH /_sim/faults` show and change it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    error_kinds: Annotated[tuple[ErrorKind, ...], NoDecode] = ALL_ERROR_KINDS
    timeout_seconds: float = Field(default=30.0, ge=0.0)
    slow_ms: int = Field(default=0, ge=0)
    pair_rate_limit: bool = False
    # Meta's pair rule: a burst of 45, then one message every 6 seconds per recipient.
    pair_burst: int = Field(default=45, ge=1)
    pair_refill_per_second: float = Field(default=1 / 6, gt=0.0)
    closed_window_contacts: Annotated[tuple[str, ...], NoDecode] = ()
    invalid_tokens: Annotated[tuple[str, ...], NoDecode] = ()
    mps_limit: int = Field(default=0, ge=0)  # 0 = unlimited
    # Share of media calls (GET /{media-id}, the download, upload) answered with a 500.
    media_error_rate: float = Field(default=0.0, ge=0.0, le=1.0)

    @field_validator("error_kinds", "closed_window_contacts", "invalid_tokens", mode="before")
    @classmethod
    def _csv(cls, value: Any) -> Any:
        return _split_csv(value)


class SimulatorSettings(BaseSettings, Faults):
    """Everything `python -m pytake_tools.metasim` reads from the environment."""

    model_config = SettingsConfigDict(
        env_prefix="METASIM_",
        frozen=True,
        extra="ignore",
        env_file=None,
        populate_by_name=True,
    )

    host: str = "127.0.0.1"
    port: int = 8002
    webhook_url: str = ""  # "" = do not send status webhooks
    app_secret: str = Field(default="", validation_alias="META_APP_SECRET", repr=False)
    # Numbers of other apps sign their status webhooks with their own app's secret, as Meta
    # does: "phone_number_id=secret,..." (also `PUT /_sim/apps/{phone_number_id}` at run time).
    app_secrets: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict, repr=False)
    access_tokens: Annotated[tuple[str, ...], NoDecode] = ()  # () = any non-empty token
    # Delays after the send for sent, delivered, read; fewer entries send fewer statuses.
    status_delays_ms: Annotated[tuple[int, ...], NoDecode] = (200, 800, 2000)
    waba_id: str = "102290129340398"
    display_phone_number: str = "15550783881"
    webhook_retries: int = Field(default=3, ge=0)
    webhook_backoff_ms: int = Field(default=200, ge=0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0.0)
    # Deliveries in flight at once; the rest wait their turn outside the HTTP pool (httpcore
    # matches queued requests to connections in O(queued x connections) per request).
    webhook_concurrency: int = Field(default=16, ge=1)
    seed: int | None = None  # None = a different fault sequence every run
    max_records: int = Field(default=100_000, ge=1)
    media_url_ttl_seconds: float = Field(default=300.0, gt=0.0)  # Meta's: 5 minutes
    # A send naming a media id not uploaded to (or received by) its number is refused with
    # 131053, as Meta does; off only for tests of message shapes with made-up ids.
    check_media_ids: bool = True
    log_level: str = "INFO"

    @field_validator("access_tokens", mode="before")
    @classmethod
    def _tokens(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("app_secrets", mode="before")
    @classmethod
    def _app_secrets(cls, value: Any) -> Any:
        if isinstance(value, str):
            pairs = (part.partition("=") for part in _split_csv(value))
            return {number.strip(): secret.strip() for number, _, secret in pairs if secret}
        return value

    @field_validator("status_delays_ms", mode="before")
    @classmethod
    def _delays(cls, value: Any) -> Any:
        value = _split_csv(value)
        if isinstance(value, tuple | list) and len(value) > 3:
            raise ValueError("at most three delays: sent, delivered, read")
        return value

    @field_validator("seed", mode="before")
    @classmethod
    def _empty_seed(cls, value: Any) -> Any:
        return None if value == "" else value

    def faults(self) -> Faults:
        """The fault knobs the simulator starts with."""
        return Faults.model_validate(self.model_dump(include=set(Faults.model_fields)))
