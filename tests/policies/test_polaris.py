import json

import pytest

from policies import polaris
from policies.common import POLARIS_CATALOG_ROLE_ASSIGNMENT, POLARIS_GRANT, POLARIS_PRINCIPAL_ROLE_ASSIGNMENT, STACK
from rules.polaris import WRITE_PRIVILEGES
from tests.policies.harness import resource, run, run_stack


def grant(privilege: str) -> dict:
    return {
        "catalogName": "sales",
        "catalogRoleName": "contoso_read",
        "connection": "[secret]",
        "grant": {"type": "catalog", "privilege": privilege},
    }


@pytest.mark.parametrize(
    "privilege, expected",
    [
        *((p, []) for p in sorted(WRITE_PRIVILEGES)),
        (
            "CATALOG_MANAGE_ACCESS",
            ["grants CATALOG_MANAGE_ACCESS to sales/contoso_read: it lets the holder manage the catalog"],
        ),
        (
            "CATALOG_MANAGE_CONTENT",
            ["grants CATALOG_MANAGE_CONTENT to sales/contoso_read: it lets the holder manage the catalog"],
        ),
        ("TABLE_FULL_METADATA", ["grants TABLE_FULL_METADATA to sales/contoso_read, beyond the write access level"]),
    ],
)
def test_grant_within_write_level(privilege, expected):
    assert run(polaris.grant_within_write_level, POLARIS_GRANT, grant(privilege)) == expected


@pytest.mark.parametrize(
    "type_, props, expected",
    [
        (POLARIS_PRINCIPAL_ROLE_ASSIGNMENT, {"principalName": "contoso", "principalRoleName": "contoso"}, []),
        (POLARIS_PRINCIPAL_ROLE_ASSIGNMENT, {"principalName": "root", "principalRoleName": "service_admin"}, []),
        (
            POLARIS_PRINCIPAL_ROLE_ASSIGNMENT,
            {"principalName": "contoso", "principalRoleName": "service_admin"},
            ["assigns the built-in service_admin role"],
        ),
        (
            POLARIS_CATALOG_ROLE_ASSIGNMENT,
            {"principalRoleName": "contoso", "catalogName": "sales", "catalogRoleName": "contoso_read"},
            [],
        ),
        (
            POLARIS_CATALOG_ROLE_ASSIGNMENT,
            {"principalRoleName": "contoso", "catalogName": "sales", "catalogRoleName": "catalog_admin"},
            ["assigns the built-in catalog_admin role"],
        ),
    ],
)
def test_no_admin_roles(type_, props, expected):
    assert run(polaris.no_admin_roles, type_, props) == expected


def client_configuration(scope: str) -> dict:
    return {
        "scope": scope,
        "spark": {"spark.sql.catalog.sales.scope": scope},
        "pyiceberg": {"catalog": {"sales": {"scope": scope}}},
    }


def test_check_client_configs():
    assert (
        polaris.check_client_configs(
            {
                "clientConfigurations": {
                    "contoso": client_configuration("PRINCIPAL_ROLE:contoso"),
                    "fabrikam": json.dumps(client_configuration("PRINCIPAL_ROLE:fabrikam")),
                }
            }
        )
        == []
    )
    assert polaris.check_client_configs(
        {"clientConfigurations": {"contoso": client_configuration("PRINCIPAL_ROLE:ALL")}}
    ) == [
        "client configuration of contoso: contoso.scope is PRINCIPAL_ROLE:ALL",
        "client configuration of contoso: contoso.spark.spark.sql.catalog.sales.scope is PRINCIPAL_ROLE:ALL",
        "client configuration of contoso: contoso.pyiceberg.catalog.sales.scope is PRINCIPAL_ROLE:ALL",
    ]
    assert polaris.check_client_configs({"clientConfigurations": {"contoso": "[secret]"}}) == [
        "client configuration of contoso cannot be inspected ('[secret]')"
    ]
    assert polaris.check_client_configs({}) == []


def test_client_scope_reads_the_stack_resource_outputs():
    stack = resource(
        STACK,
        "polaris-data-exchange-test",
        {"clientConfigurations": {"contoso": client_configuration("PRINCIPAL_ROLE:ALL")}},
    )
    found = run_stack(polaris.client_scope, [stack])
    assert found[0] == ("client configuration of contoso: contoso.scope is PRINCIPAL_ROLE:ALL", stack.urn)
    assert (
        run_stack(
            polaris.client_scope,
            [
                resource(
                    STACK, "s", {"clientConfigurations": {"contoso": client_configuration("PRINCIPAL_ROLE:contoso")}}
                )
            ],
        )
        == []
    )
