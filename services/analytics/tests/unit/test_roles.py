"""Roles and the tenancy scope: who may write, who sees what, who may grant super_admin."""

from __future__ import annotations

import uuid

import pytest

from pytake_analytics.domain.errors import Forbidden, Unprocessable
from pytake_analytics.domain.roles import Principal, Role, permissions

ORG = uuid.uuid4()
OTHER = uuid.uuid4()


def who(role: Role, org: uuid.UUID | None = ORG) -> Principal:
    return Principal(uuid.uuid4(), f"{role}@x.test", role, org)


def test_a_super_admin_sees_every_organization_and_others_only_their_own() -> None:
    assert who(Role.SUPER_ADMIN, None).scope is None
    assert who(Role.SUPER_ADMIN).scope is None
    for role in (Role.ORG_ADMIN, Role.AGENT, Role.VIEWER):
        assert who(role).scope == ORG


def test_a_tenant_role_without_an_organization_never_widens_to_all() -> None:
    with pytest.raises(Forbidden):
        _ = who(Role.VIEWER, None).scope


@pytest.mark.parametrize(
    ("role", "writes"),
    [(Role.SUPER_ADMIN, True), (Role.ORG_ADMIN, True), (Role.AGENT, False), (Role.VIEWER, False)],
)
def test_only_admins_write(role: Role, writes: bool) -> None:
    if writes:
        who(role).require_writer()
    else:
        with pytest.raises(Forbidden):
            who(role).require_writer()
    assert ("flows:write" in permissions(role)) is writes
    assert "flows:read" in permissions(role)


def test_new_resources_go_where_the_caller_may_put_them() -> None:
    assert who(Role.SUPER_ADMIN, None).target_organization(OTHER) == OTHER
    assert who(Role.SUPER_ADMIN).target_organization(None) == ORG
    assert who(Role.ORG_ADMIN).target_organization(OTHER) == ORG  # ignored: always their own
    with pytest.raises(Unprocessable):
        who(Role.SUPER_ADMIN, None).target_organization(None)


def test_only_a_super_admin_grants_super_admin() -> None:
    who(Role.SUPER_ADMIN).may_grant(Role.SUPER_ADMIN)
    who(Role.ORG_ADMIN).may_grant(Role.ORG_ADMIN)
    with pytest.raises(Forbidden):
        who(Role.ORG_ADMIN).may_grant(Role.SUPER_ADMIN)
