"""The shipped stacks end to end under mocks: each stage's outputs are what the next stage receives."""

from __future__ import annotations

import json

import pytest

from tools.plan import SECRET, plan_stack

DYNAMIC = "pulumi-python:dynamic/polaris:"


@pytest.fixture(scope="module")
def dev():
    return plan_stack("dev")


@pytest.fixture(scope="module")
def prod():
    return plan_stack("prod")


def only(plan, type_):
    [resource] = plan.of_type(type_)
    return resource


def test_dev_plan_shows_all_three_clouds(dev):
    types = {r.type for r in dev.resources}
    assert {"aws:iam/role:Role", "gcp:serviceaccount/account:Account", "azuread:index/application:Application",
            "azure-native:storage:StorageAccount", "eks:index:Cluster"} <= types


def test_vending_roles_trust_the_platform_server_role(prod):
    server_role = prod.outputs["polarisServerRoleArn"]
    vending_roles = [r for r in prod.of_type("aws:iam/role:Role") if "vending" in r.name]
    assert len(vending_roles) == 2
    for role in vending_roles:
        assert role.inputs["assumeRolePolicy"] == SECRET  # it carries the external id
        trust = json.loads(role.unmasked_inputs["assumeRolePolicy"])
        assert {s["Principal"]["AWS"] for s in trust["Statement"]} == {server_role}


def test_server_role_may_assume_exactly_the_vending_roles(prod):
    policy = json.loads(next(r for r in prod.of_type("aws:iam/rolePolicy:RolePolicy")
                             if r.parent == prod.named("polaris-vending-access").urn).inputs["policy"])
    resources = {arn for s in policy["Statement"] for arn in s["Resource"]}
    assert resources == {o["roleArn"] for o in prod.outputs["dataOwners"].values() if o["cloud"] == "aws"}


def test_kubernetes_service_account_carries_the_server_role(dev):
    account = only(dev, "kubernetes:core/v1:ServiceAccount")
    assert account.inputs["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == dev.outputs["polarisServerRoleArn"]


def test_federation_trusts_the_cluster_issuer(dev):
    issuer = dev.outputs["oidcIssuerUrl"]
    gcp = only(dev, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")
    azure = only(dev, "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential")
    assert gcp.inputs["oidc"]["issuerUri"] == issuer
    assert azure.inputs["issuer"] == issuer


def test_catalog_storage_comes_from_each_owners_vending_identity(dev):
    catalogs = {r.inputs["name"]: r.inputs["storageConfigInfo"] for r in dev.of_type(DYNAMIC + "Catalog")}
    owners = dev.outputs["dataOwners"]
    assert catalogs["acme_sales"]["roleArn"] == owners["acme"]["roleArn"]
    assert catalogs["acme_sales"]["externalId"] == SECRET
    assert catalogs["globex_research"]["gcsServiceAccount"] == owners["globex"]["serviceAccount"]
    assert catalogs["initech_finance"]["tenantId"] == owners["initech"]["tenantId"]
    assert catalogs["initech_finance"]["allowedLocations"] == owners["initech"]["allowedLocations"]


def test_polaris_resources_wait_for_the_server(dev):
    server = {dev.named("polaris").urn} | {r.urn for r in dev.descendants("polaris")}
    assert server & set(dev.named("polaris-access").dependencies)


def test_prod_has_a_database_a_bootstrap_job_and_several_replicas(prod):
    assert only(prod, "aws:rds/instance:Instance").inputs["deletionProtection"] is True
    assert prod.of_type("kubernetes:batch/v1:Job")
    assert only(prod, "kubernetes:apps/v1:Deployment").inputs["spec"]["replicas"] >= 2
    service = only(prod, "kubernetes:core/v1:Service").inputs["spec"]
    assert service["loadBalancerSourceRanges"] == ["198.51.100.0/24", "192.0.2.0/24"]
    assert only(prod, "eks:index:Cluster").inputs["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_dev_is_in_memory_with_one_replica_and_no_database(dev):
    assert not dev.of_type("aws:rds/instance:Instance") and not dev.of_type("kubernetes:batch/v1:Job")
    assert only(dev, "kubernetes:apps/v1:Deployment").inputs["spec"]["replicas"] == 1


def test_credentials_are_exported_only_as_secrets(prod):
    outputs = prod.outputs
    assert outputs["polarisAdminClientSecret"] == SECRET and outputs["kubeconfig"] == SECRET
    assert set(outputs["clientConfigurations"].values()) == {SECRET}
    assert all(o.get("externalId", SECRET) == SECRET for o in outputs["dataOwners"].values())


def test_no_plaintext_secret_anywhere_in_the_plan(prod):
    """The mocks' generated secrets (principal secrets, passwords, external ids) never appear in the plan."""
    document = json.dumps(prod.to_json())
    for resource in prod.of_type(DYNAMIC + "Principal"):
        assert resource.state["clientSecret"] == SECRET
    for resource in prod.of_type("random:index/randomPassword:RandomPassword"):
        assert resource.state["result"] == SECRET
    assert "secret" + "contoso" not in document


@pytest.mark.parametrize("type_", ["aws:s3/bucket:Bucket", "gcp:storage/bucket:Bucket",
                                   "azure-native:storage:StorageAccount", "azure-native:storage:BlobContainer"])
def test_owners_data_stores_survive_destroy(dev, type_):
    stores = dev.of_type(type_)
    assert stores and all(r.retain_on_delete for r in stores)


def test_polaris_waits_for_the_cluster_addons(prod):
    addons = {prod.named("platform-vpc-cni").urn}
    deployment = only(prod, "kubernetes:apps/v1:Deployment")
    server = prod.named("polaris")
    assert addons & set(server.dependencies) or addons & set(deployment.dependencies)


def test_cluster_viewers_get_read_only_access_entries(prod, dev):
    entries = only(prod, "eks:index:Cluster").inputs["accessEntries"]
    assert [e["principalArn"] for e in entries.values()] == ["arn:aws:iam::111111111111:role/polaris-ci-preview"]
    for entry in entries.values():
        assert {p["policyArn"].rsplit("/", 1)[1] for p in entry["accessPolicies"].values()} == {"AmazonEKSAdminViewPolicy"}
    assert not only(dev, "eks:index:Cluster").inputs.get("accessEntries")


def test_an_internal_polaris_is_reached_through_a_port_forward_with_the_cluster_kubeconfig(dev, prod):
    catalog = next(r for r in dev.resources if r.type == DYNAMIC + "Catalog")
    connection = catalog.unmasked_inputs["connection"]
    assert connection["endpoint"] == dev.outputs["polarisUrl"]
    tunnel = connection["tunnel"]
    assert tunnel["namespace"] == "polaris" and tunnel["port"] == 8181
    assert tunnel["podSelector"] == "app.kubernetes.io/component=server,app.kubernetes.io/name=polaris"
    kubeconfig = json.loads(tunnel["kubeconfig"])
    assert "exec" in kubeconfig["users"][0]["user"], "the exec plugin, never an inline token"
    prod_catalog = next(r for r in prod.resources if r.type == DYNAMIC + "Catalog")
    assert "tunnel" not in prod_catalog.unmasked_inputs["connection"], "a load balancer needs no tunnel"
