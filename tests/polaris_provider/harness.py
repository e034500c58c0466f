"""Plays the Pulumi engine against the REAL dynamic-provider server (``python -u -m pulumi.dynamic``).

The server runs in a subprocess with the repo root as cwd, exactly as ``pulumi-resource-pulumi-python``
would start it, so every request crosses gRPC, property (de)serialization, dill unpickling of
``__provider`` and ``configure()``. As the engine does (``acceptSecrets: False``), secrets are sent as
plain values; unknowns are sent as the unknown sentinel.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import provider_pb2_grpc

REPO_ROOT = Path(__file__).resolve().parents[2]
PROVIDER_KEY = "__provider"


class ProviderError(Exception):
    """The provider method raised; ``str()`` is the traceback the engine would show."""

    @property
    def last_line(self) -> str:
        return str(self).strip().splitlines()[-1]


@dataclass(frozen=True)
class Failure:
    property: str
    reason: str


def _serialize(props: dict) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()


def _deserialize(struct: Any, keep_unknowns: bool = False) -> dict:
    return dict(rpc.deserialize_properties(struct, keep_unknowns))


class EngineHarness:
    """One provider process; ``config`` is what the engine's Configure call carries (stack config)."""

    def __init__(self, config: dict[str, str] | None = None):
        self.config = config or {}
        self._process: subprocess.Popen | None = None
        self._channel: grpc.Channel | None = None
        self.stub: provider_pb2_grpc.ResourceProviderStub | None = None

    def start(self) -> EngineHarness:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic"],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        port = self._process.stdout.readline().decode().strip()
        if not port.isdigit():
            raise RuntimeError(f"dynamic provider did not start: {self._process.stderr.read().decode()[-2000:]}")
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        self.stub.Configure(proto.ConfigureRequest(args=_serialize(dict(self.config)), acceptSecrets=False))
        return self

    def stop(self) -> None:
        if self._channel is not None:
            self._channel.close()
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process.stdout.close()
            self._process.stderr.close()

    def __enter__(self) -> EngineHarness:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- engine calls -----------------------------------------------------------------------------------
    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self.stub, method)(request)
        except grpc.RpcError as error:
            raise ProviderError(error.details()) from None

    def check(self, olds: dict, news: dict) -> tuple[dict, list[Failure]]:
        reply = self._call("Check", proto.CheckRequest(urn=_URN, olds=_serialize(olds), news=_serialize(news)))
        failures = [Failure(f.property, f.reason) for f in reply.failures]
        return _deserialize(reply.inputs, keep_unknowns=True), failures

    def diff(self, id_: str, olds: dict, news: dict) -> proto.DiffResponse:
        return self._call("Diff", proto.DiffRequest(id=id_, urn=_URN, olds=_serialize(olds), news=_serialize(news)))

    def create(self, props: dict) -> tuple[str, dict]:
        reply = self._call("Create", proto.CreateRequest(urn=_URN, properties=_serialize(props)))
        return reply.id, _deserialize(reply.properties)

    def read(self, id_: str, outs: dict, inputs: dict) -> tuple[str, dict, dict]:
        request = proto.ReadRequest(id=id_, urn=_URN, properties=_serialize(outs), inputs=_serialize(inputs))
        reply = self._call("Read", request)
        return reply.id, _deserialize(reply.properties), _deserialize(reply.inputs)

    def update(self, id_: str, olds: dict, news: dict) -> dict:
        reply = self._call(
            "Update", proto.UpdateRequest(id=id_, urn=_URN, olds=_serialize(olds), news=_serialize(news))
        )
        return _deserialize(reply.properties)

    def delete(self, id_: str, outs: dict) -> None:
        self._call("Delete", proto.DeleteRequest(id=id_, urn=_URN, properties=_serialize(outs)))


_URN = "urn:pulumi:test::polaris-data-exchange::pulumi-python:dynamic/polaris:Test::test"


def with_provider(provider: ResourceProvider, props: dict) -> dict:
    """Engine inputs as the SDK registers them: the props plus the dill-serialized provider."""
    return {**props, PROVIDER_KEY: serialize_provider(provider)}


@dataclass
class Deployed:
    """A resource as the engine holds it in state after a step: id, inputs and outputs."""

    id: str
    inputs: dict
    outputs: dict


class Engine:
    """The engine's step logic on top of the harness: up (check, diff, create/update/replace), refresh, destroy."""

    def __init__(self, harness: EngineHarness):
        self.harness = harness

    def up(self, provider: ResourceProvider, props: dict, state: Deployed | None = None) -> Deployed:
        news = with_provider(provider, props)
        inputs, failures = self.harness.check(state.inputs if state else {}, news)
        if failures:
            raise ProviderError("check failed: " + "; ".join(f"{f.property}: {f.reason}" for f in failures))
        if state is None:
            return self._create(inputs)
        diff = self.harness.diff(state.id, state.outputs, inputs)
        if diff.changes != proto.DiffResponse.DIFF_SOME:
            return state
        if diff.replaces:
            if diff.deleteBeforeReplace:
                self.harness.delete(state.id, state.outputs)
                return self._create(inputs)
            created = self._create(inputs)
            self.harness.delete(state.id, state.outputs)
            return created
        return Deployed(state.id, inputs, self.harness.update(state.id, state.outputs, inputs))

    def _create(self, inputs: dict) -> Deployed:
        id_, outs = self.harness.create(inputs)
        return Deployed(id_, inputs, outs)

    def refresh(self, state: Deployed) -> Deployed | None:
        id_, outs, inputs = self.harness.read(state.id, state.outputs, state.inputs)
        return Deployed(id_, inputs or state.inputs, outs) if id_ else None

    def destroy(self, state: Deployed) -> None:
        self.harness.delete(state.id, state.outputs)
