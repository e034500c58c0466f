"""Direct calls of a policy, as pulumi-policy's own unit tests make them: properties go through the same
unknown-checking proxy the analyzer uses, so an unknown value raises exactly as in a preview."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

URN = "urn:pulumi:test::polaris-data-exchange::{type}::{name}"


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=None,
    )


def run(policy, type_: str, props: Mapping[str, Any], config: Mapping[str, Any] | None = None) -> list[str]:
    """The messages ``policy`` reports for one resource."""
    messages: list[str] = []
    args = ResourceValidationArgs(
        type_,
        unknown_checking_proxy(dict(props)),
        URN.format(type=type_, name="r"),
        "r",
        _options(),
        None,
        dict(config or {}),
    )
    policy.validate(args, lambda message, urn=None: messages.append(message))
    return messages


def resource(
    type_: str, name: str, props: Mapping[str, Any], provider: Mapping[str, Any] | None = None
) -> PolicyResource:
    """A stack member; ``provider`` gives its provider's properties (tenantId, project)."""
    prov = (
        PolicyProviderResource("pulumi:providers:x", unknown_checking_proxy(dict(provider)), "urn:prov", "p")
        if provider is not None
        else None
    )
    return PolicyResource(
        type_,
        unknown_checking_proxy(dict(props)),
        URN.format(type=type_, name=name),
        name,
        _options(),
        prov,
        None,
        [],
        {},
    )


def run_stack(
    policy, resources: list[PolicyResource], config: Mapping[str, Any] | None = None
) -> list[tuple[str, str | None]]:
    """The (message, urn) pairs a stack policy reports."""
    found: list[tuple[str, str | None]] = []
    policy.validate(
        StackValidationArgs(resources, dict(config or {})), lambda message, urn=None: found.append((message, urn))
    )
    return found
