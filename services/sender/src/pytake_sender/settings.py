"""Sender settings (env names in the README's table)."""

from __future__ import annotations

from pytake_shared.media_storage import MediaSettings


class SenderSettings(MediaSettings):
    service_name: str = "sender"
    http_port: int = 9103
    graph_api_base_url: str = "https://graph.facebook.com"
    graph_api_version: str = "v21.0"
    graph_api_timeout_s: float = 15.0
    graph_api_keepalive_s: float = 4.0  # idle connections closed before the server does
    sender_default_mps: float = 80.0  # per business number, unless the number says otherwise
    sender_pair_burst: int = 20  # messages one contact may get at once (Meta allows up to 45)
    sender_pair_interval_s: float = 6.0  # then one message every this many seconds
    sender_max_attempts: int = 12  # retryable failures before a message is given up
    # An unknown outcome (no answer in time, a crash mid-call) waits this long for Meta's
    # status webhook; without one it is marked indefinite, or sent again when resending.
    sender_confirm_wait_s: float = 30.0
    sender_resend_unconfirmed: bool = False
    # Fresh download URLs asked for when one answers 404 (Meta's URLs last 5 minutes), and
    # downloads retried after a checksum mismatch, before the media is recorded as failed.
    media_fetch_fresh_urls: int = 3
