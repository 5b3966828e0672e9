"""The media projection: wa.media.v1 (the sender's fetches, stored or failed) → the media table.

Its own consumer group. A batch is one transaction of idempotent upserts keyed by our media
id (a later record of a media replaces the earlier one; records of one media come in order,
keyed by conversation), so a batch replayed after a crash writes the same rows again and the
offsets can be Kafka's. Records that do not decode are counted and skipped, as the other
projections do.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import asyncpg
from prometheus_client import Counter
from pydantic import ValidationError

from pytake_analytics.adapters import media as rows
from pytake_shared.contracts import media
from pytake_shared.kafka import BatchHandler, Record
from pytake_shared.topics import Topics

log = logging.getLogger(__name__)

GROUP = "analytics-media"
PROJECTED = Counter("pytake_analytics_media_records_total", "wa.media.v1 records", ["outcome"])


class MediaProjection(BatchHandler):
    wants = media.TYPES

    def __init__(self, topics: Topics, pool: asyncpg.Pool) -> None:
        self.sources = (topics.wa_media,)
        self._pool = pool

    async def handle_batch(self, records: Sequence[Record]) -> None:
        outcomes: list[tuple[media.Media, datetime]] = []
        for record in records:
            env = record.envelope
            try:
                outcomes.append((media.decode(env.type, env.data), env.time))
            except (ValueError, ValidationError) as exc:
                PROJECTED.labels("unusable").inc()
                log.warning("unusable %s %s: %s", env.type, env.id, exc)
        if outcomes:
            async with self._pool.acquire() as conn, conn.transaction():
                await rows.project(conn, outcomes)
            PROJECTED.labels("applied").inc(len(outcomes))
