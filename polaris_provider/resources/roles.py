"""PrincipalRole (realm-wide) and CatalogRole (inside one catalog): named holders of grants."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure

from polaris_provider import validation
from polaris_provider.api import PolarisApi
from polaris_provider.connection import PolarisConnection
from polaris_provider.resources.base import VersionedEntityProvider, entity_id, resource_props


class PrincipalRoleProvider(VersionedEntityProvider):
    inputs: ClassVar[Mapping[str, Any]] = {"name": None, "properties": {}, "adopt": False}
    replace_keys = ("name",)

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        return validation.name("name", news.get("name"), "principal role") + validation.properties(
            "properties", news.get("properties")
        )

    def identity(self, spec: dict[str, Any]) -> str:
        return entity_id(spec["name"])

    def fetch(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        return api.get_principal_role(spec["name"])

    def make(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        return api.create_principal_role(spec["name"], spec["properties"])

    def put(self, api: PolarisApi, spec: dict[str, Any], version: int) -> dict[str, Any]:
        return api.update_principal_role(spec["name"], version, spec["properties"])

    def remove(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        api.delete_principal_role(spec["name"])


class CatalogRoleProvider(VersionedEntityProvider):
    inputs: ClassVar[Mapping[str, Any]] = {"catalogName": None, "name": None, "properties": {}, "adopt": False}
    replace_keys = ("catalogName", "name")

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        return (
            validation.name("catalogName", news.get("catalogName"), "catalog")
            + validation.name("name", news.get("name"), "catalog role")
            + validation.properties("properties", news.get("properties"))
        )

    def identity(self, spec: dict[str, Any]) -> str:
        return entity_id(spec["catalogName"], spec["name"])

    def fetch(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        return api.get_catalog_role(spec["catalogName"], spec["name"])

    def make(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        return api.create_catalog_role(spec["catalogName"], spec["name"], spec["properties"])

    def put(self, api: PolarisApi, spec: dict[str, Any], version: int) -> dict[str, Any]:
        return api.update_catalog_role(spec["catalogName"], spec["name"], version, spec["properties"])

    def remove(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        api.delete_catalog_role(spec["catalogName"], spec["name"])


@dataclass(frozen=True)
class PrincipalRoleArgs:
    name: pulumi.Input[str]
    properties: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    adopt: bool = False


@dataclass(frozen=True)
class CatalogRoleArgs:
    catalog_name: pulumi.Input[str]
    name: pulumi.Input[str]
    properties: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    adopt: bool = False


class PrincipalRole(pulumi.dynamic.Resource, module="polaris", name="PrincipalRole"):
    connection: pulumi.Output[dict[str, Any]]
    name: pulumi.Output[str]
    properties: pulumi.Output[dict[str, Any]]
    adopt: pulumi.Output[bool]
    entityVersion: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        args: PrincipalRoleArgs,
        connection: PolarisConnection,
        opts: pulumi.ResourceOptions | None = None,
    ):
        inputs = {"name": args.name, "properties": args.properties or {}, "adopt": args.adopt}
        super().__init__(
            PrincipalRoleProvider(),
            resource_name,
            resource_props(connection, inputs, PrincipalRoleProvider.outputs),
            opts,
        )


class CatalogRole(pulumi.dynamic.Resource, module="polaris", name="CatalogRole"):
    connection: pulumi.Output[dict[str, Any]]
    catalogName: pulumi.Output[str]
    name: pulumi.Output[str]
    properties: pulumi.Output[dict[str, Any]]
    adopt: pulumi.Output[bool]
    entityVersion: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        args: CatalogRoleArgs,
        connection: PolarisConnection,
        opts: pulumi.ResourceOptions | None = None,
    ):
        inputs = {
            "catalogName": args.catalog_name,
            "name": args.name,
            "properties": args.properties or {},
            "adopt": args.adopt,
        }
        super().__init__(
            CatalogRoleProvider(), resource_name, resource_props(connection, inputs, CatalogRoleProvider.outputs), opts
        )
