"""Principal: a Polaris identity with OAuth client credentials (its secret is shown only when issued).

Credential changes are built so that a lost reply never leaves the state with a secret that no longer works
(docs/polaris-provider.md, "Rotation guarantees"): a reset always sets a secret this provider chose (so it
is idempotent and retried), and a rotate is sent once and, if its outcome is unknown, undone by resetting
to the secret the state holds before it is tried again.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure

from polaris_provider import validation
from polaris_provider.api import PolarisApi
from polaris_provider.connection import PolarisConnection
from polaris_provider.errors import PolarisError, ServerError, TransportError
from polaris_provider.resources.base import VersionedEntityProvider, entity_id, merge_opts, resource_props

SECRET_OUTPUTS = ["clientId", "clientSecret"]
ROTATION_ROUNDS = 3
"""Rotate attempts per update; each one whose reply is lost is undone (reset to the stored secret) first."""


def new_secret() -> str:
    """A secret for a reset: 32 random bytes as hex, the form (and more than the length) Polaris generates."""
    return secrets.token_hex(32)


class PrincipalProvider(VersionedEntityProvider):
    inputs: ClassVar[Mapping[str, Any]] = {"name": None, "properties": {}, "rotation": None, "adopt": False}
    outputs = ("clientId", "clientSecret", "entityVersion")
    replace_keys = ("name",)

    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        failures = validation.name("name", news.get("name"), "principal")
        rotation = news.get("rotation")
        if rotation is not None and not isinstance(rotation, str):
            failures.append(CheckFailure("rotation", "must be a string (change it to rotate the credentials)"))
        return failures + validation.properties("properties", news.get("properties"))

    def identity(self, spec: dict[str, Any]) -> str:
        return entity_id(spec["name"])

    def fetch(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        return api.get_principal(spec["name"])

    def make(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        return api.create_principal(spec["name"], spec["properties"])

    def put(self, api: PolarisApi, spec: dict[str, Any], version: int) -> dict[str, Any]:
        return api.update_principal(spec["name"], version, spec["properties"])

    def remove(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        api.delete_principal(spec["name"])

    def state(self, entity: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
        return {**super().state(entity, spec), "clientId": entity.get("clientId")}

    def create_remote(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        return self._credentials(self.make(api, spec), spec)

    def adopt_remote(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        """An existing principal's secret cannot be read, so adopting it resets its credentials to a new secret."""
        return self.adopt_own(api, spec, super().update_remote(api, spec, spec))

    def adopt_own(self, api: PolarisApi, spec: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
        """Our own create's reply (with the only copy of its secret) was lost: reset to a secret we choose."""
        return {**current, **self._credentials(api.reset_credentials(spec["name"], new_secret()), spec)}

    def update_remote(self, api: PolarisApi, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        outs = super().update_remote(api, olds, news)
        if olds.get("rotation") != news.get("rotation"):
            outs.update(self._rotate(api, news, olds.get("clientSecret") or new_secret()))
        return outs

    def _rotate(self, api: PolarisApi, spec: dict[str, Any], stored: str) -> dict[str, Any]:
        """Rotates so that ``stored`` (the state's secret) works whatever reply is lost.

        Each round first resets to ``stored`` (idempotent, retried): the principal then holds exactly that secret,
        whatever an earlier lost rotate did. Then ONE rotate: its reply gives the new secret, and ``stored``
        stays valid as the secondary one; a lost reply is undone by the next round's reset. If every round
        fails, ``stored`` still works (it is the main or the secondary secret), and the update fails."""
        name, lost = spec["name"], None
        for _ in range(ROTATION_ROUNDS):
            api.reset_credentials(name, stored)
            try:
                return self._credentials(api.rotate_credentials(name), spec)
            except (TransportError, ServerError) as error:  # unknown outcome: it may have rotated
                lost = error
        assert lost is not None
        raise PolarisError(
            lost.operation,
            lost.obj,
            f"no reply to {ROTATION_ROUNDS} rotations ({lost.message}); the stored secret still works "
            "and the next `up` rotates again",
            status=lost.status,
            error_type=lost.error_type,
            after_retry=True,
        )

    def _credentials(self, reply: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
        """Outputs from a PrincipalWithCredentials answer (create, rotate, reset)."""
        credentials = reply["credentials"]
        return {
            **self.state(reply["principal"], spec),
            "clientId": credentials["clientId"],
            "clientSecret": credentials["clientSecret"],
        }


@dataclass(frozen=True)
class PrincipalArgs:
    name: pulumi.Input[str]
    properties: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None
    rotation: pulumi.Input[str] | None = None
    """Any change (e.g. a date) rotates the credentials; the previous secret keeps working until the next."""
    adopt: bool = False
    """Take over an existing principal of this name; its credentials are reset (the secret cannot be read)."""


class Principal(pulumi.dynamic.Resource, module="polaris", name="Principal"):
    connection: pulumi.Output[dict[str, Any]]
    name: pulumi.Output[str]
    properties: pulumi.Output[dict[str, Any]]
    rotation: pulumi.Output[str | None]
    adopt: pulumi.Output[bool]
    clientId: pulumi.Output[str]
    """Secret output (set by the class)."""
    clientSecret: pulumi.Output[str]
    """Secret output (set by the class)."""
    entityVersion: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        args: PrincipalArgs,
        connection: PolarisConnection,
        opts: pulumi.ResourceOptions | None = None,
    ):
        inputs = {
            "name": args.name,
            "properties": args.properties or {},
            "rotation": args.rotation,
            "adopt": args.adopt,
        }
        super().__init__(
            PrincipalProvider(),
            resource_name,
            resource_props(connection, inputs, PrincipalProvider.outputs),
            merge_opts(opts, additional_secret_outputs=SECRET_OUTPUTS),
        )
