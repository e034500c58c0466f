"""The CRUD shape every Polaris resource shares; each family module fills in the Polaris-specific hooks.

Properties are the engine's: inputs under their Polaris JSON names plus ``connection`` (secret), outputs
= inputs + computed fields. ``connection`` is kept in the outputs because ``read`` and ``delete`` only
receive the stored outputs.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import quote

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from polaris_provider import validation
from polaris_provider.api import PolarisApi
from polaris_provider.client import DEFAULT_POLICY, PolarisClient, RetryPolicy
from polaris_provider.connection import ConnectionSpec, PolarisConnection
from polaris_provider.errors import (
    AlreadyExists,
    CommitConflict,
    GrantNotFound,
    NotFound,
    PolarisError,
    ServerError,
    TransportError,
)

CONNECTION = "connection"
PROVIDER_KEY = "__provider"
VERSION_ATTEMPTS = 5
"""Read-modify-write rounds an update may take when other writers keep bumping the entity version."""


def api_for(props: Mapping[str, Any], policy: RetryPolicy) -> PolarisApi:
    return PolarisApi(PolarisClient(ConnectionSpec.from_props(props[CONNECTION]), policy))


def entity_id(*parts: str) -> str:
    """A deterministic id: the parts percent-encoded (so '/' inside a name stays unambiguous), joined by '/'."""
    return "/".join(quote(part, safe="") for part in parts)


def resource_props(
    connection: PolarisConnection, inputs: Mapping[str, Any], outputs: tuple[str, ...]
) -> dict[str, Any]:
    """Engine properties for a resource: secret connection, inputs, and every output seeded with None."""
    return {CONNECTION: connection.to_input(), **inputs, **dict.fromkeys(outputs)}


def versioned_update(
    read: Callable[[], dict[str, Any]],
    write: Callable[[int], dict[str, Any]],
    up_to_date: Callable[[dict[str, Any]], bool],
    what: str,
) -> dict[str, Any]:
    """Reads the entity version, writes with it, and re-reads on a 409 version race (bounded)."""
    conflict: CommitConflict | None = None
    for _ in range(VERSION_ATTEMPTS):
        current = read()
        if up_to_date(current):
            return current
        try:
            return write(current["entityVersion"])
        except CommitConflict as error:
            conflict = error
    assert conflict is not None
    raise CommitConflict(
        conflict.operation,
        conflict.obj,
        f"{what}: the entity version kept changing in {VERSION_ATTEMPTS} attempts; last answer: {conflict.message}",
        status=conflict.status,
        error_type=conflict.error_type,
    )


class PolarisProvider(ResourceProvider, abc.ABC):
    """The engine-facing methods, written once; subclasses implement the abstract hooks below.

    ``inputs`` maps each input to its default; ``outputs`` are the computed outputs; ``replace_keys`` are the
    inputs Polaris cannot change in place; ``refreshed`` are the inputs ``read_remote`` reports (drift).
    """

    inputs: ClassVar[Mapping[str, Any]]
    outputs: ClassVar[tuple[str, ...]] = ()
    replace_keys: ClassVar[tuple[str, ...]] = ()
    refreshed: ClassVar[tuple[str, ...]] = ()
    delete_before_replace: ClassVar[bool] = False
    policy: RetryPolicy = DEFAULT_POLICY  # replaced in configure(), inside the provider process only

    def configure(self, req: ConfigureRequest) -> None:
        self.policy = RetryPolicy.from_config(req.config.get)

    # ---- hooks ------------------------------------------------------------------------------------------
    @abc.abstractmethod
    def validate(self, news: dict[str, Any]) -> list[CheckFailure]:
        """Resource-specific input rules (the connection is checked by ``check``)."""

    @abc.abstractmethod
    def identity(self, spec: dict[str, Any]) -> str:
        """The resource id, derived from the inputs only."""

    @abc.abstractmethod
    def create_remote(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        """Creates the object; returns computed outputs. Raises AlreadyExists on 409."""

    @abc.abstractmethod
    def read_remote(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any] | None:
        """What Polaris holds now (refreshed inputs + computed outputs); None or NotFound when it is gone."""

    @abc.abstractmethod
    def update_remote(self, api: PolarisApi, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """Brings the object to ``news`` (``olds`` also holds the stored outputs); returns outputs that changed."""

    @abc.abstractmethod
    def delete_remote(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        """Deletes the object; NotFound/GrantNotFound mean it is already gone."""

    def adopt_remote(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        """Takes over an existing object, bringing it to the declared state."""
        return self.update_remote(api, spec, spec)

    def replacements(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        return [key for key in self.replace_keys if _differs(olds.get(key), news.get(key))]

    # ---- engine methods ---------------------------------------------------------------------------------
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = validation.connection(news.get(CONNECTION))
        adopt = news.get("adopt")
        if adopt is not None and not isinstance(adopt, bool) and not validation.unknown_value(adopt):
            failures.append(CheckFailure("adopt", "must be a boolean"))
        return CheckResult(news, failures + self.validate(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old, new = self.declared(olds), self.declared(news)
        changed = [key for key in (CONNECTION, *self.inputs) if _differs(old.get(key), new.get(key))]
        replaces = self.replacements(old, new)
        return DiffResult(
            changes=bool(changed),
            replaces=replaces,
            delete_before_replace=self.delete_before_replace if replaces else None,
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        spec = self.declared(props)
        outs = self._create_or_adopt(api_for(props, self.policy), spec)
        return CreateResult(self.identity(spec), {**_without_provider(props), **outs})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        spec = self.declared(props)
        try:
            current = self.read_remote(api_for(props, self.policy), spec)
        except NotFound:
            current = None
        if current is None:
            return ReadResult("", {})
        outs = {**_without_provider(props), **current}
        inputs = {key: outs[key] for key in (CONNECTION, *self.inputs) if key in outs}
        return ReadResult(id_ or self.identity(spec), outs, inputs=inputs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        carried = {key: olds[key] for key in self.outputs if key in olds}  # e.g. a secret Polaris never shows again
        outs = self.update_remote(api_for(news, self.policy), {**self.declared(olds), **carried}, self.declared(news))
        return UpdateResult({**carried, **_without_provider(news), **outs})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        try:
            self.delete_remote(api_for(props, self.policy), self.declared(props))
        except (NotFound, GrantNotFound):
            return  # already gone: deleting is done

    # ---- shared machinery -------------------------------------------------------------------------------
    def declared(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The inputs with defaults filled in (and the connection), as the hooks see them."""
        spec = {key: default if props.get(key) is None else props[key] for key, default in self.inputs.items()}
        spec[CONNECTION] = props.get(CONNECTION)
        return spec

    def _create_or_adopt(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        """A create whose reply may have been lost is settled by reading: Polaris holding what was declared is
        our own object (taken as it is); anything else is someone else's, reported with the fields that differ."""
        try:
            return self.create_remote(api, spec)
        except AlreadyExists as error:
            if spec.get("adopt") is True:
                return self.adopt_remote(api, spec)
            current = self._current(api, spec) if error.after_retry else None
            differing = self._differing(current, spec)
            if current is not None and differing == []:
                return self.adopt_own(api, spec, current)
            raise self._conflict(error, differing) from None
        except (TransportError, ServerError):
            current = self._current(api, spec, quiet=True)
            if current is not None and self._differing(current, spec) == []:
                return self.adopt_own(api, spec, current)  # no reply at all, but an attempt landed
            raise

    def adopt_own(self, api: PolarisApi, spec: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
        """Outputs for an object our own lost create made; it already holds the declared state (``current``)."""
        return current

    def _conflict(self, error: AlreadyExists, differing: list[str] | None) -> AlreadyExists:
        held = f"; Polaris holds other values for {', '.join(differing)} than declared" if differing else ""
        hint = " set adopt=true to manage the existing one, or" if "adopt" in self.inputs else ""
        return AlreadyExists(
            error.operation,
            error.obj,
            f"already exists in Polaris ({error.message}){held};{hint} choose another name",
            status=error.status,
            error_type=error.error_type,
        )

    def _current(self, api: PolarisApi, spec: dict[str, Any], quiet: bool = False) -> dict[str, Any] | None:
        """What Polaris holds (None if gone, or, when ``quiet``, if it cannot be read: the caller keeps its failure)."""
        try:
            return self.read_remote(api, spec)
        except NotFound:
            return None
        except PolarisError:
            if not quiet:
                raise
            return None

    def _differing(self, current: dict[str, Any] | None, spec: dict[str, Any]) -> list[str] | None:
        """The refreshed fields (dotted paths) in which ``current`` differs from ``spec``; None if there is none."""
        if current is None:
            return None
        return [path for key in self.refreshed for path in differing_fields(current.get(key), spec.get(key), key)]


def differing_fields(held: Any, declared: Any, path: str) -> list[str]:
    """Dotted paths at which two JSON values differ, e.g. ["properties.owner", "storageConfigInfo.region"]."""
    if isinstance(held, Mapping) and isinstance(declared, Mapping):
        return [
            found
            for key in sorted(set(held) | set(declared))
            for found in differing_fields(held.get(key), declared.get(key), f"{path}.{key}")
        ]
    return [] if held == declared else [path]


def _differs(old: Any, new: Any) -> bool:
    return validation.is_unknown(new) or old != new


def _without_provider(props: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in props.items() if key != PROVIDER_KEY}


def merge_opts(opts: pulumi.ResourceOptions | None, **extra: Any) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(**extra))


class VersionedEntityProvider(PolarisProvider):
    """Catalogs, principals and roles: entities with ``properties`` and an ``entityVersion``.

    Hooks: ``fetch`` (GET), ``make`` (POST), ``put`` (PUT with a version), ``remove`` (DELETE) and ``state``
    (entity JSON -> refreshed inputs + computed outputs).
    """

    outputs: ClassVar[tuple[str, ...]] = ("entityVersion",)
    refreshed: ClassVar[tuple[str, ...]] = ("properties",)

    @abc.abstractmethod
    def fetch(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        """GET the entity."""

    @abc.abstractmethod
    def make(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        """POST the entity; returns its JSON."""

    @abc.abstractmethod
    def put(self, api: PolarisApi, spec: dict[str, Any], version: int) -> dict[str, Any]:
        """PUT the declared state with ``currentEntityVersion``; returns the updated JSON."""

    @abc.abstractmethod
    def remove(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        """DELETE the entity."""

    def state(self, entity: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
        return {"properties": entity.get("properties") or {}, "entityVersion": entity.get("entityVersion")}

    def create_remote(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any]:
        return self.state(self.make(api, spec), spec)

    def read_remote(self, api: PolarisApi, spec: dict[str, Any]) -> dict[str, Any] | None:
        return self.state(self.fetch(api, spec), spec)

    def update_remote(self, api: PolarisApi, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        current = versioned_update(
            lambda: self.fetch(api, news),
            lambda version: self.put(api, news, version),
            lambda entity: self._holds(entity, news),
            f"update of {self.identity(news)}",
        )
        return self.state(current, news)

    def delete_remote(self, api: PolarisApi, spec: dict[str, Any]) -> None:
        self.remove(api, spec)

    def _holds(self, entity: dict[str, Any], spec: dict[str, Any]) -> bool:
        state = self.state(entity, spec)
        return all(state.get(key) == spec.get(key) for key in self.refreshed)
