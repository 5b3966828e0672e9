"""Request and response models shared by the routers.

Every request body passes `check_json` first, so text PostgreSQL cannot store (NUL, lone
surrogates), integers beyond 64 bits and non-finite numbers are a 400 naming the problem
instead of a failure deep in the database driver.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from pytake_analytics.domain.roles import Role, permissions
from pytake_analytics.domain.values import check_json

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=5000)]
MAX_OBJECT_BYTES = 64 * 1024


def _small(value: dict[str, Any]) -> dict[str, Any]:
    if len(orjson.dumps(value)) > MAX_OBJECT_BYTES:
        raise ValueError(f"larger than {MAX_OBJECT_BYTES} bytes")
    return value


# Settings and variables: any JSON object, small enough to ride on a config record.
JsonObject = Annotated[dict[str, Any], AfterValidator(_small)]
JsonOut = dict[str, Any]


class Body(BaseModel):
    """Base of every request body: unknown fields are ignored, values must be storable."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        return check_json(data)

    def changes(self) -> dict[str, Any]:
        """The fields the client sent (a partial update leaves the others untouched)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class Listing(BaseModel):
    total: int
    page: int
    per_page: int


class OrganizationOut(BaseModel):
    id: uuid.UUID
    name: str
    is_active: bool
    settings: JsonOut
    created_at: datetime
    updated_at: datetime


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    organization_id: uuid.UUID | None
    is_active: bool
    permissions: list[str]
    created_at: datetime
    updated_at: datetime


def user_out(row: dict[str, Any]) -> UserOut:
    return UserOut.model_validate({**row, "permissions": permissions(Role(row["role"]))})
