"""The real engine brings the local stack up, finds no drift, repairs out-of-band changes and tears it down.

One stack for the module, in order: each test starts from the state the previous one left (as an operator's
stack does). The Polaris is the project's spec-checked test server (see conftest.py for why not Apache's).
"""

from __future__ import annotations

import json

import pytest

from tests.real.cli import LocalStack
from tests.real.local_stack import DYNAMIC, STACK, admin_api, configure, local_config, planned_objects, state_objects

pytestmark = pytest.mark.real

ORGS = "polaris-data-exchange:organisations"
CATALOGS = "polaris-data-exchange:catalogs"


@pytest.fixture(scope="module")
def polaris():
    from tests.fakes.polaris_server import PolarisTestServer

    with PolarisTestServer(realm="POLARIS", root_client_id="root") as server:
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory, pulumi_bin, polaris) -> LocalStack:
    created = LocalStack.create(tmp_path_factory.mktemp("local-stack"), pulumi_bin, STACK)
    configure(created, polaris)
    return created


def changed_steps(stack: LocalStack) -> dict[str, set[tuple[str, str]]]:
    """The preview's steps on Polaris objects, by operation: {"create": {(type, name)}, ...}; "same" dropped."""
    steps: dict[str, set[tuple[str, str]]] = {}
    for step in stack.preview_steps():
        if step["type"].startswith(DYNAMIC) and step["op"] != "same":
            steps.setdefault(step["op"], set()).add((step["type"], step["urn"].rsplit("::", 1)[1]))
    return steps


def expect_plan_difference(stack: LocalStack, before) -> None:
    """The preview creates what the offline plan adds, deletes what it drops, and touches nothing else."""
    after = planned_objects(stack)
    expected = {k: v for k, v in {"create": set(after - before), "delete": set(before - after)}.items() if v}
    assert changed_steps(stack) == expected


def test_up_leaves_nothing_to_change(stack, polaris):
    stack.up()
    assert state_objects(stack) == planned_objects(stack)
    assert sorted(polaris.store.catalogs) == sorted(c["name"] for c in local_config()[CATALOGS])
    stack.preview(expect_no_changes=True)
    stack.refresh(expect_no_changes=True)


def test_client_configurations_carry_each_organisation_own_credentials(stack, polaris):
    configs = stack.output("clientConfigurations", secret=True)
    assert sorted(configs) == sorted(o["name"] for o in local_config()[ORGS])
    for name, config in configs.items():
        principal = polaris.store.principal(name)
        assert json.dumps(config).count(principal.client_id) >= 1
    plain = stack.run("stack", "output", "clientConfigurations", "--json", "--stack", STACK).stdout
    assert "[secret]" in plain and all(polaris.store.principal(n).client_id not in plain for n in configs)


def _change_catalog(api, change) -> None:
    """Polaris' full-replace update of acme_sales, with `change(properties, storage)` applied (one GET, one PUT)."""
    catalog = api.get_catalog("acme_sales")
    properties, storage = dict(catalog["properties"]), dict(catalog["storageConfigInfo"])
    change(properties, storage)
    api.update_catalog("acme_sales", catalog["entityVersion"], properties, storage)


OUT_OF_BAND = {
    "catalog properties": lambda api: _change_catalog(api, lambda props, _: props.update(owner="someone-else")),
    "storage locations": lambda api: _change_catalog(
        api,
        lambda _, storage: storage.update(
            allowedLocations=[*storage["allowedLocations"], "s3://acme-local-data/marketing/"]
        ),
    ),
    "revoked grant": lambda api: api.revoke_grant(
        "acme_sales", "acme_analytics_write", {"type": "catalog", "privilege": "TABLE_WRITE_DATA"}
    ),
    "deleted principal role": lambda api: api.delete_principal_role("globex_lab"),
    "unassigned catalog role": lambda api: api.revoke_catalog_role("contoso", "acme_sales", "contoso_read"),
    "dropped namespace": lambda api: api.drop_namespace("globex_research", ["genomics"]),
}


@pytest.mark.parametrize("change", list(OUT_OF_BAND))
def test_out_of_band_change_is_found_and_repaired(stack, polaris, change):
    OUT_OF_BAND[change](admin_api(polaris))
    drift = stack.preview("--refresh", expect_no_changes=True, check=False)
    assert drift.returncode != 0, f"preview --refresh did not see the {change}:\n{drift.text[-3000:]}"
    stack.up("--refresh")
    stack.preview("--refresh", expect_no_changes=True)


def test_adding_an_organisation_creates_exactly_its_objects(stack):
    before = planned_objects(stack)
    orgs = [*local_config()[ORGS], {"name": "initech_audit", "access": [{"catalog": "acme_sales", "level": "read"}]}]
    stack.edit_config(ORGS, orgs)
    expect_plan_difference(stack, before)
    stack.up()
    stack.preview(expect_no_changes=True)


def test_write_to_read_swaps_the_catalog_role(stack, polaris):
    before = planned_objects(stack)
    orgs = json.loads(json.dumps(stack_orgs(stack)))
    orgs[0]["access"][0]["level"] = "read"
    stack.edit_config(ORGS, orgs)
    expect_plan_difference(stack, before)
    stack.up()
    stack.preview(expect_no_changes=True)
    assert polaris.store.catalog_roles_of(orgs[0]["name"], "acme_sales")[0].name.endswith("_read")


def test_a_namespace_restriction_moves_grants_to_the_namespace(stack, polaris):
    before = planned_objects(stack)
    orgs = stack_orgs(stack)
    orgs[1]["access"][0]["namespaces"] = ["emea"]
    stack.edit_config(ORGS, orgs)
    expect_plan_difference(stack, before)
    stack.up()
    stack.preview(expect_no_changes=True)
    assert ("emea",) in {tuple(ns) for ns in admin_api(polaris).list_namespaces("acme_sales")}


def test_removing_a_catalog_deletes_it_and_only_what_hangs_off_it(stack, polaris):
    before = planned_objects(stack)
    catalogs = [c for c in local_config()[CATALOGS] if c["name"] != "globex_research"]
    orgs = [{**o, "access": [a for a in o["access"] if a["catalog"] != "globex_research"]} for o in stack_orgs(stack)]
    stack.edit_config(ORGS, orgs)
    stack.edit_config(CATALOGS, catalogs)
    expect_plan_difference(stack, before)
    assert all(op == "delete" for op in changed_steps(stack))
    stack.up()
    stack.preview(expect_no_changes=True)
    assert "globex_research" not in polaris.store.catalogs


def test_credential_rotation_through_config(stack, polaris):
    before = stack.output("clientConfigurations", secret=True)["contoso"]
    old_secret = polaris_secret_of(before)
    orgs = stack_orgs(stack)
    orgs[1]["credentialRotation"] = "2026-12-01"
    stack.edit_config(ORGS, orgs)
    stack.up()
    after = stack.output("clientConfigurations", secret=True)["contoso"]
    new_secret = polaris_secret_of(after)
    assert new_secret != old_secret
    # Polaris keeps the previous secret as the secondary one after a rotation (a grace period for clients).
    principal = polaris.store.principal("contoso")
    assert principal.main_secret == new_secret and principal.matches(new_secret)
    stack.preview(expect_no_changes=True)


def test_destroy_leaves_no_object_of_ours(stack, polaris):
    stack.destroy()
    assert polaris.store.catalogs == {}
    assert set(polaris.store.principals) <= {"root"}
    assert set(polaris.store.principal_roles) <= {"service_admin"}


def stack_orgs(stack: LocalStack) -> list[dict]:
    return json.loads(json.dumps(stack.config_value(ORGS)))


def polaris_secret_of(configuration) -> str:
    """The principal's secret, from the `credential` (`<client id>:<secret>`) of its PyIceberg catalogs."""
    credentials = {c["credential"] for c in configuration["pyiceberg"]["catalog"].values()}
    assert len(credentials) == 1
    return credentials.pop().split(":", 1)[1]
