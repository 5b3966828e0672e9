"""Sender handler: wa.outbound.v1 → Graph API call → wa.delivery.v1, never blindly twice.

The ledger is read first: an `outbound_id` Meta already accepted is not sent again (its
delivery event is re-published with the same id, which is harmless). Each error class has its
rule (the README's table):

- Meta answered with a retryable code (throttling, 5xx): retried per the retry matrix, then
  given up as failed.
- Meta unreachable (no connection, nothing written): definitely not sent; retried for as long
  as it lasts, never costing the message an attempt.
- Meta accepted: the wamid is kept, and writing it to the ledger is retried on its own until
  the database takes it; the send is never made again.
- Outcome unknown (no answer in time, the connection dropped, a crash between the call and the
  ledger write): the ledger says `sending`. Meta's status webhooks echo the outbound id, so a
  send Meta took is confirmed within seconds (`confirmations.py`); without a confirmation
  within `SENDER_CONFIRM_WAIT_S` the message is marked `indefinite` for an operator and not
  sent again (`SENDER_RESEND_UNCONFIRMED=true` sends it again instead: at least once).
- Our own database or broker away: retried until back, never costing an attempt.

When a conversation closes, the executor says so (`pytake.outbound.cancel`): its bot messages
not sent yet (waiting for the contact's pair rate, say) are recorded as cancelled and never
sent; an agent's messages still go.

A message being retried holds its contact's lane only, which keeps each contact's messages in
order while other contacts' messages go on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from aiokafka import TopicPartition
from prometheus_client import Counter

from pytake_sender.adapters.graph import GraphClient, MetaUnreachable
from pytake_sender.adapters.ledger import OutboundLedger
from pytake_sender.adapters.uploads import MediaUploads, UploadRefused
from pytake_sender.closed import ClosedConversations
from pytake_sender.deliveries import delivery_record
from pytake_sender.domain.outcomes import Outcome, classify
from pytake_sender.domain.pacing import Buckets, share
from pytake_sender.domain.requests import UnsendableError, build_body
from pytake_sender.domain.retry import PAIR_RATE, RetryPolicy
from pytake_sender.domain.templates import refusal, template_language
from pytake_sender.domain.uploads import STALE_MEDIA_CODES
from pytake_sender.lanes import Lanes
from pytake_shared import contracts as c
from pytake_shared import tracing
from pytake_shared.config import ConfigView, TemplateConfig
from pytake_shared.contracts import delivery, outbound
from pytake_shared.envelope import Envelope
from pytake_shared.errors import InvalidInput, TransientError
from pytake_shared.faults import is_transient
from pytake_shared.kafka import PipelinedHandler, Producer, Record
from pytake_shared.kafka.handlers import ParkFn
from pytake_shared.topics import Topics

log = logging.getLogger(__name__)

SENDS = Counter("pytake_sender_sends_total", "Graph API outcomes", ["outcome", "code"])
INDEFINITE = Counter(
    "pytake_sender_indefinite_total", "Sends whose outcome stayed unknown (left to an operator)"
)
RETRIES = Counter("pytake_sender_retries_total", "Send attempts retried", ["code"])
PACED = Counter("pytake_sender_paced_total", "Sends delayed by pacing")


@dataclass(frozen=True)
class Pacing:
    """Default pacing: per number (Meta's 80/s unless the number says more) and per contact."""

    mps: float = 80.0
    pair_burst: int = 20
    pair_interval_s: float = 6.0
    confirm_wait_s: float = 30.0  # how long an unknown outcome waits for Meta's status
    resend_unconfirmed: bool = False  # after that wait: indefinite (False) or send again


NUMBER_BURST_S = 0.1


class RetryableSend(TransientError):
    """Meta answered with something worth retrying: its code and Retry-After."""

    def __init__(self, message: str, code: int | None, retry_after_s: float | None) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after_s = retry_after_s


class SenderHandler(PipelinedHandler):
    """One Graph API attempt per `handle`; `submit` runs attempts in per-contact lanes with
    pacing and the retry policy (see `pacing.py`, `retry.py`, `lanes.py`)."""

    def __init__(
        self,
        topics: Topics,
        config: ConfigView,
        ledger: OutboundLedger,
        graph: GraphClient,
        producer: Producer,
        pacing: Pacing | None = None,
        policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        uploads: MediaUploads | None = None,
    ) -> None:
        self._topics = topics
        self._uploads = uploads
        self._config = config
        self._ledger = ledger
        self._graph = graph
        self._producer = producer
        self._pacing = pacing or Pacing()
        self._policy = policy or RetryPolicy()
        self._clock = clock
        self._rng = rng or random.Random()
        self._buckets = Buckets()
        self._lanes = Lanes(self._work)
        self._park: ParkFn | None = None
        # Sends this process knows it has not made although the ledger may say `sending`
        # (the ledger write's answer was lost, or Meta was unreachable): no outcome to wait for.
        # Per partition: a partition that moves away takes that knowledge with it, since its new
        # owner may send meanwhile.
        self._unsent: dict[str, TopicPartition] = {}
        self._closed = ClosedConversations(self._clock)  # lately, per organization
        self._owned: set[TopicPartition] = set()  # of wa.outbound.v1: this instance's share

    async def submit(self, record: Record, park: ParkFn) -> asyncio.Future[bool]:
        self._park = park
        if record.envelope.type == c.OUT_CANCEL:
            # Handled at once, not in the contact's lane: the messages it cancels are ahead of
            # it there, waiting for their turn.
            done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            done.set_result(self._note_closed(record))
            return done
        return await self._lanes.submit(record)

    def _note_closed(self, record: Record) -> bool:
        data = record.envelope.data
        conversation, org = data.get("conversation_id"), data.get("organization_id")
        if isinstance(conversation, str) and conversation and isinstance(org, str):
            self._closed.add(org, conversation)
        return True

    @property
    def owned(self) -> frozenset[TopicPartition]:
        """The partitions of wa.outbound.v1 this instance owns (its share of each number)."""
        return frozenset(self._owned)

    async def on_assigned(self, partitions: set[TopicPartition]) -> dict[TopicPartition, int]:
        self._owned |= {tp for tp in partitions if tp.topic == self._topics.wa_outbound}
        return {}

    async def on_revoked(self, partitions: set[TopicPartition]) -> None:
        self._owned -= partitions
        self._lanes.drop(partitions)
        self._unsent = {k: tp for k, tp in self._unsent.items() if tp not in partitions}

    async def close(self) -> None:
        await self._lanes.close()

    async def _work(self, record: Record) -> bool:
        """Send one record (its span: waits, attempts and the Graph calls); False once parked."""
        with tracing.consume([record], "sender"):
            return await self._attempts(record)

    async def _attempts(self, record: Record) -> bool:
        """Pace, attempt, retry per the policy; False once it is parked."""
        attempt, strikes, waits = 0, 0, 0
        while True:
            attempt += 1
            await self._pace(record)
            try:
                if self._cancelled(record):
                    await self._cancel(record)
                else:
                    await self.handle(record)
                return True
            except InvalidInput as exc:
                await self._parked(record, str(exc))
                return False
            except RetryableSend as exc:
                code, retry_after, reason = exc.code, exc.retry_after_s, str(exc)
            except Exception as exc:
                if not is_transient(exc):
                    raise  # a bug: the consumer stops, the restart resumes from the last commit
                # Meta unreachable, our database or broker away, or an outcome to confirm: not
                # the message's fault, so it costs no attempt; `handle` reads the ledger again.
                log.warning("send of %s waits for the environment: %r", record.envelope.id, exc)
                await asyncio.sleep(min(3.0, self._policy.base_s * 2 ** min(waits, 6)))
                waits += 1
                continue
            strikes = strikes + 1 if code == PAIR_RATE else 0
            RETRIES.labels(str(code or "")).inc()
            if self._policy.gives_up(attempt):
                await self._give_up(record, code, f"gave up after {attempt} attempts: {reason}")
                return False
            await asyncio.sleep(self._policy.delay(attempt, code, retry_after, strikes, self._rng))

    def _cancelled(self, record: Record) -> bool:
        data = record.envelope.data
        org, conversation = data.get("organization_id"), data.get("conversation_id")
        return data.get("author", "bot") == "bot" and self._closed.holds(
            str(org or ""), str(conversation or "")
        )

    async def _cancel(self, record: Record) -> None:
        cmd = c.SendMessage.model_validate(record.envelope.data)
        SENDS.labels("cancelled", "").inc()
        reason = "the conversation closed before it was sent"
        await self._ledger.finish(
            cmd.outbound_id, cmd.organization_id, cmd.phone_number_id, "cancelled", error=reason
        )
        await self._publish(record.envelope, cmd, delivery.Cancelled, reason=reason)

    async def _await_confirmation(self, outbound_id: str) -> str | None:
        deadline = self._clock() + self._pacing.confirm_wait_s
        while True:
            known = await self._ledger.get(outbound_id)
            if known is not None and known["status"] == "accepted":
                return str(known["wamid"])
            if self._clock() >= deadline:
                return None
            await asyncio.sleep(0.2)

    async def _pace(self, record: Record) -> None:
        data = record.envelope.data
        number_id = str(data.get("phone_number_id") or "")
        number = self._config.number(number_id)
        mps = float((number.messages_per_second if number else None) or self._pacing.mps)
        mps = share(mps, len(self._owned), self._topics.partitions)
        now = self._clock()
        # A tenth of a second of burst: in any second the number sends at most 1.1 times its
        # rate, also while a backlog (a campaign, a recovery) drains.
        burst = max(1.0, mps * NUMBER_BURST_S)
        wait = self._buckets.reserve(f"number:{number_id}", now, mps, burst)
        if (data.get("message") or {}).get("kind") != "mark_read":
            wait = max(
                wait,
                self._buckets.reserve(
                    f"contact:{record.key}",
                    now,
                    1.0 / self._pacing.pair_interval_s,
                    float(self._pacing.pair_burst),
                ),
            )
        if wait > 0:
            PACED.inc()
            await asyncio.sleep(wait)

    async def _parked(self, record: Record, reason: str) -> None:
        if self._park is not None:
            await self._park(record, reason)

    async def _give_up(self, record: Record, code: int | None, reason: str) -> None:
        cmd = c.SendMessage.model_validate(record.envelope.data)
        try:
            await self._fail(record.envelope, cmd, Outcome("permanent", code=code), reason)
        except InvalidInput as exc:
            await self._parked(record, str(exc))

    async def handle(self, record: Record) -> None:
        env = record.envelope
        if env.type != c.OUT_SEND:
            raise InvalidInput(f"unknown outbound type {env.type}")
        try:
            cmd = outbound.decode(env.type, env.data)
        except ValueError as exc:
            raise InvalidInput(f"bad send command: {exc}") from exc
        assert isinstance(cmd, outbound.SendMessage)
        known = await self._ledger.get(cmd.outbound_id)
        status = known["status"] if known is not None else None
        if status == "accepted":
            SENDS.labels("already_accepted", "").inc()
            await self._publish(env, cmd, delivery.Accepted, wamid=known["wamid"])  # type: ignore[index]
            return
        if status in ("failed", "indefinite", "cancelled"):
            SENDS.labels(f"already_{status}", "").inc()
            return
        if status == "sending" and cmd.outbound_id not in self._unsent:
            # A previous attempt's outcome is unknown (no answer in time, or a crash before
            # its answer was written): Meta may have taken it, and its status webhook says so.
            wamid = await self._await_confirmation(cmd.outbound_id)
            if wamid is not None:
                SENDS.labels("confirmed_by_status", "").inc()
                await self._publish(env, cmd, delivery.Accepted, wamid=wamid)
                return
            if not self._pacing.resend_unconfirmed:
                await self._indefinite(env, cmd)
                return
        number = self._config.number(cmd.phone_number_id)
        if number is None or not number.access_token:
            await self._fail(env, cmd, None, f"no access token for {cmd.phone_number_id}")
            return
        refused = refusal(number, cmd.message, self._template(number.organization_id, cmd))
        if refused is not None:
            await self._refuse(env, cmd, refused)
            return
        if cmd.message.kind == "media" and cmd.message.media_file and not cmd.message.media_id:
            cmd = await self._uploaded(env, cmd, number.access_token)
        try:
            body = build_body(cmd)
        except UnsendableError as exc:
            await self._fail(env, cmd, None, str(exc))
            return
        self._unsent[cmd.outbound_id] = record.tp
        attempt = await self._ledger.attempt(
            cmd.outbound_id, cmd.organization_id, cmd.phone_number_id
        )
        del self._unsent[cmd.outbound_id]  # from here on, the request may reach Meta
        try:
            status_code, answer, retry_after = await self._graph.send(
                cmd.phone_number_id, number.access_token, body
            )
        except MetaUnreachable:
            # Nothing reached Meta: the next attempt is a plain send, not an unknown outcome.
            self._unsent[cmd.outbound_id] = record.tp
            await self._ledger.retrying(cmd.outbound_id, None, "Graph API unreachable")
            del self._unsent[cmd.outbound_id]
            raise
        outcome = classify(status_code, answer)
        SENDS.labels(outcome.verdict, str(outcome.code or "")).inc()
        if outcome.verdict == "accepted":
            await self._accepted(env, cmd, outcome.wamid)
        elif outcome.verdict == "retry":
            await self._ledger.retrying(cmd.outbound_id, outcome.code, outcome.reason)
            await self._publish(
                env,
                cmd,
                delivery.Retrying,
                code=outcome.code,
                reason=outcome.reason,
                attempt=attempt,
            )
            raise RetryableSend(
                f"Graph API {status_code}: {outcome.reason}", outcome.code, retry_after
            )
        elif outcome.code in STALE_MEDIA_CODES and cmd.message.media_file and self._uploads:
            # Meta lost the uploaded file (or never kept it): upload again on the next attempt.
            await self._uploads.forget(cmd.phone_number_id, cmd.message.media_file)
            await self._ledger.retrying(cmd.outbound_id, outcome.code, outcome.reason)
            raise RetryableSend(f"Graph API {status_code}: {outcome.reason}", outcome.code, None)
        else:
            await self._fail(env, cmd, outcome, outcome.reason)

    async def _uploaded(self, env: Envelope, cmd: c.SendMessage, token: str) -> c.SendMessage:
        """The send with Meta's media id for its stored file (uploaded now if need be)."""
        try:
            if self._uploads is None:
                raise UploadRefused("this sender has no media store to upload from")
            return await self._uploads.with_media_id(cmd, token)
        except UploadRefused as exc:
            await self._fail(env, cmd, None, str(exc))

    def _template(self, organization_id: str, cmd: c.SendMessage) -> TemplateConfig | None:
        number = self._config.number(cmd.phone_number_id)
        if number is None or not number.waba_id or cmd.message.kind != "template":
            return None
        name, language = cmd.message.template_name or "", template_language(cmd.message)
        return self._config.template(organization_id, number.waba_id, name, language)

    async def _refuse(self, env: Envelope, cmd: c.SendMessage, reason: str) -> None:
        """A template send that does not fit its synchronised template: failed, no Graph call.
        Not parked: the record was acted on, and a template paused mid-broadcast would
        otherwise park thousands in a row and stop the sender for every tenant."""
        SENDS.labels("refused", "template").inc()
        await self._ledger.finish(
            cmd.outbound_id, cmd.organization_id, cmd.phone_number_id, "failed", error=reason
        )
        await self._publish(env, cmd, delivery.Failed, reason=reason, permanent=True)

    async def _accepted(self, env: Envelope, cmd: c.SendMessage, wamid: str | None) -> None:
        """Meta took it: record that, however long the database takes, and never send it
        again. (A crash in here is recovered from Meta's status webhooks.)"""
        attempt = 0
        while True:
            try:
                await self._ledger.finish(
                    cmd.outbound_id,
                    cmd.organization_id,
                    cmd.phone_number_id,
                    "accepted",
                    wamid=wamid,
                )
                await self._publish(env, cmd, delivery.Accepted, wamid=wamid)
                return
            except Exception as exc:
                if not is_transient(exc):
                    raise
                attempt += 1
                log.warning(
                    "accepted %s (%s); recording it, retry %d: %r",
                    cmd.outbound_id,
                    wamid,
                    attempt,
                    exc,
                )
                await asyncio.sleep(min(10.0, self._policy.base_s * 2 ** min(attempt, 6)))

    async def _indefinite(self, env: Envelope, cmd: c.SendMessage) -> None:
        """No status confirmed an unknown outcome: leave it to an operator, never resend."""
        INDEFINITE.inc()
        reason = (
            f"no answer from Meta and no status webhook within {self._pacing.confirm_wait_s:g}s; "
            "not sent again (it may or may not have reached the contact)"
        )
        log.error("send %s is indefinite: %s", cmd.outbound_id, reason)
        await self._ledger.finish(
            cmd.outbound_id, cmd.organization_id, cmd.phone_number_id, "indefinite", error=reason
        )
        await self._publish(env, cmd, delivery.Indefinite, reason=reason)

    async def _fail(
        self, env: Envelope, cmd: c.SendMessage, outcome: Outcome | None, reason: str
    ) -> NoReturn:
        code = outcome.code if outcome else None
        await self._ledger.finish(
            cmd.outbound_id,
            cmd.organization_id,
            cmd.phone_number_id,
            "failed",
            code=code,
            error=reason,
        )
        await self._publish(env, cmd, delivery.Failed, code=code, reason=reason, permanent=True)
        raise InvalidInput(f"permanent send failure (code {code}): {reason}")

    async def _publish(
        self,
        cause: Envelope,
        cmd: outbound.SendMessage,
        state: type[delivery.Delivery],
        **fields: Any,
    ) -> None:
        await self._producer.send(
            self._topics.wa_delivery, delivery_record(cause, cmd, state, **fields)
        )
