"""Sender handler: wa.outbound.v1 → Graph API call → wa.delivery.v1, never twice.

The ledger is read first: an `outbound_id` Meta already accepted is not sent again (its
delivery event is re-published with the same id, which is harmless). Transient failures block
the partition and retry with backoff, which keeps each contact's messages in order.
"""

from __future__ import annotations

import logging
from typing import Any

from prometheus_client import Counter

from pytake_sender.adapters.graph import GraphClient
from pytake_sender.adapters.ledger import OutboundLedger
from pytake_sender.domain.outcomes import Outcome, classify
from pytake_sender.domain.requests import UnsendableError, build_body
from pytake_shared import contracts as c
from pytake_shared.config import ConfigView
from pytake_shared.envelope import Envelope, deterministic_id
from pytake_shared.errors import InvalidInput, TransientError
from pytake_shared.kafka import Producer, Record, RecordHandler
from pytake_shared.topics import Topics

log = logging.getLogger(__name__)

SENDS = Counter("pytake_sender_sends_total", "Graph API outcomes", ["outcome", "code"])
SOURCE = "pytake-sender"


class SenderHandler(RecordHandler):
    def __init__(
        self,
        topics: Topics,
        config: ConfigView,
        ledger: OutboundLedger,
        graph: GraphClient,
        producer: Producer,
    ) -> None:
        self._topics = topics
        self._config = config
        self._ledger = ledger
        self._graph = graph
        self._producer = producer

    async def handle(self, record: Record) -> None:
        env = record.envelope
        if env.type != c.OUT_SEND:
            raise InvalidInput(f"unknown outbound type {env.type}")
        try:
            cmd = c.SendCommand.model_validate(env.data)
        except ValueError as exc:
            raise InvalidInput(f"bad send command: {exc}") from exc
        known = await self._ledger.get(cmd.outbound_id)
        if known is not None and known["status"] == "accepted":
            SENDS.labels("already_accepted", "").inc()
            await self._publish(env, cmd, c.DELIVERY_ACCEPTED, {"wamid": known["wamid"]})
            return
        if known is not None and known["status"] == "failed":
            SENDS.labels("already_failed", "").inc()
            return
        number = self._config.number(cmd.phone_number_id)
        if number is None or not number.access_token:
            await self._fail(env, cmd, None, f"no access token for {cmd.phone_number_id}")
            return
        try:
            body = build_body(cmd)
        except UnsendableError as exc:
            await self._fail(env, cmd, None, str(exc))
            return
        attempt = await self._ledger.attempt(
            cmd.outbound_id, cmd.organization_id, cmd.phone_number_id
        )
        status, answer = await self._graph.send(cmd.phone_number_id, number.access_token, body)
        outcome = classify(status, answer)
        SENDS.labels(outcome.verdict, str(outcome.code or "")).inc()
        if outcome.verdict == "accepted":
            await self._ledger.finish(
                cmd.outbound_id,
                cmd.organization_id,
                cmd.phone_number_id,
                "accepted",
                wamid=outcome.wamid,
            )
            await self._publish(env, cmd, c.DELIVERY_ACCEPTED, {"wamid": outcome.wamid})
        elif outcome.verdict == "retry":
            await self._publish(env, cmd, c.DELIVERY_RETRYING, _error(outcome, attempt))
            raise TransientError(f"Graph API {status}: {outcome.reason}")
        else:
            await self._fail(env, cmd, outcome, outcome.reason)

    async def _fail(
        self, env: Envelope, cmd: c.SendCommand, outcome: Outcome | None, reason: str
    ) -> None:
        code = outcome.code if outcome else None
        await self._ledger.finish(
            cmd.outbound_id,
            cmd.organization_id,
            cmd.phone_number_id,
            "failed",
            code=code,
            error=reason,
        )
        await self._publish(
            env, cmd, c.DELIVERY_FAILED, {"code": code, "reason": reason, "permanent": True}
        )
        raise InvalidInput(f"permanent send failure (code {code}): {reason}")

    async def _publish(
        self, cause: Envelope, cmd: c.SendCommand, kind: str, data: dict[str, Any]
    ) -> None:
        extra = str(data.get("attempt", ""))
        await self._producer.send(
            self._topics.wa_delivery,
            Envelope.new(
                kind,
                id=deterministic_id("sender", kind, cmd.outbound_id, extra),
                source=SOURCE,
                subject=cause.subject,
                causation=cause,
                data={
                    "outbound_id": cmd.outbound_id,
                    "phone_number_id": cmd.phone_number_id,
                    **data,
                },
            ),
        )


def _error(outcome: Outcome, attempt: int) -> dict[str, Any]:
    return {"code": outcome.code, "reason": outcome.reason, "attempt": attempt}
