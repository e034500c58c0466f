"""GCS vending under mocks: one pool pinned to Polaris' service account, per-owner buckets and identities."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.gcp import (
    GCP_TOKEN_PATH,
    GcpDataOwner,
    GcpVendingArgs,
    GcpWorkloadIdentity,
    GcpWorkloadIdentityArgs,
    gcp_labels,
)
from configuration.schema import DataOwnerConfig, GcpProject, StorageConfig
from tools.plan import Plan, PlannedResource, run_program

ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123"
SUBJECT = "system:serviceaccount:polaris:polaris-server"
GLOBEX = DataOwnerConfig(
    name="globex",
    gcp=GcpProject(project="globex-data", location="EU"),
    storage=StorageConfig(bucket="globex-shared", prefixes=("research", "lab/")),
)
HOOLI = DataOwnerConfig(
    name="hooli",
    gcp=GcpProject(project="hooli-data", object_admin=True),
    storage=StorageConfig(bucket="hooli-existing", create=False, prefixes=("x",)),
)
TAGS = {"Project": "Polaris Data Exchange", "cost.center": "42", "1st": "Yes"}

BUCKET_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember"
ACCOUNT_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"


def program() -> None:
    identity = GcpWorkloadIdentity(
        "wif",
        GcpWorkloadIdentityArgs(
            project="polaris-identity", oidc_issuer_url=ISSUER, namespace="polaris", service_account="polaris-server"
        ),
    )
    pulumi.export("federatedPrincipal", identity.federated_principal)
    pulumi.export("audience", identity.access.audience)
    pulumi.export("credentialConfiguration", identity.access.credential_configuration)
    for owner in (GLOBEX, HOOLI):
        vending = GcpDataOwner(owner.name, GcpVendingArgs(owner, identity.federated_principal, TAGS))
        pulumi.export(
            owner.name,
            {"email": vending.service_account_email, "bucket": vending.bucket, "locations": vending.allowed_locations},
        )


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_program(program, stack="unit")


def under(plan: Plan, component: str) -> list[PlannedResource]:
    """Every resource below a component, at any depth."""
    urns = {plan.named(component).urn}
    found = []
    for resource in plan.resources:  # registrations come parent first
        if resource.parent in urns:
            urns.add(resource.urn)
            found.append(resource)
    return found


def of_type(plan: Plan, component: str, type_: str) -> list[PlannedResource]:
    return [r for r in under(plan, component) if r.type == type_]


# -- the workload identity pool ---------------------------------------------------------------------------


def test_provider_trusts_the_eks_issuer_for_polaris_service_account_only(plan):
    provider = plan.named("wif-oidc")
    assert provider.inputs["oidc"] == {"issuerUri": ISSUER}
    assert provider.inputs["attributeCondition"] == f"assertion.sub == '{SUBJECT}'"
    assert provider.inputs["attributeMapping"] == {"google.subject": "assertion.sub"}
    assert provider.inputs["workloadIdentityPoolId"] == plan.named("wif-pool").inputs["workloadIdentityPoolId"]


def test_pool_lives_in_the_identity_project(plan):
    project = plan.named("wif-provider")
    assert project.inputs["project"] == "polaris-identity"
    assert {r.provider for r in under(plan, "wif") if r.type.startswith("gcp:iam/")} == {project.urn}
    assert plan.named("wif-pool").inputs["workloadIdentityPoolId"].startswith("polaris-")


def test_federated_principal_is_the_subject_in_the_pool_by_project_number(plan):
    pool_name = plan.named("wif-pool").state["name"]
    assert pool_name.startswith("projects/") and pool_name.split("/")[1].isdigit()
    assert plan.outputs["federatedPrincipal"] == f"principal://iam.googleapis.com/{pool_name}/subject/{SUBJECT}"


def test_credential_configuration_is_a_file_sourced_external_account(plan):
    audience = "//iam.googleapis.com/" + plan.named("wif-oidc").state["name"]
    assert plan.outputs["audience"] == audience
    assert json.loads(plan.outputs["credentialConfiguration"]) == {
        "type": "external_account",
        "audience": audience,
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": "https://sts.googleapis.com/v1/token",
        "credential_source": {"file": GCP_TOKEN_PATH, "format": {"type": "text"}},
    }


# -- per data owner ---------------------------------------------------------------------------------------


def test_created_bucket_is_private_uniform_versioned_and_labelled(plan):
    bucket = plan.named("globex-bucket")
    assert bucket.inputs["name"] == "globex-shared" and bucket.inputs["location"] == "EU"
    assert bucket.inputs["uniformBucketLevelAccess"] is True
    assert bucket.inputs["publicAccessPrevention"] == "enforced"
    assert bucket.inputs["versioning"] == {"enabled": True}
    assert bucket.inputs["labels"] == gcp_labels(TAGS)


def test_existing_bucket_is_referenced_by_name_and_not_created(plan):
    assert not of_type(plan, "hooli", "gcp:storage/bucket:Bucket")
    assert plan.outputs["hooli"]["bucket"] == "hooli-existing"
    assert of_type(plan, "hooli", BUCKET_MEMBER)[0].inputs["bucket"] == "hooli-existing"


@pytest.mark.parametrize(
    "owner, bucket, role",
    [("globex", "globex-shared", "roles/storage.objectUser"), ("hooli", "hooli-existing", "roles/storage.objectAdmin")],
)
def test_vending_account_gets_one_role_on_its_bucket_only(plan, owner, bucket, role):
    [member] = of_type(plan, owner, BUCKET_MEMBER)
    email = plan.outputs[owner]["email"]
    assert (member.inputs["bucket"], member.inputs["role"], member.inputs["member"]) == (
        bucket,
        role,
        f"serviceAccount:{email}",
    )


@pytest.mark.parametrize("owner, project", [("globex", "globex-data"), ("hooli", "hooli-data")])
def test_project_level_grant_is_service_usage_only(plan, owner, project):
    [member] = of_type(plan, owner, PROJECT_MEMBER)
    assert (member.inputs["project"], member.inputs["role"], member.inputs["member"]) == (
        project,
        "roles/serviceusage.serviceUsageConsumer",
        f"serviceAccount:{plan.outputs[owner]['email']}",
    )


def test_no_storage_role_anywhere_but_on_buckets(plan):
    roles = [r.inputs.get("role", "") for r in plan.resources if r.custom and r.type != BUCKET_MEMBER]
    assert not [role for role in roles if role.startswith("roles/storage.")]


@pytest.mark.parametrize("owner", ["globex", "hooli"])
def test_only_the_federated_principal_may_impersonate_the_vending_account(plan, owner):
    [member] = of_type(plan, owner, ACCOUNT_MEMBER)
    account = plan.named(f"{owner}-vending")
    assert member.inputs == {
        "serviceAccountId": account.state["name"],
        "role": "roles/iam.serviceAccountTokenCreator",
        "member": plan.outputs["federatedPrincipal"],
    }


def test_no_service_account_key_exists(plan):
    assert not [r for r in plan.resources if r.type.startswith("gcp:serviceaccount/key")]


@pytest.mark.parametrize("owner, project", [("globex", "globex-data"), ("hooli", "hooli-data")])
def test_every_owner_resource_uses_its_own_project_provider(plan, owner, project):
    provider = plan.named(f"{owner}-provider")
    assert provider.inputs["project"] == project and provider.parent == plan.named(owner).urn
    custom = [r for r in under(plan, owner) if r.custom and r is not provider]
    assert len(custom) >= 4 and {r.provider for r in custom} == {provider.urn}


def test_two_projects_get_separate_providers_and_identities(plan):
    assert plan.named("globex-provider").urn != plan.named("hooli-provider").urn
    assert plan.outputs["globex"]["email"] == "polaris-globex@globex-data.iam.gserviceaccount.com"
    assert plan.outputs["hooli"]["email"] == "polaris-hooli@hooli-data.iam.gserviceaccount.com"


def test_allowed_locations_are_the_shared_prefixes(plan):
    assert plan.outputs["globex"]["locations"] == ["gs://globex-shared/research/", "gs://globex-shared/lab/"]


def test_components_use_project_type_tokens(plan):
    assert plan.named("wif").type == "polaris-data-exchange:gcp:WorkloadIdentity"
    assert plan.named("globex").type == "polaris-data-exchange:gcp:DataOwner"


# -- labels ------------------------------------------------------------------------------------------------


def test_tags_become_valid_gcp_labels():
    assert gcp_labels(TAGS) == {"project": "polaris_data_exchange", "cost_center": "42", "tag-1st": "yes"}
    long = gcp_labels({"k" * 80: "v" * 80})
    assert [len(x) for x in next(iter(long.items()))] == [63, 63]
