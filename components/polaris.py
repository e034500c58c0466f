"""Inside Polaris: catalogs, one principal per organisation, roles and least-privilege grants.

The chain Polaris enforces is principal → principal role → catalog role → grant. Per organisation this
component declares a principal and a principal role of the same name; per access entry, a catalog role in
that catalog holding exactly the privileges of the access level (``components.access_levels``), granted on
the whole catalog or on each listed namespace. An organisation never gets CATALOG_MANAGE_ACCESS or a
service-admin role, and its token scope is its own principal role, never ``PRINCIPAL_ROLE:ALL``.

Dependencies follow Polaris' delete order: grants depend on their catalog role and namespace, which depend
on the catalog, so `pulumi destroy` removes grants, then roles and namespaces, then the catalog.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pulumi

from components.access_levels import PRIVILEGES
from configuration.schema import AccessConfig, CatalogConfig, OrganisationConfig
from polaris_provider import (
    Catalog,
    CatalogArgs,
    CatalogRole,
    CatalogRoleArgs,
    CatalogRoleAssignment,
    CatalogRoleAssignmentArgs,
    Grant,
    GrantArgs,
    Namespace,
    NamespaceArgs,
    PolarisConnection,
    Principal,
    PrincipalArgs,
    PrincipalRole,
    PrincipalRoleArgs,
    PrincipalRoleAssignment,
    PrincipalRoleAssignmentArgs,
)


@dataclass(frozen=True)
class PolarisAccessArgs:
    connection: PolarisConnection
    catalogs: tuple[CatalogConfig, ...]
    organisations: tuple[OrganisationConfig, ...]
    storage: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    """Per data owner, Polaris' StorageConfigInfo without allowedLocations (values may be Outputs; a secret
    external id stays secret inside it)."""


@dataclass(frozen=True)
class OrganisationAccess:
    """What an organisation's clients need: its principal's credentials and its own role scope."""

    name: str
    principal: Principal
    scope: str
    catalogs: tuple[str, ...]


def catalog_role_name(organisation: str, access: AccessConfig) -> str:
    """Stable per (organisation, level, namespaces): reordering the config does not replace roles."""
    base = f"{organisation}_{access.level.value}"
    if not access.namespaces:
        return base
    digest = hashlib.sha256("\x1f".join(sorted(access.namespaces)).encode()).hexdigest()[:8]
    return f"{base}_ns_{digest}"


def namespace_levels(namespace: str) -> list[str]:
    return namespace.split(".")


class PolarisAccess(pulumi.ComponentResource):
    """Catalogs, principals, roles and grants for every configured catalog and organisation."""

    organisations: dict[str, OrganisationAccess]

    def __init__(self, name: str, args: PolarisAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:polaris:PolarisAccess", name, None, opts)
        self._name = name
        self._connection = args.connection
        self._catalogs = {c.name: self._catalog(c, args.storage[c.data_owner]) for c in args.catalogs}
        self._namespaces: dict[tuple[str, str], Namespace] = {}
        self.organisations = {org.name: self._organisation(org) for org in args.organisations}
        self.register_outputs(
            {"catalogs": [c.name for c in args.catalogs], "organisations": sorted(self.organisations)}
        )

    def _child(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))

    def _catalog(self, catalog: CatalogConfig, storage: Mapping[str, Any]) -> Catalog:
        storage_config = {**storage, "allowedLocations": list(catalog.locations)}
        return Catalog(
            f"{self._name}-catalog-{catalog.name}",
            CatalogArgs(
                name=catalog.name,
                properties={"default-base-location": catalog.default_base_location},
                storage_config_info=storage_config,
            ),
            self._connection,
            opts=self._child(),
        )

    def _organisation(self, org: OrganisationConfig) -> OrganisationAccess:
        prefix = f"{self._name}-org-{org.name}"
        principal = Principal(
            f"{prefix}-principal",
            PrincipalArgs(name=org.name, rotation=org.credential_rotation),
            self._connection,
            opts=self._child(),
        )
        role = PrincipalRole(f"{prefix}-role", PrincipalRoleArgs(name=org.name), self._connection, opts=self._child())
        PrincipalRoleAssignment(
            f"{prefix}-role-assignment",
            PrincipalRoleAssignmentArgs(principal_name=principal.name, principal_role_name=role.name),
            self._connection,
            opts=self._child(principal, role),
        )
        for access in org.access:
            self._access(prefix, org.name, role, access)
        return OrganisationAccess(
            org.name, principal, f"PRINCIPAL_ROLE:{org.name}", tuple(dict.fromkeys(a.catalog for a in org.access))
        )

    def _access(self, prefix: str, organisation: str, principal_role: PrincipalRole, access: AccessConfig) -> None:
        catalog = self._catalogs[access.catalog]
        role_name = catalog_role_name(organisation, access)
        resource_prefix = f"{prefix}-{access.catalog}-{role_name}"
        catalog_role = CatalogRole(
            f"{resource_prefix}-catalog-role",
            CatalogRoleArgs(catalog_name=catalog.name, name=role_name),
            self._connection,
            opts=self._child(catalog),
        )
        CatalogRoleAssignment(
            f"{resource_prefix}-assignment",
            CatalogRoleAssignmentArgs(
                principal_role_name=principal_role.name, catalog_name=catalog.name, catalog_role_name=catalog_role.name
            ),
            self._connection,
            opts=self._child(principal_role, catalog_role),
        )
        targets = (
            [(None, {"type": "catalog"})]
            if not access.namespaces
            else [(ns, {"type": "namespace", "namespace": namespace_levels(ns)}) for ns in access.namespaces]
        )
        for namespace, target in targets:
            depends = [catalog_role] + ([self._namespace(access.catalog, namespace)] if namespace else [])
            for privilege in PRIVILEGES[access.level]:
                suffix = f"{namespace}-{privilege}" if namespace else privilege
                Grant(
                    f"{resource_prefix}-grant-{suffix.lower()}",
                    GrantArgs(
                        catalog_name=catalog.name,
                        catalog_role_name=catalog_role.name,
                        grant={**target, "privilege": privilege},
                    ),
                    self._connection,
                    opts=self._child(*depends),
                )

    def _namespace(self, catalog_name: str, namespace: str) -> Namespace:
        """Each namespace level once per catalog; a level depends on its parent (Polaris requires it)."""
        levels = namespace_levels(namespace)
        parent: Namespace | None = None
        for depth in range(1, len(levels) + 1):
            key = (catalog_name, ".".join(levels[:depth]))
            if key not in self._namespaces:
                catalog = self._catalogs[catalog_name]
                self._namespaces[key] = Namespace(
                    f"{self._name}-namespace-{catalog_name}-{key[1]}",
                    NamespaceArgs(catalog_name=catalog.name, namespace=levels[:depth]),
                    self._connection,
                    opts=self._child(catalog, *([parent] if parent else [])),
                )
            parent = self._namespaces[key]
        if parent is None:
            raise ValueError(f"namespace {namespace!r} of catalog {catalog_name!r} has no level")
        return parent
