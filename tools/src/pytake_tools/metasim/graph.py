"""The simulated Graph API endpoint: `POST /{version}/{phone_number_id}/messages`.

`MessagesEndpoint.handle` decides the answer to one call, in the order Meta's layers would:
added latency, bearer token, path (version, phone number id), injected transient errors, body
parsing and validation, mark-as-read, a template send against the WABA's templates
(`templates.py`), throughput (`mps_limit`, 130429), the per-recipient pair
rate (131056), then acceptance with a fresh wamid. A closed customer-service window does not
refuse the call: Meta accepts it and reports 131047 later in a `failed` status webhook.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pytake_tools.metasim.errors import (
    MetaError,
    bad_token,
    gateway_timeout,
    pair_rate_limited,
    server_error,
    throughput,
    unknown_object,
    unknown_path,
    upload_refused,
)
from pytake_tools.metasim.settings import SimulatorSettings
from pytake_tools.metasim.state import SimState, new_wamid
from pytake_tools.metasim.templates import TemplateStore
from pytake_tools.metasim.validation import MarkRead, parse_body, validate_request
from pytake_tools.metasim.webhooks import StatusPlan

VERSION_RE = re.compile(r"v\d+\.\d+")
PHONE_NUMBER_ID_RE = re.compile(r"\d{1,32}")


@dataclass(slots=True)
class Outcome:
    """The answer to one call, and what must happen after it."""

    status: int
    body: dict[str, Any]
    parsed: Any = None  # the request body as recorded
    wamid: str | None = None
    plan: StatusPlan | None = None
    hang_seconds: float = 0.0  # a simulated timeout: answer only after this long


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


MEDIA_KINDS = ("image", "video", "audio", "document", "sticker")


class MessagesEndpoint:
    def __init__(
        self,
        settings: SimulatorSettings,
        state: SimState,
        templates: TemplateStore,
        media_known: Callable[[str, str], bool] | None = None,
    ) -> None:
        self._settings = settings
        self._state = state
        self._templates = templates
        self._media_known = media_known  # (media id, phone_number_id) → usable by it

    async def handle(
        self, version: str, phone_number_id: str, token: str | None, raw: bytes
    ) -> Outcome:
        parsed: Any
        parse_error: MetaError | None = None
        try:
            parsed = parse_body(raw)
        except MetaError as exc:
            parsed, parse_error = raw.decode("utf-8", "replace"), exc
        try:
            outcome = self._decide(version, phone_number_id, token, parsed, parse_error)
        except MetaError as exc:
            outcome = Outcome(exc.http_status, exc.body(self._state.fbtrace_id()))
        outcome.parsed = parsed
        return outcome

    def _decide(
        self,
        version: str,
        phone_number_id: str,
        token: str | None,
        parsed: Any,
        parse_error: MetaError | None,
    ) -> Outcome:
        state = self._state
        self._authorize(token)
        if VERSION_RE.fullmatch(version) is None:
            raise unknown_path(f"/{version}/{phone_number_id}/messages")
        if PHONE_NUMBER_ID_RE.fullmatch(phone_number_id) is None:
            raise unknown_object(phone_number_id)
        transient = state.roll_transient()
        if transient == "throttle":
            raise throughput(http_status=429)
        if transient == "server":
            raise server_error(state.rng.randrange(3))
        if transient == "timeout":
            error = gateway_timeout()
            return Outcome(
                error.http_status,
                error.body(state.fbtrace_id()),
                hang_seconds=state.faults.timeout_seconds,
            )
        if parse_error is not None:
            raise parse_error
        request = validate_request(parsed)
        if isinstance(request, MarkRead):
            return Outcome(200, {"success": True})
        if request.type == "template":
            self._templates.check_send(phone_number_id, parsed["template"])
        if self._media_known is not None and request.type in MEDIA_KINDS:
            media_id = (parsed.get(request.type) or {}).get("id")
            if media_id and not self._media_known(str(media_id), phone_number_id):
                # Not uploaded to this number, deleted or past Meta's 30 days.
                raise upload_refused(f"Media id {media_id} is not available to this number.")
        if not state.allow_throughput(phone_number_id):
            raise throughput()
        recipient = request.input
        if not state.allow_pair(phone_number_id, recipient):
            raise pair_rate_limited()
        wamid = new_wamid(recipient)
        contact: dict[str, str] = {"input": recipient}
        if request.wa_id is not None:
            contact["wa_id"] = request.wa_id
        else:
            contact["user_id"] = recipient
        body = {
            "messaging_product": "whatsapp",
            "contacts": [contact],
            "messages": [{"id": wamid}],
        }
        template = request.type == "template"
        plan = StatusPlan(
            phone_number_id=phone_number_id,
            wamid=wamid,
            recipient_id=request.wa_id,
            recipient_user_id=request.recipient,
            biz_opaque_callback_data=request.biz_opaque_callback_data,
            category="utility" if template else "service",
            # Templates are the one kind of message allowed outside the 24 h window.
            window_closed=not template and state.window_closed(recipient),
        )
        hang = state.faults.timeout_seconds if transient == "lost_answer" else 0.0
        return Outcome(200, body, wamid=wamid, plan=plan, hang_seconds=hang)

    def _authorize(self, token: str | None) -> None:
        if token is None:
            raise bad_token()
        if token in self._state.faults.invalid_tokens:
            raise bad_token(expired=True)
        accepted = self._settings.access_tokens
        if accepted and token not in accepted:
            raise bad_token()
