"""How a resource reaches Polaris: the program-side ``PolarisConnection`` and its engine form.

The connection travels as ONE secret input named ``connection`` (the engine then keeps every output under
that key secret too, in state and in plan output). It is stored with the resource's outputs because
``read`` and ``delete`` only see the stored outputs: a refresh or destroy must reach Polaris without the
program.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from polaris_provider.tunnel import PolarisTunnel, TunnelSpec, local_endpoint

DEFAULT_SCOPE = "PRINCIPAL_ROLE:ALL"
TokenKey = tuple[str, str | None, str, str, str]
"""Endpoint, realm, client id, scope and the secret's digest (``ConnectionSpec.token_key``)."""
SCOPE_PREFIX = "PRINCIPAL_ROLE:"


@dataclass(frozen=True)
class PolarisConnection:
    """Endpoint and admin credentials; ``scope`` is sent explicitly because Polaris requires one."""

    endpoint: pulumi.Input[str]
    client_id: pulumi.Input[str]
    client_secret: pulumi.Input[str] = field(repr=False)
    realm: str | None = None
    scope: str = DEFAULT_SCOPE
    ca_bundle: pulumi.Input[str] | None = None
    tunnel: PolarisTunnel | None = None
    """Reach a cluster-internal ``endpoint`` through a port-forward (``polaris_provider.tunnel``)."""

    def to_input(self) -> pulumi.Output[dict[str, Any]]:
        """The secret ``connection`` input, in the engine's property names."""
        value: dict[str, Any] = {
            "endpoint": self.endpoint,
            "clientId": self.client_id,
            "clientSecret": self.client_secret,
            "scope": self.scope,
        }
        if self.realm is not None:
            value["realm"] = self.realm
        if self.ca_bundle is not None:
            value["caBundle"] = self.ca_bundle
        if self.tunnel is not None:
            value["tunnel"] = self.tunnel.to_input()
        return pulumi.Output.secret(value)


@dataclass(frozen=True)
class ConnectionSpec:
    """The resolved connection inside the provider process (plain values, validated by ``check``)."""

    endpoint: str
    client_id: str
    client_secret: str = field(default="", repr=False)  # never printed, even in a traceback's locals
    realm: str | None = None
    scope: str = DEFAULT_SCOPE
    ca_bundle: str | None = field(default=None, repr=False)

    @classmethod
    def from_props(cls, value: Mapping[str, Any]) -> ConnectionSpec:
        """With a ``tunnel``, requests go to its loopback listener instead of the (cluster-internal) endpoint."""
        endpoint = (
            local_endpoint(TunnelSpec.from_props(value["tunnel"]))
            if value.get("tunnel")
            else str(value["endpoint"]).rstrip("/")
        )
        return cls(
            endpoint=endpoint,
            client_id=value["clientId"],
            client_secret=value["clientSecret"],
            realm=value.get("realm") or None,
            scope=value.get("scope") or DEFAULT_SCOPE,
            ca_bundle=value.get("caBundle") or None,
        )

    @property
    def token_key(self) -> TokenKey:
        """Tokens are shared by every resource using the same endpoint, realm, client, scope AND secret: a
        connection with another secret (a wrong one, or one rotated since) never reuses a token it did not earn.
        The secret enters as a SHA-256 digest, so the key itself holds no secret."""
        digest = hashlib.sha256(self.client_secret.encode()).hexdigest()
        return (self.endpoint, self.realm, self.client_id, self.scope, digest)
