"""The media fetcher: a contact's media, fetched from Meta, checked, stored, recorded.

Its own consumer of `wa.inbound.v1` (group `sender-media`), beside the conversation: the flow
runs on as ever while the file is fetched. It wants message records only and acts on those
carrying media (image, audio, voice, video, document, sticker): `GET /{media-id}` with the
number's token for a URL, the download (the URL lasts minutes: a 404 asks for a fresh one, a
few times), Meta's sha256 and size limits checked (`domain/media.py`), the file written to the
storage backend under `<organization>/<media id>`, then a `pytake.media.stored` record on
`wa.media.v1`. What Meta says is gone or refuses, and what breaks a limit, is recorded as
`pytake.media.failed` with the reason (nothing to retry; the conversation is not held).

Meta unreachable, throttling or a 5xx, and the storage or broker away, are the environment:
raised as transient, the consumer loop retries the record with backoff until they are back,
never parking it. Everything is idempotent (the same key and bytes, the same record id), so a
retry or a restart mid-way writes the same again.
"""

from __future__ import annotations

import hashlib
import logging

from prometheus_client import Counter
from pydantic import ValidationError

from pytake_sender.adapters.media_graph import MediaGraph, MediaRefused, UrlExpired
from pytake_sender.domain.media import Unfetchable, Wanted, limit, problem, read, too_big
from pytake_shared.config import ConfigView, NumberConfig
from pytake_shared.contracts import media, wa_inbound
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.kafka import Producer, Record, RecordHandler
from pytake_shared.media_storage import MediaStorage
from pytake_shared.topics import Topics

log = logging.getLogger(__name__)

SOURCE = "pytake-sender"
FETCHED = Counter("pytake_sender_media_total", "Inbound media fetched, by outcome", ["outcome"])
GROUP = "sender-media"


class MediaFetcher(RecordHandler):
    wants = frozenset({wa_inbound.MESSAGE_RECEIVED})  # statuses are passed over undecoded

    def __init__(
        self,
        topics: Topics,
        config: ConfigView,
        graph: MediaGraph,
        storage: MediaStorage,
        producer: Producer,
        *,
        fresh_urls: int = 3,
    ) -> None:
        self._topics = topics
        self._config = config
        self._graph = graph
        self._storage = storage
        self._producer = producer
        self._fresh_urls = fresh_urls

    async def handle(self, record: Record) -> None:
        env = record.envelope
        try:
            item = wa_inbound.decode_message(env.data)
        except ValidationError:
            return  # the router parks what does not decode; it is no business of the fetcher
        found = read(dict(item["message"]))
        if found is None:
            return
        number = self._config.number(item["phone_number_id"] or "")
        if number is None:
            log.info("media on an unknown number %s: not fetched", item["phone_number_id"])
            return
        wamid = item["message"]["id"]
        if isinstance(found, Unfetchable):
            await self._failed(env, number, found, wamid, found.reason, found.code)
            return
        if not number.access_token:
            await self._failed(env, number, found, wamid, "the number has no access token", None)
            return
        try:
            outcome = await self._fetch(found, number, wamid)
        except MediaRefused as exc:
            await self._failed(env, number, found, wamid, exc.reason, exc.code)
            return
        FETCHED.labels("stored").inc()
        await self._publish(env, outcome)

    async def _fetch(self, wanted: Wanted, number: NumberConfig, wamid: str | None) -> media.Stored:
        token = number.access_token or ""
        cap = limit(wanted.kind, wanted.animated)
        why = "the download URL answered 404 every time"
        for _ in range(self._fresh_urls):
            info = await self._graph.info(wanted.meta_media_id, token, number.phone_number_id)
            if (big := too_big(wanted, info.file_size)) is not None:
                raise MediaRefused(big)
            try:
                content, content_type = await self._graph.download(info.url, token, cap)
            except UrlExpired:
                continue  # a fresh URL, from a fresh GET
            why = problem(wanted, info.sha256, content) or ""
            if why:
                continue  # a corrupted transfer gets another go; a real mismatch fails below
            media_id = media.media_id_of(number.phone_number_id, wanted.meta_media_id)
            key = media.storage_key(number.organization_id, media_id)
            mime = info.mime_type or wanted.mime_type or content_type or "application/octet-stream"
            await self._storage.put(key, content, mime)
            return media.Stored(
                **self._fields(number, wanted, wamid),
                storage_key=key,
                mime_type=mime,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
        raise MediaRefused(why)

    def _fields(
        self, number: NumberConfig, found: Wanted | Unfetchable, wamid: str | None
    ) -> dict[str, object]:
        meta_id = found.meta_media_id or f"missing:{wamid}"
        wanted = found if isinstance(found, Wanted) else None
        return {
            "media_id": media.media_id_of(number.phone_number_id, meta_id),
            "meta_media_id": meta_id,
            "organization_id": number.organization_id,
            "phone_number_id": number.phone_number_id,
            "message_id": wamid,
            "kind": found.kind,
            "caption": wanted.caption if wanted else None,
            "filename": wanted.filename if wanted else None,
            "voice": wanted.voice if wanted else False,
        }

    async def _failed(
        self,
        env: Envelope,
        number: NumberConfig,
        found: Wanted | Unfetchable,
        wamid: str | None,
        reason: str,
        code: int | None,
    ) -> None:
        FETCHED.labels("failed").inc()
        log.warning("media %s not kept: %s", found.meta_media_id, reason)
        outcome = media.Failed(**self._fields(number, found, wamid), reason=reason, code=code)
        await self._publish(env, outcome)

    async def _publish(self, cause: Envelope, outcome: media.Media) -> None:
        kind = media.type_of(outcome)
        await self._producer.send(
            self._topics.wa_media,
            Envelope.new(
                kind,
                id=deterministic_id("sender.media", outcome.media_id, kind),
                source=SOURCE,
                subject=cause.subject,
                causation=cause,
                organization_id=outcome.organization_id,
                data=media.payload(outcome),
            ),
        )
