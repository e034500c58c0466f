"""What an access level means in Polaris privileges.

The policy pack keeps its own copy so that it runs standalone beside other packs; a test
(`tests/policies`) proves the two are equal.

Read is listing, metadata and TABLE_READ_DATA (Polaris vends read-only credentials for it); write adds
TABLE_WRITE_DATA (read/write credentials), property writes (an Iceberg commit updates table metadata) and
create/drop. Neither ever includes CATALOG_MANAGE_ACCESS, CATALOG_MANAGE_CONTENT or CATALOG_MANAGE_METADATA:
an organisation must not be able to grant itself more, or to see beyond what it was given.
"""

from __future__ import annotations

from configuration.schema import AccessLevel

READ_PRIVILEGES: tuple[str, ...] = (
    "NAMESPACE_LIST",
    "NAMESPACE_READ_PROPERTIES",
    "TABLE_LIST",
    "TABLE_READ_PROPERTIES",
    "VIEW_LIST",
    "VIEW_READ_PROPERTIES",
    "TABLE_READ_DATA",
)

WRITE_PRIVILEGES: tuple[str, ...] = (
    *READ_PRIVILEGES,
    "TABLE_WRITE_DATA",
    "TABLE_WRITE_PROPERTIES",
    "TABLE_CREATE",
    "TABLE_DROP",
    "NAMESPACE_CREATE",
    "NAMESPACE_DROP",
    "NAMESPACE_WRITE_PROPERTIES",
    "VIEW_CREATE",
    "VIEW_DROP",
    "VIEW_WRITE_PROPERTIES",
)

PRIVILEGES: dict[AccessLevel, tuple[str, ...]] = {
    AccessLevel.READ: READ_PRIVILEGES,
    AccessLevel.WRITE: WRITE_PRIVILEGES,
}

FORBIDDEN_FOR_ORGANISATIONS: frozenset[str] = frozenset(
    {"CATALOG_MANAGE_ACCESS", "CATALOG_MANAGE_CONTENT", "CATALOG_MANAGE_METADATA"}
)
"""Privileges that let a holder grant, revoke or manage the whole catalog: for the platform team only."""
