"""Flow request and response models, and how a flow row maps to them.

A flow's stored document is what the executor runs: `canvas_data` (nodes and edges exactly
as the builder sent them: every edge keeps `label`, `sourceHandle` and any other field),
`variables`, `inactivity_settings`, `window_expiry_settings`.

The older PyTake dialect is taken as it comes: `nodes` and `edges` at the top level become the
canvas (their older field names, `questionText`, `outputVariable`..., are read by the engine
and validation as they are). A field the API cannot use is refused (400, naming it) rather
than silently dropped; the read-only fields of a flow as the API returns it may come back
in an update and are ignored.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pytake_analytics.api.models import Body, Description, JsonObject, JsonOut, Listing, Name
from pytake_analytics.domain.errors import Unprocessable
from pytake_shared.flowdoc import Issue

MAX_DOCUMENT_BYTES = 512 * 1024  # a published version is one record on the config topic
DOCUMENT_FIELDS = ("canvas_data", "variables", "inactivity_settings", "window_expiry_settings")


class CanvasData(BaseModel):
    """The builder's canvas; other keys (`viewport`, ...) are kept as they are."""

    model_config = ConfigDict(extra="allow")

    nodes: Annotated[list[JsonOut], Field(max_length=2000)] = []
    edges: Annotated[list[JsonOut], Field(max_length=10000)] = []


READ_ONLY = frozenset(
    {"id", "organization_id", "published_version", "created_at", "updated_at", "chatbot_id"}
)


class _FlowBody(Body):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _older_dialect(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        top = {k: data.pop(k) for k in ("nodes", "edges") if k in data}
        if top:
            if "canvas_data" in data:
                raise ValueError("nodes/edges at the top level and canvas_data: send one of them")
            data["canvas_data"] = top
        known = set(cls.model_fields)
        for name in [k for k in data if k in READ_ONLY and k not in known]:
            del data[name]  # a flow as GET returned it, sent back: its ids are not changes
        return data


class FlowCreate(_FlowBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Welcome",
                    "chatbot_id": "0b1c3f0e-5d2a-4c1e-9a0f-1e2d3c4b5a69",
                    "is_main": True,
                    "canvas_data": {
                        "nodes": [
                            {"id": "start", "type": "start", "data": {}},
                            {
                                "id": "hi",
                                "type": "message",
                                "data": {"content": "Hello {{contact.name}}!"},
                            },
                        ],
                        "edges": [{"id": "e1", "source": "start", "target": "hi"}],
                    },
                }
            ]
        }
    )

    name: Name
    description: Description = ""
    chatbot_id: uuid.UUID
    is_main: bool = False
    is_fallback: bool = False
    is_active: bool = True
    canvas_data: CanvasData = CanvasData()
    variables: JsonObject = {}
    inactivity_settings: JsonObject | None = None
    window_expiry_settings: JsonObject | None = None


class FlowUpdate(_FlowBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Welcome",
                    "canvas_data": {
                        "nodes": [{"id": "start", "type": "start", "data": {}}],
                        "edges": [],
                    },
                }
            ]
        }
    )

    name: Name = ""
    description: Description = ""
    is_main: bool = False
    is_fallback: bool = False
    is_active: bool = True
    canvas_data: CanvasData = CanvasData()
    variables: JsonObject = {}
    inactivity_settings: JsonObject | None = None
    window_expiry_settings: JsonObject | None = None


class FlowOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    chatbot_id: uuid.UUID
    name: str
    description: str
    is_main: bool
    is_fallback: bool
    is_active: bool
    canvas_data: JsonOut
    variables: JsonOut
    inactivity_settings: JsonOut | None
    window_expiry_settings: JsonOut | None
    published_version: int | None
    created_at: datetime
    updated_at: datetime


class FlowPage(Listing):
    flows: list[FlowOut]


class IssueOut(BaseModel):
    node_id: str | None
    field: str | None
    message: str


class ValidationOut(BaseModel):
    valid: bool
    errors: list[IssueOut]
    warnings: list[IssueOut]


class PublishOut(BaseModel):
    id: uuid.UUID
    version: int
    published_at: datetime
    warnings: list[IssueOut]


class VersionOut(BaseModel):
    version: int
    published_at: datetime
    published_by: str | None  # the publisher's email while the account exists


class VersionsOut(BaseModel):
    versions: list[VersionOut]


class VersionDocumentOut(BaseModel):
    """A published version's document, as the engine runs it."""

    flow_id: uuid.UUID
    version: int
    published_at: datetime
    canvas_data: JsonOut
    variables: JsonOut
    inactivity_settings: JsonOut | None
    window_expiry_settings: JsonOut | None


def issues(items: list[Issue]) -> list[IssueOut]:
    return [IssueOut(node_id=i.node_id, field=i.field, message=i.message) for i in items]


def document(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The stored document with `changes` (document fields of a request) applied; a field set
    to null is removed (the executor reads an absent setting as "use the defaults")."""
    out = dict(current)
    for name in DOCUMENT_FIELDS:
        if name not in changes:
            continue
        value = changes[name]
        if isinstance(value, BaseModel):
            value = value.model_dump()
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    if len(orjson.dumps(out)) > MAX_DOCUMENT_BYTES:
        raise Unprocessable(
            f"the flow document is larger than {MAX_DOCUMENT_BYTES} bytes", code="too_large"
        )
    return out


def _document_fields(row: dict[str, Any]) -> dict[str, Any]:
    doc = row["document"] if isinstance(row.get("document"), dict) else {}
    canvas = doc.get("canvas_data")
    if not isinstance(canvas, dict):  # an older document: nodes and edges at the top level
        canvas = {"nodes": doc.get("nodes") or [], "edges": doc.get("edges") or []}

    def obj(name: str) -> JsonOut | None:
        value = doc.get(name)
        return value if isinstance(value, dict) else None

    return {
        "canvas_data": canvas,
        "variables": obj("variables") or {},
        "inactivity_settings": obj("inactivity_settings"),
        "window_expiry_settings": obj("window_expiry_settings"),
    }


def flow_out(row: dict[str, Any]) -> FlowOut:
    return FlowOut.model_validate({**row, **_document_fields(row)})


def version_out(row: dict[str, Any]) -> VersionDocumentOut:
    return VersionDocumentOut.model_validate({**row, **_document_fields(row)})
