"""`pytake replay topic`: any topic between offsets or times, filtered, as a timeline or JSON.

Times are filtered by scanning (the envelope's `time`, else the record's timestamp), not by
`offsets_for_times`, which the dev broker answers with offset 0. A full conversation key in
`--contact` narrows the read to the partition the key maps to. The timeline is sorted by time
across partitions (matches are buffered); `--no-sort` streams in read order instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from pytake_shared.history import Entry
from pytake_shared.kafka.reader import Bounds, ReplayError, TopicReader, partition_for_key
from pytake_tools.progress import Progress
from pytake_tools.timeline import Filters, timeline_line


@dataclass(frozen=True)
class TopicQuery:
    topic: str
    partitions: tuple[int, ...] = ()
    bounds: Bounds = field(default_factory=Bounds)
    filters: Filters = field(default_factory=Filters)
    as_json: bool = False
    sort: bool = True
    limit: int | None = None


async def replay_topic(
    bootstrap: str,
    query: TopicQuery,
    out: TextIO,
    err: TextIO,
    *,
    progress: bool | None = None,
    idle_timeout: float = 2.0,
) -> int:
    """Print what `query` selects; exit code 0, or 1 when the topic cannot be read."""
    async with TopicReader(bootstrap, idle_timeout=idle_timeout) as reader:
        try:
            only = list(query.partitions) or await _key_partition(reader, query)
            plan = await reader.plan(query.topic, only=only, bounds=query.bounds)
        except ReplayError as exc:
            print(f"error: {exc}", file=err)
            return 1
        bar = Progress(plan.total, f"reading {query.topic}", stream=err, enabled=progress)
        scanned = 0
        matched: list[Entry] = []
        shown = 0
        with bar:
            async for record in reader.read(plan, on_batch=bar.advance):
                scanned += 1
                entry = Entry.of(record)
                if not query.filters.match(entry):
                    continue
                if query.sort:
                    matched.append(entry)
                    continue
                if query.limit is not None and shown >= query.limit:
                    break
                _emit(entry, query.as_json, out)
                shown += 1
        if query.sort:
            matched.sort(key=lambda e: (e.time, e.partition, e.offset))
            for entry in matched[: query.limit]:
                _emit(entry, query.as_json, out)
                shown += 1
    partitions = ",".join(str(p) for p in sorted(plan.starts))
    print(
        f"{shown} records shown of {scanned} read from {query.topic} (partitions {partitions})",
        file=err,
    )
    return 0


async def _key_partition(reader: TopicReader, query: TopicQuery) -> list[int]:
    contact = query.filters.contact
    if contact is None or ":" not in contact:
        return []
    count = len(await reader.partitions(query.topic))
    return [partition_for_key(contact, count)]


def _emit(entry: Entry, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(entry.as_json().decode() + "\n")
    else:
        out.write(timeline_line(entry) + "\n")
