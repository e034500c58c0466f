"""Privilege enums of Polaris 1.7.0 per grant target type (spec components CatalogPrivilege, ...).

The provider process only has the runtime dependencies, so the enums are written out here, composed from
the groups Polaris itself uses; tests/polaris_provider/test_privileges.py proves each set equals the
official spec's enum and the ``apache_polaris`` 1.7.0 models, so a typo or an upgrade cannot slip by.
"""

from __future__ import annotations

_FINE_GRAINED_TABLE_UPDATES = (
    "TABLE_ASSIGN_UUID",
    "TABLE_UPGRADE_FORMAT_VERSION",
    "TABLE_ADD_SCHEMA",
    "TABLE_SET_CURRENT_SCHEMA",
    "TABLE_ADD_PARTITION_SPEC",
    "TABLE_ADD_SORT_ORDER",
    "TABLE_SET_DEFAULT_SORT_ORDER",
    "TABLE_ADD_SNAPSHOT",
    "TABLE_SET_SNAPSHOT_REF",
    "TABLE_REMOVE_SNAPSHOTS",
    "TABLE_REMOVE_SNAPSHOT_REF",
    "TABLE_SET_LOCATION",
    "TABLE_SET_PROPERTIES",
    "TABLE_REMOVE_PROPERTIES",
    "TABLE_SET_STATISTICS",
    "TABLE_REMOVE_STATISTICS",
    "TABLE_REMOVE_PARTITION_SPECS",
    "TABLE_MANAGE_STRUCTURE",
)
_CONTAINER = (  # what a catalog and a namespace both grant on their contents
    "CATALOG_MANAGE_ACCESS",
    "CATALOG_MANAGE_CONTENT",
    "CATALOG_MANAGE_METADATA",
    "NAMESPACE_CREATE",
    "TABLE_CREATE",
    "VIEW_CREATE",
    "NAMESPACE_DROP",
    "TABLE_DROP",
    "VIEW_DROP",
    "NAMESPACE_LIST",
    "TABLE_LIST",
    "VIEW_LIST",
    "NAMESPACE_READ_PROPERTIES",
    "TABLE_READ_PROPERTIES",
    "VIEW_READ_PROPERTIES",
    "NAMESPACE_WRITE_PROPERTIES",
    "TABLE_WRITE_PROPERTIES",
    "VIEW_WRITE_PROPERTIES",
    "TABLE_READ_DATA",
    "TABLE_WRITE_DATA",
    "NAMESPACE_FULL_METADATA",
    "TABLE_FULL_METADATA",
    "VIEW_FULL_METADATA",
    "POLICY_CREATE",
    "POLICY_WRITE",
    "POLICY_READ",
    "POLICY_DROP",
    "POLICY_LIST",
    "POLICY_FULL_METADATA",
    *_FINE_GRAINED_TABLE_UPDATES,
)

PRIVILEGES: dict[str, frozenset[str]] = {
    "catalog": frozenset(
        (
            *_CONTAINER,
            "CATALOG_READ_PROPERTIES",
            "CATALOG_WRITE_PROPERTIES",
            "CATALOG_ATTACH_POLICY",
            "CATALOG_DETACH_POLICY",
        )
    ),
    "namespace": frozenset((*_CONTAINER, "NAMESPACE_ATTACH_POLICY", "NAMESPACE_DETACH_POLICY")),
    "table": frozenset(
        (
            "CATALOG_MANAGE_ACCESS",
            "TABLE_DROP",
            "TABLE_LIST",
            "TABLE_READ_PROPERTIES",
            "TABLE_WRITE_PROPERTIES",
            "TABLE_READ_DATA",
            "TABLE_WRITE_DATA",
            "TABLE_FULL_METADATA",
            "TABLE_ATTACH_POLICY",
            "TABLE_DETACH_POLICY",
            *_FINE_GRAINED_TABLE_UPDATES,
        )
    ),
    "view": frozenset(
        (
            "CATALOG_MANAGE_ACCESS",
            "VIEW_DROP",
            "VIEW_LIST",
            "VIEW_READ_PROPERTIES",
            "VIEW_WRITE_PROPERTIES",
            "VIEW_FULL_METADATA",
        )
    ),
}
"""Grant type (GrantResource ``type``) -> the privileges Polaris accepts for it."""

TARGET_FIELDS: dict[str, tuple[str, ...]] = {
    "catalog": (),
    "namespace": ("namespace",),
    "table": ("namespace", "tableName"),
    "view": ("namespace", "viewName"),
}
"""Grant type -> the fields that name its target (besides ``type`` and ``privilege``)."""
