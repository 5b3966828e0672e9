"""The simulator's own endpoints under `/_sim`: what was sent, which faults are on, health.

These are what e2e tests, the benchmark and the terminal chat read: `GET /_sim/messages`
(filtered by `phone_number_id`, `to`, `since`, and `after` a `seq` for cheap polling),
`DELETE /_sim/messages`, `GET/PUT/PATCH/DELETE /_sim/faults` (PUT replaces every knob, PATCH
changes the ones given, DELETE restores the startup settings), `GET /_sim/webhooks` (delivery
outcomes), `PUT /_sim/apps/{phone_number_id}` (the app secret that number's status webhooks
are signed with) and `GET /_sim/healthz`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from pytake_tools.metasim.settings import Faults, SimulatorSettings
from pytake_tools.metasim.state import SimState
from pytake_tools.metasim.webhooks import WebhookSender


def control_router(
    settings: SimulatorSettings, state: SimState, sender: WebhookSender
) -> APIRouter:
    router = APIRouter(prefix="/_sim", tags=["simulator"])

    @router.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {
            "status": "ok",
            "records": state.count(),
            "pending_webhooks": sender.pending,
        }

    @router.get("/messages")
    async def list_messages(
        phone_number_id: str | None = None,
        to: str | None = None,
        since: float | None = Query(default=None, description="Unix seconds, inclusive"),
        after: int | None = Query(default=None, description="only records with a larger seq"),
    ) -> dict[str, Any]:
        found = state.records(
            phone_number_id=phone_number_id or None, to=to or None, since=since, after=after
        )
        return {"messages": [record.to_json() for record in found]}

    @router.delete("/messages")
    async def clear_messages() -> dict[str, Any]:
        count = state.count()
        state.clear()
        return {"deleted": count}

    @router.get("/faults")
    async def get_faults() -> dict[str, Any]:
        return state.faults.model_dump(mode="json")

    @router.put("/faults")
    async def put_faults(faults: Faults) -> dict[str, Any]:
        state.set_faults(faults)
        return state.faults.model_dump(mode="json")

    @router.patch("/faults", response_model=None)
    async def patch_faults(
        changes: Annotated[dict[str, Any], Body()],
    ) -> dict[str, Any] | JSONResponse:
        try:
            faults = Faults.model_validate({**state.faults.model_dump(), **changes})
        except ValidationError as exc:
            return JSONResponse(status_code=422, content={"detail": json.loads(exc.json())})
        state.set_faults(faults)
        return state.faults.model_dump(mode="json")

    @router.delete("/faults")
    async def reset_faults() -> dict[str, Any]:
        state.set_faults(settings.faults())
        return state.faults.model_dump(mode="json")

    @router.put("/apps/{phone_number_id}")
    async def put_app(
        phone_number_id: str, app_secret: Annotated[str, Body(embed=True, min_length=1)]
    ) -> dict[str, Any]:
        sender.app_secrets[phone_number_id] = app_secret
        return {"phone_number_id": phone_number_id, "numbers_with_own_app": len(sender.app_secrets)}

    @router.get("/webhooks")
    async def webhooks() -> dict[str, Any]:
        return {"webhooks": list(sender.deliveries), "pending": sender.pending}

    return router
