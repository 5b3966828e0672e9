"""Meta's status webhooks, read back by the sender: a `sent`/`delivered`/`read` status echoes
the `outbound_id` (as `biz_opaque_callback_data`), which confirms a send whose answer was lost.
"""

from __future__ import annotations

from collections.abc import Sequence

from pytake_sender.adapters.ledger import OutboundLedger
from pytake_shared import contracts as c
from pytake_shared.kafka import BatchHandler, Record

CONFIRMING = {"sent", "delivered", "read", "played"}


class StatusConfirmations(BatchHandler):
    def __init__(self, ledger: OutboundLedger) -> None:
        self._ledger = ledger

    async def handle_batch(self, records: Sequence[Record]) -> None:
        found: list[tuple[str, str]] = []
        for record in records:
            if record.envelope.type != c.WA_STATUS_RECEIVED:
                continue
            status = record.envelope.data.get("status") or {}
            outbound_id = status.get("biz_opaque_callback_data")
            if status.get("status") in CONFIRMING and outbound_id and status.get("id"):
                found.append((str(outbound_id), str(status["id"])))
        await self._ledger.confirm(found)
