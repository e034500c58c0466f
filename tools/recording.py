"""A mock monitor that records every registration, the way the engine would see it, and what it records: the
planned resources and the plan they make up, secrets masked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockCallArgs, MockMonitor
from pulumi.runtime.proto import provider_pb2
from pulumi.runtime.sync_await import _sync_await

from configuration.loader import PROJECT_DIR, SECRET
from tools.mocks.registry import note_provider_urn

_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"


@dataclass
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str
    provider: str
    custom: bool
    inputs: dict[str, Any]
    state: dict[str, Any] = field(repr=False, default_factory=dict)
    """What the mocks answered (outputs), secrets masked; not part of the JSON format."""
    unmasked_inputs: dict[str, Any] = field(repr=False, default_factory=dict)
    """The inputs with secrets in plaintext, as a policy pack sees them in a real preview; in memory only,
    never printed or serialized."""
    dependencies: list[str] = field(repr=False, default_factory=list)
    """URNs this resource depends on (explicit and through inputs); not part of the JSON format."""
    retain_on_delete: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "provider": self.provider,
            "custom": self.custom,
            "inputs": self.inputs,
        }


@dataclass
class Plan:
    project: str
    stack: str
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    unmasked_outputs: dict[str, Any] = field(repr=False, default_factory=dict)
    config_dir: Path = PROJECT_DIR
    """Where `Pulumi.<stack>.yaml` was read from (the policy check reads the same file)."""
    """Stack outputs with secrets in plaintext, for in-process policy evaluation only; never printed."""

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [r.to_json() for r in self.resources],
            "outputs": self.outputs,
        }

    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def descendants(self, component_name: str) -> list[PlannedResource]:
        """Everything below a component, at any depth, in registration order."""
        urns = {self.named(component_name).urn}
        found = []
        for r in self.resources:  # parents register before their children
            if r.parent in urns:
                urns.add(r.urn)
                found.append(r)
        return found

    def named(self, name: str) -> PlannedResource:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]


def _resolve(value: Any, secret: Callable[[dict], Any]) -> Any:
    """Walk engine values: a secret wrapper becomes ``secret(wrapper)``; a resource reference its URN."""
    if isinstance(value, dict):
        if value.get(_SIG_KEY) == _SECRET_SIG:
            return secret(value)
        if value.get(_SIG_KEY) == _RESOURCE_SIG:
            return value.get("urn", "")
        return {k: _resolve(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, secret) for v in value]
    return value


def mask_secrets(value: Any) -> Any:
    """Every secret replaced by the string "[secret]", at any depth."""
    return _resolve(value, lambda wrapper: SECRET)


def unmask_secrets(value: Any) -> Any:
    """Every secret as plaintext, for in-process consumers only (policies)."""
    return _resolve(value, lambda wrapper: unmask_secrets(wrapper.get("value")))


class RecordingMonitor(MockMonitor):
    def __init__(self, mocks):
        super().__init__(mocks)
        self.planned: list = []

    def RegisterResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type.startswith("pulumi:providers:"):
            note_provider_urn(request.name, urn)
        _references_to_urns(request.object)
        # Remote components (pulumi-eks) carry their providers in a map, not in `provider`.
        context = getattr(self.mocks, "context", None)  # other Mocks classes may be recorded too
        if context is not None:
            context.remote_providers = dict(request.providers) if not request.provider else {}
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        _mark_secret_outputs(request, response)
        raw_inputs = json_format.MessageToDict(request.object)
        inputs = mask_secrets(raw_inputs)
        state = mask_secrets(json_format.MessageToDict(response.object))
        self.planned.append(
            PlannedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                provider=request.provider.rsplit("::", 1)[0] if request.provider else "",
                custom=bool(request.custom),
                inputs=inputs,
                state=state,
                dependencies=list(request.dependencies),
                unmasked_inputs=unmask_secrets(raw_inputs),
                retain_on_delete=bool(request.retainOnDelete),
            )
        )
        return response

    def Call(self, request):
        """A component method call (e.g. pulumi-eks' `Cluster.get_kubeconfig`), which the stock mock monitor
        lacks: the mocks' `call` gets the method's token with `__self__` as that resource's mocked state."""
        _references_to_urns(request.args)
        args = json_format.MessageToDict(request.args)
        registered = self.resources.get(args.get("__self__", ""))
        if registered is not None:
            args["__self__"] = _unwrapped(dict(registered.state))
        answer = self.mocks.call(MockCallArgs(token=request.tok, args=args, provider=request.provider))
        result = answer if isinstance(answer, dict) else answer[0]  # as MockMonitor: a dict or (result, failures)
        return provider_pb2.CallResponse(**{"return": _sync_await(rpc.serialize_properties(result, {}))})

    def serialize_outputs(self, outputs: dict[str, Any]) -> dict[str, Any]:
        """The stack outputs as the engine receives them (secrets still wrapped)."""
        struct = _sync_await(rpc.serialize_properties(outputs, {}))
        return json_format.MessageToDict(struct)


_SECRET = {_SIG_KEY: _SECRET_SIG}


def _mark_secret_outputs(request, response) -> None:
    """Do what the engine does and the stock mock monitor does not: outputs named in
    `additional_secret_outputs`, and outputs whose input was secret, come back as secrets."""
    inputs = json_format.MessageToDict(request.object)
    secret_inputs = {k for k, v in inputs.items() if _is_secret(v)}
    outputs = json_format.MessageToDict(response.object)
    for key in set(request.additionalSecretOutputs) | secret_inputs:
        value = outputs.get(key)
        if key in outputs and not _is_secret(value):
            outputs[key] = {**_SECRET, "value": value}
    response.object.Clear()
    json_format.ParseDict(outputs, response.object)


def _unwrapped(value):
    """A registered state with its secrets as plain values, as a provider holds it."""
    if _is_secret(value):
        return _unwrapped(value.get("value"))
    if isinstance(value, dict):
        return {k: _unwrapped(v) for k, v in value.items()}
    return [_unwrapped(v) for v in value] if isinstance(value, list) else value


def _is_secret(value) -> bool:
    return isinstance(value, dict) and value.get(_SIG_KEY) == _SECRET_SIG


def _references_to_urns(struct) -> None:
    """Replace resource references (structs with the resource signature) by their URN, in place."""
    for key in list(struct.fields):
        value = struct.fields[key]
        kind = value.WhichOneof("kind")
        if kind == "struct_value":
            inner = value.struct_value
            if inner.fields.get(_SIG_KEY) and inner.fields[_SIG_KEY].string_value == _RESOURCE_SIG:
                struct.fields[key].string_value = inner.fields["urn"].string_value
            else:
                _references_to_urns(inner)
        elif kind == "list_value":
            for item in value.list_value.values:
                if item.WhichOneof("kind") == "struct_value":
                    inner = item.struct_value
                    if inner.fields.get(_SIG_KEY) and inner.fields[_SIG_KEY].string_value == _RESOURCE_SIG:
                        item.string_value = inner.fields["urn"].string_value
                    else:
                        _references_to_urns(inner)
