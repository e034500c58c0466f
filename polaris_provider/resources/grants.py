"""Links between entities: principal -> principal role, principal role -> catalog role, catalog role -> grant.

Polaris has no GET for one link: ``read`` lists the holder's links (one call) and matches. Every field
identifies the link, so any change replaces it (revoke + add); a repeated add is a no-op in Polaris 1.6+.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure

from polaris_provider import validation
from polaris_provider.api import NAMESPACE_SEPARATOR, PolarisApi
from polaris_provider.connection import PolarisConnection
from polaris_provider.privileges import TARGET_FIELDS
from polaris_provider.resources.base import PolarisProvider, entity_id, resource_props


class LinkProvider(PolarisProvider):
    """A link exists or not; it has no version and nothing to update in place."""

    @abc.abstractmethod
    def link(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        """Creates the link (idempotent PUT)."""

    @abc.abstractmethod
    def linked(self, api: PolarisApi, spec: dict[str, Any]) -> bool:
        """Whether Polaris holds the link now (one list call)."""

    @abc.abstractmethod
    def unlink(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        """Revokes the link; GrantNotFound/NotFound mean it is already gone."""

    def create_remote(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        self.link(api, spec)
        return {}

    def read_remote(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any] | None:
        return {} if self.linked(api, spec) else None

    def update_remote(self, api: PolarisApi, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        return {}  # only the connection can change without a replacement

    def delete_remote(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        self.unlink(api, spec)


class PrincipalRoleAssignmentProvider(LinkProvider):
    inputs: ClassVar[Mapping[str, Any]] = {"principalName": None, "principalRoleName": None}
    replace_keys = ("principalName", "principalRoleName")

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        return validation.name("principalName", news.get("principalName"), "principal") + validation.name(
            "principalRoleName", news.get("principalRoleName"), "principal role"
        )

    def identity(self, spec: dict[str, Any]) -> str:
        return entity_id(spec["principalName"], spec["principalRoleName"])

    def link(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        api.assign_principal_role(spec["principalName"], spec["principalRoleName"])

    def linked(self, api: PolarisApi, spec: dict[str, Any]) -> bool:
        return any(role["name"] == spec["principalRoleName"] for role in api.principal_roles_of(spec["principalName"]))

    def unlink(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        api.revoke_principal_role(spec["principalName"], spec["principalRoleName"])


class CatalogRoleAssignmentProvider(LinkProvider):
    inputs: ClassVar[Mapping[str, Any]] = {"principalRoleName": None, "catalogName": None, "catalogRoleName": None}
    replace_keys = ("principalRoleName", "catalogName", "catalogRoleName")

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        return (
            validation.name("principalRoleName", news.get("principalRoleName"), "principal role")
            + validation.name("catalogName", news.get("catalogName"), "catalog")
            + validation.name("catalogRoleName", news.get("catalogRoleName"), "catalog role")
        )

    def identity(self, spec: dict[str, Any]) -> str:
        return entity_id(spec["principalRoleName"], spec["catalogName"], spec["catalogRoleName"])

    def link(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        api.assign_catalog_role(spec["principalRoleName"], spec["catalogName"], spec["catalogRoleName"])

    def linked(self, api: PolarisApi, spec: dict[str, Any]) -> bool:
        roles = api.catalog_roles_of(spec["principalRoleName"], spec["catalogName"])
        return any(role["name"] == spec["catalogRoleName"] for role in roles)

    def unlink(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        api.revoke_catalog_role(spec["principalRoleName"], spec["catalogName"], spec["catalogRoleName"])


class GrantProvider(LinkProvider):
    inputs: ClassVar[Mapping[str, Any]] = {"catalogName": None, "catalogRoleName": None, "grant": None}
    replace_keys = ("catalogName", "catalogRoleName", "grant")

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        return (
            validation.name("catalogName", news.get("catalogName"), "catalog")
            + validation.name("catalogRoleName", news.get("catalogRoleName"), "catalog role")
            + validation.grant(news.get("grant"))
        )

    def identity(self, spec: dict[str, Any]) -> str:
        grant = spec["grant"]
        target = [grant.get(field) for field in TARGET_FIELDS[grant["type"]][1:]]
        namespace = NAMESPACE_SEPARATOR.join(grant.get("namespace") or [])
        return entity_id(
            spec["catalogName"], spec["catalogRoleName"], grant["type"], namespace, *target, grant["privilege"]
        )

    def link(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        api.add_grant(spec["catalogName"], spec["catalogRoleName"], _canonical(spec["grant"]))

    def linked(self, api: PolarisApi, spec: dict[str, Any]) -> bool:
        wanted = _canonical(spec["grant"])
        return any(_canonical(held) == wanted for held in api.list_grants(spec["catalogName"], spec["catalogRoleName"]))

    def unlink(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        api.revoke_grant(spec["catalogName"], spec["catalogRoleName"], _canonical(spec["grant"]))


def _canonical(grant: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields that identify a grant of its type, so a listed grant compares with a declared one."""
    fields = ("type", "privilege", *TARGET_FIELDS.get(grant.get("type", ""), ()))
    return {key: list(grant[key]) if key == "namespace" else grant[key] for key in fields if key in grant}


@dataclass(frozen=True)
class PrincipalRoleAssignmentArgs:
    principal_name: pulumi.Input[str]
    principal_role_name: pulumi.Input[str]


@dataclass(frozen=True)
class CatalogRoleAssignmentArgs:
    principal_role_name: pulumi.Input[str]
    catalog_name: pulumi.Input[str]
    catalog_role_name: pulumi.Input[str]


@dataclass(frozen=True)
class GrantArgs:
    catalog_name: pulumi.Input[str]
    catalog_role_name: pulumi.Input[str]
    grant: pulumi.Input[Mapping[str, Any]]
    """Polaris GrantResource JSON: {"type": "namespace", "namespace": ["sales"], "privilege": "TABLE_READ_DATA"}."""


class PrincipalRoleAssignment(pulumi.dynamic.Resource, module="polaris", name="PrincipalRoleAssignment"):
    connection: pulumi.Output[dict[str, Any]]
    principalName: pulumi.Output[str]
    principalRoleName: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: PrincipalRoleAssignmentArgs,
        connection: PolarisConnection,
        opts: pulumi.ResourceOptions | None = None,
    ):
        inputs = {"principalName": args.principal_name, "principalRoleName": args.principal_role_name}
        super().__init__(PrincipalRoleAssignmentProvider(), resource_name, resource_props(connection, inputs, ()), opts)


class CatalogRoleAssignment(pulumi.dynamic.Resource, module="polaris", name="CatalogRoleAssignment"):
    connection: pulumi.Output[dict[str, Any]]
    principalRoleName: pulumi.Output[str]
    catalogName: pulumi.Output[str]
    catalogRoleName: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: CatalogRoleAssignmentArgs,
        connection: PolarisConnection,
        opts: pulumi.ResourceOptions | None = None,
    ):
        inputs = {
            "principalRoleName": args.principal_role_name,
            "catalogName": args.catalog_name,
            "catalogRoleName": args.catalog_role_name,
        }
        super().__init__(CatalogRoleAssignmentProvider(), resource_name, resource_props(connection, inputs, ()), opts)


class Grant(pulumi.dynamic.Resource, module="polaris", name="Grant"):
    connection: pulumi.Output[dict[str, Any]]
    catalogName: pulumi.Output[str]
    catalogRoleName: pulumi.Output[str]
    grant: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        resource_name: str,
        args: GrantArgs,
        connection: PolarisConnection,
        opts: pulumi.ResourceOptions | None = None,
    ):
        inputs = {"catalogName": args.catalog_name, "catalogRoleName": args.catalog_role_name, "grant": args.grant}
        super().__init__(GrantProvider(), resource_name, resource_props(connection, inputs, ()), opts)
