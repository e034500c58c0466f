"""Catalog-API authorization: does a caller hold a privilege on a catalog or namespace through its grants?

The chain is principal -> principal roles (activated by the token) -> catalog roles -> grants. A catalog
grant covers everything in the catalog; a namespace grant covers that namespace and those below it.
Issue 8 adds the table privileges (TABLE_READ_DATA, ...) to IMPLIED_BY.
"""

from __future__ import annotations

from tests.fakes.polaris.auth import Caller
from tests.fakes.polaris.errors import Forbidden
from tests.fakes.polaris.store import PolarisStore

_NAMESPACE_SUPERS = frozenset({"NAMESPACE_FULL_METADATA", "CATALOG_MANAGE_METADATA", "CATALOG_MANAGE_CONTENT"})
IMPLIED_BY: dict[str, frozenset[str]] = dict.fromkeys(
    ("NAMESPACE_CREATE", "NAMESPACE_DROP", "NAMESPACE_LIST", "NAMESPACE_READ_PROPERTIES", "NAMESPACE_WRITE_PROPERTIES"),
    _NAMESPACE_SUPERS,
)


def held_privileges(store: PolarisStore, caller: Caller, catalog: str, namespace: tuple[str, ...]) -> set[str]:
    held = set()
    for principal_role, cat, role in store.catalog_role_assignments:
        if cat != catalog or principal_role not in caller.roles:
            continue
        for grant in store.grants[(cat, role)]:
            scope = tuple(grant.get("namespace", ()))
            if grant["type"] == "catalog" or (grant["type"] == "namespace" and namespace[: len(scope)] == scope):
                held.add(grant["privilege"])
    return held


def require(store: PolarisStore, caller: Caller, catalog: str, namespace: tuple[str, ...], privilege: str) -> None:
    held = held_privileges(store, caller, catalog, namespace)
    if privilege not in held and not held & IMPLIED_BY.get(privilege, frozenset()):
        raise Forbidden(
            f"Principal '{caller.principal}' with activated PrincipalRoles '{sorted(caller.roles)}' is not "
            f"authorized for op {privilege} on {catalog}.{'.'.join(namespace)}"
        )
