"""Router handler: wa.inbound.v1 → conversation.commands.v1 (or an unrouted record).

Per batch: look every dedupe key up at once, forward what is new (keyed by the conversation
key, so order per contact holds), then record the keys. Command ids derive from the inbound
envelope id, so a forward repeated after a crash carries the same id and is dropped downstream.

Of Meta's statuses (three per message sent: sent, delivered, read) only `failed` concerns a
conversation; the others are skipped here without a ledger row. Analytics reads them all from
wa.inbound.v1 itself, where merging one twice changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from prometheus_client import Counter
from pydantic import ValidationError

from pytake_router.adapters.ledger import DedupeLedger
from pytake_router.domain.ratelimit import RateLimiter
from pytake_router.domain.routing import resolve
from pytake_shared import contracts as c
from pytake_shared.config import ConfigView
from pytake_shared.contracts import commands, wa_inbound
from pytake_shared.contracts import conversation_events as ev
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.errors import InvalidInput
from pytake_shared.kafka import BatchHandler, Producer, Record
from pytake_shared.topics import Topics

log = logging.getLogger(__name__)

ROUTED = Counter("pytake_router_items_total", "Inbound items by outcome", ["outcome"])
SOURCE = "pytake-router"


def dedupe_key(env: Envelope) -> str | None:
    if env.type == c.WA_MESSAGE_RECEIVED:
        wamid = (env.data.get("message") or {}).get("id")
        return f"msg:{wamid}" if wamid else None
    if env.type == c.WA_STATUS_RECEIVED:
        status = env.data.get("status") or {}
        if status.get("id") and status.get("status"):
            return f"status:{status['id']}:{status['status']}"
    return None


def _conversational(env: Envelope) -> bool:
    """Whether the executor has anything to do with it: messages, and failed statuses."""
    if env.type == c.WA_STATUS_RECEIVED:
        return (env.data.get("status") or {}).get("status") == "failed"
    return True


class RouterHandler(BatchHandler):
    def __init__(
        self,
        topics: Topics,
        config: ConfigView,
        ledger: DedupeLedger,
        producer: Producer,
        rate_limit_per_minute: int = 5,
    ) -> None:
        self._topics = topics
        self._config = config
        self._ledger = ledger
        self._producer = producer
        self._limit = rate_limit_per_minute
        self._limiter = RateLimiter()

    async def handle_batch(self, records: Sequence[Record]) -> None:
        records = [r for r in records if self._keep(r.envelope)]
        keys = {r.envelope.id: dedupe_key(r.envelope) for r in records}
        seen = await self._ledger.seen(k for k in keys.values() if k)
        outputs: list[tuple[str, Envelope]] = []
        new_keys: list[str] = []
        for record in records:
            key = keys[record.envelope.id]
            if key is not None and key in seen:
                ROUTED.labels("duplicate").inc()
                continue
            outputs.extend(self._route(record.envelope))
            if key is not None:
                seen.add(key)
                new_keys.append(key)
        await self._producer.send_many(outputs)
        await self._ledger.record(new_keys)

    @staticmethod
    def _keep(env: Envelope) -> bool:
        if _conversational(env):
            return True
        ROUTED.labels("status_for_analytics").inc()
        return False

    def _notice(self, env: Envelope, org_id: str, limited: ev.RateLimited) -> Envelope:
        """The command that makes the executor tell the contact to slow down (once a window);
        the organization's `rate_limit_notice` setting words it, else the executor does, in
        the flow's language."""
        org = self._config.organization(org_id)
        text = (org.settings if org else {}).get("rate_limit_notice") or ""
        return self._command(
            env,
            org_id,
            c.NotifyRateLimit(
                organization_id=org_id,
                chatbot_id=limited.chatbot_id,
                phone_number_id=limited.phone_number_id,
                contact=self._contact(env, limited.contact, limited.message),
                message_id=limited.message.get("id"),
                text=str(text),
                limit_per_minute=limited.limit_per_minute,
                received_at=int(limited.message.get("timestamp") or 0),
            ),
        )

    def _route(self, env: Envelope) -> list[tuple[str, Envelope]]:
        """What one inbound item becomes, in order: a command, or a record of why not."""
        if env.type not in (c.WA_MESSAGE_RECEIVED, c.WA_STATUS_RECEIVED):
            ROUTED.labels("not_conversational").inc()
            return []
        try:
            if env.type == c.WA_STATUS_RECEIVED:
                status = wa_inbound.decode_status(env.data)
                return self._status(env, status["phone_number_id"], dict(status["status"]))
            item = wa_inbound.decode_message(env.data)
        except ValidationError as exc:
            raise InvalidInput(f"bad {env.type}: {exc}") from exc
        number_id = self._number(env, item["phone_number_id"])
        route = resolve(self._config, number_id)
        contact: dict[str, Any] = dict(item["contact"])
        message: dict[str, Any] = dict(item["message"])
        if not route.routed or route.organization_id is None or route.chatbot_id is None:
            ROUTED.labels(f"unrouted_{route.reason}").inc()
            log.warning("unrouted message on %s: %s", number_id, route.reason)
            unrouted = ev.Unrouted(
                reason=route.reason, phone_number_id=number_id, message=message, contact=contact
            )
            return [(self._topics.events, self._event(env, route.organization_id, unrouted))]
        org = self._config.organization(route.organization_id)
        limit = int((org.settings if org else {}).get("rate_limit_per_minute", self._limit))
        verdict = self._limiter.check(env.subject, int(message.get("timestamp") or 0), limit)
        if not verdict.allowed:
            ROUTED.labels("rate_limited").inc()
            limited = ev.RateLimited(
                phone_number_id=number_id,
                chatbot_id=route.chatbot_id,
                limit_per_minute=limit,
                notice=verdict.notice,
                message=message,
                contact=contact,
            )
            out = [(self._topics.events, self._event(env, route.organization_id, limited))]
            if verdict.notice:
                out.append(
                    (self._topics.commands, self._notice(env, route.organization_id, limited))
                )
            return out
        ROUTED.labels("message").inc()
        inbound = c.HandleInbound(
            organization_id=route.organization_id,
            chatbot_id=route.chatbot_id,
            phone_number_id=number_id,
            contact=self._contact(env, contact, message),
            message=message,
            received_at=int(message.get("timestamp") or 0),
        )
        return [(self._topics.commands, self._command(env, route.organization_id, inbound))]

    @staticmethod
    def _number(env: Envelope, number_id: str | None) -> str:
        if not number_id or ":" not in env.subject:
            raise InvalidInput(f"{env.type} without phone_number_id or contact")
        return number_id

    def _status(
        self, env: Envelope, number_id: str | None, status: dict[str, Any]
    ) -> list[tuple[str, Envelope]]:
        number = self._number(env, number_id)
        route = resolve(self._config, number)
        if route.organization_id is None:
            ROUTED.labels("status_unknown_number").inc()
            return []
        ROUTED.labels("status").inc()
        handle = c.HandleStatus(
            organization_id=route.organization_id, phone_number_id=number, status=status
        )
        return [(self._topics.commands, self._command(env, route.organization_id, handle))]

    @staticmethod
    def _event(env: Envelope, org: str | None, event: ev.Unrouted | ev.RateLimited) -> Envelope:
        kind = ev.UNROUTED if isinstance(event, ev.Unrouted) else ev.RATE_LIMITED
        return Envelope.new(
            kind,
            id=deterministic_id(f"router.{kind.removeprefix(ev.PREFIX)}", env.id),
            source=SOURCE,
            subject=env.subject,
            causation=env,
            organization_id=org,
            data=event.model_dump(mode="json"),
        )

    @staticmethod
    def _contact(env: Envelope, contact: dict[str, Any], message: dict[str, Any]) -> c.Contact:
        return c.Contact(
            id=env.subject.split(":", 1)[1],
            wa_id=contact.get("wa_id") or message.get("from"),
            user_id=contact.get("user_id") or message.get("from_user_id"),
            name=contact.get("name"),
        )

    @staticmethod
    def _command(env: Envelope, org: str, payload: commands.Command) -> Envelope:
        kind = commands.type_of(payload)
        return Envelope.new(
            kind,
            # The former name where there was one: a record routed again keeps its id.
            id=deterministic_id("router", commands.id_seed(kind), env.id),
            source=SOURCE,
            subject=env.subject,
            causation=env,
            organization_id=org,
            data=payload.model_dump(mode="json"),
        )
