"""Meta's status webhooks, read back by the sender: a `sent`/`delivered`/`read` status echoes
the `outbound_id` (as `biz_opaque_callback_data`), which confirms a send whose answer was lost.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError

from pytake_sender.adapters.ledger import OutboundLedger
from pytake_shared.contracts import wa_inbound
from pytake_shared.kafka import BatchHandler, Record

CONFIRMING = {"sent", "delivered", "read", "played"}


class StatusConfirmations(BatchHandler):
    wants = frozenset({wa_inbound.STATUS_RECEIVED})  # messages are passed over undecoded

    def __init__(self, ledger: OutboundLedger) -> None:
        self._ledger = ledger

    async def handle_batch(self, records: Sequence[Record]) -> None:
        await self._ledger.confirm(confirmed(records))


def confirmed(records: Sequence[Record]) -> list[tuple[str, str]]:
    """(outbound id, wamid) of each status among `records` that confirms a send. A status that
    does not decode confirms nothing (the router parks it; it is no business of the sender)."""
    found: list[tuple[str, str]] = []
    for record in records:
        if record.envelope.type != wa_inbound.STATUS_RECEIVED:
            continue
        try:
            status = wa_inbound.decode_status(record.envelope.data)["status"]
        except ValidationError:
            continue
        outbound_id, wamid = status["biz_opaque_callback_data"], status["id"]
        if status["status"] in CONFIRMING and outbound_id and wamid:
            found.append((outbound_id, wamid))
    return found
