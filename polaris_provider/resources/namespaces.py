"""Namespace: created through the Iceberg REST API of a catalog (prefix = catalog name).

The server may add properties of its own (the spec says so, e.g. ``last_modified_time``), so only the keys
this resource declares (now or before) are managed: ``read`` reports those, ``update`` sets and removes
those, and keys added by Polaris or other tools are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure

from polaris_provider import validation
from polaris_provider.api import NAMESPACE_SEPARATOR, PolarisApi
from polaris_provider.connection import PolarisConnection
from polaris_provider.resources.base import PolarisProvider, entity_id, resource_props


class NamespaceProvider(PolarisProvider):
    inputs: ClassVar[Mapping[str, Any]] = {"catalogName": None, "namespace": None, "properties": {}}
    replace_keys = ("catalogName", "namespace")
    refreshed = ("properties",)

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        return (
            validation.name("catalogName", news.get("catalogName"), "catalog")
            + validation.namespace_levels("namespace", news.get("namespace"))
            + validation.properties("properties", news.get("properties"))
        )

    def identity(self, spec: dict[str, Any]) -> str:
        """ "<catalog>/<levels joined by %1F>", the Iceberg REST path form; e.g. "sales/raw%1Forders"."""
        return entity_id(spec["catalogName"], NAMESPACE_SEPARATOR.join(spec["namespace"]))

    def create_remote(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        api.create_namespace(spec["catalogName"], spec["namespace"], spec["properties"])
        return {}

    def read_remote(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any] | None:
        held = api.load_namespace(spec["catalogName"], spec["namespace"]).get("properties") or {}
        return {"properties": _managed(held, spec["properties"])}

    def update_remote(self, api: PolarisApi, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        catalog, levels, wanted = news["catalogName"], news["namespace"], news["properties"]
        held = api.load_namespace(catalog, levels).get("properties") or {}
        updates = {key: value for key, value in wanted.items() if held.get(key) != value}
        removals = sorted(key for key in olds.get("properties") or {} if key not in wanted and key in held)
        if updates or removals:
            api.update_namespace_properties(catalog, levels, updates, removals)
        return {}

    def delete_remote(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        api.drop_namespace(spec["catalogName"], spec["namespace"])


def _managed(held: Mapping[str, str], declared: Mapping[str, str]) -> dict[str, Any]:
    return {key: held[key] for key in declared if key in held}


@dataclass(frozen=True)
class NamespaceArgs:
    catalog_name: pulumi.Input[str]
    namespace: pulumi.Input[Sequence[str]]
    """Levels, outermost first: ["sales", "raw"] is sales.raw."""
    properties: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None


class Namespace(pulumi.dynamic.Resource, module="polaris", name="Namespace"):
    connection: pulumi.Output[dict[str, Any]]
    catalogName: pulumi.Output[str]
    namespace: pulumi.Output[list[str]]
    properties: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        resource_name: str,
        args: NamespaceArgs,
        connection: PolarisConnection,
        opts: pulumi.ResourceOptions | None = None,
    ):
        inputs = {"catalogName": args.catalog_name, "namespace": args.namespace, "properties": args.properties or {}}
        super().__init__(NamespaceProvider(), resource_name, resource_props(connection, inputs, ()), opts)
