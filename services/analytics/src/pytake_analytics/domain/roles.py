"""Roles, what each may do, and the caller's tenancy scope.

`super_admin` sees every organization; everyone else sees only their own. Writes need
`org_admin` or `super_admin`; agents and viewers read, and agents also act on conversations
(send, close, resume). Users are managed by `super_admin` (all of them) and by `org_admin`
(their organization's, never a super admin).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from pytake_analytics.domain.errors import Forbidden, Unprocessable


class Role(StrEnum):
    SUPER_ADMIN = "super_admin"
    ORG_ADMIN = "org_admin"
    AGENT = "agent"
    VIEWER = "viewer"


_READ = (
    "organizations:read",
    "users:read",
    "numbers:read",
    "chatbots:read",
    "flows:read",
    "conversations:read",
    "analytics:read",
)
_WRITE = (
    "organizations:write",
    "users:write",
    "numbers:write",
    "chatbots:write",
    "flows:write",
    "flows:publish",
    "conversations:write",
)

PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.SUPER_ADMIN: (*_READ, *_WRITE, "organizations:manage", "organizations:all"),
    Role.ORG_ADMIN: (*_READ, *_WRITE),
    Role.AGENT: (*_READ, "conversations:write"),
    Role.VIEWER: _READ,
}

WRITERS = frozenset({Role.SUPER_ADMIN, Role.ORG_ADMIN})
AGENTS = frozenset({Role.SUPER_ADMIN, Role.ORG_ADMIN, Role.AGENT})


def permissions(role: Role) -> list[str]:
    return list(PERMISSIONS[role])


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, as loaded from the database for this request."""

    user_id: uuid.UUID
    email: str
    role: Role
    organization_id: uuid.UUID | None

    @property
    def is_super_admin(self) -> bool:
        return self.role is Role.SUPER_ADMIN

    @property
    def scope(self) -> uuid.UUID | None:
        """The organization every query is limited to; None means all (super admin only)."""
        if self.is_super_admin:
            return None
        if self.organization_id is None:
            # A tenant role without an organization must never widen to "all".
            raise Forbidden("this account belongs to no organization")
        return self.organization_id

    def require_writer(self) -> None:
        if self.role not in WRITERS:
            raise Forbidden("this action needs the org_admin or super_admin role")

    def require_agent(self) -> None:
        """Acting on conversations (send, close, resume): agents and admins, not viewers."""
        if self.role not in AGENTS:
            raise Forbidden("this action needs the agent, org_admin or super_admin role")

    def require_super_admin(self) -> None:
        if not self.is_super_admin:
            raise Forbidden("this action needs the super_admin role")

    def target_organization(self, requested: uuid.UUID | None) -> uuid.UUID:
        """Where a new resource goes: a super admin chooses, everyone else uses their own."""
        if self.is_super_admin:
            chosen = requested or self.organization_id
            if chosen is None:
                raise Unprocessable(
                    "organization_id is required",
                    code="organization_required",
                    field="organization_id",
                )
            return chosen
        return self.scope  # type: ignore[return-value]  # never None for tenant roles

    def may_grant(self, role: Role) -> None:
        """Only a super admin creates or promotes super admins."""
        if role is Role.SUPER_ADMIN and not self.is_super_admin:
            raise Forbidden("only a super_admin may grant the super_admin role")
