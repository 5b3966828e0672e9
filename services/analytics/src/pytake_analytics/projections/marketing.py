"""What wa.inbound.v1 says about templates and opt-outs, folded in the projection's batch.

Meta's `message_template_status_update` and `template_category_update` webhooks (ingress's
`field_received` items, naming the WABA) change the stored templates and stage their
snapshots on the config outbox in the same transaction, so the sender sees a paused template
as soon as analytics does. A contact's opt-out keyword, Meta's `user_preferences` and a
131050 failure change the organization's opt-outs. Unusable items are skipped, never retried,
like every projection record. Ordered by the envelope's time (when ingress received it), not
Meta's `entry.time` (whole seconds), so a webhook is newer than a sync it followed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import ValidationError

from pytake_analytics.adapters import optouts as opt_db
from pytake_analytics.adapters import projections as db
from pytake_analytics.adapters import templates as template_db
from pytake_analytics.adapters.outbox import Outbox
from pytake_analytics.domain import optouts
from pytake_analytics.domain.templates import FIELDS, NotATemplate, TemplateChange, change_of
from pytake_shared import contracts as c
from pytake_shared.contracts import wa_inbound
from pytake_shared.kafka import Record

log = logging.getLogger(__name__)


def _wanted(record: Record) -> bool:
    """Cheap test first: most records of the topic are statuses and ordinary messages."""
    env = record.envelope
    if env.type == c.WA_FIELD_RECEIVED:
        return True
    if env.type == c.WA_MESSAGE_RECEIVED:
        text = _dict(env.data.get("message")).get("text")
        return isinstance(text, str) and len(text) <= 100
    if env.type == c.WA_STATUS_RECEIVED:
        return _dict(env.data.get("status")).get("status") == "failed"
    return False


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _number_of(record: Record) -> str:
    data = record.envelope.data
    if record.envelope.type == c.WA_FIELD_RECEIVED:
        metadata = _dict(_dict(data.get("value")).get("metadata"))
        return str(metadata.get("phone_number_id") or "")
    return str(data.get("phone_number_id") or "")


@dataclass
class _Found:
    templates: list[TemplateChange] = field(default_factory=list)
    opt_outs: list[tuple[uuid.UUID, optouts.OptChange]] = field(default_factory=list)

    def opt(self, org: str, change: optouts.OptChange | None) -> None:
        if change is not None:
            self.opt_outs.append((uuid.UUID(org), change))


def _read(record: Record, org: str | None, settings: dict[str, Any], found: _Found) -> None:
    env = record.envelope
    if env.type == c.WA_FIELD_RECEIVED:
        item = cast(wa_inbound.FieldReceived, wa_inbound.decode(env.type, env.data))
        if item["field"] in FIELDS:
            found.templates.append(
                change_of(item["field"], item["waba_id"], item["value"], env.time)
            )
        elif item["field"] == "user_preferences" and org:
            for change in optouts.preferences(item["value"], env.time):
                found.opt(org, change)
    elif env.type == c.WA_MESSAGE_RECEIVED and org:
        message = wa_inbound.decode_message(env.data)
        text, contact = message["message"]["text"], message["contact"]["wa_id"]
        found.opt(org, optouts.keyword(text, settings, contact, env.time))
    elif env.type == c.WA_STATUS_RECEIVED and org:
        status = wa_inbound.decode_status(env.data)["status"]
        if status["status"] == "failed" and status["errors"]:
            code = status["errors"][0]["code"]
            found.opt(org, optouts.failed_status(status["recipient_id"], code, env.time))


async def fold(conn: Any, outbox: Outbox | None, records: Sequence[Record]) -> bool:
    """Fold `records`; True when a template changed (its snapshot waits on the outbox)."""
    wanted = [r for r in records if _wanted(r)]
    if not wanted:
        return False
    owners = await db.number_owners(conn, {_number_of(r) for r in wanted} - {""})
    settings = await opt_db.org_settings(conn, set(owners.values()))
    found = _Found()
    for record in wanted:
        org = owners.get(_number_of(record))
        try:
            _read(record, org, settings.get(org or "", {}), found)
        except (NotATemplate, ValidationError, ValueError, KeyError, TypeError) as exc:
            env = record.envelope
            log.warning("unusable %s %s for templates/opt-outs: %s", env.type, env.id, exc)
    changes = found.templates
    changed = await template_db.apply_changes(conn, outbox, changes) if changes else 0
    if changes:
        log.info("template webhooks: %d read, %d stored templates changed", len(changes), changed)
    await opt_db.merge(conn, found.opt_outs)
    return changed > 0
