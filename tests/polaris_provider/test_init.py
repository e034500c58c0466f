"""The public classes as a program uses them, under Pulumi mocks: type tokens, inputs, secrets, output attributes."""

from __future__ import annotations

import pulumi
import pytest
from pulumi.runtime.mocks import Mocks

import polaris_provider as polaris
from configuration.loader import SECRET
from tools.plan import run_program

ISSUED_SECRET = "issued-client-secret"
ADMIN_SECRET = "admin-secret-value"


class EchoMocks(Mocks):
    """Outputs = inputs; a principal also gets issued credentials, as the provider's create returns them."""

    def new_resource(self, args):
        state = dict(args.inputs)
        if args.typ.endswith(":Principal"):
            state.update(clientId="cid", clientSecret=ISSUED_SECRET)
        return f"{args.name}-id", state

    def call(self, args):
        return {}


CONNECTION = polaris.PolarisConnection(
    endpoint="https://polaris.internal",
    client_id="root",
    client_secret=pulumi.Output.secret(ADMIN_SECRET),
    realm="POLARIS",
)
S3 = {"storageType": "S3", "allowedLocations": ["s3://sales/"], "roleArn": "arn:aws:iam::123456789012:role/p"}


def program() -> None:
    catalog = polaris.Catalog(
        "sales",
        polaris.CatalogArgs(
            name="sales", storage_config_info=S3, properties={"default-base-location": "s3://sales/wh"}
        ),
        CONNECTION,
    )
    principal = polaris.Principal("spark", polaris.PrincipalArgs(name="spark", rotation="2026-11"), CONNECTION)
    polaris.PrincipalRole("readers", polaris.PrincipalRoleArgs(name="readers"), CONNECTION)
    polaris.CatalogRole("sales-readers", polaris.CatalogRoleArgs(catalog_name=catalog.name, name="readers"), CONNECTION)
    polaris.PrincipalRoleAssignment(
        "spark-readers",
        polaris.PrincipalRoleAssignmentArgs(principal_name=principal.name, principal_role_name="readers"),
        CONNECTION,
    )
    polaris.CatalogRoleAssignment(
        "readers-sales",
        polaris.CatalogRoleAssignmentArgs(
            principal_role_name="readers", catalog_name="sales", catalog_role_name="readers"
        ),
        CONNECTION,
    )
    polaris.Grant(
        "read-sales",
        polaris.GrantArgs(
            catalog_name="sales",
            catalog_role_name="readers",
            grant={"type": "namespace", "namespace": ["raw"], "privilege": "TABLE_READ_DATA"},
        ),
        CONNECTION,
    )
    polaris.Namespace("raw", polaris.NamespaceArgs(catalog_name="sales", namespace=["raw"]), CONNECTION)
    pulumi.export("clientSecret", principal.clientSecret)
    pulumi.export("clientId", principal.clientId)
    pulumi.export("catalogVersionSeeded", catalog.entityVersion.apply(lambda v: v is None))


@pytest.fixture(scope="module")
def plan():
    return run_program(program, stack="test", mocks=EchoMocks())


def test_type_tokens_are_per_class(plan):
    expected = {
        "sales": "Catalog",
        "spark": "Principal",
        "readers": "PrincipalRole",
        "sales-readers": "CatalogRole",
        "spark-readers": "PrincipalRoleAssignment",
        "readers-sales": "CatalogRoleAssignment",
        "read-sales": "Grant",
        "raw": "Namespace",
    }
    assert {r.name: r.type for r in plan.resources} == {k: polaris.TYPE_PREFIX + v for k, v in expected.items()}


def test_connection_is_one_secret_input_and_never_plain(plan):
    for resource in plan.resources:
        assert resource.inputs["connection"] == SECRET, resource.name
        assert ADMIN_SECRET not in repr(resource.inputs) and ADMIN_SECRET not in repr(resource.state)


def test_inputs_use_polaris_json_names(plan):
    catalog = plan.named("sales").inputs
    assert catalog["storageConfigInfo"]["roleArn"] == S3["roleArn"] and catalog["type"] == "INTERNAL"
    assert catalog["adopt"] is False
    assert plan.named("read-sales").inputs["grant"]["privilege"] == "TABLE_READ_DATA"
    assert plan.named("sales-readers").inputs["catalogName"] == "sales"
    assert plan.named("raw").inputs["namespace"] == ["raw"]
    assert plan.named("spark").inputs["rotation"] == "2026-11"


def test_principal_credentials_are_secret_outputs_set_by_the_class(plan):
    state = plan.named("spark").state
    assert state["clientSecret"] == SECRET and state["clientId"] == SECRET
    assert plan.outputs["clientSecret"] == SECRET and ISSUED_SECRET not in repr(plan.outputs)


def test_outputs_are_seeded_so_attributes_exist(plan):
    assert plan.outputs["catalogVersionSeeded"] is True


def test_connection_defaults_and_repr_without_secret():
    bare = polaris.PolarisConnection(endpoint="https://p", client_id="id", client_secret="plain-admin-secret")
    assert (bare.realm, bare.scope, bare.ca_bundle) == (None, "PRINCIPAL_ROLE:ALL", None)
    assert "plain-admin-secret" not in repr(bare)


@pytest.mark.parametrize(
    "cls",
    [
        polaris.Catalog,
        polaris.Principal,
        polaris.PrincipalRole,
        polaris.CatalogRole,
        polaris.PrincipalRoleAssignment,
        polaris.CatalogRoleAssignment,
        polaris.Grant,
        polaris.Namespace,
    ],
)
def test_providers_pickle_by_reference_without_state(cls):
    """State holds only a module reference: no session, token or credentials, and current code runs on refresh."""
    import base64

    from pulumi.dynamic.dynamic import serialize_provider

    provider_class = {c.__name__: c for c in _provider_classes()}[cls.__name__ + "Provider"]
    payload = base64.b64decode(serialize_provider(provider_class()))
    assert len(payload) < 200 and provider_class.__module__.encode() in payload
    assert b"Session" not in payload and b"token" not in payload.lower()


def _provider_classes():
    from polaris_provider.resources import catalog, grants, namespaces, principals, roles

    return [
        getattr(module, name)
        for module in (catalog, grants, namespaces, principals, roles)
        for name in dir(module)
        if name.endswith("Provider") and not name.startswith("_")
    ]
