"""`/users`: a super admin manages every account; an org_admin manages their organization's
(never granting super_admin); agents and viewers may list and read their organization's."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import ConfigDict, Field, StringConstraints

from pytake_analytics.adapters import orgs, users
from pytake_analytics.api.deps import Ctx, CurrentUser, Page, Writer
from pytake_analytics.api.errors import errors
from pytake_analytics.api.models import Body, Listing, UserOut, user_out
from pytake_analytics.domain.errors import Conflict, NotFound, Unprocessable
from pytake_analytics.domain.roles import Principal, Role

router = APIRouter(prefix="/users", tags=["users"])

Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        min_length=3,
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+$",
    ),
]
Password = Annotated[str, Field(min_length=8, max_length=1024)]
FullName = Annotated[str, Field(max_length=200)]


class UserCreate(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "bob@acme.example",
                    "password": "a long passphrase",
                    "full_name": "Bob",
                    "role": "agent",
                }
            ]
        }
    )

    email: Email
    password: Password
    full_name: FullName = ""
    role: Role = Role.VIEWER
    organization_id: uuid.UUID | None = Field(
        default=None, description="super_admin only; others create users in their own"
    )
    is_active: bool = True


class UserUpdate(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"full_name": "Bob Smith", "role": "org_admin"}]}
    )

    email: Email = ""
    password: Password = ""
    full_name: FullName = ""
    role: Role = Role.VIEWER
    organization_id: uuid.UUID | None = Field(default=None, description="super_admin only")
    is_active: bool = True


class UserPage(Listing):
    users: list[UserOut]


def _missing() -> NotFound:
    return NotFound("user not found")


async def _organization(
    conn: Any, user: Principal, role: Role, requested: uuid.UUID | None
) -> uuid.UUID | None:
    """Where the account belongs: a super admin may leave another super admin without one."""
    if user.is_super_admin and role is Role.SUPER_ADMIN and requested is None:
        return None
    org = user.target_organization(requested)
    if not await orgs.org_exists(conn, org):
        raise Unprocessable(
            "no such organization", code="invalid_reference", field="organization_id"
        )
    return org


@router.get("", response_model=UserPage, responses=errors())
async def list_users(
    user: CurrentUser,
    ctx: Ctx,
    paging: Page,
    organization_id: Annotated[uuid.UUID | None, Query()] = None,
    role: Annotated[
        list[Role] | None, Query(description="only these roles (repeat it: ?role=agent&role=...)")
    ] = None,
) -> UserPage:
    async with ctx.store.connect() as conn:
        rows, total = await users.list_users(
            conn,
            user.scope,
            organization_id,
            roles=[str(r) for r in role] if role else None,
            limit=paging.per_page,
            offset=paging.offset,
        )
    return UserPage(
        users=[user_out(r) for r in rows], total=total, page=paging.page, per_page=paging.per_page
    )


@router.post("", response_model=UserOut, status_code=201, responses=errors(403, 409, 422))
async def create_user(body: UserCreate, user: Writer, ctx: Ctx) -> UserOut:
    user.may_grant(body.role)
    password_hash = await ctx.passwords.hash(body.password)
    async with ctx.store.connect() as conn:
        org = await _organization(conn, user, body.role, body.organization_id)
        row = await users.create_user(
            conn,
            email=body.email,
            password_hash=password_hash,
            full_name=body.full_name,
            role=body.role.value,
            organization_id=org,
            is_active=body.is_active,
        )
    return user_out(row)


@router.get("/{user_id}", response_model=UserOut, responses=errors(404))
async def get_user(user_id: uuid.UUID, user: CurrentUser, ctx: Ctx) -> UserOut:
    async with ctx.store.connect() as conn:
        row = await users.get_user(conn, user.scope, user_id)
    if row is None:
        raise _missing()
    return user_out(row)


@router.patch("/{user_id}", response_model=UserOut, responses=errors(403, 404, 409, 422))
async def update_user(user_id: uuid.UUID, body: UserUpdate, user: Writer, ctx: Ctx) -> UserOut:
    changes = body.changes()
    if "role" in changes:
        user.may_grant(body.role)
        changes["role"] = body.role.value
    if "password" in changes:
        changes["password_hash"] = await ctx.passwords.hash(changes.pop("password"))
    if not user.is_super_admin:
        changes.pop("organization_id", None)  # a tenant's users stay in the tenant
    async with ctx.store.connect() as conn, conn.transaction():
        current = await users.get_user(conn, user.scope, user_id)
        if current is None:
            raise _missing()
        role = Role(changes.get("role", current["role"]))
        org = changes.get("organization_id", current["organization_id"])
        if (
            "organization_id" in changes
            and org is not None
            and not await orgs.org_exists(conn, org)
        ):
            raise Unprocessable(
                "no such organization", code="invalid_reference", field="organization_id"
            )
        if role is not Role.SUPER_ADMIN and org is None:
            raise Unprocessable(
                "this role needs an organization",
                code="organization_required",
                field="organization_id",
            )
        row = await users.update_user(conn, user.scope, user_id, changes)
    if row is None:
        raise _missing()
    return user_out(row)


@router.delete(
    "/{user_id}", status_code=204, response_class=Response, responses=errors(403, 404, 409)
)
async def delete_user(user_id: uuid.UUID, user: Writer, ctx: Ctx) -> Response:
    if user_id == user.user_id:
        raise Conflict("you cannot delete your own account", code="cannot_delete_self")
    async with ctx.store.connect() as conn:
        if not await users.delete_user(conn, user.scope, user_id):
            raise _missing()
    return Response(status_code=204)
