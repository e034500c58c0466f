"""Principal: a Polaris identity with OAuth client credentials (its secret is shown only when issued)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import pulumi
from pulumi.dynamic import CheckFailure

from polaris_provider import validation
from polaris_provider.api import PolarisApi
from polaris_provider.connection import PolarisConnection
from polaris_provider.resources.base import VersionedEntityProvider, entity_id, merge_opts, resource_props

SECRET_OUTPUTS = ["clientId", "clientSecret"]


class PrincipalProvider(VersionedEntityProvider):
    inputs: ClassVar[Mapping[str, Any]] = {"name": None, "properties": {}, "rotation": None, "adopt": False}
    outputs = ("clientId", "clientSecret", "entityVersion")
    replace_keys = ("name",)

    def validate(self, news: dict) -> list[CheckFailure]:
        failures = validation.name("name", news.get("name"), "principal")
        rotation = news.get("rotation")
        if rotation is not None and not isinstance(rotation, str):
            failures.append(CheckFailure("rotation", "must be a string (change it to rotate the credentials)"))
        return failures + validation.properties("properties", news.get("properties"))

    def identity(self, spec: dict) -> str:
        return entity_id(spec["name"])

    def fetch(self, api: PolarisApi, spec: dict) -> dict:
        return api.get_principal(spec["name"])

    def make(self, api: PolarisApi, spec: dict) -> dict:
        return api.create_principal(spec["name"], spec["properties"])

    def put(self, api: PolarisApi, spec: dict, version: int) -> dict:
        return api.update_principal(spec["name"], version, spec["properties"])

    def remove(self, api: PolarisApi, spec: dict) -> None:
        api.delete_principal(spec["name"])

    def state(self, entity: dict, spec: dict) -> dict:
        return {**super().state(entity, spec), "clientId": entity.get("clientId")}

    def create_remote(self, api: PolarisApi, spec: dict) -> dict:
        return self._credentials(self.make(api, spec), spec)

    def adopt_remote(self, api: PolarisApi, spec: dict) -> dict:
        """An existing principal's secret cannot be read, so adopting it resets (replaces) its credentials."""
        credentials = self._credentials(api.reset_credentials(spec["name"]), spec)
        return {**credentials, **super().update_remote(api, spec, spec)}

    def update_remote(self, api: PolarisApi, olds: dict, news: dict) -> dict:
        outs = super().update_remote(api, olds, news)
        if olds.get("rotation") != news.get("rotation"):
            outs.update(self._credentials(api.rotate_credentials(news["name"]), news))
        return outs

    def _credentials(self, reply: dict, spec: dict) -> dict:
        """Outputs from a PrincipalWithCredentials answer (create, rotate, reset)."""
        credentials = reply["credentials"]
        return {**self.state(reply["principal"], spec), "clientId": credentials["clientId"],
                "clientSecret": credentials["clientSecret"]}


@dataclass(frozen=True)
class PrincipalArgs:
    name: pulumi.Input[str]
    properties: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    rotation: pulumi.Input[str] | None = None
    """Any change (e.g. a date) rotates the credentials; the previous secret keeps working until the next."""
    adopt: bool = False
    """Take over an existing principal of this name; its credentials are reset (the secret cannot be read)."""


class Principal(pulumi.dynamic.Resource, module="polaris", name="Principal"):
    connection: pulumi.Output[dict]
    name: pulumi.Output[str]
    properties: pulumi.Output[dict]
    rotation: pulumi.Output[str | None]
    adopt: pulumi.Output[bool]
    clientId: pulumi.Output[str]
    """Secret output (set by the class)."""
    clientSecret: pulumi.Output[str]
    """Secret output (set by the class)."""
    entityVersion: pulumi.Output[int]

    def __init__(self, resource_name: str, args: PrincipalArgs, connection: PolarisConnection,
                 opts: pulumi.ResourceOptions | None = None):
        inputs = {"name": args.name, "properties": args.properties or {}, "rotation": args.rotation,
                  "adopt": args.adopt}
        super().__init__(PrincipalProvider(), resource_name,
                         resource_props(connection, inputs, PrincipalProvider.outputs),
                         merge_opts(opts, additional_secret_outputs=SECRET_OUTPUTS))
