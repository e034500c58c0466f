"""Azure vending under mocks: one multi-tenant application, roles on exactly the owner's container and account."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pulumi
import pytest

from components.azure import (
    AZURE_TOKEN_AUDIENCE,
    AZURE_TOKEN_PATH,
    AzureApplicationArgs,
    AzureDataOwner,
    AzureVendingApplication,
    AzureVendingArgs,
    password_end_date,
)
from configuration.loader import SECRET
from configuration.schema import (
    AzureApplicationConfig,
    AzureSubscription,
    CredentialMode,
    DataOwnerConfig,
    StorageConfig,
)
from tests.components.test_gcp import of_type, under  # to become Plan.descendants (tools/plan.py)
from tools.mocks.registry import stable_hex
from tools.plan import Plan, run_program

HOME = "00000000-0000-4000-8000-0000000000a1"
OTHER = "00000000-0000-4000-8000-0000000000b2"
ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123"
INITECH = DataOwnerConfig(
    name="initech",
    azure=AzureSubscription(
        tenant_id=HOME, subscription_id="sub-initech", resource_group="initech-data", location="westeurope"
    ),
    storage=StorageConfig(account="initechshared", container="exchange", prefixes=("finance",)),
)
UMBRELLA = DataOwnerConfig(
    name="umbrella",
    azure=AzureSubscription(
        tenant_id=OTHER, subscription_id="sub-umbrella", resource_group="umbrella-rg", location="northeurope"
    ),
    storage=StorageConfig(account="umbrellalake", container="shared", create=False, prefixes=("a", "b/c")),
)
OWNERS = {"initech": INITECH, "umbrella": UMBRELLA}

ASSIGNMENT = "azure-native:authorization:RoleAssignment"
CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
DELEGATOR = "db58b8e5-c6ad-4a2a-8342-4190687cbf4a"


def application(name: str, mode: CredentialMode, tenants: tuple[str, ...]) -> AzureVendingApplication:
    return AzureVendingApplication(
        name,
        AzureApplicationArgs(
            application=AzureApplicationConfig(tenant_id=HOME),
            credential_mode=mode,
            oidc_issuer_url=ISSUER,
            namespace="polaris",
            service_account="polaris-server",
            secret_validity_days=30,
            owner_tenants=tenants,
        ),
    )


def program() -> None:
    keyless = application("polaris", CredentialMode.KEYLESS, (HOME, OTHER, OTHER))
    static = application("fallback", CredentialMode.STATIC_SECRET, (HOME,))
    pulumi.export("keyless", {"clientId": keyless.client_id, "env": keyless.access.environment()})
    pulumi.export("static", {"env": static.access.environment(), "secret": static.access.client_secret})
    for owner in OWNERS.values():
        vending = AzureDataOwner(
            owner.name,
            AzureVendingArgs(
                owner,
                keyless.client_id,
                "polaris-credential-vending",
                {"environment": "test"},
                home_principal=keyless.service_principal,
            ),
        )
        pulumi.export(
            owner.name,
            {
                "tenantId": vending.tenant_id,
                "clientId": vending.client_id,
                "consentUrl": vending.consent_url,
                "locations": vending.allowed_locations,
                "account": vending.storage_account,
                "container": vending.container,
            },
        )


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_program(program, stack="unit")


def account_id(owner: DataOwnerConfig) -> str:
    sub = owner.azure
    return (
        f"/subscriptions/{sub.subscription_id}/resourceGroups/{sub.resource_group}"
        f"/providers/Microsoft.Storage/storageAccounts/{owner.storage.account}"
    )


# -- the application --------------------------------------------------------------------------------------


def test_application_is_multi_tenant_in_its_home_tenant(plan):
    app = plan.named("polaris-application")
    assert app.inputs["signInAudience"] == "AzureADMultipleOrgs"
    assert plan.named("polaris-provider").inputs["tenantId"] == HOME
    assert {r.provider for r in under(plan, "polaris") if r.custom} - {""} == {plan.named("polaris-provider").urn}
    assert plan.named("polaris-principal").inputs["clientId"] == app.state["clientId"]


def test_keyless_application_trusts_polaris_service_account_and_has_no_password(plan):
    [credential] = of_type(
        plan, "polaris", "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
    )
    assert credential.inputs["applicationId"] == plan.named("polaris-application").state["id"]
    assert credential.inputs["issuer"] == ISSUER
    assert credential.inputs["subject"] == "system:serviceaccount:polaris:polaris-server"
    assert credential.inputs["audiences"] == [AZURE_TOKEN_AUDIENCE]
    assert not [r for r in under(plan, "polaris") if "Password" in r.type]


def test_static_application_has_a_bounded_password_and_no_federated_credential(plan):
    [password] = of_type(plan, "fallback", "azuread:index/applicationPassword:ApplicationPassword")
    end = datetime.fromisoformat(password.inputs["endDate"])
    now = datetime.now(UTC)
    assert now + timedelta(days=15) <= end <= now + timedelta(days=30)
    assert "endDateRelative" not in password.inputs
    assert not [r for r in under(plan, "fallback") if "FederatedIdentity" in r.type]


def test_static_secret_is_exported_only_as_a_secret(plan):
    plaintext = "mock~" + stable_hex("fallback-password", 34)  # what the mocked password returns
    assert plan.outputs["static"]["secret"] == SECRET
    assert plaintext not in json.dumps(plan.to_json())
    assert plaintext not in json.dumps([r.state for r in plan.resources])


def test_environment_of_each_mode(plan):
    client_id = plan.outputs["keyless"]["clientId"]
    assert plan.outputs["keyless"]["env"] == {
        "AZURE_CLIENT_ID": client_id,
        "AZURE_TENANT_ID": HOME,
        "AZURE_FEDERATED_TOKEN_FILE": AZURE_TOKEN_PATH,
        "AZURE_ADDITIONALLY_ALLOWED_TENANTS": OTHER,
    }
    assert set(plan.outputs["static"]["env"]) == {"AZURE_CLIENT_ID", "AZURE_TENANT_ID"}


def java_sdk_allowed_tenants(value: str) -> list[str]:
    """How the Azure identity SDK for Java (Polaris' runtime) reads the variable:
    `IdentityUtil.getAdditionalTenantsFromEnvironment` is `Arrays.asList(value.split(";"))`."""
    return value.split(";") if value else []


def test_every_other_owner_tenant_is_allowed_as_the_java_sdk_reads_the_list():
    third = "00000000-0000-4000-8000-0000000000c3"
    fourth = "00000000-0000-4000-8000-0000000000d4"
    plan = run_program(
        lambda: pulumi.export(
            "env",
            application("three", CredentialMode.KEYLESS, (HOME, OTHER, third, fourth, third)).access.environment(),
        ),
        stack="unit",
        project="azure-vending",
    )
    allowed = java_sdk_allowed_tenants(plan.outputs["env"]["AZURE_ADDITIONALLY_ALLOWED_TENANTS"])
    assert sorted(allowed) == sorted({OTHER, third, fourth}) and len(allowed) == 3
    assert all(re.fullmatch(r"[0-9a-f-]{36}", tenant) for tenant in allowed)


@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2026, 3, 7), date(2026, 12, 31)])
def test_password_end_date_is_stable_within_a_window_and_bounded(today):
    end = date.fromisoformat(password_end_date(90, today)[:10])
    assert timedelta(days=45) < end - today <= timedelta(days=90)
    window = [password_end_date(90, today + timedelta(days=d)) for d in range(45)]
    assert len(set(window)) <= 2  # 45 days span at most one rotation
    assert password_end_date(90, today).endswith("T00:00:00Z")


# -- per data owner ---------------------------------------------------------------------------------------


def test_created_storage_is_hns_https_tls12_private_and_keyless(plan):
    account = plan.named("initech-account")
    expected = {
        "accountName": "initechshared",
        "resourceGroupName": "initech-data",
        "location": "westeurope",
        "kind": "StorageV2",
        "isHnsEnabled": True,
        "enableHttpsTrafficOnly": True,
        "minimumTlsVersion": "TLS1_2",
        "allowBlobPublicAccess": False,
        "allowSharedKeyAccess": False,
        "tags": {"environment": "test"},
    }
    assert {k: account.inputs.get(k) for k in expected} == expected
    container = plan.named("initech-container")
    assert (container.inputs["containerName"], container.inputs["publicAccess"]) == ("exchange", "None")


def test_existing_storage_is_referenced_not_created(plan):
    assert not [r for r in under(plan, "umbrella") if r.type.startswith("azure-native:storage:")]
    assert (plan.outputs["umbrella"]["account"], plan.outputs["umbrella"]["container"]) == ("umbrellalake", "shared")


@pytest.mark.parametrize("owner", ["initech", "umbrella"])
def test_roles_are_on_the_container_and_the_account_only(plan, owner):
    config = OWNERS[owner]
    account = account_id(config)
    roles_prefix = f"/subscriptions/{config.azure.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
    scopes = {r.inputs["roleDefinitionId"]: r.inputs["scope"] for r in of_type(plan, owner, ASSIGNMENT)}
    container = f"{account}/blobServices/default/containers/{config.storage.container}"
    assert scopes == {roles_prefix + CONTRIBUTOR: container, roles_prefix + DELEGATOR: account}


def test_no_role_assignment_is_resource_group_or_subscription_wide(plan):
    scopes = [r.inputs["scope"] for r in plan.of_type(ASSIGNMENT)]
    assert len(scopes) == 4
    assert all(
        re.fullmatch(
            r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Storage/"
            r"storageAccounts/[a-z0-9]+(/blobServices/default/containers/[a-z0-9-]+)?",
            s,
        )
        for s in scopes
    )


@pytest.mark.parametrize("owner, principal", [("initech", "polaris-principal"), ("umbrella", "umbrella-principal")])
def test_roles_go_to_the_application_principal_in_the_owner_tenant(plan, owner, principal):
    object_id = plan.named(principal).state["objectId"]
    for assignment in of_type(plan, owner, ASSIGNMENT):
        assert (assignment.inputs["principalId"], assignment.inputs["principalType"]) == (object_id, "ServicePrincipal")
        uuid.UUID(assignment.inputs["roleAssignmentName"])
    names = [r.inputs["roleAssignmentName"] for r in plan.of_type(ASSIGNMENT)]
    assert len(set(names)) == len(names)


def test_home_tenant_owner_reuses_the_home_principal(plan):
    assert not of_type(plan, "initech", "azuread:index/servicePrincipal:ServicePrincipal")
    assert not of_type(plan, "initech", "pulumi:providers:azuread")


def test_other_tenant_owner_gets_its_own_principal_through_its_own_directory(plan):
    [principal] = of_type(plan, "umbrella", "azuread:index/servicePrincipal:ServicePrincipal")
    directory = plan.named("umbrella-directory")
    assert directory.inputs["tenantId"] == OTHER and principal.provider == directory.urn
    assert principal.inputs["clientId"] == plan.outputs["keyless"]["clientId"]
    assert principal.state["objectId"] != plan.named("polaris-principal").state["objectId"]


@pytest.mark.parametrize("owner", ["initech", "umbrella"])
def test_every_owner_resource_uses_its_own_provider_of_its_package(plan, owner):
    config = OWNERS[owner].azure
    provider = plan.named(f"{owner}-provider")
    assert provider.inputs["subscriptionId"] == config.subscription_id
    assert provider.inputs["tenantId"] == config.tenant_id
    resources = under(plan, owner)
    providers = {
        r.type.removeprefix("pulumi:providers:"): r.urn for r in resources if r.type.startswith("pulumi:providers:")
    }
    custom = [r for r in resources if r.custom and not r.type.startswith("pulumi:providers:")]
    assert len(custom) >= 2
    assert all(r.provider == providers[r.type.split(":")[0]] for r in custom)


@pytest.mark.parametrize("owner, tenant", [("initech", HOME), ("umbrella", OTHER)])
def test_owner_outputs(plan, owner, tenant):
    outputs = plan.outputs[owner]
    client_id = plan.outputs["keyless"]["clientId"]
    assert (outputs["tenantId"], outputs["clientId"]) == (tenant, client_id)
    assert outputs["consentUrl"] == f"https://login.microsoftonline.com/{tenant}/adminconsent?client_id={client_id}"
    assert outputs["locations"] == list(OWNERS[owner].allowed_locations)


def test_created_storage_outputs_are_the_created_resources_names(plan):
    outputs = plan.outputs["initech"]
    assert outputs["account"] == plan.named("initech-account").state["name"] == "initechshared"
    assert outputs["container"] == plan.named("initech-container").state["name"]


def test_allowed_locations_are_abfss_prefixes(plan):
    assert plan.outputs["umbrella"]["locations"] == [
        "abfss://shared@umbrellalake.dfs.core.windows.net/a/",
        "abfss://shared@umbrellalake.dfs.core.windows.net/b/c/",
    ]


def test_components_use_project_type_tokens(plan):
    assert plan.named("polaris").type == "polaris-data-exchange:azure:VendingApplication"
    assert plan.named("initech").type == "polaris-data-exchange:azure:DataOwner"
