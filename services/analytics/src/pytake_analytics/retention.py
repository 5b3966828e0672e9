"""Media retention: files and rows older than `MEDIA_RETENTION_DAYS` are deleted, periodically.

The file goes first, then the row: a crash in between leaves a row whose file is gone, which
the next run deletes again (deleting a missing file is fine), never a file nobody can find.
The storage being away is logged by the periodic runner and tried again next time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import asyncpg

from pytake_analytics.adapters import media as rows
from pytake_shared.media_storage import MediaStorage

log = logging.getLogger(__name__)


class MediaRetention:
    def __init__(
        self,
        pool: asyncpg.Pool,
        storage: MediaStorage,
        days: int,
        clock: Callable[[], datetime],
        batch: int = 500,
    ) -> None:
        self._pool, self._storage, self._days = pool, storage, days
        self._clock, self._batch = clock, batch

    async def run(self) -> int:
        """Delete what is past the retention; how many media were deleted."""
        before = self._clock() - timedelta(days=self._days)
        deleted = 0
        while True:
            found = await rows.expired(self._pool, before, self._batch)
            if not found:
                break
            for _, key in found:
                if key:
                    await self._storage.delete(key)
            await rows.forget(self._pool, [media_id for media_id, _ in found])
            deleted += len(found)
            if len(found) < self._batch:
                break
        if deleted:
            log.info("media retention: deleted %d media older than %d days", deleted, self._days)
        return deleted
