"""The simulator's template endpoints: Meta's list, and the controls tests drive it with.

Graph: `GET /{version}/{waba-id}/message_templates` (`limit` ≤ 100, default 25 — Meta's are
unverified —, `after`, `fields`, `status`, `name`, `language`), behind the bearer token and
the injected faults (`slow_ms`; a `throttle` fault is the management limit, 80008, a `server`
fault a 5xx).

Control (`/_sim`): `POST /templates` creates one (PENDING unless `status` says otherwise),
`PATCH /templates/{id}` sets `status` and/or `category`, `GET /templates`, each change posting
Meta's `message_template_status_update` or `template_category_update` webhook (integer
template ids, as Meta sends them); `PUT /numbers/{phone_number_id}` puts a number in a WABA
(the default is `METASIM_WABA_ID`); `POST /user_preferences` posts Meta's marketing
opt-out/in webhook for a contact.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from pytake_tools.metasim.errors import MetaError, server_error
from pytake_tools.metasim.graph import VERSION_RE, bearer_token
from pytake_tools.metasim.settings import SimulatorSettings
from pytake_tools.metasim.state import SimState
from pytake_tools.metasim.templates import CATEGORIES, FIELDS, STATUSES, TemplateStore
from pytake_tools.metasim.webhooks import WebhookSender


class TemplateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    waba_id: str | None = None
    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    language: str = "en_US"
    category: str = "UTILITY"
    parameter_format: Literal["POSITIONAL", "NAMED"] = "POSITIONAL"
    components: list[dict[str, Any]]
    status: str = "PENDING"


class TemplateChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str | None = None
    category: str | None = None
    reason: str = "NONE"


def _refusal(error: MetaError, state: SimState) -> JSONResponse:
    return JSONResponse(status_code=error.http_status, content=error.body(state.fbtrace_id()))


def template_routers(
    settings: SimulatorSettings, state: SimState, store: TemplateStore, sender: WebhookSender
) -> tuple[APIRouter, APIRouter]:
    graph = APIRouter(tags=["graph"])
    control = APIRouter(prefix="/_sim", tags=["simulator"])

    def status_webhook(template_id: str, reason: str) -> None:
        t = store.get(template_id)
        assert t is not None
        value = {
            "event": t.status,
            "message_template_id": int(t.id),
            "message_template_name": t.name,
            "message_template_language": t.language,
            "reason": reason,
            "message_template_category": t.category,
        }
        sender.schedule_field(t.waba_id, "message_template_status_update", value)

    @graph.get("/{version}/{waba_id}/message_templates")
    async def list_templates(
        version: str,
        waba_id: str,
        request: Request,
        limit: Annotated[int, Query(ge=1, le=100)] = 25,
        after: str | None = None,
        fields: str | None = None,
        status: str | None = None,
        name: str | None = None,
        language: str | None = None,
    ) -> JSONResponse:
        try:
            token = bearer_token(request.headers.get("authorization"))
            if token is None or (settings.access_tokens and token not in settings.access_tokens):
                raise MetaError(190, "invalid token", http_status=401, error_data=False)
            if VERSION_RE.fullmatch(version) is None or not waba_id.isdigit():
                raise MetaError(100, f"Unknown WABA {waba_id}", subcode=33, error_data=False)
            fault = state.roll_transient()
            if fault == "throttle":
                raise MetaError(80008, "Too many calls to this WhatsApp Business account.")
            if fault in ("server", "timeout"):
                raise server_error(state.rng.randrange(3))
        except MetaError as exc:
            return _refusal(exc, state)
        wanted = tuple(f for f in (fields or ",".join(FIELDS)).split(",") if f in FIELDS)
        here = request.url.remove_query_params(["after", "limit"]).include_query_params(limit=limit)
        page = store.page(
            waba_id,
            limit=limit,
            after=after,
            status=status,
            name=name,
            language=language,
            fields=wanted,
            link=lambda cursor: str(here.include_query_params(after=cursor)),
        )
        return JSONResponse(page)

    @control.post("/templates", status_code=201)
    async def create_template(body: TemplateCreate) -> Any:
        if body.status.upper() not in STATUSES or body.category.upper() not in CATEGORIES:
            return JSONResponse(status_code=422, content={"detail": "unknown status or category"})
        try:
            t = store.create(
                body.waba_id or settings.waba_id,
                body.name,
                body.language,
                body.category,
                body.components,
                parameter_format=body.parameter_format,
                status=body.status,
            )
        except MetaError as exc:
            return _refusal(exc, state)
        if t.status != "PENDING":
            status_webhook(t.id, "NONE")
        return {**t.to_json(), "waba_id": t.waba_id}

    @control.get("/templates")
    async def control_templates(waba_id: str | None = None) -> dict[str, Any]:
        found = store.of_waba(waba_id or settings.waba_id)
        return {"templates": [{**t.to_json(), "waba_id": t.waba_id} for t in found]}

    @control.patch("/templates/{template_id}")
    async def change_template(template_id: str, change: TemplateChange) -> Any:
        t = store.get(template_id)
        if t is None:
            return JSONResponse(status_code=404, content={"detail": "no such template"})
        if change.status is not None and change.status.upper() not in STATUSES:
            return JSONResponse(status_code=422, content={"detail": "unknown status"})
        if change.category is not None and change.category.upper() not in CATEGORIES:
            return JSONResponse(status_code=422, content={"detail": "unknown category"})
        if change.category is not None and change.category.upper() != t.category:
            previous, t.category = t.category, change.category.upper()
            value = {
                "message_template_id": int(t.id),
                "message_template_name": t.name,
                "message_template_language": t.language,
                "previous_category": previous,
                "new_category": t.category,
            }
            sender.schedule_field(t.waba_id, "template_category_update", value)
        if change.status is not None and change.status.upper() != t.status:
            t.history.append(t.status)
            t.status = change.status.upper()
            status_webhook(t.id, change.reason)
        return {**t.to_json(), "waba_id": t.waba_id}

    @control.put("/numbers/{phone_number_id}")
    async def put_number(
        phone_number_id: str, waba_id: Annotated[str, Body(embed=True, min_length=1)]
    ) -> dict[str, Any]:
        store.numbers[phone_number_id] = waba_id
        return {"phone_number_id": phone_number_id, "waba_id": waba_id}

    @control.post("/user_preferences")
    async def user_preferences(
        phone_number_id: Annotated[str, Body()],
        wa_id: Annotated[str, Body()],
        value: Annotated[Literal["stop", "resume"], Body()],
    ) -> dict[str, Any]:
        change = {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": settings.display_phone_number,
                "phone_number_id": phone_number_id,
            },
            "contacts": [{"wa_id": wa_id}],
            "user_preferences": [
                {
                    "wa_id": wa_id,
                    "detail": "User requested to stop marketing messages"
                    if value == "stop"
                    else "User requested to resume marketing messages",
                    "category": "marketing_messages",
                    "value": value,
                    "timestamp": int(time.time()),
                }
            ],
        }
        sender.schedule_field(
            store.waba_of(phone_number_id),
            "user_preferences",
            change,
            secret=sender.secret_for(phone_number_id),
        )
        return {"sent": True}

    return graph, control
