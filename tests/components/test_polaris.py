"""Inside Polaris: principals, roles and least-privilege grants exactly as each organisation's access says."""

from __future__ import annotations

from collections import defaultdict

import pytest

from components.polaris import catalog_role_name
from configuration.schema import AccessConfig, AccessLevel
from rules.polaris import MANAGEMENT_PRIVILEGES, READ_PRIVILEGES, WRITE_PRIVILEGES
from tools.plan import plan_stack

DYNAMIC = "pulumi-python:dynamic/polaris:"


@pytest.fixture(scope="module")
def dev():
    return plan_stack("dev")


def inputs_of(plan, kind):
    return [r.inputs for r in plan.of_type(DYNAMIC + kind)]


def grants_by_role(plan):
    found = defaultdict(set)
    for grant in inputs_of(plan, "Grant"):
        target = grant["grant"]
        found[(grant["catalogName"], grant["catalogRoleName"])].add(
            (target["type"], ".".join(target.get("namespace", [])), target["privilege"])
        )
    return found


def test_one_principal_and_principal_role_per_organisation(dev):
    names = {"acme_analytics", "contoso", "globex_lab", "initech_reporting"}
    assert {p["name"] for p in inputs_of(dev, "Principal")} == names
    assert {p["name"] for p in inputs_of(dev, "PrincipalRole")} == names
    assert {(a["principalName"], a["principalRoleName"]) for a in inputs_of(dev, "PrincipalRoleAssignment")} == {
        (n, n) for n in names
    }


def test_read_access_on_a_whole_catalog_grants_exactly_the_read_privileges(dev):
    grants = grants_by_role(dev)[("acme_sales", "contoso_read")]
    assert grants == {("catalog", "", p) for p in READ_PRIVILEGES}


def test_write_access_adds_write_data_and_create_drop(dev):
    grants = grants_by_role(dev)[("acme_sales", "acme_analytics_write")]
    assert grants == {("catalog", "", p) for p in WRITE_PRIVILEGES}
    assert ("catalog", "", "TABLE_WRITE_DATA") in grants


def test_namespace_access_is_granted_on_the_namespace_which_is_declared(dev):
    role = catalog_role_name(
        "contoso", AccessConfig(catalog="globex_research", level=AccessLevel.READ, namespaces=("genomics",))
    )
    grants = grants_by_role(dev)[("globex_research", role)]
    assert grants == {("namespace", "genomics", p) for p in READ_PRIVILEGES}
    assert {("globex_research", "genomics")} == {
        (n["catalogName"], ".".join(n["namespace"])) for n in inputs_of(dev, "Namespace")
    }


def test_catalog_roles_are_bound_to_their_organisation_only(dev):
    assignments = {
        (a["principalRoleName"], a["catalogName"], a["catalogRoleName"])
        for a in inputs_of(dev, "CatalogRoleAssignment")
    }
    for principal_role, _, catalog_role in assignments:
        assert catalog_role.startswith(principal_role + "_")
    assert len(assignments) == sum(1 for _ in inputs_of(dev, "CatalogRole"))


def test_no_organisation_gets_management_privileges_or_admin_roles(dev):
    privileges = {g["grant"]["privilege"] for g in inputs_of(dev, "Grant")}
    assert not privileges & MANAGEMENT_PRIVILEGES
    roles = {a["principalRoleName"] for a in inputs_of(dev, "PrincipalRoleAssignment")}
    assert "service_admin" not in roles
    assert "catalog_admin" not in {a["catalogRoleName"] for a in inputs_of(dev, "CatalogRoleAssignment")}


def test_grants_depend_on_their_role_and_namespace_for_polaris_delete_order(dev):
    by_urn = {r.urn: r for r in dev.resources}
    for grant in dev.of_type(DYNAMIC + "Grant"):
        kinds = {by_urn[d].type for d in grant.dependencies if d in by_urn}
        assert DYNAMIC + "CatalogRole" in kinds
        if grant.inputs["grant"]["type"] == "namespace":
            assert DYNAMIC + "Namespace" in kinds


def test_nested_namespaces_declare_every_level_once():
    from configuration.loader import parse_config
    from tests.configuration.test_config import shipped
    from tools.plan import run_program

    raw = shipped("dev")
    raw["organisations"] = [
        {"name": "a", "access": [{"catalog": "acme_sales", "level": "read", "namespaces": ["emea.orders"]}]},
        {"name": "b", "access": [{"catalog": "acme_sales", "level": "write", "namespaces": ["emea.orders.q1"]}]},
    ]
    config = parse_config(raw)

    def program():
        from components.polaris import PolarisAccess, PolarisAccessArgs
        from polaris_provider import PolarisConnection

        PolarisAccess(
            "access",
            PolarisAccessArgs(
                connection=PolarisConnection(endpoint="http://polaris:8181", client_id="root", client_secret="s"),
                catalogs=config.catalogs,
                organisations=config.organisations,
                storage={o.name: {"storageType": "S3"} for o in config.data_owners},
            ),
        )

    plan = run_program(program, stack="unit")
    levels = sorted(".".join(n.inputs["namespace"]) for n in plan.of_type(DYNAMIC + "Namespace"))
    assert levels == ["emea", "emea.orders", "emea.orders.q1"]


def test_catalog_role_names_are_stable_and_distinct():
    whole = AccessConfig(catalog="c", level=AccessLevel.READ)
    ns_a = AccessConfig(catalog="c", level=AccessLevel.READ, namespaces=("a", "b"))
    ns_b = AccessConfig(catalog="c", level=AccessLevel.READ, namespaces=("b", "a"))
    assert catalog_role_name("org", whole) == "org_read"
    assert catalog_role_name("org", ns_a) == catalog_role_name("org", ns_b) != catalog_role_name("org", whole)
