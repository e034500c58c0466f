"""The realm's entities and their relations, with Polaris 1.7.0's rules; no HTTP here.

Handlers call these methods; tests may call them too, to read state or to change it "out of band" (drift).
Every method raises a `PolarisError` subclass on a rule violation. Hold `store.lock` when mutating from a
test while requests are in flight.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from tests.fakes.polaris import storage
from tests.fakes.polaris.errors import (
    AlreadyExists,
    BadRequest,
    CommitConflict,
    ConstraintViolation,
    GrantNotFound,
    IllegalArgument,
    NotFound,
)
from tests.fakes.polaris.features import Features

ROOT, SERVICE_ADMIN, CATALOG_ADMIN = "root", "service_admin", "catalog_admin"
CATALOG_ADMIN_PRIVILEGES = ("CATALOG_MANAGE_ACCESS", "CATALOG_MANAGE_METADATA")
RESERVED_PREFIX = "polaris."
CATALOG_CONFIGS = frozenset(
    {
        "polaris.config.add-trailing-slash-to-location",
        "polaris.config.allow-dropping-non-empty-passthrough-facade-catalog",
        "polaris.config.allow-federated-catalogs-credential-vending",
        "polaris.config.allow.client-specified.table.location",
        "polaris.config.allow.external.metadata.file.location",
        "polaris.config.allow.external.table.location",
        "polaris.config.allow.overlapping.table.location",
        "polaris.config.allow.unstructured.table.location",
        "polaris.config.cleanup.on.catalog.drop",
        "polaris.config.cleanup.on.namespace.drop",
        "polaris.config.default-table-location-object-storage-prefix.enabled",
        "polaris.config.default-unique-table-location.enabled",
        "polaris.config.drop-with-purge.enabled",
        "polaris.config.enable-fine-grained-update-table-privileges",
        "polaris.config.enable-sub-catalog-rbac-for-federated-catalogs",
        "polaris.config.enable.credential.vending",
        "polaris.config.iceberg-commit-max-retries",
        "polaris.config.list-pagination-enabled",
        "polaris.config.namespace-custom-location.enabled",
        "polaris.config.purge-view-metadata-on-drop",
        "polaris.config.rollback.compaction.on-conflicts.enabled",
        "polaris.config.supported.storage.types",
    }
)
"""ReservedProperties.allowlist() = PolarisConfiguration.getAllCatalogConfigs(): every `catalogConfig(...)` key of
FeatureConfiguration and BehaviorChangeConfiguration at tag apache-polaris-1.7.0 (exact keys, not a prefix)."""
MAX_NAME = 256
GRANT_ORDER = ("catalog", "namespace", "table", "view", "policy")
TARGET_FIELD = {"table": "tableName", "view": "viewName", "policy": "policyName"}

Namespace = tuple[str, ...]


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Entity:
    """Fields common to every Polaris entity; the version starts at 1 and grows on each update."""

    name: str
    properties: dict[str, str] = field(default_factory=dict)
    create_timestamp: int = field(default_factory=now_ms)
    last_update_timestamp: int = 0
    entity_version: int = 1

    def __post_init__(self) -> None:
        self.last_update_timestamp = self.last_update_timestamp or self.create_timestamp

    def touch(self) -> None:
        self.entity_version += 1
        self.last_update_timestamp = now_ms()

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "properties": dict(self.properties),
            "createTimestamp": self.create_timestamp,
            "lastUpdateTimestamp": self.last_update_timestamp,
            "entityVersion": self.entity_version,
        }


@dataclass
class Catalog(Entity):
    catalog_type: str = "INTERNAL"
    storage: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {**super().to_json(), "type": self.catalog_type, "storageConfigInfo": dict(self.storage)}


@dataclass
class Principal(Entity):
    client_id: str = ""
    main_secret: str = ""
    secondary_secret: str | None = None

    def to_json(self) -> dict:
        return {**super().to_json(), "clientId": self.client_id}

    def credentials(self) -> dict:
        credentials = {"clientId": self.client_id, "clientSecret": self.main_secret}
        return {"principal": self.to_json(), "credentials": credentials}

    def matches(self, secret: str) -> bool:
        return secrets.compare_digest(secret, self.main_secret) or (
            self.secondary_secret is not None and secrets.compare_digest(secret, self.secondary_secret)
        )


@dataclass
class PrincipalRole(Entity):
    federated: bool = False

    def to_json(self) -> dict:
        return {**super().to_json(), "federated": self.federated}


@dataclass
class CatalogRole(Entity):
    pass


def check_properties(properties: dict[str, str]) -> None:
    """Keys under `polaris.` are reserved except the catalog config keys (ReservedProperties, for every entity)."""
    for key in properties:
        if key.startswith(RESERVED_PREFIX) and key not in CATALOG_CONFIGS:
            raise IllegalArgument(f"Property '{key}' matches reserved prefix '{RESERVED_PREFIX}'")


def check_name(name: str) -> None:
    """@Size(max=256) counts UTF-16 code units (Java's String.length()); the spec check counts code points, so a
    name of 256 characters holding one outside the BMP passes it and is refused here, as Polaris does."""
    if len(name.encode("utf-16-le")) // 2 > MAX_NAME:
        raise ConstraintViolation(f"name: size must be between 1 and {MAX_NAME}")


def _check_version(kind: str, entity: Entity, current: int | None) -> None:
    if current != entity.entity_version:
        raise CommitConflict(
            f"Failed to update {kind}; currentEntityVersion '{current}', expected '{entity.entity_version}'"
        )


def _merged_properties(old: dict[str, str], new: dict[str, str] | None) -> dict[str, str]:
    """Full replacement, except that an absent or empty default-base-location keeps the old one."""
    if new is None:
        return dict(old)
    merged = dict(new)
    if not merged.get(storage.BASE_LOCATION) and storage.BASE_LOCATION in old:
        merged[storage.BASE_LOCATION] = old[storage.BASE_LOCATION]
    return merged


class PolarisStore:
    """One realm: bootstrapped with principal `root` holding principal role `service_admin`."""

    def __init__(self, root_client_id: str, root_client_secret: str, features: Features | None = None):
        self.lock = threading.RLock()
        self.features = features or Features()
        self.catalogs: dict[str, Catalog] = {}
        self.principals: dict[str, Principal] = {}
        self.principal_roles: dict[str, PrincipalRole] = {}
        self.catalog_roles: dict[tuple[str, str], CatalogRole] = {}
        self.principal_role_assignments: set[tuple[str, str]] = set()  # (principal, principal role)
        self.catalog_role_assignments: set[tuple[str, str, str]] = set()  # (principal role, catalog, role)
        self.grants: dict[tuple[str, str], list[dict]] = {}  # (catalog, catalog role) -> grants, in order
        self.namespaces: dict[str, dict[Namespace, dict[str, str]]] = {}  # catalog -> namespace -> properties
        self.tables: dict[str, dict[Namespace, dict[str, dict]]] = {}  # catalog -> namespace -> name -> metadata
        self.principals[ROOT] = Principal(ROOT, client_id=root_client_id, main_secret=root_client_secret)
        self.principal_roles[SERVICE_ADMIN] = PrincipalRole(SERVICE_ADMIN)
        self.principal_role_assignments.add((ROOT, SERVICE_ADMIN))

    # ---- lookups ----------------------------------------------------------------------------------------
    def catalog(self, name: str) -> Catalog:
        return self._get(self.catalogs, name, f"Catalog {name}")

    def principal(self, name: str) -> Principal:
        return self._get(self.principals, name, f"Principal {name}")

    def principal_role(self, name: str) -> PrincipalRole:
        return self._get(self.principal_roles, name, f"PrincipalRole {name}")

    def catalog_role(self, catalog: str, name: str) -> CatalogRole:
        self.catalog(catalog)
        return self._get(self.catalog_roles, (catalog, name), f"CatalogRole {catalog}.{name}")

    def principal_by_client_id(self, client_id: str) -> Principal | None:
        return next((p for p in self.principals.values() if p.client_id == client_id), None)

    @staticmethod
    def _get(table: dict, key, label: str):
        try:
            return table[key]
        except KeyError:
            raise NotFound(f"{label} not found") from None

    # ---- catalogs -------------------------------------------------------------------------------------
    def create_catalog(self, body: dict) -> Catalog:
        name = body["name"]
        check_name(name)
        if name in self.catalogs:
            raise AlreadyExists(f"Cannot create Catalog {name}. Catalog already exists or resolution failed")
        if body.get("connectionConfigInfo") is not None:
            raise BadRequest("External catalog federation is not enabled (ENABLE_CATALOG_FEDERATION=false)")
        properties = dict(body["properties"])
        check_properties(properties)
        storage.validate(body["storageConfigInfo"], properties, self.features)
        stored = storage.normalise(body["storageConfigInfo"], properties)
        storage.check_overlap(name, storage.locations(stored, properties), self._locations_except(name), self.features)
        catalog = Catalog(name, properties, catalog_type=body.get("type", "INTERNAL"), storage=stored)
        self.catalogs[name] = catalog
        self.namespaces[name], self.tables[name] = {}, {}
        self.catalog_roles[(name, CATALOG_ADMIN)] = CatalogRole(CATALOG_ADMIN)
        self.grants[(name, CATALOG_ADMIN)] = [{"type": "catalog", "privilege": p} for p in CATALOG_ADMIN_PRIVILEGES]
        self.catalog_role_assignments.add((SERVICE_ADMIN, name, CATALOG_ADMIN))
        return catalog

    def update_catalog(
        self, name: str, version: int | None, properties: dict | None, new_storage: dict | None
    ) -> Catalog:
        catalog = self.catalog(name)
        _check_version(f"Catalog '{name}'", catalog, version)
        merged = _merged_properties(catalog.properties, properties)
        check_properties(merged)
        candidate = catalog.storage if new_storage is None else new_storage
        if new_storage is not None:
            storage.validate_change(catalog.storage, new_storage, self.features)
        storage.validate(candidate, merged, self.features)
        stored = storage.normalise(candidate, merged)
        storage.check_overlap(name, storage.locations(stored, merged), self._locations_except(name), self.features)
        catalog.properties, catalog.storage = merged, stored
        catalog.touch()
        return catalog

    def delete_catalog(self, name: str) -> None:
        self.catalog(name)
        user_roles = [role for (cat, role) in self.catalog_roles if cat == name and role != CATALOG_ADMIN]
        if self.namespaces[name] or user_roles:
            raise BadRequest(f"Catalog {name} cannot be dropped, it is not empty")
        self.remove("catalog", name)

    def _locations_except(self, name: str) -> dict[str, list[str]]:
        return {
            other: storage.locations(c.storage, c.properties) for other, c in self.catalogs.items() if other != name
        }

    # ---- principals and roles -------------------------------------------------------------------------
    def create_principal(self, body: dict) -> Principal:
        name = body["name"]
        check_name(name)
        if name in self.principals:
            raise AlreadyExists(f"Cannot create Principal {name}. Principal already exists or resolution failed")
        check_properties(body.get("properties") or {})
        principal = Principal(
            name, dict(body.get("properties") or {}), client_id=secrets.token_hex(8), main_secret=secrets.token_hex(16)
        )
        self.principals[name] = principal
        return principal

    def rotate_credentials(self, name: str) -> Principal:
        """The old main secret becomes the secondary one and keeps working until the next rotate."""
        principal = self.principal(name)
        principal.secondary_secret, principal.main_secret = principal.main_secret, secrets.token_hex(16)
        return principal

    def reset_credentials(self, name: str, client_id: str | None, client_secret: str | None) -> Principal:
        """Replaces both secrets at once; a caller-chosen clientId must not belong to another principal."""
        principal = self.principal(name)
        holder = self.principal_by_client_id(client_id) if client_id else None
        if holder is not None and holder.name != name:
            raise AlreadyExists(f"Client ID {client_id} is already used by another principal")
        principal.client_id = client_id or principal.client_id
        principal.main_secret, principal.secondary_secret = client_secret or secrets.token_hex(16), None
        return principal

    def create_principal_role(self, body: dict) -> PrincipalRole:
        name = body["name"]
        check_name(name)
        if name in self.principal_roles:
            raise AlreadyExists(f"Cannot create PrincipalRole {name}. PrincipalRole already exists")
        check_properties(body.get("properties") or {})
        role = PrincipalRole(name, dict(body.get("properties") or {}), federated=bool(body.get("federated", False)))
        self.principal_roles[name] = role
        return role

    def create_catalog_role(self, catalog: str, body: dict) -> CatalogRole:
        self.catalog(catalog)
        name = body["name"]
        check_name(name)
        if (catalog, name) in self.catalog_roles:
            raise AlreadyExists(f"Cannot create CatalogRole {name} in {catalog}. CatalogRole already exists")
        check_properties(body.get("properties") or {})
        role = CatalogRole(name, dict(body.get("properties") or {}))
        self.catalog_roles[(catalog, name)] = role
        self.grants[(catalog, name)] = []
        return role

    def update_properties(self, entity: Entity, kind: str, version: int | None, properties: dict) -> Entity:
        """Principals and roles: a version check and a full replacement of `properties`."""
        _check_version(f"{kind} '{entity.name}'", entity, version)
        check_properties(properties)
        entity.properties = dict(properties)
        entity.touch()
        return entity

    def delete_principal(self, name: str) -> None:
        self.principal(name)
        if name == ROOT:
            raise BadRequest("Cannot drop the root principal; it cannot be dropped")
        self.remove("principal", name)

    def delete_principal_role(self, name: str) -> None:
        self.principal_role(name)
        if name == SERVICE_ADMIN:
            raise BadRequest("Cannot drop the service_admin principal role; it cannot be dropped")
        self.remove("principal_role", name)

    def delete_catalog_role(self, catalog: str, name: str) -> None:
        self.catalog_role(catalog, name)
        if name == CATALOG_ADMIN:
            raise BadRequest("Cannot drop the catalog_admin catalog role; it cannot be dropped")
        self.remove("catalog_role", catalog, name)

    # ---- assignments ----------------------------------------------------------------------------------
    def assign_principal_role(self, principal: str, role: str) -> None:
        self.principal(principal), self.principal_role(role)
        self.principal_role_assignments.add((principal, role))

    def revoke_principal_role(self, principal: str, role: str) -> None:
        self.principal(principal), self.principal_role(role)
        self._discard(self.principal_role_assignments, (principal, role))

    def assign_catalog_role(self, principal_role: str, catalog: str, role: str) -> None:
        self.principal_role(principal_role), self.catalog_role(catalog, role)
        self.catalog_role_assignments.add((principal_role, catalog, role))

    def revoke_catalog_role(self, principal_role: str, catalog: str, role: str) -> None:
        self.principal_role(principal_role), self.catalog_role(catalog, role)
        self._discard(self.catalog_role_assignments, (principal_role, catalog, role))

    def roles_of_principal(self, principal: str) -> list[PrincipalRole]:
        self.principal(principal)
        return [self.principal_roles[r] for (p, r) in sorted(self.principal_role_assignments) if p == principal]

    def principals_of_role(self, role: str) -> list[Principal]:
        self.principal_role(role)
        return [self.principals[p] for (p, r) in sorted(self.principal_role_assignments) if r == role]

    def catalog_roles_of(self, principal_role: str, catalog: str) -> list[CatalogRole]:
        self.principal_role(principal_role), self.catalog(catalog)
        return [
            self.catalog_roles[(c, r)]
            for (pr, c, r) in sorted(self.catalog_role_assignments)
            if pr == principal_role and c == catalog
        ]

    def principal_roles_of(self, catalog: str, role: str) -> list[PrincipalRole]:
        self.catalog_role(catalog, role)
        assignments = sorted(self.catalog_role_assignments)
        return [self.principal_roles[pr] for (pr, c, r) in assignments if (c, r) == (catalog, role)]

    # ---- grants ---------------------------------------------------------------------------------------
    def add_grant(self, catalog: str, role: str, grant: dict) -> None:
        """Repeating a grant is a no-op (1.6.0+); its target must exist (404)."""
        self.catalog_role(catalog, role)
        self._check_target(catalog, grant)
        grants = self.grants[(catalog, role)]
        if grant not in grants:
            grants.append(dict(grant))

    def revoke_grant(self, catalog: str, role: str, grant: dict) -> None:
        self.catalog_role(catalog, role)
        self._check_target(catalog, grant)
        grants = self.grants[(catalog, role)]
        if grant not in grants:
            raise GrantNotFound(f"Grant {grant} not found on catalog role {catalog}.{role}")
        grants.remove(grant)

    def list_grants(self, catalog: str, role: str) -> list[dict]:
        """Grouped catalog -> namespace -> table -> view -> policy, in insertion order within a group."""
        self.catalog_role(catalog, role)
        return sorted(self.grants[(catalog, role)], key=lambda g: GRANT_ORDER.index(g["type"]))

    def _check_target(self, catalog: str, grant: dict) -> None:
        if grant["type"] == "catalog":
            return
        namespace = tuple(grant["namespace"])
        if grant["type"] in TARGET_FIELD and not namespace:
            raise BadRequest(f"A {grant['type']} grant needs a non-empty namespace")
        self.namespace(catalog, namespace)
        if grant["type"] == "table":
            self.table(catalog, namespace, grant["tableName"])
        elif grant["type"] in TARGET_FIELD:
            raise NotFound(f"{grant['type'].capitalize()} {grant[TARGET_FIELD[grant['type']]]} not found")

    # ---- namespaces and tables ------------------------------------------------------------------------
    def namespace(self, catalog: str, namespace: Namespace) -> dict[str, str]:
        try:
            return self.namespaces[self.catalog(catalog).name][namespace]
        except KeyError:
            message = f"Namespace does not exist: {'.'.join(namespace)}"
            raise NotFound(message, error_type="NoSuchNamespaceException") from None

    def create_namespace(self, catalog: str, namespace: Namespace, properties: dict[str, str]) -> dict[str, str]:
        if not namespace:
            raise BadRequest("Namespace must not be empty")
        self.catalog(catalog)
        if namespace in self.namespaces[catalog]:
            raise AlreadyExists(f"Namespace already exists: {'.'.join(namespace)}")
        if len(namespace) > 1:
            self.namespace(catalog, namespace[:-1])
        check_properties(properties)
        self.namespaces[catalog][namespace] = dict(properties)
        return self.namespaces[catalog][namespace]

    def child_namespaces(self, catalog: str, parent: Namespace) -> list[Namespace]:
        if parent:
            self.namespace(catalog, parent)
        else:
            self.catalog(catalog)
        depth = len(parent) + 1
        return sorted(ns for ns in self.namespaces[catalog] if len(ns) == depth and ns[: depth - 1] == parent)

    def drop_namespace(self, catalog: str, namespace: Namespace) -> None:
        self.namespace(catalog, namespace)
        if self.child_namespaces(catalog, namespace) or self.tables[catalog].get(namespace):
            raise AlreadyExists(
                f"Namespace {'.'.join(namespace)} is not empty", error_type="NamespaceNotEmptyException"
            )
        self.remove("namespace", catalog, namespace)

    def table(self, catalog: str, namespace: Namespace, name: str) -> dict:
        try:
            return self.tables[catalog][namespace][name]
        except KeyError:
            message = f"Table does not exist: {'.'.join(namespace)}.{name}"
            raise NotFound(message, error_type="NoSuchTableException") from None

    def add_table(self, catalog: str, namespace: Namespace, name: str, metadata: dict) -> dict:
        self.namespace(catalog, namespace)
        tables = self.tables[catalog].setdefault(namespace, {})
        if name in tables:
            raise AlreadyExists(f"Table already exists: {'.'.join(namespace)}.{name}")
        tables[name] = metadata
        return metadata

    # ---- out-of-band changes (no preconditions) -------------------------------------------------------
    def remove(self, kind: str, *key) -> None:
        """Deletes an entity as a concurrent admin would, skipping preconditions but dropping its relations."""
        getattr(self, f"_remove_{kind}")(*key)

    def _remove_catalog(self, name: str) -> None:
        del self.catalogs[name]
        del self.namespaces[name], self.tables[name]
        for catalog, role in [k for k in self.catalog_roles if k[0] == name]:
            self._remove_catalog_role(catalog, role)

    def _remove_principal(self, name: str) -> None:
        del self.principals[name]
        self.principal_role_assignments = {a for a in self.principal_role_assignments if a[0] != name}

    def _remove_principal_role(self, name: str) -> None:
        del self.principal_roles[name]
        self.principal_role_assignments = {a for a in self.principal_role_assignments if a[1] != name}
        self.catalog_role_assignments = {a for a in self.catalog_role_assignments if a[0] != name}

    def _remove_catalog_role(self, catalog: str, name: str) -> None:
        del self.catalog_roles[(catalog, name)], self.grants[(catalog, name)]
        self.catalog_role_assignments = {a for a in self.catalog_role_assignments if a[1:] != (catalog, name)}

    def _remove_namespace(self, catalog: str, namespace: Namespace) -> None:
        del self.namespaces[catalog][namespace]
        for key, grants in self.grants.items():
            if key[0] == catalog:
                grants[:] = [g for g in grants if tuple(g.get("namespace", ())) != namespace]

    @staticmethod
    def _discard(relation: set, item: tuple) -> None:
        if item not in relation:
            raise GrantNotFound(f"Assignment {item} not found")
        relation.discard(item)
