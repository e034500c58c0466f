"""Rules on what the Polaris dynamic provider declares: grants within the write level, no admin roles for
organisations, and client configurations scoped to the organisation's own principal role.

The resources' secret ``connection`` property is never read here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity, StackValidationArgs

from policies.common import (
    POLARIS_CATALOG_ROLE_ASSIGNMENT,
    POLARIS_GRANT,
    POLARIS_PRINCIPAL_ROLE_ASSIGNMENT,
    STACK,
    Messages,
    get,
    of_type,
    resource_policy,
    stack_policy,
)
from rules.polaris import MANAGEMENT_PRIVILEGES, WRITE_PRIVILEGES

ADMIN_ROLES = {  # type -> (role property, built-in admin role, the one holder allowed)
    POLARIS_PRINCIPAL_ROLE_ASSIGNMENT: ("principalRoleName", "service_admin", ("principalName", "root")),
    POLARIS_CATALOG_ROLE_ASSIGNMENT: ("catalogRoleName", "catalog_admin", None),
}
ALL_ROLES_SCOPE = "PRINCIPAL_ROLE:ALL"
CLIENT_CONFIGURATIONS = "clientConfigurations"


def _grant_problems(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Messages:
    privilege = get(args.props, "grant", "privilege", default="")
    role = f"{get(args.props, 'catalogName')}/{get(args.props, 'catalogRoleName')}"
    if privilege in MANAGEMENT_PRIVILEGES:
        yield f"grants {privilege} to {role}: it lets the holder manage the catalog"
    elif privilege not in WRITE_PRIVILEGES:
        yield f"grants {privilege} to {role}, beyond the write access level"


def _admin_role_problems(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Messages:
    role_key, admin, allowed = ADMIN_ROLES[args.resource_type]
    if get(args.props, role_key) != admin:
        return
    if allowed is None or get(args.props, allowed[0]) != allowed[1]:
        yield f"assigns the built-in {admin} role"


def _scopes(value: Any, path: str) -> list[tuple[str, Any]]:
    """Every `scope` (or `*.scope`) entry inside a client configuration, with where it is."""
    if isinstance(value, Mapping):
        found = []
        for key in value:
            where = f"{path}.{key}"
            if key == "scope" or str(key).endswith(".scope"):
                found.append((where, value[key]))
            else:
                found.extend(_scopes(value[key], where))
        return found
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [s for i, item in enumerate(value) for s in _scopes(item, f"{path}[{i}]")]
    return []


def _configuration(value: Any) -> Mapping[str, Any] | None:
    if isinstance(value, Mapping):
        return value
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return None
    return parsed if isinstance(parsed, Mapping) else None


def check_client_configs(outputs: Mapping[str, Any]) -> list[str]:
    """Problems with the exported client configurations (the stack output `clientConfigurations`): a scope of
    PRINCIPAL_ROLE:ALL, or a configuration that cannot be inspected (e.g. a masked secret)."""
    problems = []
    for org, value in (get(outputs, CLIENT_CONFIGURATIONS, default={})).items():
        configuration = _configuration(value)
        if configuration is None:
            problems.append(f"client configuration of {org} cannot be inspected ({value!r})")
            continue
        problems += [
            f"client configuration of {org}: {where} is {scope}"
            for where, scope in _scopes(configuration, org)
            if ALL_ROLES_SCOPE in str(scope)
        ]
    return problems


def _client_scope_problems(args: StackValidationArgs, _config: Mapping[str, Any]):
    for stack in of_type(args.resources, STACK):
        for problem in check_client_configs(stack.props):
            yield problem, stack.urn


grant_within_write_level = resource_policy(
    "polaris-grant-within-write-level",
    types=[POLARIS_GRANT],
    description="Keeps organisations from managing catalogs or reaching beyond read/write data access: a grant "
    "may only carry a privilege of the write level (never CATALOG_MANAGE_ACCESS or "
    "CATALOG_MANAGE_CONTENT). Fix: grant the level's privileges from the access mapping only.",
    remediation="Remove the grant; declare the organisation's access as read or write in the stack config.",
    severity=Severity.CRITICAL,
    check=_grant_problems,
)

no_admin_roles = resource_policy(
    "polaris-no-admin-roles",
    types=list(ADMIN_ROLES),
    description="Keeps Polaris administration with the platform: no organisation is assigned service_admin "
    "(only root holds it) or a catalog's catalog_admin role. Fix: assign the organisation's own "
    "principal and catalog roles instead.",
    remediation="Delete the assignment; organisations get <org> principal roles and <org>_<level> catalog roles.",
    severity=Severity.CRITICAL,
    check=_admin_role_problems,
)

client_scope = stack_policy(
    "polaris-client-scope",
    description="Keeps each organisation's token limited to its own principal role: exported client "
    "configurations never ask for PRINCIPAL_ROLE:ALL. Fix: set the scope to "
    "PRINCIPAL_ROLE:<organisation>.",
    remediation="Build client configurations with scope PRINCIPAL_ROLE:<org> (components/client_config.py).",
    severity=Severity.HIGH,
    check=_client_scope_problems,
)

POLICIES = [grant_within_write_level, no_admin_roles, client_scope]
